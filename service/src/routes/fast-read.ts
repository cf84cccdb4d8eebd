// The hot path, answered before Fastify routes the request: GET /api/config/flags/{key}, with
// a token this instance has verified and a flag it holds in memory. That is nearly every read a
// service makes, and Fastify's routing, hooks and validation cost more than the read itself
// (README, "Performance"). Anything else (no token or one not verified here, a restricted
// environment, a query the route would refuse, a flag not held in memory, overload, shutdown,
// debug logging) goes to the Fastify route, which answers it in full: this path only ever gives
// the answer the route gives, and the tests hold the two to the same status, headers and body.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { KEY } from '../config.ts';
import { plainBearer } from '../plugins/auth.ts';
import { environmentFor, mayUse } from '../tokens/token-service.ts';
import { JSON_TYPE, quoted, serializedOf } from './http.ts';

const PREFIX = '/api/config/flags/';
const ENVIRONMENT_QUERY = 'environment=';

/** Answers the request and returns true, or returns false and leaves it untouched. */
export type FastRead = (req: IncomingMessage, res: ServerResponse) => boolean;

/** The plain `Bearer <token>` or `X-API-Key` secret; undefined for anything the route should judge. */
function secretOf({ headers }: IncomingMessage): string | undefined {
  const { authorization } = headers;
  if (authorization === undefined) {
    const apiKey = headers['x-api-key'];
    return typeof apiKey === 'string' && apiKey !== '' ? apiKey : undefined;
  }
  return plainBearer(authorization);
}

/** Must be created before the app is ready; `requestId` is the app's own request-id factory. */
export function createFastRead(app: FastifyInstance, requestId: (req: IncomingMessage) => string): FastRead {
  const observe = app.telemetry.httpDuration.bind({
    method: 'GET',
    route: `${PREFIX}:flagKey`,
    status_code: '200',
  });
  // At debug every request is logged, which only the route does.
  const logsRequests = (app.log as Logger).isLevelEnabled('debug');
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  return (req, res) => {
    const { url } = req;
    if (req.method !== 'GET' || !url?.startsWith(PREFIX) || closing || logsRequests) return false;
    if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined)
      return false;
    const started = performance.now();
    const query = url.indexOf('?', PREFIX.length);
    const key = query === -1 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, query);
    let requested: string | undefined;
    if (query !== -1) {
      if (!url.startsWith(ENVIRONMENT_QUERY, query + 1)) return false;
      requested = url.slice(query + 1 + ENVIRONMENT_QUERY.length);
      if (!KEY.test(requested)) return false;
    }
    if (!KEY.test(key) || app.overloaded()) return false;

    const secret = secretOf(req);
    const token = secret === undefined ? undefined : app.tokens.recentlyVerified(secret);
    if (!token) return false;
    const environment = environmentFor(token, requested, app.config.DEFAULT_ENVIRONMENT);
    if (!mayUse(token, environment)) return false;
    const flag = app.flags.heldFlag(environment, key);
    if (!flag) return false;

    const { json, length } = serializedOf(flag);
    res.writeHead(200, {
      'x-request-id': requestId(req),
      etag: quoted(flag.version),
      'content-type': JSON_TYPE,
      'content-length': length,
    });
    res.end(json);
    observe((performance.now() - started) / 1000);
    return true;
  };
}
