// The hot routes (hot-routes.ts), answered before Fastify routes the request: a flag read and
// an OFREP evaluation, with a token this instance has verified and a flag it holds in memory.
// That is nearly every request a service makes, and Fastify's routing, hooks, body parsing and
// validation cost more than the read or the evaluation itself (service/bench/README.md).
// Anything else (no token or one not verified here, a restricted environment, a query or body
// the route would refuse or judge, a flag not held in memory, an evaluation error, a token near
// its rate limit, overload, shutdown, debug logging) goes to the Fastify route, which answers it
// in full: these paths only ever give the answer the route gives, and the tests hold the two to
// the same status, headers and body.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import secureJson from 'secure-json-parse';
import { environmentFor, refusal, tokenPrincipal } from '../access/authorization.ts';
import { KEY } from '../config.ts';
import type { EvaluationContext } from '../flags/rule-schemas.ts';
import { plainBearer } from '../plugins/auth.ts';
import { corsHeaders } from '../plugins/cors.ts';
import { tooDeep } from '../storable.ts';
import type { HotKind, HotRoute } from './hot-routes.ts';
import { holdBody, JSON_TYPE, quoted, serializedOf } from './http.ts';
import { successJson } from './ofrep-answers.ts';

const ENVIRONMENT_QUERY = 'environment=';
/** Evaluation contexts are far smaller; bigger bodies (up to the route's 64 KB) go to the route. */
const MAX_BODY_BYTES = 16 * 1024;
const JSON_TYPES = new Set(['application/json', JSON_TYPE]);
/** Fastify's defaults for JSON bodies (onProtoPoisoning, onConstructorPoisoning). */
const ROUTE_PARSING = { protoAction: 'error', constructorAction: 'error' } as const;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
/** Answers a request for a hot route, or returns false to leave it, untouched, to the route. */
type Answer = (req: IncomingMessage, res: ServerResponse, url: string, route: Handler) => boolean;
/** Answers the request, or hands it to `route` untouched (an evaluation's body read, and held for it). */
export type FastPath = (req: IncomingMessage, res: ServerResponse, route: Handler) => void;

/** The plain `Bearer <token>` or `X-API-Key` secret; undefined for anything the route should judge. */
function secretOf({ headers }: IncomingMessage): string | undefined {
  const { authorization } = headers;
  if (authorization === undefined) {
    const apiKey = headers['x-api-key'];
    return typeof apiKey === 'string' && apiKey !== '' ? apiKey : undefined;
  }
  return plainBearer(authorization);
}

/** The flag key after `prefix`, and the environment a plain `?environment=` asks for; else undefined. */
function targetOf(url: string, prefix: string): { key: string; requested?: string } | undefined {
  const query = url.indexOf('?', prefix.length);
  const key = query === -1 ? url.slice(prefix.length) : url.slice(prefix.length, query);
  if (!KEY.test(key)) return undefined;
  if (query === -1) return { key };
  if (!url.startsWith(ENVIRONMENT_QUERY, query + 1)) return undefined;
  const requested = url.slice(query + 1 + ENVIRONMENT_QUERY.length);
  return KEY.test(requested) ? { key, requested } : undefined;
}

/** A small JSON body of a stated length: the only kind read here. */
function plainJsonBody(headers: IncomingHttpHeaders) {
  const type = headers['content-type'];
  const length = Number(headers['content-length']);
  return (
    type !== undefined &&
    (JSON_TYPES.has(type) || JSON_TYPES.has(type.toLowerCase())) &&
    length > 0 &&
    length <= MAX_BODY_BYTES &&
    headers['transfer-encoding'] === undefined &&
    headers.expect === undefined
  );
}

/**
 * The context of a body the route would take as it is; undefined for anything it should judge.
 * Parsed as the route parses it (Fastify's parser is secure-json-parse, refusing prototype and
 * constructor keys however they are escaped), so the two cannot disagree on what is valid; too
 * deep a body is the route's to refuse (its preValidation hook).
 */
function contextOf(body: Buffer): EvaluationContext | undefined {
  let parsed: unknown;
  try {
    parsed = secureJson.parse(body.toString(), undefined, ROUTE_PARSING);
  } catch {
    return undefined;
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed) || tooDeep(parsed)) return undefined;
  for (const name in parsed) if (name !== 'context') return undefined;
  const { context } = parsed as { context?: unknown };
  if (context === undefined || context === null) return {};
  return typeof context === 'object' && !Array.isArray(context) ? (context as EvaluationContext) : undefined;
}

