import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { REQUIRED_TERRAFORM_VERSION } from '../lib/stack.ts';
import { environments } from '../settings.ts';
import { ENVIRONMENTS, type Json, stable, synthEnvironment } from './helpers.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Every resource type the issue asks for; each must be in both stacks. */
const EXPECTED_TYPES = [
  'aws_vpc',
  'aws_subnet',
  'aws_internet_gateway',
  'aws_nat_gateway',
  'aws_eip',
  'aws_route_table',
  'aws_route',
  'aws_route_table_association',
  'aws_flow_log',
  'aws_security_group',
  'aws_vpc_security_group_ingress_rule',
  'aws_vpc_security_group_egress_rule',
  'aws_kms_key',
  'aws_elasticache_replication_group',
  'aws_elasticache_subnet_group',
  'aws_db_instance',
  'aws_db_subnet_group',
  'aws_db_parameter_group',
  'aws_secretsmanager_secret',
  'aws_secretsmanager_secret_version',
  'aws_ecr_repository',
  'aws_ecs_cluster',
  'aws_ecs_task_definition',
  'aws_ecs_service',
  'aws_iam_role',
  'aws_iam_role_policy',
  'aws_appautoscaling_target',
  'aws_appautoscaling_policy',
  'aws_lb',
  'aws_lb_listener',
  'aws_lb_listener_rule',
  'aws_lb_target_group',
  'aws_cloudwatch_log_group',
  'aws_cloudwatch_metric_alarm',
  'aws_cloudwatch_composite_alarm',
  'aws_cloudwatch_dashboard',
  'aws_sns_topic',
  'aws_budgets_budget',
];

t.test('`node main.ts` writes both stacks offline', async (t) => {
  const started = performance.now();
  const run = spawnSync(process.execPath, ['main.ts'], { cwd: root, encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  t.equal(run.status, 0, run.stderr);
  t.ok(seconds < 30, `synth took ${seconds.toFixed(1)} s`);
  for (const env of ENVIRONMENTS) {
    const written = JSON.parse(readFileSync(`${root}/cdktf.out/stacks/${env}/cdk.tf.json`, 'utf8')) as Json;
    t.same(stable(written), stable(synthEnvironment(env).json), `${env} matches the tested synthesis`);
  }
});

for (const env of ENVIRONMENTS) {
  const s = synthEnvironment(env);
  const settings = environments[env];

  t.test(`${env}: every required resource type exists`, async (t) => {
    const types = s.types();
    for (const type of EXPECTED_TYPES) t.ok(types.includes(type), type);
  });

  t.test(`${env}: S3 remote state with S3-native locking`, async (t) => {
    const terraform = s.json.terraform as Json;
    t.same((terraform.backend as Json).s3, {
      bucket: settings.state.bucket,
      key: `flagstone/${env}/terraform.tfstate`,
      region: settings.account.region,
      encrypt: true,
      use_lockfile: true,
    });
    t.equal(terraform.required_version, REQUIRED_TERRAFORM_VERSION);
    t.same((terraform.required_providers as Json).aws, { source: 'aws', version: '6.25.0' });
  });

  t.test(`${env}: provider pinned to the account, image tag from a variable`, async (t) => {
    const [aws] = (s.json.provider as Record<string, Json[]>).aws!;
    t.same(aws!.allowed_account_ids, [settings.account.id]);
    t.equal(aws!.region, settings.account.region);
    t.same((aws!.default_tags as Json[])[0], {
      tags: { Environment: env, ManagedBy: 'terraform', Project: 'flagstone' },
    });
    const variable = (s.json.variable as Record<string, Json>).image_tag!;
    t.equal(variable.type, 'string');
    t.equal(variable.nullable, false);
    t.notOk('default' in variable, 'every deploy names its image');
    const [validation] = variable.validation as Json[];
    // Terraform JSON reads `condition` as a template: a bare expression string would be a constant.
    t.match(validation!.condition, /^\$\{.*var\.image_tag.*\}$/);
    const outputs = Object.keys(s.json.output as Json);
    // Read by scripts/run-task.sh and named in the README runbook.
    for (const name of [
      'ecr_repository_url',
      'load_balancer_dns_name',
      'migrate_run_task',
      'db_bootstrap_run_task',
      'cluster_name',
      'log_group_name',
    ]) {
      t.ok(outputs.includes(name), `output ${name}`);
    }
  });

  t.test(
    `${env}: the resources Makefile.fragment and the README runbook target exist exactly once`,
    async (t) => {
      for (const [type, prefix] of [
        ['aws_ecr_repository', 'registry_repository'],
        ['aws_ecr_lifecycle_policy', 'registry_lifecycle'],
        ['aws_ecs_task_definition', 'jobs_migrate'],
        ['aws_secretsmanager_secret_version', 'database_app-password_value'],
        ['aws_secretsmanager_secret_version', 'cache_auth-token_value'],
      ] as const) {
        t.equal(s.resources(type).filter(([id]) => id.startsWith(prefix)).length, 1, `${type} ${prefix}`);
      }
    },
  );

  t.test(`${env}: snapshot`, async (t) => {
    t.matchSnapshot(stable(s.json), `${env} stack`);
  });
}
