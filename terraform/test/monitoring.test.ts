import { readFileSync } from 'node:fs';
import t from 'tap';
import { EMF } from '../../service/src/contract.ts';
import { environments, resolveSettings } from '../settings.ts';
import { ENVIRONMENTS, type Json, serviceContainer, synthEnvironment } from './helpers.ts';

const runbook = readFileSync(new URL('../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');

for (const env of ENVIRONMENTS) {
  const s = synthEnvironment(env);
  const topic = s.refTo('aws_sns_topic', 'monitoring_topic', 'arn');
  const alarm = (key: string) => s.named('aws_cloudwatch_metric_alarm', `monitoring_${key}_`);
  const queries = (key: string) => alarm(key).metric_query as Json[];
  const metricOf = (query: Json) => query.metric as Json;

  t.test(`${env}: every alarm notifies the SNS topic`, async (t) => {
    const alarms = [...s.list('aws_cloudwatch_metric_alarm'), ...s.list('aws_cloudwatch_composite_alarm')];
    t.equal(alarms.length, 10);
    for (const a of alarms) {
      t.same(a.alarm_actions, [topic], `${a.alarm_name} has an alarm action`);
      t.same(a.ok_actions, [topic], `${a.alarm_name} reports recovery`);
      t.not(a.actions_enabled, false);
    }
  });

  t.test(`${env}: ALB 5xx rate above 1 % by metric math`, async (t) => {
    const a = alarm('http-5xx-rate');
    t.equal(a.threshold, 1);
    t.equal(a.comparison_operator, 'GreaterThanThreshold');
    const names = queries('http-5xx-rate').flatMap((q) => (q.metric ? [metricOf(q).metric_name] : []));
    t.same(names, ['HTTPCode_Target_5XX_Count', 'HTTPCode_ELB_5XX_Count', 'RequestCount']);
    const result = queries('http-5xx-rate').find((q) => q.return_data === true)!;
    t.match(result.expression, /100 \* \(FILL\(target5xx, 0\) \+ FILL\(elb5xx, 0\)\) \/ FILL\(requests, 0\)/);
    for (const q of queries('http-5xx-rate').filter((x) => x.metric)) {
      t.same(
        (metricOf(q).dimensions as Json).LoadBalancer,
        s.refTo('aws_lb', 'load-balancer_alb', 'arn_suffix'),
      );
    }
  });

  t.test(`${env}: p95 latency above 200 ms`, async (t) => {
    const a = alarm('p95-latency');
    t.equal(a.metric_name, 'TargetResponseTime');
    t.equal(a.extended_statistic, 'p95');
    t.equal(a.threshold, 0.2, 'seconds');
  });

  t.test(`${env}: EMF alarms read the metrics the tasks print, under their SERVICE_NAME`, async (t) => {
    const { environment } = serviceContainer(s);
    t.equal(environment.METRICS_EMF, 'on', 'the tasks print them');
    const dimensions = { [EMF.dimension]: environment.SERVICE_NAME };
    const miss = alarm('cache-miss-rate');
    t.equal(miss.namespace, EMF.namespace);
    t.equal(miss.namespace, 'Flagstone');
    t.equal(miss.metric_name, EMF.metrics.cacheMissRate);
    t.same(miss.dimensions, dimensions);
    t.equal(miss.threshold, 20);
    const failures = alarm('redis-connection-failures');
    t.equal(failures.namespace, EMF.namespace);
    t.equal(failures.metric_name, EMF.metrics.redisConnectionFailures);
    t.same(failures.dimensions, dimensions);
    t.equal(failures.statistic, 'Sum');
    t.equal(failures.period, 60);
    t.equal(failures.threshold, 5, 'more than 5 per minute');
  });

  t.test(`${env}: Redis, PostgreSQL and target health alarms`, async (t) => {
    const nodes = (key: string) =>
      queries(key).flatMap((q) => (q.metric ? [(metricOf(q).dimensions as Json).CacheClusterId] : []));
    t.same(nodes('redis-engine-cpu'), [`flagstone-${env}-001`, `flagstone-${env}-002`]);
    t.same(
      queries('redis-engine-cpu').flatMap((q) => (q.metric ? [metricOf(q).metric_name] : [])),
      ['EngineCPUUtilization', 'EngineCPUUtilization'],
    );
    t.same(
      queries('redis-evictions').flatMap((q) => (q.metric ? [metricOf(q).metric_name] : [])),
      ['Evictions', 'Evictions'],
    );
    const dbId = s.refTo('aws_db_instance', 'database_postgres', 'identifier');
    t.equal(alarm('database-cpu').metric_name, 'CPUUtilization');
    t.same(alarm('database-cpu').dimensions, { DBInstanceIdentifier: dbId });
    const storage = alarm('database-free-storage');
    t.equal(storage.metric_name, 'FreeStorageSpace');
    t.equal(storage.comparison_operator, 'LessThanThreshold');
    t.equal(storage.threshold, Math.round(20 * 1024 ** 3 * 0.1), '10 % of the allocated 20 GiB');
    const unhealthy = queries('unhealthy-targets').filter((q) => q.metric);
    t.same(
      unhealthy.map((q) => (metricOf(q).dimensions as Json).TargetGroup),
      ['blue', 'green', 'sync-blue', 'sync-green'].map((group) =>
        s.refTo('aws_lb_target_group', `load-balancer_${group}_`, 'arn_suffix'),
      ),
      'UnHealthyHostCount of both HTTP target groups and both gRPC (sync) target groups',
    );
    t.ok(unhealthy.every((q) => metricOf(q).metric_name === 'UnHealthyHostCount'));
    const result = queries('unhealthy-targets').find((q) => q.return_data === true)!;
    t.equal(
      result.expression,
      `MAX([${unhealthy.map((q) => `FILL(${q.id}, 0)`).join(', ')}])`,
      'a task failing either health check counts',
    );
  });

  t.test(`${env}: the deployment-health composite covers the rollback alarms`, async (t) => {
    const composite = s.one('aws_cloudwatch_composite_alarm');
    const rule = composite.alarm_rule as string;
    const service = s.one('aws_ecs_service');
    const rollbackAlarms = (service.alarms as Json).alarm_names as string[];
    t.equal(rule, rollbackAlarms.map((name) => `ALARM("${name}")`).join(' OR '));
  });

  t.test(`${env}: the runbook (terraform/README.md) explains every alarm and the bake times`, async (t) => {
    const keys = [...s.list('aws_cloudwatch_metric_alarm'), ...s.list('aws_cloudwatch_composite_alarm')].map(
      (a) => String(a.alarm_name).replace(`flagstone-${env}-`, ''),
    );
    for (const key of keys) t.ok(runbook.includes(`| \`${key}\``), `a row for ${key}`);
    const { deployment } = resolveSettings(environments[env]);
    const where = env === 'production' ? 'minutes in production' : 'in staging';
    t.ok(runbook.includes(`${deployment.canaryBakeMinutes} ${where}`), 'canary bake time as documented');
    t.ok(runbook.includes(`${deployment.bakeMinutes} ${where}`), 'bake time as documented');
  });

  t.test(`${env}: a dashboard with the same metrics`, async (t) => {
    const body = s.one('aws_cloudwatch_dashboard').dashboard_body as string;
    for (const metric of [
      'HTTPCode_Target_5XX_Count',
      'HTTPCode_ELB_5XX_Count',
      'RequestCount',
      'TargetResponseTime',
      'UnHealthyHostCount',
      ...Object.values(EMF.metrics),
      'EngineCPUUtilization',
      'Evictions',
      'CPUUtilization',
      'FreeStorageSpace',
    ]) {
      t.ok(body.includes(`"${metric}"`), `shows ${metric}`);
    }
    t.doesNotThrow(() => JSON.parse(body));
  });

  t.test(`${env}: monthly cost budget of 50 USD with notifications`, async (t) => {
    const budget = s.one('aws_budgets_budget');
    t.equal(budget.budget_type, 'COST');
    t.equal(budget.time_unit, 'MONTHLY');
    t.equal(budget.limit_amount, '50.00');
    t.equal(budget.limit_unit, 'USD');
    t.same(budget.cost_filter, [{ name: 'TagKeyValue', values: [`user:Environment$${env}`] }]);
    const notifications = budget.notification as Json[];
    t.equal(notifications.length, 2);
    for (const n of notifications) t.same(n.subscriber_sns_topic_arns, [topic]);
    const policy = s.one('aws_sns_topic_policy').policy as string;
    t.match(policy, /budgets\.amazonaws\.com/);
    t.match(policy, /cloudwatch\.amazonaws\.com/);
  });
}
