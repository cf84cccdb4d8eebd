import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret/index.js';
import { S3Backend, TerraformOutput, TerraformStack, TerraformVariable, Token } from 'cdktf';
import type { Construct } from 'constructs';
import { type EnvironmentSettings, resolveSettings } from '../settings.ts';
import { CostBudget } from './budget.ts';
import { Cache } from './cache.ts';
import { Cluster } from './cluster.ts';
import { Database } from './database.ts';
import { Encryption } from './encryption.ts';
import { GeneratedSecret } from './generated-secret.ts';
import { OneOffTasks } from './jobs.ts';
import { LoadBalancer } from './load-balancer.ts';
import { Monitoring } from './monitoring.ts';
import { resourceNames } from './names.ts';
import { Network } from './network.ts';
import { ContainerRegistry } from './registry.ts';
import { SecurityGroups } from './security-groups.ts';
import { Service } from './service.ts';

/** The Terraform version the synthesized stacks need (S3-native state locking is GA in 1.11). */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.11.0';

/**
 * The `image_tag` validation: a tag ECR accepts (leaving room for `-migrate`), never `latest`.
 * Terraform JSON reads `condition` as a template, so the expression goes inside `${...}`.
 */
const IMAGE_TAG_CONDITION =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Terraform template, not a JavaScript one
  '${can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,119}$", var.image_tag)) && var.image_tag != "latest"}';

/**
 * One Flagstone environment. Settings are resolved and validated first (a SettingsError stops the
 * synth); each construct then receives the outputs of the ones before it.
 */
