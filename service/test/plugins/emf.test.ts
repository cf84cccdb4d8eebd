import Fastify from 'fastify';
import t from 'tap';
import { loadConfig } from '../../src/config.ts';
import { EMF } from '../../src/contract.ts';
import { createMetrics } from '../../src/metrics.ts';
import emf, { createEmfReporter, emfEnabled } from '../../src/plugins/emf.ts';
import metrics from '../../src/plugins/metrics.ts';
import { within } from '../helpers/app.ts';

const ON_ECS = { ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/0123456789abcdef-1234567890' };

t.test('one EMF line a minute: reads, miss rate and Redis connection failures of that minute', async (t) => {
  const metrics = createMetrics();
  const report = createEmfReporter(metrics, 'flagstone-production');
  const lines = t.capture(console, 'log');

  metrics.flagReads.inc({ source: 'cache' }, 15);
  metrics.flagReads.inc({ source: 'stale' }, 1);
  metrics.flagReads.inc({ source: 'database' }, 4);
  metrics.redisConnectionFailures.inc(7);
  await report();
  metrics.flagReads.inc({ source: 'cache' }, 10);
  await report();

  const [first, second] = lines().map((call) => JSON.parse(String(call.args[0])));
  t.match(first, {
    _aws: {
      Timestamp: Number,
      CloudWatchMetrics: [
        {
          Namespace: EMF.namespace,
          Dimensions: [['ServiceName']],
        },
      ],
    },
    ServiceName: 'flagstone-production',
    FlagReads: 20,
    CacheMissRate: 20,
    RedisConnectionFailures: 7,
  });
  t.same(
    [...first._aws.CloudWatchMetrics[0].Metrics].sort((x: { Name: string }, y: { Name: string }) =>
      x.Name.localeCompare(y.Name),
    ),
    [
      { Name: 'CacheMissRate', Unit: 'Percent' },
      { Name: 'FlagReads', Unit: 'Count' },
      { Name: 'RedisConnectionFailures', Unit: 'Count' },
    ],
  );
  t.match(
    second,
    { FlagReads: 10, CacheMissRate: 0, RedisConnectionFailures: 0 },
    'the next minute starts afresh',
  );
});

t.test('METRICS_EMF: auto prints on ECS only; on and off say so everywhere', async (t) => {
  t.equal(loadConfig({}).METRICS_EMF, 'auto');
  t.throws(() => loadConfig({ METRICS_EMF: 'yes' }), /METRICS_EMF must be auto, on or off/);
  t.notOk(emfEnabled('auto', {}), 'a laptop, CI, docker compose');
  t.ok(emfEnabled('auto', ON_ECS));
  t.ok(
    emfEnabled('auto', { ECS_CONTAINER_METADATA_URI: 'http://169.254.170.2/v3/x' }),
    "an older ECS agent's variable",
  );
  t.ok(emfEnabled('on', {}));
  t.notOk(emfEnabled('off', ON_ECS));
});

t.test('the running service prints EMF lines on ECS or when asked, and none elsewhere', async (t) => {
  const lines = t.capture(console, 'log');
  const start = async (
    serviceName: string,
    settings: Record<string, string>,
    env: Record<string, string>,
  ) => {
    const app = Fastify();
    t.teardown(() => app.close());
    await app.register(metrics);
    const config = loadConfig({ SERVICE_NAME: serviceName, ...settings });
    await app.register(emf, { config, env, intervalMs: 5 });
    await app.ready();
  };
  await start('local', {}, {});
  await start('off-on-ecs', { METRICS_EMF: 'off' }, ON_ECS);
  await start('on-ecs', {}, ON_ECS);
  await start('asked', { METRICS_EMF: 'on' }, {});
  const printed = (name: string) =>
    lines.calls.filter((call) => JSON.parse(String(call.args[0]))[EMF.dimension] === name).length;
  // Every app ticks at the same interval: once the last two started have printed twice, the
  // first two have had as many ticks to print in.
  await within(30_000, async () => printed('on-ecs') >= 2 && printed('asked') >= 2, 10);
  t.equal(printed('local'), 0, 'nothing printed outside ECS');
  t.equal(printed('off-on-ecs'), 0, 'nothing printed with METRICS_EMF=off');
});
