import { CloudwatchCompositeAlarm } from '@cdktf/provider-aws/lib/cloudwatch-composite-alarm/index.js';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard/index.js';
import {
  CloudwatchMetricAlarm,
  type CloudwatchMetricAlarmConfig,
  type CloudwatchMetricAlarmMetricQuery,
} from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy/index.js';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription/index.js';
import { Construct } from 'constructs';
import { EMF } from '../../service/src/contract.ts';
import { policyDocument } from './iam.ts';
import type { LoadBalancerTargetGroup } from './load-balancer.ts';

export interface AlarmThresholds {
  /**
   * ALB 5xx responses (target and load balancer) as a percentage of requests.
   * @default 1
   */
  readonly http5xxPercent?: number;
  /**
   * p95 target response time in milliseconds.
   * @default 200
   */
  readonly p95LatencyMs?: number;
  /**
   * CacheMissRate (%): reads served by PostgreSQL rather than a cache.
   * @default 20
   */
  readonly cacheMissRatePercent?: number;
  /**
   * RedisConnectionFailures per minute, summed over the tasks.
   * @default 5
   */
  readonly redisConnectionFailuresPerMinute?: number;
  /**
   * Redis EngineCPUUtilization (%) on the busiest node.
   * @default 80
   */
  readonly redisEngineCpuPercent?: number;
  /**
   * Redis evictions per 5 minutes on the busiest node.
   * @default 100
   */
  readonly redisEvictionsPer5Minutes?: number;
  /**
   * RDS CPUUtilization (%).
   * @default 80
   */
  readonly databaseCpuPercent?: number;
  /**
   * RDS FreeStorageSpace as a percentage of the allocated storage.
   * @default 10
   */
  readonly databaseFreeStoragePercent?: number;
}

export interface MonitoringProps {
  /** The name prefix, e.g. `flagstone-production`: alarms are `<name>-<alarm>`. */
  readonly name: string;
  /** The AWS account id (topic policy). */
  readonly accountId: string;
  /** The AWS region (dashboard widgets). */
  readonly region: string;
  /** Encrypts the alarm topic. */
  readonly kmsKeyArn: string;
  /**
   * An email address subscribed to the alarm topic.
   * @default none
   */
  readonly alarmEmail?: string;
  /** The `LoadBalancer` dimension of the ALB. */
  readonly loadBalancerArnSuffix: string;
  /** Both target groups (which one is live alternates with each deployment). */
  readonly targetGroups: readonly [LoadBalancerTargetGroup, LoadBalancerTargetGroup];
  /** Both gRPC target groups of the flagd sync service (the same tasks, on the sync port). */
  readonly syncTargetGroups: readonly [LoadBalancerTargetGroup, LoadBalancerTargetGroup];
  /** SERVICE_NAME of the tasks: the `ServiceName` dimension of the EMF metrics. */
  readonly metricsServiceName: string;
  /** The ECS cluster (dashboard). */
  readonly clusterName: string;
  /** The ECS service (dashboard). */
  readonly serviceName: string;
  /** The Redis node ids (CacheClusterId dimension). */
  readonly cacheNodeIds: readonly string[];
  /** The RDS instance identifier (DBInstanceIdentifier dimension). */
  readonly databaseInstanceId: string;
  /** Allocated storage in GiB, the base of the free-storage threshold. */
  readonly databaseAllocatedStorageGiB: number;
  /**
   * Alarm thresholds.
   * @default each threshold's own default
   */
  readonly thresholds?: AlarmThresholds;
}

type AlarmSpec = Omit<CloudwatchMetricAlarmConfig, 'alarmName' | 'alarmActions' | 'okActions'> & {
  key: string;
};

/**
 * The alarm topic (KMS-encrypted; optional email subscription), the alarms and a dashboard with the
 * same metrics. Every alarm notifies the topic on ALARM and on OK. `deploymentAlarmNames` are the
 * alarms that judge a deployment (ECS rolls back when one fires); `deploymentHealthAlarmName` is a
 * composite of them for people and the dashboard.
 */
export class Monitoring extends Construct {
  readonly topicArn: string;
  /** Every alarm, metric and composite. */
  readonly alarmNames: readonly string[];
  /** The alarms ECS watches during a deployment: 5xx rate, p95 latency, unhealthy targets, Redis failures. */
  readonly deploymentAlarmNames: readonly string[];
  readonly deploymentHealthAlarmName: string;
  readonly dashboardName: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const t = props.thresholds ?? {};
    const [blue, green] = props.targetGroups;
    const [syncBlue, syncGreen] = props.syncTargetGroups;
    const lb = { LoadBalancer: props.loadBalancerArnSuffix };
    const service = { [EMF.dimension]: props.metricsServiceName };

