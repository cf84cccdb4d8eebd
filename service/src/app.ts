// The application as a Fastify plugin, plus the factory that builds a server around it with
// the options production uses. server.ts listens; tests call `buildApp` and use inject().
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type ServerOptions as HttpServerOptions,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from './config.ts';
import flagdExport from './flagd/export-route.ts';
import sync from './flagd/sync-plugin.ts';
import { createLogger, loggerOptions, RequestLogController } from './logger.ts';
import auth from './plugins/auth.ts';
import changeRequests from './plugins/change-requests.ts';
import { allowCors } from './plugins/cors.ts';
import database from './plugins/database.ts';
import emf from './plugins/emf.ts';
import errors, { clientErrorHandler, frameworkErrors } from './plugins/errors.ts';
import metrics from './plugins/metrics.ts';
import promotion from './plugins/promotion.ts';
import rateLimits from './plugins/rate-limit.ts';
import redis from './plugins/redis.ts';
import requestId from './plugins/request-id.ts';
import schedules from './plugins/schedules.ts';
import services from './plugins/services.ts';
import swagger from './plugins/swagger.ts';
import underPressure from './plugins/under-pressure.ts';
import usage from './plugins/usage.ts';
import validation from './plugins/validation.ts';
import webhooks from './plugins/webhooks.ts';
import admin from './routes/admin/index.ts';
import events from './routes/events.ts';
import { createFastPath, type FastPath } from './routes/fast-path.ts';
import health from './routes/health.ts';
import { routeTable } from './routes/hot-routes.ts';
import ofrep from './routes/ofrep.ts';
import readApi from './routes/read-api.ts';
import session from './routes/session.ts';
import ui from './routes/ui.ts';

export const BODY_LIMIT_BYTES = 64 * 1024;
/** The embedded database's first start (initdb) takes seconds, tens of them on a busy host. */
const PLUGIN_TIMEOUT_MS = 120_000;
const TIMEOUT_CHECK_MS = 1000;
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

async function flagstoneApp(app: FastifyInstance, { config }: { config: Config }) {
  // Validation and errors first, so their rules reach every route; then third-party plugins, our
  // own, the routes.
  await app.register(validation);
  await app.register(errors);
  await app.register(swagger);
  await app.register(metrics);
  await app.register(requestId);
  await app.register(database, { config });
  await app.register(redis, { config });
  await app.register(services, { config });
  await app.register(usage, { config });
  await app.register(changeRequests);
  await app.register(schedules);
  await app.register(promotion);
  await app.register(webhooks);
  await app.register(auth);
  await app.register(rateLimits);
  await app.register(emf, { config });
  // Event-loop delay is sampled from here on: opening the database and compiling its client can
  // block the loop for a second on a busy host, and that start-up work is not overload.
  await app.register(underPressure, { config });
  // The flagd sync service has a listener of its own; nothing of the HTTP app runs there.
  if (config.SYNC_PORT !== undefined) await app.register(sync, { port: config.SYNC_PORT });

  await app.register(health, { prefix: '/health' });
  await app.register(readApi, { prefix: '/api/config' });
  await app.register(flagdExport, { prefix: '/api/config' });
  await app.register(
    async (api) => {
      // The web UI's session cookie is read here only: the hot routes carry no cookie hooks.
      await api.register(cookie, { hook: 'onRequest' });
      await api.register(session, { prefix: '/session' });
      await api.register(admin, { prefix: '/admin' });
    },
    { prefix: '/api' },
  );
  await app.register(ui, { prefix: '/ui' });
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/ui/'));
  await app.register(
    async (api) => {
      // CORS first: a browser's preflight carries no token (and an event stream's request none).
      await allowCors(api);
      await api.register(ofrep);
      await api.register(events);
    },
    { prefix: '/ofrep/v1' },
  );
}

/** Not encapsulated, so whoever registers the app sees its decorators (database, flags…). */
export const flagstone = fp(flagstoneApp, { name: 'flagstone' });

/**
 * Keeps a caller's request id when it is sane, so one id follows a request across services;
 * otherwise a random per-process prefix and a counter: unique, and cheaper than a UUID a request.
 */
