// The request path's bound series: what they count must come out of the registry exactly as
// the library's own histogram and counters would render it.
import { Registry } from '@prometheus-io/client';
import t from 'tap';
import { bind, createMetrics } from '../src/metrics.ts';

t.test('a bound latency series renders as a cumulative Prometheus histogram', async (t) => {
  const metrics = createMetrics(new Registry());
  const ok = metrics.httpDuration.bind({
    method: 'GET',
    route: '/api/config/flags/:flagKey',
    status_code: '200',
  });
  const missing = metrics.httpDuration.bind({ method: 'GET', route: '/x', status_code: '404' });
  const again = metrics.httpDuration.bind({
    method: 'GET',
    route: '/api/config/flags/:flagKey',
    status_code: '200',
  });
  t.equal(again, ok, 'binding the same labels again gives the same series');
  for (const seconds of [0.0002, 0.0005, 0.003, 0.02, 7]) ok(seconds);
  missing(0.001);

  const text = await metrics.registry.metrics();
  const line = (le: string) =>
    new RegExp(
      `^http_request_duration_seconds_bucket\\{method="GET",route="/api/config/flags/:flagKey",status_code="200",le="${le.replace('+', '\\+')}"\\} (\\d+)$`,
      'm',
    ).exec(text)?.[1];
  t.equal(line('0.0005'), '2', 'an observation equal to a bound counts in that bucket');
  t.equal(line('0.001'), '2');
  t.equal(line('0.005'), '3', 'buckets are cumulative');
  t.equal(line('0.025'), '4');
  t.equal(line('2.5'), '4');
  t.equal(line('+Inf'), '5', 'beyond the last bound: only +Inf');
  t.match(text, /^http_request_duration_seconds_count\{[^}]*status_code="200"\} 5$/m);
  t.match(text, /^http_request_duration_seconds_sum\{[^}]*status_code="200"\} 7\.0237/m);
  t.match(text, /^http_request_duration_seconds_count\{[^}]*status_code="404"\} 1$/m, 'series stay apart');
  t.match(text, /# TYPE http_request_duration_seconds histogram/);

  metrics.registry.resetMetrics();
  t.match(
    await metrics.registry.metrics(),
    /^http_request_duration_seconds_count\{[^}]*status_code="200"\} 0$/m,
  );
});

t.test('bound counter series reach the counter when it is read, once', async (t) => {
  const metrics = createMetrics(new Registry());
  const hit = bind(metrics.cacheLookups, { layer: 'memory', result: 'hit' });
  const miss = bind(metrics.cacheLookups, { layer: 'memory', result: 'miss' });
  hit.inc();
  hit.inc();
  miss.inc();
  metrics.cacheLookups.inc({ layer: 'redis', result: 'hit' }); // the library's own path still works
  const value = async (result: string, layer = 'memory') =>
    (await metrics.cacheLookups.get()).values.find(
      (v) => v.labels.layer === layer && v.labels.result === result,
    )?.value;
  t.equal(await value('hit'), 2);
  t.equal(await value('miss'), 1);
  t.equal(await value('hit', 'redis'), 1);
  t.equal(await value('hit'), 2, 'reading again adds nothing');
  hit.inc();
  t.match(
    await metrics.registry.metrics(),
    /^flagstone_cache_lookups_total\{layer="memory",result="hit"\} 3$/m,
  );
});