    const topic = new SnsTopic(this, 'topic', {
      name: `${props.name}-alarms`,
      kmsMasterKeyId: props.kmsKeyArn,
    });
    new SnsTopicPolicy(this, 'topic-policy', {
      arn: topic.arn,
      policy: policyDocument([
        {
          Sid: 'AccountManagesTopic',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${props.accountId}:root` },
          Action: ['sns:Publish', 'sns:Subscribe', 'sns:GetTopicAttributes', 'sns:SetTopicAttributes'],
          Resource: topic.arn,
        },
        {
          Sid: 'AlarmsAndBudgetsPublish',
          Effect: 'Allow',
          Principal: { Service: ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com'] },
          Action: 'sns:Publish',
          Resource: topic.arn,
          Condition: { StringEquals: { 'aws:SourceAccount': props.accountId } },
        },
      ]),
    });
    if (props.alarmEmail) {
      new SnsTopicSubscription(this, 'email', {
        topicArn: topic.arn,
        protocol: 'email',
        endpoint: props.alarmEmail,
      });
    }

    const alarm = (spec: AlarmSpec) => {
      const { key, ...config } = spec;
      return new CloudwatchMetricAlarm(this, key, {
        treatMissingData: 'notBreaching',
        ...config,
        alarmName: `${props.name}-${key}`,
        alarmActions: [topic.arn],
        okActions: [topic.arn],
      });
    };
    const metric = (
      id: string,
      namespace: string,
      metricName: string,
      stat: string,
      dimensions: Record<string, string>,
      period = 60,
    ): CloudwatchMetricAlarmMetricQuery => ({
      id,
      returnData: false,
      metric: { namespace, metricName, stat, period, dimensions },
    });
    const expression = (expr: string, label: string): CloudwatchMetricAlarmMetricQuery => ({
      id: 'result',
      expression: expr,
      label,
      returnData: true,
    });

    const http5xx = alarm({
      key: 'http-5xx-rate',
      alarmDescription:
        'More than the allowed share of requests failed with 5xx (target + load balancer) for 3 of 5 minutes. ' +
        'Rolls back a deployment in progress. Runbook (README): "http-5xx-rate".',
      comparisonOperator: 'GreaterThanThreshold',
      threshold: t.http5xxPercent ?? 1,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      metricQuery: [
        metric('target5xx', 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'Sum', lb),
        metric('elb5xx', 'AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count', 'Sum', lb),
        metric('requests', 'AWS/ApplicationELB', 'RequestCount', 'Sum', lb),
        expression(
          'IF(FILL(requests, 0) > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / FILL(requests, 0), 0)',
          '5xx responses (% of requests)',
        ),
      ],
    });
    const latency = alarm({
      key: 'p95-latency',
      alarmDescription:
        'p95 target response time above the threshold for 3 of 5 minutes. Rolls back a deployment in progress. ' +
        'Runbook (README): "p95-latency".',
      namespace: 'AWS/ApplicationELB',
      metricName: 'TargetResponseTime',
      dimensions: lb,
      extendedStatistic: 'p95',
      period: 60,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: (t.p95LatencyMs ?? 200) / 1000,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });
    // The sync port's gRPC health check judges the same tasks: a revision whose sync service fails
    // it is as unhealthy as one failing /health/ready, and rolls back the same way.
    const unhealthy = alarm({
      key: 'unhealthy-targets',
      alarmDescription:
        "A task failed a target health check for 3 minutes: /health/ready, or the sync port's gRPC health " +
        'check (any target group). Rolls back a deployment in progress. Runbook (README): "unhealthy-targets".',
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      metricQuery: [
        metric('blue', 'AWS/ApplicationELB', 'UnHealthyHostCount', 'Maximum', {
          ...lb,
          TargetGroup: blue.arnSuffix,
        }),
        metric('green', 'AWS/ApplicationELB', 'UnHealthyHostCount', 'Maximum', {
          ...lb,
          TargetGroup: green.arnSuffix,
        }),
        metric('syncblue', 'AWS/ApplicationELB', 'UnHealthyHostCount', 'Maximum', {
          ...lb,
          TargetGroup: syncBlue.arnSuffix,
        }),
        metric('syncgreen', 'AWS/ApplicationELB', 'UnHealthyHostCount', 'Maximum', {
          ...lb,
          TargetGroup: syncGreen.arnSuffix,
        }),
        expression(
          'MAX([FILL(blue, 0), FILL(green, 0), FILL(syncblue, 0), FILL(syncgreen, 0)])',
          'Unhealthy tasks',
        ),
      ],
    });
    const redisFailures = alarm({
      key: 'redis-connection-failures',
      alarmDescription:
        'Tasks failed to reach Redis more than the allowed times per minute (2 of 3 minutes); reads fall back ' +
        'to PostgreSQL. Rolls back a deployment in progress. Runbook (README): "redis-connection-failures".',
      namespace: EMF.namespace,
      metricName: EMF.metrics.redisConnectionFailures,
      dimensions: service,
      statistic: 'Sum',
      period: 60,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: t.redisConnectionFailuresPerMinute ?? 5,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    const cacheMiss = alarm({
      key: 'cache-miss-rate',
      alarmDescription:
        'More than the allowed share of flag reads missed both caches for 5 minutes. Runbook (README): "cache-miss-rate".',
      namespace: EMF.namespace,
      metricName: EMF.metrics.cacheMissRate,
      dimensions: service,
      statistic: 'Average',
      period: 60,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: t.cacheMissRatePercent ?? 20,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
    });
    const nodeQueries = (metricName: string, stat: string, period: number) =>
      props.cacheNodeIds.map((node, i) =>
        metric(`node${i + 1}`, 'AWS/ElastiCache', metricName, stat, { CacheClusterId: node }, period),
      );
    const nodeIds = props.cacheNodeIds.map((_, i) => `FILL(node${i + 1}, 0)`).join(', ');
    const redisCpu = alarm({
      key: 'redis-engine-cpu',
      alarmDescription:
        'Redis engine CPU above the threshold for 5 minutes on a node. Runbook (README): "redis-engine-cpu".',
      comparisonOperator: 'GreaterThanThreshold',
      threshold: t.redisEngineCpuPercent ?? 80,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      metricQuery: [
        ...nodeQueries('EngineCPUUtilization', 'Average', 60),
        expression(`MAX([${nodeIds}])`, 'Redis engine CPU (busiest node, %)'),
      ],
    });
    const evictions = alarm({
      key: 'redis-evictions',
      alarmDescription: 'Redis evicted keys for lack of memory. Runbook (README): "redis-evictions".',
      comparisonOperator: 'GreaterThanThreshold',
      threshold: t.redisEvictionsPer5Minutes ?? 100,
      evaluationPeriods: 1,
      metricQuery: [
        ...nodeQueries('Evictions', 'Sum', 300),
        expression(`MAX([${nodeIds}])`, 'Redis evictions per 5 minutes (busiest node)'),
      ],
    });
    const db = { DBInstanceIdentifier: props.databaseInstanceId };
    const dbCpu = alarm({
      key: 'database-cpu',
      alarmDescription:
        'PostgreSQL CPU above the threshold for 10 minutes. Runbook (README): "database-cpu".',
      namespace: 'AWS/RDS',
      metricName: 'CPUUtilization',
      dimensions: db,
      statistic: 'Average',
      period: 300,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: t.databaseCpuPercent ?? 80,
      evaluationPeriods: 2,
    });
    const freeStorageBytes = Math.round(
      props.databaseAllocatedStorageGiB * 1024 ** 3 * ((t.databaseFreeStoragePercent ?? 10) / 100),
    );
    const dbStorage = alarm({
      key: 'database-free-storage',
      alarmDescription: `PostgreSQL free storage below ${freeStorageBytes} bytes. Runbook (README): "database-free-storage".`,
      namespace: 'AWS/RDS',
      metricName: 'FreeStorageSpace',
      dimensions: db,
      statistic: 'Minimum',
      period: 300,
      comparisonOperator: 'LessThanThreshold',
      threshold: freeStorageBytes,
      evaluationPeriods: 1,
    });

    const deploymentAlarms = [http5xx, latency, unhealthy, redisFailures];
    const deploymentHealth = new CloudwatchCompositeAlarm(this, 'deployment-health', {
      alarmName: `${props.name}-deployment-health`,
      alarmDescription:
        'Any alarm that rolls back a deployment is firing. ECS watches the member alarms themselves; ' +
        'this summary is for people and the dashboard. Runbook (README): "deployment-health".',
      alarmRule: deploymentAlarms.map((a) => `ALARM("${a.alarmName}")`).join(' OR '),
      alarmActions: [topic.arn],
      okActions: [topic.arn],
    });

    const allMetricAlarms = [
      http5xx,
      latency,
      unhealthy,
      redisFailures,
      cacheMiss,
      redisCpu,
      evictions,
      dbCpu,
      dbStorage,
    ];
    new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: props.name,
      dashboardBody: JSON.stringify(
        dashboard(props, [...allMetricAlarms.map((a) => a.arn), deploymentHealth.arn], t.p95LatencyMs ?? 200),
      ),
    });

    this.topicArn = topic.arn;
    this.alarmNames = [...allMetricAlarms.map((a) => a.alarmName), deploymentHealth.alarmName];
    this.deploymentAlarmNames = deploymentAlarms.map((a) => a.alarmName);
    this.deploymentHealthAlarmName = deploymentHealth.alarmName;
    this.dashboardName = props.name;
  }
}

/** The dashboard body: traffic, errors and latency, the EMF cache metrics, Redis, PostgreSQL, ECS. */
function dashboard(props: MonitoringProps, alarmArns: readonly string[], p95Ms: number) {
  const lb = ['LoadBalancer', props.loadBalancerArnSuffix];
  const [blue, green] = props.targetGroups;
  const [syncBlue, syncGreen] = props.syncTargetGroups;
  const region = props.region;
  const widget = (
    x: number,
    y: number,
    title: string,
    metrics: unknown[],
    extra: Record<string, unknown> = {},
  ) => ({
    type: 'metric',
    x,
    y,
    width: 8,
    height: 6,
    properties: { title, region, view: 'timeSeries', stat: 'Sum', period: 60, metrics, ...extra },
  });
  const emf = (name: string) => [EMF.namespace, name, EMF.dimension, props.metricsServiceName];
  const node = (metricName: string, stat: string) =>
    props.cacheNodeIds.map((id) => ['AWS/ElastiCache', metricName, 'CacheClusterId', id, { stat }]);
  const db = (metricName: string, options: Record<string, string>) => [
    'AWS/RDS',
    metricName,
    'DBInstanceIdentifier',
    props.databaseInstanceId,
    options,
  ];
  return {
    widgets: [
      {
        type: 'alarm',
        x: 0,
        y: 0,
        width: 24,
        height: 3,
        properties: { title: 'Alarms', alarms: alarmArns },
      },
      widget(0, 3, 'Requests', [['AWS/ApplicationELB', 'RequestCount', ...lb]]),
      widget(8, 3, '5xx rate (%)', [
        ['AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', ...lb, { id: 't5', visible: false }],
        ['AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count', ...lb, { id: 'e5', visible: false }],
        ['AWS/ApplicationELB', 'RequestCount', ...lb, { id: 'rq', visible: false }],
        [{ expression: '100 * (FILL(t5, 0) + FILL(e5, 0)) / rq', label: '5xx %', id: 'rate' }],
      ]),
      widget(16, 3, 'Target response time p95 (s)', [['AWS/ApplicationELB', 'TargetResponseTime', ...lb]], {
        stat: 'p95',
        annotations: { horizontal: [{ label: 'alarm', value: p95Ms / 1000 }] },
      }),
      widget(
        0,
        9,
        'Unhealthy / healthy tasks (HTTP and sync target groups)',
        ['UnHealthyHostCount', 'HealthyHostCount'].flatMap((metricName) =>
          [blue, green, syncBlue, syncGreen].map((group) => [
            'AWS/ApplicationELB',
            metricName,
            'TargetGroup',
            group.arnSuffix,
            ...lb,
            { stat: 'Maximum' },
          ]),
        ),
      ),
      widget(8, 9, 'Flag reads and cache miss rate (%)', [
        [...emf(EMF.metrics.flagReads)],
        [...emf(EMF.metrics.cacheMissRate), { stat: 'Average', yAxis: 'right' }],
      ]),
      widget(16, 9, 'Redis connection failures per minute', [[...emf(EMF.metrics.redisConnectionFailures)]]),
      widget(0, 15, 'Redis engine CPU (%)', node('EngineCPUUtilization', 'Average')),
      widget(8, 15, 'Redis evictions', node('Evictions', 'Sum')),
      widget(16, 15, 'PostgreSQL CPU (%) and free storage (bytes)', [
        db('CPUUtilization', { stat: 'Average' }),
        db('FreeStorageSpace', { stat: 'Minimum', yAxis: 'right' }),
      ]),
      widget(0, 21, 'ECS service CPU and memory (%)', [
        [
          'AWS/ECS',
          'CPUUtilization',
          'ClusterName',
          props.clusterName,
          'ServiceName',
          props.serviceName,
          { stat: 'Average' },
        ],
        [
          'AWS/ECS',
          'MemoryUtilization',
          'ClusterName',
          props.clusterName,
          'ServiceName',
          props.serviceName,
          { stat: 'Average' },
        ],
      ]),
    ],
  };
}
