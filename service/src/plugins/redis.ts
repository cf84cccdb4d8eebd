// Redis clients, when REDIS_URL is set: one for commands, on the request path, that fails fast
// (no offline queue, a short command timeout, a circuit breaker), and one for pub/sub that
// queues and resubscribes after every reconnect. The app starts and serves with Redis down.
import fp from 'fastify-plugin';
import { Redis, type RedisOptions } from 'ioredis';
import { type Breaker, createBreaker } from '../cache/breaker.ts';
import type { Config } from '../config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    redis: { client: Redis; subscriber: Redis; breaker: Breaker } | null;
    /** `up` when commands can reach Redis, `down` when not, `disabled` without REDIS_URL. */
    redisState(): 'up' | 'down' | 'disabled';
  }
}

const BREAKER_STATE = { closed: 0, 'half-open': 1, open: 2 } as const;

/** Reconnect after 100 ms, doubling to at most 2 s. */
export const reconnectDelay = (attempt: number) => Math.min(100 * 2 ** (attempt - 1), 2000);

function firstAttempt(client: Redis, timeoutMs: number) {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done).off('error', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done).once('error', done);
  });
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    app.decorate('redisState', () => {
      if (!app.redis) return 'disabled';
      return app.redis.client.status === 'ready' && app.redis.breaker.state !== 'open' ? 'up' : 'down';
    });
    if (!config.REDIS_URL) {
      app.decorate('redis', null);
      return;
    }
    const { telemetry: metrics, log } = app;
    const options: RedisOptions = {
      connectTimeout: 2000,
      retryStrategy: reconnectDelay,
      ...(config.REDIS_AUTH_TOKEN ? { password: config.REDIS_AUTH_TOKEN } : {}),
    };
    const client = new Redis(config.REDIS_URL, {
      ...options,
      // Commands issued in the same tick (rate-limit counts, cache fetches) share one write.
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
    });
    const subscriber = new Redis(config.REDIS_URL, { ...options, maxRetriesPerRequest: null });

    // One warning when a connection is lost, one line when it is back; the rest is in metrics.
    let connected = false;
    client.on('ready', () => {
      connected = true;
      log.info('redis connected');
    });
    client.on('error', (err: Error) => {
      metrics.redisConnectionFailures.inc();
      if (connected) log.warn({ err }, 'redis connection lost; reads fall through to the database');
      else log.debug({ err }, 'redis still unreachable');
      connected = false;
    });
    subscriber.on('error', (err: Error) => log.debug({ err }, 'redis subscriber error'));

    const breaker = createBreaker({
      onStateChange: (state) => {
        metrics.redisBreakerState.set(BREAKER_STATE[state]);
        log.warn({ state }, 'redis circuit breaker changed state');
      },
    });
    app.decorate('redis', { client, subscriber, breaker });
    app.addHook('onClose', async () => {
      breaker.shutdown();
      client.disconnect();
      subscriber.disconnect();
    });
    // Give Redis its first connection attempt before the app is ready, so the first writes and
    // reads of a healthy deployment use it. A refused connection ends the wait at once, an
    // unreachable host after the connect timeout; either way the app starts without it.
    await firstAttempt(client, options.connectTimeout ?? 0);
  },
  { name: 'redis', dependencies: ['metrics'] },
);
