import { ElasticacheReplicationGroup } from '@cdktf/provider-aws/lib/elasticache-replication-group/index.js';
import { ElasticacheSubnetGroup } from '@cdktf/provider-aws/lib/elasticache-subnet-group/index.js';
import { Construct } from 'constructs';
import { GeneratedSecret } from './generated-secret.ts';

export interface CacheProps {
  /** The name prefix, e.g. `flagstone-production` (also the replication group id, at most 40 characters). */
  readonly name: string;
  /** Private subnets, one per AZ. */
  readonly subnetIds: readonly string[];
  /** The AZs of `subnetIds`: the primary goes to the first, the replica to the second. */
  readonly availabilityZones: readonly [string, string];
  /** The security group that admits the service on `port`. */
  readonly securityGroupId: string;
  /** The KMS key for encryption at rest and for the AUTH token secret. */
  readonly kmsKeyArn: string;
  /**
   * The node type of both nodes.
   * @default 'cache.t4g.micro'
   */
  readonly nodeType?: string;
  /**
   * The Redis engine version.
   * @default '7.1'
   */
  readonly engineVersion?: string;
  /**
   * Days of daily snapshots (0 turns them off).
   * @default 1
   */
  readonly snapshotRetentionDays?: number;
  /**
   * Days the AUTH token secret stays recoverable after deletion.
   * @default 30
   */
  readonly secretRecoveryWindowInDays?: number;
  /**
   * The Redis port.
   * @default 6379
   */
  readonly port?: number;
}

/**
 * ElastiCache for Redis 7: a primary and a replica in the other AZ with automatic failover
 * (multi-AZ), TLS required in transit, encryption at rest with the environment's KMS key, and an
 * AUTH token generated into Secrets Manager (the replication group reads the same value).
 */
export class Cache extends Construct {
  readonly replicationGroupId: string;
  /** `rediss://<primary endpoint>:<port>`: REDIS_URL for the service (TLS, no credentials). */
  readonly url: string;
  /** The secret holding the AUTH token: REDIS_AUTH_TOKEN for the service. */
  readonly authTokenSecretArn: string;
  /** The member node ids (`<id>-001`, `<id>-002`): the CacheClusterId dimension of node metrics. */
  readonly nodeIds: readonly string[];

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    const port = props.port ?? 6379;
    const authToken = new GeneratedSecret(this, 'auth-token', {
      name: `${props.name}/redis-auth-token`,
      description: 'Flagstone Redis AUTH token (REDIS_AUTH_TOKEN)',
      kmsKeyArn: props.kmsKeyArn,
      length: 64,
      recoveryWindowInDays: props.secretRecoveryWindowInDays ?? 30,
    });
    const subnets = new ElasticacheSubnetGroup(this, 'subnets', {
      name: props.name,
      description: `${props.name} private subnets`,
      subnetIds: [...props.subnetIds],
    });
    const group = new ElasticacheReplicationGroup(this, 'redis', {
      replicationGroupId: props.name,
      description: `${props.name} flag cache`,
      engine: 'redis',
      engineVersion: props.engineVersion ?? '7.1',
      parameterGroupName: 'default.redis7',
      nodeType: props.nodeType ?? 'cache.t4g.micro',
      port,
      numCacheClusters: 2,
      preferredCacheClusterAzs: [...props.availabilityZones],
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      subnetGroupName: subnets.name,
      securityGroupIds: [props.securityGroupId],
      atRestEncryptionEnabled: 'true',
      kmsKeyId: props.kmsKeyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      authToken: authToken.value,
      authTokenUpdateStrategy: 'ROTATE',
      snapshotRetentionLimit: props.snapshotRetentionDays ?? 1,
      snapshotWindow: '03:00-04:00',
      maintenanceWindow: 'sun:04:30-sun:05:30',
      autoMinorVersionUpgrade: 'true',
      applyImmediately: false,
    });
    this.replicationGroupId = group.replicationGroupId;
    this.url = `rediss://${group.primaryEndpointAddress}:${port}`;
    this.authTokenSecretArn = authToken.secretArn;
    this.nodeIds = [1, 2].map((n) => `${props.name}-${String(n).padStart(3, '0')}`);
  }
}
