import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance/index.js';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group/index.js';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group/index.js';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret/index.js';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version/index.js';
import { Construct } from 'constructs';
import { GeneratedSecret } from './generated-secret.ts';

export interface DatabaseProps {
  /** The name prefix, e.g. `flagstone-production` (also the instance identifier). */
  readonly name: string;
  /** Private subnets, one per AZ. */
  readonly subnetIds: readonly string[];
  /** The security group that admits the service and the one-off tasks on 5432. */
  readonly securityGroupId: string;
  /** The KMS key for storage, Performance Insights and the secrets. */
  readonly kmsKeyArn: string;
  /**
   * The instance class.
   * @default 'db.t4g.micro'
   */
  readonly instanceClass?: string;
  /**
   * The PostgreSQL major version; minor versions upgrade automatically in the maintenance window.
   * @default '16'
   */
  readonly engineVersion?: string;
  /**
   * Initial storage in GiB (gp3).
   * @default 20
   */
  readonly allocatedStorageGiB?: number;
  /**
   * The ceiling storage auto-scaling may grow to, in GiB.
   * @default 100
   */
  readonly maxAllocatedStorageGiB?: number;
  /**
   * Days of automated backups.
   * @default 7
   */
  readonly backupRetentionDays?: number;
  /**
   * A synchronous standby in the other AZ.
   * @default false
   */
  readonly multiAz?: boolean;
  /**
   * Deletion protection, a final snapshot on destroy, and a 30-day recovery window on the secrets.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * The database the service uses.
   * @default 'flagstone'
   */
  readonly databaseName?: string;
  /**
   * The master user; its password is generated, stored and rotated by RDS in Secrets Manager.
   * @default 'flagstone_admin'
   */
  readonly masterUsername?: string;
  /**
   * The application's own role, created by the database bootstrap task and used in DATABASE_URL.
   * @default 'flagstone_app'
   */
  readonly appUsername?: string;
  /**
   * Days to keep the PostgreSQL log (exported to CloudWatch Logs).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Performance Insights (not offered on every instance class; check before enabling on a t4g.micro).
   * @default false
   */
  readonly performanceInsights?: boolean;
}

/**
 * RDS for PostgreSQL in the private subnets: encrypted with the environment's key, TLS enforced
 * (`rds.force_ssl`), automated backups, storage auto-scaling, master password managed by RDS.
 *
 * DATABASE_URL: the RDS-managed master secret holds JSON {username, password} and RDS rotates it
 * every 7 days, so a URL copied from it would break within a week. The service therefore logs in as
 * its own role, `appUsername`, whose password Secrets Manager generates here. This construct writes
 * the complete URL into its own secret (`databaseUrlSecretArn`); the one-off bootstrap task creates
 * the role in PostgreSQL with the master credentials (see OneOffTasks and the README runbook).
 */
export class Database extends Construct {
  readonly instanceIdentifier: string;
  /** The endpoint host name. */
  readonly address: string;
  readonly port: number;
  readonly databaseName: string;
  readonly appUsername: string;
  /** Storage at creation, in GiB (for the free-space alarm). */
  readonly allocatedStorageGiB: number;
  /** The RDS-managed secret with the master {username, password} (rotated by RDS). */
  readonly masterSecretArn: string;
  /** The secret with the application role's password. */
  readonly appPasswordSecretArn: string;
  /** The secret with the complete `postgresql://` URL the service and the migrations use. */
  readonly databaseUrlSecretArn: string;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const protect = props.deletionProtection ?? true;
    const recoveryWindowInDays = protect ? 30 : 0;
    const databaseName = props.databaseName ?? 'flagstone';
    const appUsername = props.appUsername ?? 'flagstone_app';
    const engineVersion = props.engineVersion ?? '16';
    const port = 5432;
    this.allocatedStorageGiB = props.allocatedStorageGiB ?? 20;

    const subnets = new DbSubnetGroup(this, 'subnets', {
      name: props.name,
      description: `${props.name} private subnets`,
      subnetIds: [...props.subnetIds],
    });
    const parameters = new DbParameterGroup(this, 'parameters', {
      name: `${props.name}-postgres${engineVersion}`,
      family: `postgres${engineVersion}`,
      description: `${props.name}: TLS only, slow statements logged`,
      parameter: [
        { name: 'rds.force_ssl', value: '1' },
        { name: 'log_min_duration_statement', value: '1000' },
      ],
      lifecycle: { createBeforeDestroy: true },
    });
    // Created here so the exported PostgreSQL log has a retention (RDS would create it without one).
    const logs = new CloudwatchLogGroup(this, 'logs', {
      name: `/aws/rds/instance/${props.name}/postgresql`,
      retentionInDays: props.logRetentionDays ?? 30,
    });
    const performanceInsights = props.performanceInsights ?? false;
    const instance = new DbInstance(this, 'postgres', {
      identifier: props.name,
      engine: 'postgres',
      engineVersion,
      autoMinorVersionUpgrade: true,
      instanceClass: props.instanceClass ?? 'db.t4g.micro',
      allocatedStorage: this.allocatedStorageGiB,
      maxAllocatedStorage: props.maxAllocatedStorageGiB ?? 100,
      storageType: 'gp3',
      storageEncrypted: true,
      kmsKeyId: props.kmsKeyArn,
      dbName: databaseName,
      username: props.masterUsername ?? 'flagstone_admin',
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: props.kmsKeyArn,
      port,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [props.securityGroupId],
      publiclyAccessible: false,
      parameterGroupName: parameters.name,
      multiAz: props.multiAz ?? false,
      backupRetentionPeriod: props.backupRetentionDays ?? 7,
      backupWindow: '02:00-03:00',
      maintenanceWindow: 'sun:03:30-sun:04:30',
      copyTagsToSnapshot: true,
      deletionProtection: protect,
      skipFinalSnapshot: !protect,
      finalSnapshotIdentifier: protect ? `${props.name}-final` : undefined,
      performanceInsightsEnabled: performanceInsights,
      performanceInsightsKmsKeyId: performanceInsights ? props.kmsKeyArn : undefined,
      enabledCloudwatchLogsExports: ['postgresql'],
      applyImmediately: false,
      dependsOn: [logs],
    });

    const appPassword = new GeneratedSecret(this, 'app-password', {
      name: `${props.name}/database-app-password`,
      description: `Password of the PostgreSQL role ${appUsername}`,
      kmsKeyArn: props.kmsKeyArn,
      length: 40,
      recoveryWindowInDays,
    });
    const url = new SecretsmanagerSecret(this, 'url', {
      name: `${props.name}/database-url`,
      description: `DATABASE_URL for the service and the migrations (role ${appUsername})`,
      kmsKeyId: props.kmsKeyArn,
      recoveryWindowInDays,
    });
    // sslmode=require encrypts; uselibpqcompat=true makes node-postgres read it as libpq does
    // (encrypt, do not verify the RDS CA, which Node does not ship). Prisma's engine ignores it.
    const urlVersion = new SecretsmanagerSecretVersion(this, 'url-value', {
      secretId: url.id,
      secretString:
        `postgresql://${appUsername}:${appPassword.value}@${instance.address}:${port}/${databaseName}` +
        '?sslmode=require&uselibpqcompat=true',
    });

    this.instanceIdentifier = instance.identifier;
    this.address = instance.address;
    this.port = port;
    this.databaseName = databaseName;
    this.appUsername = appUsername;
    this.masterSecretArn = instance.masterUserSecret.get(0).secretArn;
    this.appPasswordSecretArn = appPassword.secretArn;
    this.databaseUrlSecretArn = urlVersion.arn;
  }
}
