import t from 'tap';
import { ConfigSchema, loadConfig } from '../../service/src/config.ts';
import { DEFAULT_PORT, SYNC_PORT } from '../../service/src/contract.ts';
import { BOOTSTRAP_SQL } from '../lib/jobs.ts';
import { ECS_LOAD_BALANCER_INFRASTRUCTURE_POLICY } from '../lib/service.ts';
import { environments, resolveSettings } from '../settings.ts';
import {
  ENVIRONMENTS,
  type Json,
  parse,
  type Synthesized,
  serviceContainer,
  synthEnvironment,
} from './helpers.ts';

interface Container {
  name: string;
  image: string;
  command?: string[];
  environment: Array<{ name: string; value: string }>;
  secrets: Array<{ name: string; valueFrom: string }>;
  healthCheck?: { command: string[] };
  logConfiguration: { logDriver: string; options: Record<string, string> };
  portMappings?: Array<{ name: string; containerPort: number; protocol: string }>;
}
interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
}

const containers = (taskDefinition: Json) => parse<Container[]>(taskDefinition.container_definitions);
const policyOf = (s: Synthesized, rolePrefix: string) =>
  parse<{ Statement: Statement[] }>(s.named('aws_iam_role_policy', `${rolePrefix}-policy`).policy).Statement;
const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

