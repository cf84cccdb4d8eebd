import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition/index.js';
import { Construct } from 'constructs';
import { containerDefinitions } from './container.ts';
import { createExecutionRole } from './task-roles.ts';

/**
 * Creates (or re-passwords) the application role with the master credentials. Idempotent: run it
 * again after rotating the app password secret. psql interpolates the variables, quoting them as
 * identifiers (:"x") or literals (:'x').
 */
export const BOOTSTRAP_SQL = [
  `SELECT format('CREATE ROLE %I LOGIN', :'app_user')`,
  `  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \\gexec`,
  `ALTER ROLE :"app_user" WITH LOGIN PASSWORD :'app_password';`,
  `GRANT CONNECT, TEMPORARY ON DATABASE :"db_name" TO :"app_user";`,
  `GRANT USAGE, CREATE ON SCHEMA public TO :"app_user";`,
].join('\n');

const BOOTSTRAP_SCRIPT = [
  'set -eu',
  'psql -v ON_ERROR_STOP=1 -v app_user="$APP_DB_USER" -v app_password="$APP_DB_PASSWORD" -v db_name="$PGDATABASE" <<\'SQL\'',
  BOOTSTRAP_SQL,
  'SQL',
  'echo "role $APP_DB_USER is ready"',
].join('\n');

export interface OneOffTasksProps {
  /** The name prefix, e.g. `flagstone-production`; families are `<name>-migrate` and `<name>-db-bootstrap`. */
  readonly name: string;
  /** The AWS account id (the execution roles trust only its ECS tasks). */
  readonly accountId: string;
  /** The AWS region (awslogs, KMS condition). */
  readonly region: string;
  /** The log group both jobs write to (stream prefixes `migrate`, `db-bootstrap`). */
  readonly logGroupName: string;
  /** The same log group, for the execution roles. */
  readonly logGroupArn: string;
  /** The KMS key of the secrets the jobs read. */
  readonly kmsKeyArn: string;
  /** The migration image (Dockerfile target `migrate`: `npx prisma migrate deploy`). */
  readonly migrateImage: string;
  /** The repository of `migrateImage`. */
  readonly repositoryArn: string;
  /** The secret with DATABASE_URL (the same one the service reads). */
  readonly databaseUrlSecretArn: string;
  /** The RDS-managed master secret ({username, password}). */
  readonly masterSecretArn: string;
  /** The secret with the application role's password. */
  readonly appPasswordSecretArn: string;
  /** The application role the bootstrap creates. */
  readonly appUsername: string;
  /** The PostgreSQL endpoint host (PGHOST of the bootstrap). */
  readonly databaseHost: string;
  /** The PostgreSQL port. */
  readonly databasePort: number;
  /** The database the application role is granted. */
  readonly databaseName: string;
  /**
   * The image that runs psql for the bootstrap (multi-arch, from ECR Public through NAT).
   * @default 'public.ecr.aws/docker/library/postgres:16-alpine'
   */
  readonly psqlImage?: string;
}

/**
 * Task definitions for one-off jobs, started with `aws ecs run-task` (scripts/run-task.sh) in the
 * private subnets with the `jobs` security group:
 * - `migrate`: the `migrate` image target, `prisma migrate deploy` against DATABASE_URL;
 * - `db-bootstrap`: creates the application role with the RDS-managed master credentials.
 * Each has its own execution role that reads only its own secrets.
 */
export class OneOffTasks extends Construct {
  readonly migrateFamily: string;
  readonly bootstrapFamily: string;

  constructor(scope: Construct, id: string, props: OneOffTasksProps) {
    super(scope, id);
    const common = {
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
    };
    const roleBase = {
      accountId: props.accountId,
      region: props.region,
      logGroupArn: props.logGroupArn,
      kmsKeyArn: props.kmsKeyArn,
    };

    const migrateRole = createExecutionRole(this, 'migrate-execution-role', {
      ...roleBase,
      name: `${props.name}-migrate-execution`,
      secretArns: [props.databaseUrlSecretArn],
      repositoryArn: props.repositoryArn,
    });
    const migrate = new EcsTaskDefinition(this, 'migrate', {
      ...common,
      family: `${props.name}-migrate`,
      executionRoleArn: migrateRole.arn,
      containerDefinitions: containerDefinitions([
        {
          name: 'migrate',
          image: props.migrateImage,
          secrets: { DATABASE_URL: props.databaseUrlSecretArn },
          logs: { group: props.logGroupName, region: props.region, streamPrefix: 'migrate' },
          stopTimeout: 120,
        },
      ]),
    });

    const bootstrapRole = createExecutionRole(this, 'bootstrap-execution-role', {
      ...roleBase,
      name: `${props.name}-db-bootstrap-execution`,
      secretArns: [props.masterSecretArn, props.appPasswordSecretArn],
    });
    const bootstrap = new EcsTaskDefinition(this, 'db-bootstrap', {
      ...common,
      family: `${props.name}-db-bootstrap`,
      executionRoleArn: bootstrapRole.arn,
      containerDefinitions: containerDefinitions([
        {
          name: 'db-bootstrap',
          image: props.psqlImage ?? 'public.ecr.aws/docker/library/postgres:16-alpine',
          command: ['sh', '-c', BOOTSTRAP_SCRIPT],
          environment: {
            PGHOST: props.databaseHost,
            PGPORT: String(props.databasePort),
            PGDATABASE: props.databaseName,
            PGSSLMODE: 'require',
            APP_DB_USER: props.appUsername,
          },
          secrets: {
            PGUSER: `${props.masterSecretArn}:username::`,
            PGPASSWORD: `${props.masterSecretArn}:password::`,
            APP_DB_PASSWORD: props.appPasswordSecretArn,
          },
          logs: { group: props.logGroupName, region: props.region, streamPrefix: 'db-bootstrap' },
        },
      ]),
    });

    this.migrateFamily = migrate.family;
    this.bootstrapFamily = bootstrap.family;
  }
}
