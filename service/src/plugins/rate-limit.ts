// Per-token rate limiting (@fastify/rate-limit) for a route group, counted in Redis when it is
// configured so the limit holds across instances; if Redis fails the request is let through.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { errors } from '../errors.ts';

/** Limits every route registered after this in `app`'s scope to `max` requests a minute per token. */
export async function limitPerToken(app: FastifyInstance, group: string, max: number) {
  if (max === 0) return;
  await app.register(rateLimit, {
    max,
    timeWindow: 60_000,
    hook: 'preHandler', // after authentication, so requests are counted against their token
    keyGenerator: (request) => request.token.id,
    ...(app.redis ? { redis: app.redis.client } : {}),
    nameSpace: `${app.config.REDIS_KEY_PREFIX}ratelimit:${group}:`,
    skipOnError: true,
    addHeadersOnExceeding: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
    },
    errorResponseBuilder: (request, context) =>
      errors.rateLimited(request.token.name, max, Math.max(1, Math.ceil(context.ttl / 1000))),
  });
}
