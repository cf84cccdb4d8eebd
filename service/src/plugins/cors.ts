// CORS for the read, OFREP and event-stream APIs: browser apps on the origins CORS_ORIGINS lists
// may call them (@fastify/cors). The admin API stays same-origin. The fast path sets the same
// headers on what it answers (corsHeaders), which the hot-route check holds it to.
import type { IncomingMessage } from 'node:http';
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { corsOrigins } from '../config.ts';

/** Response headers a page may read: the ETag it sends back as If-None-Match, and the request id. */
const EXPOSED = 'ETag, X-Request-Id, Retry-After';
/** How long a browser may keep a preflight's answer (Chrome caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** Lets the allowed origins call the routes registered after this in `app`'s scope. */
export async function allowCors(app: FastifyInstance) {
  const origins = corsOrigins(app.config);
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: origins,
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'X-API-Key', 'If-None-Match', 'Content-Type', 'Last-Event-ID'],
    exposedHeaders: EXPOSED,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    strictPreflight: false,
  });
}

/**
 * The headers @fastify/cors adds to an answer for `req` (none when CORS is off): Vary and the
 * exposed headers always, the origin itself when it is allowed.
 */
export function corsHeaders(config: { CORS_ORIGINS: string }) {
  const origins = new Set(corsOrigins(config));
  if (origins.size === 0) return () => undefined;
  const always = { vary: 'Origin', 'access-control-expose-headers': EXPOSED };
  const allowed = new Map(
    [...origins].map((origin) => [origin, { ...always, 'access-control-allow-origin': origin }]),
  );
  return ({ headers }: IncomingMessage): Record<string, string> =>
    (headers.origin !== undefined && allowed.get(headers.origin)) || always;
}