for (const env of ENVIRONMENTS) {
  const s = synthEnvironment(env);
  const settings = resolveSettings(environments[env]);
  const secretRef = (prefix: string) => s.refTo('aws_secretsmanager_secret_version', prefix, 'arn');
  const appSecrets = {
    ADMIN_TOKEN: secretRef('admin-token_value'),
    DATABASE_URL: secretRef('database_url-value'),
    REDIS_AUTH_TOKEN: secretRef('cache_auth-token_value'),
    EVENTS_SIGNING_KEY: secretRef('events-signing-key_value'),
  };

  t.test(`${env}: Fargate ARM64 task with health check, awslogs and secrets`, async (t) => {
    const task = s.named('aws_ecs_task_definition', 'service_task');
    t.same(task.requires_compatibilities, ['FARGATE']);
    t.same(task.runtime_platform, { cpu_architecture: 'ARM64', operating_system_family: 'LINUX' });
    t.equal(task.cpu, String(settings.service.cpu));
    t.equal(task.memory, String(settings.service.memory));
    const [container, ...others] = containers(task);
    t.equal(others.length, 0);
    t.equal(
      container!.image,
      `${s.refTo('aws_ecr_repository', 'registry_repository', 'repository_url')}:\${var.image_tag}`,
    );
    t.same(container!.portMappings, [
      { name: 'http', containerPort: 3000, protocol: 'tcp' },
      { name: 'grpc', containerPort: SYNC_PORT, protocol: 'tcp' },
    ]);
    t.match(container!.healthCheck!.command.join(' '), /http:\/\/127\.0\.0\.1:3000\/health\/live/);
    t.equal(container!.logConfiguration.logDriver, 'awslogs');
    t.equal(
      container!.logConfiguration.options['awslogs-group'],
      s.refTo('aws_cloudwatch_log_group', 'cluster_logs', 'name'),
    );

    t.same(
      Object.fromEntries(container!.secrets.map((x) => [x.name, x.valueFrom])),
      appSecrets,
      'DATABASE_URL, REDIS_AUTH_TOKEN, ADMIN_TOKEN and EVENTS_SIGNING_KEY come from Secrets Manager',
    );
    const environment = Object.fromEntries(container!.environment.map((e) => [e.name, e.value]));
    for (const name of Object.keys(appSecrets))
      t.notOk(name in environment, `${name} is never plain environment`);
    t.same(Object.keys(environment).sort(), [
      'DEFAULT_ENVIRONMENT',
      'HOST',
      'KEEP_ALIVE_TIMEOUT_SECONDS',
      'METRICS_EMF',
      'PORT',
      'REDIS_URL',
      'SERVICE_NAME',
      'SYNC_PORT',
      'TRUSTED_PROXY_HOPS',
      'WARM_ENVIRONMENTS',
    ]);
    t.equal(environment.PORT, '3000');
    t.equal(environment.SYNC_PORT, String(SYNC_PORT), 'the flagd sync service is on');
    t.notOk(
      'SYNC_OPEN_ENVIRONMENTS' in environment,
      'every environment needs a token unless the settings say so',
    );
    t.equal(environment.METRICS_EMF, 'on', 'the alarms read the EMF metrics');
    t.equal(environment.TRUSTED_PROXY_HOPS, '1', 'the client address is the one the load balancer appended');
    t.equal(environment.HOST, '0.0.0.0');
    t.match(
      environment.REDIS_URL,
      /^rediss:\/\/\$\{aws_elasticache_replication_group\.cache_redis_\w+\.primary_endpoint_address\}:6379$/,
    );
    t.equal(environment.SERVICE_NAME, `flagstone-${env}`);
    t.equal(environment.WARM_ENVIRONMENTS, 'production');
    t.equal(environment.DEFAULT_ENVIRONMENT, 'production');
  });

  t.test(
    `${env}: every variable the task sets is one the service reads, with a value it accepts`,
    async (t) => {
      const { environment, secrets } = serviceContainer(s);
      const known = Object.keys(ConfigSchema.properties);
      for (const name of [...Object.keys(environment), ...Object.keys(secrets)])
        t.ok(known.includes(name), `${name} is in the service's config schema`);
      // The values as the service reads them at start (REDIS_URL holds the endpoint's reference).
      const config = loadConfig(environment);
      t.match(config, {
        PORT: DEFAULT_PORT,
        SYNC_PORT,
        SYNC_OPEN_ENVIRONMENTS: '',
        HOST: '0.0.0.0',
        TRUSTED_PROXY_HOPS: 1,
        METRICS_EMF: 'on',
      });
      t.equal(config.L1_TTL_MS, loadConfig({}).L1_TTL_MS, "unset: the service's default");

      // The secrets as Secrets Manager fills them: generated values of their length, and values built from those.
      const versions = Object.fromEntries(s.list('aws_secretsmanager_secret_version').map((v) => [v.id, v]));
      const generated = (s.json.data as Record<string, Record<string, Json>>)
        .aws_secretsmanager_random_password!;
      const fill = (template: string): string =>
        template.replace(/\$\{([\w.-]+)\.([\w-]+)\.\w+\}/g, (_, type: string, id: string) => {
          if (type === 'data.aws_secretsmanager_random_password')
            return 'aB3'.repeat(200).slice(0, generated[id]!.password_length as number);
          if (type === 'aws_secretsmanager_secret_version') return fill(String(versions[id]!.secret_string));
          return 'resolved.internal';
        });
      const secretValues = Object.fromEntries(
        Object.entries(secrets).map(([name, arn]) => {
          const id = /^\$\{aws_secretsmanager_secret_version\.([\w-]+)\.arn\}$/.exec(arn)![1]!;
          return [name, fill(String(versions[id]!.secret_string))];
        }),
      );
      t.match(secretValues.DATABASE_URL, /^postgresql:\/\/flagstone_app:aB3\w+@resolved\.internal:5432\//);
      t.doesNotThrow(() => loadConfig({ ...environment, ...secretValues }), 'the secrets too');
    },
  );

  t.test(`${env}: least-privilege execution role, empty task role`, async (t) => {
    const statements = policyOf(s, 'service_execution-role');
    const bySid = Object.fromEntries(statements.map((x) => [x.Sid, x]));
    t.same(
      asList(bySid.ReadTaskSecrets!.Resource).sort(),
      Object.values(appSecrets).sort(),
      'exactly the four secrets',
    );
    t.same(asList(bySid.ReadTaskSecrets!.Action), ['secretsmanager:GetSecretValue']);
    t.equal(
      bySid.PullImage!.Resource,
      s.refTo('aws_ecr_repository', 'registry_repository', 'arn'),
      'one repository',
    );
    t.equal(
      bySid.WriteLogs!.Resource,
      `${s.refTo('aws_cloudwatch_log_group', 'cluster_logs', 'arn')}:log-stream:*`,
    );
    t.equal(bySid.DecryptTaskSecrets!.Resource, s.refTo('aws_kms_key', 'encryption_key', 'arn'));
    t.ok(bySid.DecryptTaskSecrets!.Condition, 'decrypt only through Secrets Manager');
    for (const statement of statements) {
      if (statement.Resource === '*')
        t.same(statement.Action, 'ecr:GetAuthorizationToken', 'the only unscoped action');
      for (const action of asList(statement.Action))
        t.notMatch(action, /\*$/, `no wildcard actions (${action})`);
    }

    const task = s.named('aws_ecs_task_definition', 'service_task');
    const taskRole = s.refTo('aws_iam_role', 'service_task-role', 'arn');
    t.equal(task.task_role_arn, taskRole);
    const taskRoleName = s.refTo('aws_iam_role', 'service_task-role', 'id');
    const roleRefs = [
      ...s.resources('aws_iam_role_policy').map(([, p]) => p.role),
      ...s.resources('aws_iam_role_policy_attachment').map(([, p]) => p.role),
    ];
    t.notOk(
      roleRefs.some((r) => String(r).includes('service_task-role')),
      `nothing attached to ${taskRoleName}`,
    );
    const role = s.named('aws_iam_role', 'service_task-role');
    t.notOk(role.inline_policy);
    t.notOk(role.managed_policy_arns);
    t.match(role.assume_role_policy, /ecs-tasks\.amazonaws\.com/);
  });

  t.test(`${env}: ECS-native canary (5 %), bake times from settings, rollback on alarms`, async (t) => {
    const service = s.one('aws_ecs_service');
    t.equal(service.launch_type, 'FARGATE');
    t.same(service.deployment_controller, { type: 'ECS' });
    const deployment = service.deployment_configuration as Json;
    t.equal(deployment.strategy, 'CANARY');
    t.same(deployment.canary_configuration, {
      canary_percent: 5,
      canary_bake_time_in_minutes: String(settings.deployment.canaryBakeMinutes),
    });
    t.equal(deployment.bake_time_in_minutes, String(settings.deployment.bakeMinutes));
    t.equal(settings.deployment.canaryBakeMinutes, env === 'production' ? 60 : 10);

    const alarmRef = (key: string) =>
      s.refTo('aws_cloudwatch_metric_alarm', `monitoring_${key}_`, 'alarm_name');
    t.same(service.alarms, {
      alarm_names: ['http-5xx-rate', 'p95-latency', 'unhealthy-targets', 'redis-connection-failures'].map(
        alarmRef,
      ),
      enable: true,
      rollback: true,
    });

    const [lb, sync, ...others] = service.load_balancer as Json[];
    t.equal(others.length, 0);
    t.equal(lb!.target_group_arn, s.refTo('aws_lb_target_group', 'load-balancer_blue', 'arn'));
    t.equal(lb!.container_name, 'flagstone');
    t.equal(lb!.container_port, 3000);
    t.same(lb!.advanced_configuration, {
      alternate_target_group_arn: s.refTo('aws_lb_target_group', 'load-balancer_green', 'arn'),
      production_listener_rule: s.refTo('aws_lb_listener_rule', 'load-balancer_production', 'arn'),
      role_arn: s.refTo('aws_iam_role', 'service_load-balancer-role', 'arn'),
    });
    // The sync port's pair shifts in the same deployment, by its own rule, through the same role.
    t.equal(sync!.target_group_arn, s.refTo('aws_lb_target_group', 'load-balancer_sync-blue', 'arn'));
    t.equal(sync!.container_name, 'flagstone');
    t.equal(sync!.container_port, SYNC_PORT);
    t.same(sync!.advanced_configuration, {
      alternate_target_group_arn: s.refTo('aws_lb_target_group', 'load-balancer_sync-green', 'arn'),
      production_listener_rule: s.refTo('aws_lb_listener_rule', 'load-balancer_sync-production', 'arn'),
      role_arn: s.refTo('aws_iam_role', 'service_load-balancer-role', 'arn'),
    });
    const mapped = containers(s.named('aws_ecs_task_definition', 'service_task'))[0]!.portMappings!;
    t.same(
      (service.load_balancer as Json[]).map((entry) => entry.container_port),
      mapped.map((m) => m.containerPort),
      'each load balancer entry is a mapped port',
    );
    const infraRole = s.named('aws_iam_role', 'service_load-balancer-role');
    t.match(infraRole.assume_role_policy, /"Service":"ecs\.amazonaws\.com"/);
    t.equal(s.one('aws_iam_role_policy_attachment').policy_arn, ECS_LOAD_BALANCER_INFRASTRUCTURE_POLICY);
    t.same((service.lifecycle as Json).ignore_changes, ['desired_count', 'load_balancer']);
  });

  t.test(`${env}: auto-scaling on CPU and on requests per task`, async (t) => {
    const target = s.one('aws_appautoscaling_target');
    t.equal(target.min_capacity, settings.service.minTasks);
    t.equal(target.max_capacity, settings.service.maxTasks);
    t.equal(target.scalable_dimension, 'ecs:service:DesiredCount');
    const cpu = s.named('aws_appautoscaling_policy', 'service_scale-on-cpu')
      .target_tracking_scaling_policy_configuration as Json;
    t.same(cpu.predefined_metric_specification, {
      predefined_metric_type: 'ECSServiceAverageCPUUtilization',
    });
    t.equal(cpu.target_value, settings.service.cpuTargetPercent);
    const requests = s.named('aws_appautoscaling_policy', 'service_scale-on-requests')
      .target_tracking_scaling_policy_configuration as Json;
    const metrics = (requests.customized_metric_specification as Json).metrics as Json[];
    const names = metrics.flatMap((m) => ((m.metric_stat as Json)?.metric as Json)?.metric_name ?? []);
    t.same(names, ['RequestCountPerTarget', 'RequestCountPerTarget'], 'per target, for both target groups');
    t.equal(requests.target_value, settings.service.requestsPerTaskPerMinute);
  });

  t.test(`${env}: one-off migration task with the migrate image and DATABASE_URL only`, async (t) => {
    const migrate = s.named('aws_ecs_task_definition', 'jobs_migrate');
    t.equal(migrate.family, `flagstone-${env}-migrate`);
    const [container] = containers(migrate);
    t.match(container!.image, /:\$\{var\.image_tag\}-migrate$/, 'Dockerfile target `migrate`');
    t.same(container!.secrets, [{ name: 'DATABASE_URL', valueFrom: appSecrets.DATABASE_URL }]);
    const statements = policyOf(s, 'jobs_migrate-execution-role');
    t.same(statements.find((x) => x.Sid === 'ReadTaskSecrets')!.Resource, [appSecrets.DATABASE_URL]);
    t.same(migrate.runtime_platform, { cpu_architecture: 'ARM64', operating_system_family: 'LINUX' });
  });

  t.test(
    `${env}: database bootstrap task creates the app role with the RDS-managed credentials`,
    async (t) => {
      const bootstrap = s.named('aws_ecs_task_definition', 'jobs_db-bootstrap');
      const [container] = containers(bootstrap);
      const master = s.refTo('aws_db_instance', 'database_postgres', 'master_user_secret[0].secret_arn');
      t.same(Object.fromEntries(container!.secrets.map((x) => [x.name, x.valueFrom])), {
        APP_DB_PASSWORD: s.refTo('aws_secretsmanager_secret_version', 'database_app-password_value', 'arn'),
        PGPASSWORD: `${master}:password::`,
        PGUSER: `${master}:username::`,
      });
      t.match(container!.command!.join(' '), /psql -v ON_ERROR_STOP=1/);
      t.ok(container!.command!.join(' ').includes(BOOTSTRAP_SQL));
      t.notMatch(container!.command!.join(' '), /\$\{|%\{/, 'no Terraform template sequences in the script');
      const statements = policyOf(s, 'jobs_bootstrap-execution-role');
      t.same(asList(statements.find((x) => x.Sid === 'ReadTaskSecrets')!.Resource), [
        master,
        s.refTo('aws_secretsmanager_secret_version', 'database_app-password_value', 'arn'),
      ]);
      t.notOk(
        statements.some((x) => x.Sid === 'PullImage'),
        'a public image: no ECR access',
      );
    },
  );
}
