// The seam between Fastify and the fast path (fast-path.ts). A route says it is hot in its
// config (`config: { hot: 'read' }`); the fast path takes the route's method, URL pattern and
// metric label from it. Every hook on a hot route must be one the fast path does itself, marked
// with `reproduced()`: at start-up the app refuses to boot, naming the hook, when a hot route
// carries any other (a CORS, tracing or access-log hook would otherwise skip most traffic).
import type { FastifyInstance } from 'fastify';

/** What the fast path answers for a hot route: a flag read, or one OFREP evaluation. */
export type HotKind = 'read' | 'evaluation';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The fast path answers this route's common case before routing (routes/fast-path.ts). */
    hot?: HotKind;
    /** An admin API read a read token may make too (routes/admin/index.ts). */
    readable?: boolean;
    /** How deep an admin body may nest, when deeper than storable.ts's MAX_DEPTH (routes/admin/index.ts). */
    bodyDepth?: number;
  }
}

/** A hot route as the fast path serves it. */
export interface HotRoute {
  kind: HotKind;
  method: string;
  /** The route's pattern, e.g. /api/config/flags/:flagKey: the metric label. */
  url: string;
  /** The pattern up to its one parameter, e.g. /api/config/flags/. */
  prefix: string;
}

const REPRODUCED = 'reproduced by the fast path: ';
const LIFECYCLE = [
  'onRequest',
  'preParsing',
  'preValidation',
  'preHandler',
  'preSerialization',
  'onSend',
  'onResponse',
  'onError',
  'onTimeout',
  'onRequestAbort',
] as const;
/**
 * Hooks of third-party plugins that the fast path does too, by the name the plugin gives them
 * (their functions cannot be marked). A plugin release that renames one stops the app from
 * starting, which is the point: look again at what it does.
 */
const REPRODUCED_THIRD_PARTY: Record<string, string> = {
  handleCors: '@fastify/cors (CORS_ORIGINS): fast-path.ts sets the same headers (plugins/cors.ts)',
};
/** A static path ending in one parameter: the only shape the fast path matches. */
const PATTERN = /^(\/[^:*]*\/):[A-Za-z]\w*$/;

/** Marks a hook the fast path does itself for hot routes (under `what`, for the next reader). */
export function reproduced<T extends (...args: never[]) => unknown>(what: string, hook: T): T {
  Object.defineProperty(hook, 'name', { value: REPRODUCED + what });
  return hook;
}

/** A hot route the fast path cannot serve as declared; the app does not start. */
export class HotRouteError extends Error {}

interface RouteStore {
  config: { url: string; method: string; hot?: HotKind };
  [hook: string]: unknown;
}

/**
 * Reads the router's routes as Fastify holds them, with every hook that applies to each (its
 * own and its plugins'). Fastify offers no other view of a route's merged hooks than the one its
 * router hands `buildPrettyMeta` (a router option) when the routes are printed.
 */
export function routeTable() {
  let stores: RouteStore[] | undefined;
  return {
    /** Shows what Fastify's own shows (`printRoutes({ includeHooks: true })` is unchanged). */
    buildPrettyMeta({ store }: { store: RouteStore }) {
      stores?.push(store);
      const meta: Record<string, unknown> = {};
      for (const key of ['errorHandler', 'logLevel', 'logSerializers', ...LIFECYCLE]) meta[key] = store[key];
      return meta;
    },

    /** The hot routes of a ready app; throws HotRouteError for one the fast path cannot serve. */
    hotRoutes(app: FastifyInstance): HotRoute[] {
      stores = [];
      app.printRoutes({ includeMeta: true });
      const seen = new Set(stores);
      stores = undefined;
      const routes: HotRoute[] = [];
      // Fastify's own HEAD route for a GET carries its config; the fast path answers only the GET.
      for (const store of seen) {
        const { hot: kind, url, method } = store.config;
        if (kind === undefined || method === 'HEAD') continue;
        const where = `${method} ${url}`;
        const prefix = PATTERN.exec(url)?.[1];
        if (prefix === undefined) {
          throw new HotRouteError(`The hot route ${where} must be a path ending in one parameter.`);
        }
        if (routes.some((route) => route.kind === kind)) {
          throw new HotRouteError(`Two routes are hot for '${kind}'; the fast path serves one.`);
        }
        for (const type of LIFECYCLE) {
          for (const hook of (store[type] as { name: string }[] | null | undefined) ?? []) {
            const name = hook.name.replace(/^bound /, '');
            if (name.startsWith(REPRODUCED) || Object.hasOwn(REPRODUCED_THIRD_PARTY, name)) continue;
            throw new HotRouteError(
              `The hot route ${where} carries the ${type} hook '${name || 'anonymous'}', which the fast ` +
                `path does not do, so most requests would skip it. Do it in routes/fast-path.ts and mark ` +
                `the hook with reproduced(), or take 'hot' off the route.`,
            );
          }
        }
        routes.push({ kind, method, url, prefix });
      }
      return routes;
    },
  };
}
