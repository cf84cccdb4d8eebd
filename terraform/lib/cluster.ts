import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster/index.js';
import { Construct } from 'constructs';

export interface ClusterProps {
  /** The cluster name, e.g. `flagstone-production`; the log group is `/ecs/<name>`. */
  readonly name: string;
  /**
   * Days to keep container logs (service, migrations, bootstrap).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Container Insights: per-task CPU, memory and network metrics.
   * @default true
   */
  readonly containerInsights?: boolean;
}

/**
 * The ECS cluster and the log group every task of the environment writes to through the awslogs
 * driver (stream prefixes `service`, `migrate`, `db-bootstrap`). CloudWatch Logs extracts the
 * service's Embedded Metric Format lines from it into the `Flagstone` namespace.
 */
export class Cluster extends Construct {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly logGroupName: string;
  readonly logGroupArn: string;

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    const cluster = new EcsCluster(this, 'cluster', {
      name: props.name,
      setting: [
        { name: 'containerInsights', value: (props.containerInsights ?? true) ? 'enabled' : 'disabled' },
      ],
    });
    const logs = new CloudwatchLogGroup(this, 'logs', {
      name: `/ecs/${props.name}`,
      retentionInDays: props.logRetentionDays ?? 30,
    });
    this.clusterArn = cluster.arn;
    this.clusterName = cluster.name;
    this.logGroupName = logs.name;
    this.logGroupArn = logs.arn;
  }
}
