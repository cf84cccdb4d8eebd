// Wires the domain: stores on the database, the cache layers, the invalidation bus, and the
// services the routes call. Makes sure an admin can get in (ADMIN_TOKEN, or a printed token
// in embedded mode), and warms the cache before the app reports ready.
import fp from 'fastify-plugin';
import { createRedisBus, type Invalidation, localBus } from '../cache/invalidation-bus.ts';
import { createMemoryCache } from '../cache/memory-cache.ts';
import { createRedisCache } from '../cache/redis-cache.ts';
import { createTieredCache } from '../cache/tiered-cache.ts';
import { type Config, warmEnvironments } from '../config.ts';
import { createFlagService, type FlagService } from '../flags/flag-service.ts';
import { createPrismaFlagStore } from '../flags/prisma-flag-store.ts';
import { instrument } from '../metrics.ts';
import { createPrismaTokenStore } from '../tokens/prisma-token-store.ts';
import { BOOTSTRAP_TOKEN_NAME, createTokenService, type TokenService } from '../tokens/token-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    flags: FlagService;
    tokens: TokenService;
  }
}

/** Unknown keys live this long in Redis, in case a create's cache update is lost. */
const BRIEF_TTL_MS = 10_000;
/** How often committed changes Redis missed are sent again (besides at every reconnect). */
const RESEND_INTERVAL_MS = 1000;

export default fp<{ config: Config }>(
  async (app, { config }) => {
    const { telemetry: metrics, log, redis } = app;
    const db = app.database.client;
    const onStoreError = (err: unknown) => log.warn({ err }, 'database call failed');
    const onRedisError = (err: unknown, operation: string) =>
      log.debug({ err, operation }, 'redis call failed');

    const cache = createTieredCache({
      ...(config.L1_TTL_MS > 0 ? { memory: createMemoryCache({ ttlMs: config.L1_TTL_MS }) } : {}),
      ...(redis
        ? {
            redis: {
              cache: createRedisCache({
                redis: redis.client,
                prefix: config.REDIS_KEY_PREFIX,
                ttlMs: config.CACHE_TTL_SECONDS * 1000,
                briefTtlMs: Math.min(BRIEF_TTL_MS, config.CACHE_TTL_SECONDS * 1000),
              }),
              breaker: redis.breaker,
            },
          }
        : {}),
      metrics,
      onRedisError,
    });

    const onMessage = (message: Invalidation) => {
      if (message.type === 'token') return app.tokens.forget(message.id);
      app.flags
        .applyInvalidation(message)
        .catch((err) => log.warn({ err }, 'could not apply an invalidation'));
    };
    const bus = redis
      ? createRedisBus({
          publisher: redis.client,
          subscriber: redis.subscriber,
          channel: `${config.REDIS_KEY_PREFIX}invalidations`,
          breaker: redis.breaker,
          metrics,
          onMessage,
          onError: (err, operation) => log.warn({ err, operation }, 'invalidation message failed'),
        })
      : localBus;

    app.decorate('config', config);
    app.decorate(
      'flags',
      createFlagService({
        store: instrument(createPrismaFlagStore(db), metrics.dbQueryDuration),
        cache,
        bus,
        metrics,
        onStoreError,
      }),
    );
    if (redis) {
      const resend = () =>
        app.flags
          .resend()
          .then((count) => count > 0 && log.info({ environments: count }, 'sent changes Redis had missed'))
          .catch((err) => log.warn({ err }, 'could not send changes Redis had missed'));
      redis.client.on('ready', resend);
      const timer = setInterval(resend, RESEND_INTERVAL_MS).unref();
      app.addHook('onClose', async () => clearInterval(timer));
    }
    const tokens = createTokenService({
      store: instrument(createPrismaTokenStore(db), metrics.dbQueryDuration),
      bus,
      onStoreError,
    });
    app.decorate('tokens', tokens);

    const embedded = app.database.kind === 'embedded';
    const { secret, outcome } = await tokens.bootstrap(config.ADMIN_TOKEN, embedded);
    if (secret) {
      // Shown once, in embedded mode only, so a newcomer can call the admin API right away.
      log.warn(`created admin token '${BOOTSTRAP_TOKEN_NAME}', shown only this once: ${secret}`);
    } else if (config.ADMIN_TOKEN) {
      log.info({ outcome }, `admin token '${BOOTSTRAP_TOKEN_NAME}' set from ADMIN_TOKEN`);
    }

    const environments = warmEnvironments(config);
    if (environments.length > 0) {
      // Listening waits for onReady hooks: the app is not ready until these flags are cached.
      app.addHook('onReady', async () => {
        const flags = await app.flags.warm(environments);
        log.info({ environments, flags }, 'cache warmed');
      });
    }
  },
  { name: 'services', dependencies: ['database', 'redis', 'metrics'] },
);
