import t from 'tap';
import { createMetrics } from '../../src/metrics.ts';
import { createEmfReporter, EMF_NAMESPACE } from '../../src/plugins/emf.ts';

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
          Namespace: EMF_NAMESPACE,
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