function requestIds() {
  const prefix = randomUUID().slice(0, 8);
  let sequence = 0;
  return (req: { headers: Record<string, string | string[] | undefined> }) => {
    const given = req.headers['x-request-id'];
    return typeof given === 'string' && REQUEST_ID.test(given)
      ? given
      : `${prefix}-${(++sequence).toString(36)}`;
  };
}

/** What a deployment adds to the app, ahead of its routes. */
export interface AppOptions {
  logger?: Parameters<typeof createLogger>[0];
  /** Plugins registered before the service's own (tracing, an access log…). */
  plugins?: FastifyPluginAsync[];
}

/** The options Fastify builds its own HTTP/1 server from. */
interface ServerOptions {
  http?: HttpServerOptions | null;
  https?: unknown;
  http2?: boolean;
  keepAliveTimeout?: number;
  requestTimeout?: number;
  connectionTimeout?: number;
  maxRequestsPerSocket?: number;
}

/**
 * The server Fastify would make from its options, handing every request to `serve` first:
 * Fastify's server factory hook gets the options it would have used itself. Plain HTTP/1 only:
 * TLS ends at the load balancer.
 */
export function serverFactory(serve: FastPath) {
  return (handler: Handler, fastifyOptions: Record<string, unknown>) => {
    const options = fastifyOptions as ServerOptions;
    if (options.http2 || options.https) {
      throw new Error(
        'Flagstone serves plain HTTP/1 (TLS ends at the load balancer): drop the http2 and https options.',
      );
    }
    const server = createServer(options.http ?? {}, (req, res) => serve(req, res, handler));
    server.keepAliveTimeout = options.keepAliveTimeout!;
    server.requestTimeout = options.requestTimeout!;
    server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket! > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket!;
    return server;
  };
}

/** Builds the app, ready: it does not start when a hot route has a hook the fast path does not do. */
export async function buildApp(config: Config, { logger, plugins = [] }: AppOptions = {}) {
  const requestId = requestIds();
  const routes = routeTable();
  let fastPath: FastPath = (req, res, route) => route(req, res);
  const app = Fastify({
    // The server Fastify would make, answering the hot read and evaluation first (routes/fast-path.ts).
    serverFactory: serverFactory((req, res, route) => fastPath(req, res, route)),
    http: {
      headersTimeout: config.HEADERS_TIMEOUT_MS,
      // Timeouts are checked once a second (Node's default is every 30 s), so a slow client is cut off on time.
      connectionsCheckingInterval: TIMEOUT_CHECK_MS,
    },
    // A body sent a byte at a time cannot hold a connection for longer than this (408).
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    // Above a load balancer's idle timeout, so it never reuses a connection the service just closed.
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
    loggerInstance: createLogger(logger ?? loggerOptions(config.LOG_LEVEL)),
    bodyLimit: BODY_LIMIT_BYTES,
    pluginTimeout: PLUGIN_TIMEOUT_MS,
    routerOptions: {
      // Keys may be 128 characters (OFREP paths take up to 256 and answer FLAG_NOT_FOUND); the
      // router's default of 100 would refuse the longest with 414.
      maxParamLength: 256,
      // find-my-way's documented option (missing from its types): how the hot routes are read.
      ...({ buildPrettyMeta: routes.buildPrettyMeta } as object),
    },
    frameworkErrors,
    // A request Node could not parse has no headers to read a caller's id from: a new one.
    clientErrorHandler: clientErrorHandler(() => requestId({ headers: {} })),
    logController: new RequestLogController(),
    requestIdHeader: false,
    // Behind a load balancer the client address is the one it appended to X-Forwarded-For.
    trustProxy: (_address: string, hop: number) => hop < config.TRUSTED_PROXY_HOPS,
    genReqId: requestId,
  }).withTypeProvider<TypeBoxTypeProvider>();
  for (const plugin of plugins) await app.register(plugin);
  await app.register(flagstone, { config });
  fastPath = createFastPath(app, requestId, () => routes.hotRoutes(app));
  await app.ready();
  return app;
}
