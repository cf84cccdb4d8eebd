// The service's Prometheus metrics, on one registry per app instance (so several apps can
// live in one process): request latency by route, process metrics, and the service's own.
import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type Metric,
  type MetricObjectWithValues,
  type MetricValueWithName,
  Registry,
} from '@prometheus-io/client';

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

type Labels = Record<string, string>;

// The request path counts through series bound once, because the library's label children
// build and hash a label key on every call, a measurable share of a cached read.

const unread = new WeakMap<Counter<string>, { labels: Labels; count: number }[]>();

/** Hands a counter what its bound series counted since it was last read. */
function addUnread(this: Counter<string>) {
  for (const series of unread.get(this) ?? []) {
    if (series.count === 0) continue;
    this.inc(series.labels, series.count);
    series.count = 0;
  }
}

/** One label set of a counter created with `collect: addUnread`: `inc()` is an addition. */
export function bind<T extends string>(counter: Counter<T>, labels: Record<T, string>) {
  const series = { labels: labels as Labels, count: 0 };
  const all = unread.get(counter as Counter<string>);
  if (all) all.push(series);
  else unread.set(counter as Counter<string>, [series]);
  return {
    inc() {
      series.count += 1;
    },
  };
}

/**
 * Request latency: a Prometheus histogram whose label sets are bound once (per route and
 * status), so an observation is a bucket search and two additions.
 */
export class LatencyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly buckets: readonly number[];
  readonly #series: { labels: Labels; counts: number[]; sum: number }[] = [];
  readonly #bound = new Map<string, (seconds: number) => void>();

  constructor(name: string, help: string, buckets: readonly number[]) {
    this.name = name;
    this.help = help;
    this.buckets = buckets;
  }

  /** The recorder of one label set; binding the same labels again returns the same one. */
  bind(labels: Labels) {
    const id = JSON.stringify(labels);
    let record = this.#bound.get(id);
    if (record) return record;
    const series = { labels, counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0 };
    this.#series.push(series);
    const { buckets } = this;
    record = (seconds: number) => {
      let i = 0;
      while (i < buckets.length && seconds > buckets[i]!) i++;
      series.counts[i]! += 1;
      series.sum += seconds;
    };
    this.#bound.set(id, record);
    return record;
  }

  async get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const values: MetricValueWithName<string>[] = [];
    for (const { labels, counts, sum } of this.#series) {
      let count = 0;
      counts.forEach((n, i) => {
        count += n;
        const le = this.buckets[i] ?? '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le }, value: count });
      });
      values.push({ metricName: `${this.name}_sum`, labels, value: sum });
      values.push({ metricName: `${this.name}_count`, labels, value: count });
    }
    const { name, help, type, aggregator } = this;
    return { name, help, type, aggregator, values, collect: () => {} };
  }

  reset() {
    for (const series of this.#series) {
      series.counts.fill(0);
      series.sum = 0;
    }
  }
}

export function createMetrics(registry = new Registry()) {
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  const httpDuration = new LatencyHistogram(
    'http_request_duration_seconds',
    'Request duration by method, route and status code',
    SECONDS,
  );
  registry.registerMetric(httpDuration as unknown as Metric<string>);
  return {
    registry,
    httpDuration,
    flagReads: new Counter({
      name: 'flagstone_flag_reads_total',
      help: 'Flag and list reads by where the answer came from: cache, database, or stale (a cached copy served because the database failed)',
      labelNames: ['source'] as const,
      registers,
      collect: addUnread,
    }),
    cacheLookups: new Counter({
      name: 'flagstone_cache_lookups_total',
      help: 'Cache lookups by layer (memory, redis) and result (hit, miss)',
      labelNames: ['layer', 'result'] as const,
      registers,
      collect: addUnread,
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
    catchUps: new Counter({
      name: 'flagstone_catch_ups_total',
      help: 'Snapshots brought up to date from the change log rather than by a message (a lost or late message, Redis down, a peer gone)',
      registers,
    }),
    invalidationsReceived: new Counter({
      name: 'flagstone_invalidations_received_total',
      help: 'Invalidation messages received from any instance',
      registers,
    }),
    eventStreams: new Gauge({
      name: 'flagstone_event_streams',
      help: 'Event streams (GET /ofrep/v1/events) open on this instance',
      registers,
    }),
    eventBroadcastDuration: new Histogram({
      name: 'flagstone_event_broadcast_seconds',
      help: "Writing one change's event to every open stream of its environment",
      buckets: SECONDS,
      registers,
    }),
    eventsSent: new Counter({
      name: 'flagstone_events_sent_total',
      help: 'refetchEvaluation events written to open event streams',
      registers,
    }),
    eventStreamsRefused: new Counter({
      name: 'flagstone_event_streams_refused_total',
      help: 'Event streams refused: the instance held all it may (reason="instance"), or the client address did (reason="client")',
      labelNames: ['reason'] as const,
      registers,
    }),
    usageFlushes: new Counter({
      name: 'flagstone_usage_flushes_total',
      help: 'Flushes of the evaluation counts to the database, by result: ok, failed (the counts are kept for the next)',
      labelNames: ['result'] as const,
      registers,
    }),
    usageDropped: new Counter({
      name: 'flagstone_usage_dropped_total',
      help: 'Evaluations counted but dropped because flushes kept failing and the kept counts reached their bound',
      registers,
    }),
    syncStreams: new Gauge({
      name: 'flagstone_sync_streams',
      help: 'flagd sync streams (SyncFlags) open on this instance',
      registers,
    }),
    syncDocumentsSent: new Counter({
      name: 'flagstone_sync_documents_sent_total',
      help: 'flagd documents written to sync streams (SyncFlags) and FetchAllFlags answers',
      labelNames: ['rpc'] as const,
      registers,
    }),
    syncRefused: new Counter({
      name: 'flagstone_sync_refused_total',
      help: 'flagd sync calls refused or ended, by reason: unauthenticated, permission_denied, not_found, invalid_argument, resource_exhausted, unavailable, internal, streams_full, shutting_down, revoked',
      labelNames: ['reason'] as const,
      registers,
    }),
    syncDocumentBytes: new Gauge({
      name: 'flagstone_sync_document_bytes',
      help: "The size of each followed environment's latest flagd document as sync responses carry it; gRPC clients refuse messages above 4 MiB unless told otherwise",
      labelNames: ['environment'] as const,
      registers,
    }),
    syncBroadcastDuration: new Histogram({
      name: 'flagstone_sync_broadcast_seconds',
      help: "Encoding one revision's flagd document and writing it to every open sync stream of its environment",
      buckets: SECONDS,
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'flagstone_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome: delivered (the receiver answered 2xx) or failed (retried with backoff)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    webhookLag: new Histogram({
      name: 'flagstone_webhook_delivery_lag_seconds',
      help: "From a change's commit to an attempt to deliver it to a webhook",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600],
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
