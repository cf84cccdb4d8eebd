// CloudWatch Embedded Metric Format: once a minute, one JSON line on stdout with the minute's
// flag reads, cache miss rate and Redis connection failures. CloudWatch Logs turns it into
// metrics, so alarms can use them with no agent.
import { LocalSink, MetricsLogger, Unit } from 'aws-embedded-metrics';
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import type { Metrics } from '../metrics.ts';

export const EMF_NAMESPACE = 'Flagstone';
const INTERVAL_MS = 60_000;

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
    emf.setNamespace(EMF_NAMESPACE);
    emf.setDimensions({ ServiceName: serviceName });
    emf.putMetric('FlagReads', reads, Unit.Count);
    emf.putMetric('CacheMissRate', reads ? (100 * misses) / reads : 0, Unit.Percent);
    emf.putMetric('RedisConnectionFailures', failures, Unit.Count);
    await emf.flush();
  };
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    const report = createEmfReporter(app.telemetry, config.SERVICE_NAME);
    const timer = setInterval(
      () => report().catch((err) => app.log.warn({ err }, 'EMF report failed')),
      INTERVAL_MS,
    );
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'emf', dependencies: ['metrics'] },
);
