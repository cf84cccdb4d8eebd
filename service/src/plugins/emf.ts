// CloudWatch Embedded Metric Format: once a minute, one JSON line on stdout with the minute's
// flag reads, cache miss rate and Redis connection failures. CloudWatch Logs turns it into
// metrics, so alarms can use them with no agent. Printed where CloudWatch reads stdout (on ECS,
// or when METRICS_EMF=on), and nowhere else: elsewhere it is noise in the log.
import { LocalSink, MetricsLogger, Unit } from 'aws-embedded-metrics';
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import { EMF } from '../contract.ts';
import type { Metrics } from '../metrics.ts';

const INTERVAL_MS = 60_000;

/**
 * Whether to print EMF lines: METRICS_EMF `on` or `off`, or with `auto` only on ECS, whose agent
 * gives every container ECS_CONTAINER_METADATA_URI_V4 (the older ECS_CONTAINER_METADATA_URI on
 * EC2 hosts with an older agent).
 */
export const emfEnabled = (mode: Config['METRICS_EMF'], env: Record<string, string | undefined>) =>
  mode === 'on' ||
  (mode === 'auto' && Boolean(env.ECS_CONTAINER_METADATA_URI_V4 || env.ECS_CONTAINER_METADATA_URI));

type Environment = Awaited<ReturnType<ConstructorParameters<typeof MetricsLogger>[0]>>;

/** Always plain stdout, which the awslogs driver ships: no agent, no probing of the host. */
const stdout = (serviceName: string): Environment => {
  const sink = new LocalSink();
  return {
    probe: async () => true,
    getName: () => serviceName,
    getType: () => 'Service',
    getLogGroupName: () => serviceName,
    configureContext: () => {},
    getSink: () => sink,
  };
};

type Source = Pick<Metrics, 'flagReads' | 'redisConnectionFailures'>;

async function totals(metrics: Source) {
  const reads = (await metrics.flagReads.get()).values;
  const failures = (await metrics.redisConnectionFailures.get()).values;
  return {
    reads: reads.reduce((sum, v) => sum + v.value, 0),
    misses: reads.filter((v) => v.labels.source === 'database').reduce((sum, v) => sum + v.value, 0),
    failures: failures.reduce((sum, v) => sum + v.value, 0),
  };
}

/** Returns a function that emits one EMF line for what happened since its previous call. */
export function createEmfReporter(metrics: Source, serviceName: string) {
  const environment = stdout(serviceName);
  let previous = { reads: 0, misses: 0, failures: 0 };
  return async function report() {
    const now = await totals(metrics);
    const reads = now.reads - previous.reads;
    const misses = now.misses - previous.misses;
    const failures = now.failures - previous.failures;
    previous = now;
    const emf = new MetricsLogger(async () => environment);
    emf.setNamespace(EMF.namespace);
    emf.setDimensions({ [EMF.dimension]: serviceName });
    emf.putMetric(EMF.metrics.flagReads, reads, Unit.Count);
    emf.putMetric(EMF.metrics.cacheMissRate, reads ? (100 * misses) / reads : 0, Unit.Percent);
    emf.putMetric(EMF.metrics.redisConnectionFailures, failures, Unit.Count);
    await emf.flush();
  };
}

export interface EmfOptions {
  config: Config;
  /** Where to look for ECS (METRICS_EMF=auto). @default process.env */
  env?: Record<string, string | undefined>;
  /** @default one minute, the resolution of the alarms that read the metrics */
  intervalMs?: number;
}

export default fp<EmfOptions>(
  async (app, { config, env = process.env, intervalMs = INTERVAL_MS }) => {
    if (!emfEnabled(config.METRICS_EMF, env)) return;
    const report = createEmfReporter(app.telemetry, config.SERVICE_NAME);
    const timer = setInterval(
      () => report().catch((err) => app.log.warn({ err }, 'EMF report failed')),
      intervalMs,
    );
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'emf', dependencies: ['metrics'] },
);
