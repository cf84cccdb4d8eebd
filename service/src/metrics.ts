// The service's Prometheus metrics, on one registry per app instance (so several apps can
// live in one process): request latency by route, process metrics, and the service's own.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from '@prometheus-io/client';

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createMetrics(registry = new Registry()) {
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Request duration by method, route and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: SECONDS,
      registers,
    }),
    flagReads: new Counter({
      name: 'flagstone_flag_reads_total',
      help: 'Flag and list reads by where the answer came from: cache, database, or stale (a cached copy served because the database failed)',
      labelNames: ['source'] as const,
      registers,
    }),
    cacheLookups: new Counter({
      name: 'flagstone_cache_lookups_total',
      help: 'Cache lookups by layer (memory, redis) and result (hit, miss)',
      labelNames: ['layer', 'result'] as const,
      registers,
    }),
    redisErrors: new Counter({
      name: 'flagstone_redis_errors_total',
      help: 'Redis commands that failed, timed out or were skipped by the open breaker, by operation',
      labelNames: ['operation'] as const,
      registers,
    }),
    redisConnectionFailures: new Counter({
      name: 'flagstone_redis_connection_failures_total',
      help: 'Failed or lost connections to Redis',
      registers,
    }),
    redisBreakerState: new Gauge({
      name: 'flagstone_redis_breaker_state',
      help: 'Redis circuit breaker: 0 closed (calling Redis), 1 half-open (probing), 2 open (not calling)',
      registers,
    }),
    dbQueryDuration: new Histogram({
      name: 'flagstone_db_query_duration_seconds',
      help: 'Database operations by store method',
      labelNames: ['operation'] as const,
      buckets: SECONDS,
      registers,
    }),
    invalidationsSent: new Counter({
      name: 'flagstone_invalidations_sent_total',
      help: 'Invalidation messages published after a committed change',
      registers,
    }),
    invalidationsReceived: new Counter({
      name: 'flagstone_invalidations_received_total',
      help: 'Invalidation messages received from any instance',
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Wraps every method of a store so each call is timed into `histogram` under the method name. */
export function instrument<T extends object>(store: T, histogram: Metrics['dbQueryDuration']): T {
  const timed = Object.entries(store).map(([name, method]) => [
    name,
    async (...args: unknown[]) => {
      const end = histogram.startTimer({ operation: name });
      try {
        return await (method as (...a: unknown[]) => Promise<unknown>)(...args);
      } finally {
        end();
      }
    },
  ]);
  return Object.fromEntries(timed) as T;
}
