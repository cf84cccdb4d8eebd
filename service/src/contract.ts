// What the service promises the place it runs in: the port it listens on unless told otherwise,
// the paths health checks probe, and the CloudWatch metrics it prints. The infrastructure
// (terraform/) imports this module to wire load balancers, health checks and alarms, so it
// imports nothing itself.

/** The port the service listens on unless PORT says otherwise. */
export const DEFAULT_PORT = 3000;

/**
 * The port the stacks give SYNC_PORT, the flagd sync service (gRPC): flagd's own sync port, so a
 * provider's customary settings fit. The service itself serves no sync unless SYNC_PORT is set.
 */
export const SYNC_PORT = 8015;
/** The service name the sync port's gRPC health check asks about (grpc.health.v1). */
export const SYNC_HEALTH_SERVICE = 'flagd.sync.v1.FlagSyncService';

/** 200 while the process is up: for container health checks. */
export const LIVENESS_PATH = '/health/live';
/** 200 while the instance can serve, 503 while it cannot: for load balancers. */
export const READINESS_PATH = '/health/ready';

/** The CloudWatch Embedded Metric Format metrics: one line a minute where CloudWatch reads them. */
export const EMF = {
  namespace: 'Flagstone',
  /** The one dimension, valued SERVICE_NAME. */
  dimension: 'ServiceName',
  metrics: {
    /** Flag reads of the minute (Count). */
    flagReads: 'FlagReads',
    /** The share of the minute's reads that reached the database (Percent). */
    cacheMissRate: 'CacheMissRate',
    /** Redis connections that failed or were lost in the minute (Count). */
    redisConnectionFailures: 'RedisConnectionFailures',
  },
} as const;