export class FlagstoneStack extends TerraformStack {
  constructor(scope: Construct, id: string, input: EnvironmentSettings) {
    super(scope, id);
    const settings = resolveSettings(input);
    const names = resourceNames(settings.environment);
    const { account } = settings;
    const { PORT: port, SYNC_PORT: syncPort } = settings.service.config;

    new AwsProvider(this, 'aws', {
      region: account.region,
      allowedAccountIds: [account.id],
      defaultTags: [
        { tags: { Project: 'flagstone', Environment: names.environment, ManagedBy: 'terraform' } },
      ],
    });
    const backend = new S3Backend(this, {
      bucket: settings.state.bucket,
      key: settings.state.key,
      region: settings.state.region,
      encrypt: true,
    });
    // cdktf 0.21's S3Backend predates S3-native locking; the lock file replaces a DynamoDB table.
    backend.addOverride('use_lockfile', true);
    this.addOverride('terraform.required_version', REQUIRED_TERRAFORM_VERSION);

    const imageTag = new TerraformVariable(this, 'image_tag', {
      type: 'string',
      nullable: false,
      description:
        'The image tag to deploy: the service image is <repository>:<tag>, the migrations <repository>:<tag>-migrate.',
      validation: [
        {
          condition: IMAGE_TAG_CONDITION,
          errorMessage: 'image_tag must be an immutable tag such as a git SHA or a version (not "latest").',
        },
      ],
    });

    const protect = settings.deletionProtection;
    const encryption = new Encryption(this, 'encryption', { name: names.prefix, accountId: account.id });
    const network = new Network(this, 'network', {
      name: names.prefix,
      accountId: account.id,
      cidr: settings.network.vpcCidr,
      availabilityZones: account.availabilityZones,
      natGateways: settings.network.natGateways,
      flowLogRetentionDays: settings.network.flowLogRetentionDays,
    });
    const securityGroups = new SecurityGroups(this, 'security-groups', {
      name: names.prefix,
      vpcId: network.vpcId,
      vpcCidr: network.vpcCidr,
      albClientCidrs: settings.loadBalancer.allowedCidrs,
      servicePort: port,
      syncPort,
    });
    const registry = new ContainerRegistry(this, 'registry', { name: names.prefix, forceDelete: !protect });
    const cache = new Cache(this, 'cache', {
      name: names.prefix,
      subnetIds: network.privateSubnetIds,
      availabilityZones: account.availabilityZones,
      securityGroupId: securityGroups.redis,
      kmsKeyArn: encryption.keyArn,
      nodeType: settings.cache.nodeType,
      snapshotRetentionDays: settings.cache.snapshotRetentionDays,
      secretRecoveryWindowInDays: protect ? 30 : 0,
    });
    const database = new Database(this, 'database', {
      name: names.prefix,
      subnetIds: network.privateSubnetIds,
      securityGroupId: securityGroups.database,
      kmsKeyArn: encryption.keyArn,
      instanceClass: settings.database.instanceClass,
      allocatedStorageGiB: settings.database.allocatedStorageGiB,
      maxAllocatedStorageGiB: settings.database.maxAllocatedStorageGiB,
      backupRetentionDays: settings.database.backupRetentionDays,
      multiAz: settings.database.multiAz,
      deletionProtection: protect,
      logRetentionDays: settings.service.logRetentionDays,
    });
    const adminToken = new GeneratedSecret(this, 'admin-token', {
      name: `${names.prefix}/admin-token`,
      description: 'ADMIN_TOKEN: the service sets the `bootstrap` admin token to this value at every start',
      kmsKeyArn: encryption.keyArn,
      length: 48,
      recoveryWindowInDays: protect ? 30 : 0,
    });
    const eventsSigningKey = new GeneratedSecret(this, 'events-signing-key', {
      name: `${names.prefix}/events-signing-key`,
      description: 'EVENTS_SIGNING_KEY: signs event-stream tickets; every task must have the same one',
      kmsKeyArn: encryption.keyArn,
      length: 64,
      recoveryWindowInDays: protect ? 30 : 0,
    });
    // The identity provider issues the client secret: the stacks keep it, the operator puts it
    // (README, "Sign-in with an identity provider"). Only a service set up for single sign-on gets it.
    const oidcClientSecret = settings.service.config.OIDC_ISSUER
      ? new SecretsmanagerSecret(this, 'oidc-client-secret', {
          name: `${names.prefix}/oidc-client-secret`,
          description:
            'OIDC_CLIENT_SECRET: the client secret the identity provider gave Flagstone (put-secret-value)',
          kmsKeyId: encryption.keyArn,
          recoveryWindowInDays: protect ? 30 : 0,
        })
      : undefined;
    const loadBalancer = new LoadBalancer(this, 'load-balancer', {
      name: names.prefix,
      vpcId: network.vpcId,
      subnetIds: network.publicSubnetIds,
      securityGroupId: securityGroups.loadBalancer,
      scheme: settings.loadBalancer.scheme,
      certificateArn: settings.loadBalancer.certificateArn,
      sslPolicy: settings.loadBalancer.sslPolicy,
      targetPort: port,
      syncPort,
      deletionProtection: protect,
    });
    const cluster = new Cluster(this, 'cluster', {
      name: names.cluster,
      logRetentionDays: settings.service.logRetentionDays,
    });

    const svc = settings.service;
    const service = new Service(this, 'service', {
      name: names.service,
      accountId: account.id,
      region: account.region,
      clusterArn: cluster.clusterArn,
      clusterName: cluster.clusterName,
      logGroupName: cluster.logGroupName,
      logGroupArn: cluster.logGroupArn,
      containerName: names.container,
      image: registry.serviceImage(imageTag.stringValue),
      repositoryArn: registry.repositoryArn,
      port,
      syncPort,
      environment: { ...svc.environment, REDIS_URL: cache.url },
      secrets: {
        DATABASE_URL: database.databaseUrlSecretArn,
        REDIS_AUTH_TOKEN: cache.authTokenSecretArn,
        ADMIN_TOKEN: adminToken.secretArn,
        EVENTS_SIGNING_KEY: eventsSigningKey.secretArn,
        ...(oidcClientSecret ? { OIDC_CLIENT_SECRET: oidcClientSecret.arn } : {}),
      },
      kmsKeyArn: encryption.keyArn,
      cpu: svc.cpu,
      memory: svc.memory,
      subnetIds: network.privateSubnetIds,
      securityGroupId: securityGroups.service,
      primaryTargetGroup: loadBalancer.primaryTargetGroup,
      alternateTargetGroup: loadBalancer.alternateTargetGroup,
      productionListenerRuleArn: loadBalancer.productionListenerRuleArn,
      syncTargets: loadBalancer.sync,
      loadBalancerArnSuffix: loadBalancer.arnSuffix,
      canaryPercent: settings.deployment.canaryPercent,
      canaryBakeMinutes: settings.deployment.canaryBakeMinutes,
      bakeMinutes: settings.deployment.bakeMinutes,
      minTasks: svc.minTasks,
      maxTasks: svc.maxTasks,
      cpuTargetPercent: svc.cpuTargetPercent,
      requestsPerTaskPerMinute: svc.requestsPerTaskPerMinute,
    });

    const jobs = new OneOffTasks(this, 'jobs', {
      name: names.prefix,
      accountId: account.id,
      region: account.region,
      logGroupName: cluster.logGroupName,
      logGroupArn: cluster.logGroupArn,
      kmsKeyArn: encryption.keyArn,
      migrateImage: registry.migrateImage(imageTag.stringValue),
      repositoryArn: registry.repositoryArn,
      databaseUrlSecretArn: database.databaseUrlSecretArn,
      masterSecretArn: database.masterSecretArn,
      appPasswordSecretArn: database.appPasswordSecretArn,
      appUsername: database.appUsername,
      databaseHost: database.address,
      databasePort: database.port,
      databaseName: database.databaseName,
    });

    const monitoring = new Monitoring(this, 'monitoring', {
      name: names.prefix,
      accountId: account.id,
      region: account.region,
      kmsKeyArn: encryption.keyArn,
      alarmEmail: settings.alerts.email,
      loadBalancerArnSuffix: loadBalancer.arnSuffix,
      targetGroups: [loadBalancer.primaryTargetGroup, loadBalancer.alternateTargetGroup],
      syncTargetGroups: [loadBalancer.sync.primary, loadBalancer.sync.alternate],
      metricsServiceName: names.metricsServiceName,
      clusterName: service.clusterName,
      serviceName: service.serviceName,
      cacheNodeIds: cache.nodeIds,
      databaseInstanceId: database.instanceIdentifier,
      databaseAllocatedStorageGiB: database.allocatedStorageGiB,
    });
    service.rollBackOnAlarms(monitoring.deploymentAlarmNames);

    new CostBudget(this, 'budget', {
      name: `${names.prefix}-monthly`,
      accountId: account.id,
      monthlyLimitUsd: settings.alerts.monthlyBudgetUsd,
      environmentTag: names.environment,
      // The alarm email, if any, is subscribed to the topic already.
      topicArn: monitoring.topicArn,
    });

    // What deploys and operators need; scripts/run-task.sh reads the *_run_task outputs.
    // An object output as a token: cdktf inspects plain objects with the deprecated util.isArray.
    const runTask = (family: string) =>
      Token.asAny({
        cluster: cluster.clusterName,
        taskDefinition: family,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: network.privateSubnetIds,
            securityGroups: [securityGroups.jobs],
            assignPublicIp: 'DISABLED',
          },
        },
      });
    const outputs: Record<string, { value: unknown; description: string }> = {
      ecr_repository_url: {
        value: registry.repositoryUrl,
        description: 'Push `<tag>` and `<tag>-migrate` here',
      },
      load_balancer_dns_name: { value: loadBalancer.dnsName, description: 'Point the service DNS name here' },
      cluster_name: { value: cluster.clusterName, description: 'The ECS cluster' },
      service_name: { value: service.serviceName, description: 'The ECS service' },
      log_group_name: {
        value: cluster.logGroupName,
        description: 'Container logs (service, migrate, db-bootstrap)',
      },
      migrate_run_task: {
        value: runTask(jobs.migrateFamily),
        description: 'aws ecs run-task input for the migrations',
      },
      db_bootstrap_run_task: {
        value: runTask(jobs.bootstrapFamily),
        description: 'aws ecs run-task input for the database role bootstrap',
      },
      database_url_secret_arn: { value: database.databaseUrlSecretArn, description: 'DATABASE_URL' },
      admin_token_secret_arn: {
        value: adminToken.secretArn,
        description: 'ADMIN_TOKEN (rotate: README runbook)',
      },
      ...(oidcClientSecret
        ? {
            oidc_client_secret_arn: {
              value: oidcClientSecret.arn,
              description:
                'OIDC_CLIENT_SECRET: put the secret the identity provider issued here before deploying',
            },
          }
        : {}),
      database_master_secret_arn: {
        value: database.masterSecretArn,
        description: 'RDS-managed master credentials',
      },
      alarm_topic_arn: { value: monitoring.topicArn, description: 'Alarm and budget notifications' },
      dashboard_name: { value: monitoring.dashboardName, description: 'The CloudWatch dashboard' },
    };
    for (const [name, output] of Object.entries(outputs)) new TerraformOutput(this, name, output);
  }
}
