// Rate limits: @fastify/rate-limit on the evaluation and admin routes per token, and on web UI
// sign-ins per client address, counting with one WindowCounter per group
// (cache/window-counter.ts): in process, shared through Redis when it is configured. The
// evaluation counter is also what the fast evaluation path counts with.
import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createWindowCounter, type WindowCounter } from '../cache/window-counter.ts';
import { errors } from '../errors.ts';
import { reproduced } from '../routes/hot-routes.ts';
import { documentResponses, ErrorSchema } from '../schema.ts';

const WINDOW_MS = 60_000;

type Group = 'evaluations' | 'admin' | 'signIns';

declare module 'fastify' {
  interface FastifyInstance {
    /** Each group's counter; undefined when its limit is off. */
    rateLimits: Record<Group, WindowCounter | undefined>;
  }
}

export default fp(
  async (app) => {
    const { config, redis, telemetry, log } = app;
    const counter = (group: Group, max: number) =>
      max === 0
        ? undefined
        : createWindowCounter({
            max,
            windowMs: WINDOW_MS,
            ...(redis
              ? {
                  redis: {
                    client: redis.client,
                    prefix: `${config.REDIS_KEY_PREFIX}ratelimit:${group}:`,
                  },
                }
              : {}),
            onRedisError: (err) => {
              telemetry.redisErrors.inc({ operation: 'rate-limit' });
              log.debug({ err }, 'rate-limit count not shared through redis');
            },
          });
    const limits = {
      evaluations: counter('evaluations', config.RATE_LIMIT_EVALUATIONS_PER_MINUTE),
      admin: counter('admin', config.RATE_LIMIT_ADMIN_PER_MINUTE),
      signIns: counter('signIns', config.RATE_LIMIT_SIGN_INS_PER_MINUTE),
    };
    app.decorate('rateLimits', limits);
  },
  { name: 'rate-limits', dependencies: ['redis', 'services', 'metrics'] },
);

/** Limits every route registered after this in `app`'s scope to the group's requests a minute per token, or per person. */
export const limitPerToken = (app: FastifyInstance, group: 'evaluations' | 'admin') =>
  limit(
    app,
    group,
    (request) => request.principal.id,
    (request, max, retryAfter) => errors.rateLimited(request.principal, max, retryAfter),
  );

/** Limits the sign-ins registered after this in `app`'s scope, per client address. */
export const limitSignIns = (app: FastifyInstance) =>
  limit(
    app,
    'signIns',
    (request) => request.ip,
    (_request, max, retryAfter) => errors.signInsLimited(max, retryAfter),
  );

async function limit(
  app: FastifyInstance,
  group: Group,
  key: (request: FastifyRequest) => string,
  refusal: (request: FastifyRequest, max: number, retryAfterSeconds: number) => Error,
) {
  const counter = app.rateLimits[group];
  if (!counter) return;
  const { max } = counter;
  app.addHook('onRoute', (route) => documentResponses(route, { 429: ErrorSchema }));
  await app.register(rateLimit, {
    max,
    timeWindow: WINDOW_MS,
    global: false,
    keyGenerator: key,
    // The plugin constructs its store; this one hands it the group's counter.
    store: function store() {
      return counter;
    } as unknown as FastifyRateLimitStoreCtor,
    addHeadersOnExceeding: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
    },
    errorResponseBuilder: (request, context) =>
      refusal(request, max, Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  // Before the handler, after authentication, so requests are counted against their token; the
  // fast path takes from the same counter.
  app.addHook('preHandler', reproduced('rate limit', app.rateLimit()));
}