/**
 * Must be created before the app is ready: it serves the hot routes `hotRoutes` names once the
 * app is (and the app does not start when one cannot be served). `requestId` is the app's own
 * request-id factory.
 */
export function createFastPath(
  app: FastifyInstance,
  requestId: (req: IncomingMessage) => string,
  hotRoutes: () => HotRoute[],
): FastPath {
  const limit = app.rateLimits.evaluations;
  const usage = app.usage.counter;
  const cors = corsHeaders(app.config);
  // At debug every request is logged, which only the route does.
  const logsRequests = (app.log as Logger).isLevelEnabled('debug');
  let closing = false;
  let served: { method: string; prefix: string; answer: Answer }[] = [];
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onReady', async () => {
    served = hotRoutes().map((route) => ({ ...route, answer: answers[route.kind](route) }));
  });
  /** Records an answer in the route's latency series. */
  const observe = ({ method, url }: HotRoute) =>
    app.telemetry.httpDuration.bind({ method, route: url, status_code: '200' });

  /** The environment a request acts on, when its token was verified here lately and may read it. */
  function access(req: IncomingMessage, requested: string | undefined) {
    if (closing || app.overloaded()) return undefined;
    const secret = secretOf(req);
    const token = secret === undefined ? undefined : app.tokens.recentlyVerified(secret);
    if (!token) return undefined;
    const principal = tokenPrincipal(token);
    const environment = environmentFor(principal, requested, app.config.DEFAULT_ENVIRONMENT);
    return refusal(principal, 'read', environment) ? undefined : { token, environment };
  }

  const answers: Record<HotKind, (route: HotRoute) => Answer> = {
    read(route) {
      const observed = observe(route);
      return (req, res, url) => {
        const started = performance.now();
        const { headers } = req;
        if (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined)
          return false;
        const target = targetOf(url, route.prefix);
        const acting = target && access(req, target.requested);
        const flag = acting && app.flags.heldFlag(acting.environment, target.key);
        if (!flag) return false;
        usage.read(acting.environment, target.key);
        const { json, length } = serializedOf(flag);
        res.writeHead(200, {
          ...cors(req),
          'x-request-id': requestId(req),
          etag: quoted(flag.version),
          'content-type': JSON_TYPE,
          'content-length': length,
        });
        res.end(json);
        observed((performance.now() - started) / 1000);
        return true;
      };
    },

    /** Reads the body and answers, or holds the body for the route. */
    evaluation(route) {
      const observed = observe(route);
      return (req, res, url, toRoute) => {
        const started = performance.now();
        const target = plainJsonBody(req.headers) ? targetOf(url, route.prefix) : undefined;
        const acting = target && access(req, target.requested);
        if (!acting) return false;
        const answer = (body: Buffer) => {
          const context = contextOf(body);
          const result = context && app.flags.evaluateHeld(acting.environment, target.key, context);
          if (!result || 'errorCode' in result || (limit && !limit.take(acting.token.id))) {
            holdBody(req, body);
            toRoute(req, res);
            return;
          }
          usage.count(acting.environment, target.key, result.variant);
          const { json, length } = successJson(target.key, result);
          res.writeHead(200, {
            ...cors(req),
            'x-request-id': requestId(req),
            'content-type': JSON_TYPE,
            'content-length': length,
          });
          res.end(json);
          observed((performance.now() - started) / 1000);
        };
        // A small body nearly always arrives in the same read as the headers, and is parsed right
        // after them, past the next tick but before the event loop checks for immediates: one read
        // then. Otherwise it is collected as it arrives.
        setImmediate(() => {
          if (req.complete) return answer(req.read() as Buffer);
          const chunks: Buffer[] = [];
          req.on('data', (chunk: Buffer) => chunks.push(chunk));
          req.on('end', () => answer(Buffer.concat(chunks)));
        });
        return true;
      };
    },
  };

  return (req, res, route) => {
    const { url, method } = req;
    if (url !== undefined && !logsRequests) {
      for (const hot of served) {
        if (method === hot.method && url.startsWith(hot.prefix)) {
          if (hot.answer(req, res, url, route)) return;
          break;
        }
      }
    }
    route(req, res);
  };
}
