import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy/index.js';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target/index.js';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service/index.js';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { Construct } from 'constructs';
import { DEFAULT_PORT, LIVENESS_PATH, SYNC_PORT } from '../../service/src/contract.ts';
import { containerDefinitions } from './container.ts';
import { serviceTrustPolicy } from './iam.ts';
import type { BlueGreenTargets, LoadBalancerTargetGroup } from './load-balancer.ts';
import type { ServiceEnvironment } from './service-config.ts';
import { createExecutionRole, createTaskRole } from './task-roles.ts';

/** The managed policy ECS needs to shift listener-rule weights and (de)register targets. */
export const ECS_LOAD_BALANCER_INFRASTRUCTURE_POLICY =
  'arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers';

export interface ServiceProps {
  /** The ECS service name; also the prefix of its roles and task definition family. */
  readonly name: string;
  /** The AWS account id (the task roles trust only its ECS tasks). */
  readonly accountId: string;
  /** The AWS region (awslogs, KMS condition). */
  readonly region: string;
  /** The ECS cluster the service runs in. */
  readonly clusterArn: string;
  /** The same cluster by name (auto-scaling resource id). */
  readonly clusterName: string;
  /** The log group the container writes to (stream prefix `service`). */
  readonly logGroupName: string;
  /** The same log group, for the execution role. */
  readonly logGroupArn: string;
  /** The container name the load balancer forwards to. */
  readonly containerName: string;
  /** The service image (Dockerfile target `service`). */
  readonly image: string;
  /** The repository `image` comes from; the execution role may pull only from it. */
  readonly repositoryArn: string;
  /**
   * The port the container listens on: the one `environment` gives as PORT.
   * @default DEFAULT_PORT, the service's
   */
  readonly port?: number;
  /**
   * The port of the flagd sync service (gRPC): the one `environment` gives as SYNC_PORT.
   * @default SYNC_PORT, the service's
   */
  readonly syncPort?: number;
  /** The service's plain environment variables (README, "Configuration"). */
  readonly environment: Readonly<ServiceEnvironment>;
  /** Variables ECS injects from Secrets Manager: name -> secret ARN. The execution role reads only these. */
  readonly secrets: Readonly<ServiceEnvironment>;
  /** The KMS key of those secrets. */
  readonly kmsKeyArn: string;
  /**
   * Fargate CPU units.
   * @default 512
   */
  readonly cpu?: number;
  /**
   * Fargate memory in MiB.
   * @default 1024
   */
  readonly memory?: number;
  /** Private subnets the tasks run in (no public IPs). */
  readonly subnetIds: readonly string[];
  /** The tasks' security group (the service port from the ALB only). */
  readonly securityGroupId: string;
  /** The target group production traffic goes to at creation. */
  readonly primaryTargetGroup: LoadBalancerTargetGroup;
  /** The target group a new revision registers with during a deployment. */
  readonly alternateTargetGroup: LoadBalancerTargetGroup;
  /** The listener rule whose weights ECS shifts. */
  readonly productionListenerRuleArn: string;
  /** The sync service's gRPC target groups and the listener rule whose weights ECS shifts. */
  readonly syncTargets: BlueGreenTargets;
  /** The `LoadBalancer` dimension (ARN suffix) for request-count scaling. */
  readonly loadBalancerArnSuffix: string;
  /**
   * Percentage of production traffic the new revision receives during the canary phase.
   * @default 5
   */
  readonly canaryPercent?: number;
  /**
   * Minutes at `canaryPercent` before the rest of the traffic shifts.
   * @default 10
   */
  readonly canaryBakeMinutes?: number;
  /**
   * Minutes the old revision stays after the full shift, ready for a rollback.
   * @default 10
   */
  readonly bakeMinutes?: number;
  /**
   * Tasks auto-scaling keeps at least (also the initial desired count).
   * @default 2
   */
  readonly minTasks?: number;
  /**
   * Tasks auto-scaling runs at most.
   * @default 6
   */
  readonly maxTasks?: number;
  /**
   * Average CPU (%) target tracking holds.
   * @default 60
   */
  readonly cpuTargetPercent?: number;
  /**
   * ALB requests per task per minute target tracking holds.
   * @default 3000
   */
  readonly requestsPerTaskPerMinute?: number;
  /**
   * Seconds after a task starts during which failing load-balancer health checks are ignored.
   * @default 60
   */
  readonly healthCheckGracePeriodSeconds?: number;
}

/**
 * The Flagstone service on Fargate (ARM64): task definition with the container health check on
 * the service's liveness path, DATABASE_URL, REDIS_AUTH_TOKEN and ADMIN_TOKEN as ECS secrets, least-privilege
 * roles, ECS-native canary deployments between the two target groups of each port (the HTTP API's
 * and the flagd sync service's), and auto-scaling on CPU and on requests per task.
 */
export class Service extends Construct {
  readonly serviceName: string;
  /** The same cluster by name (auto-scaling resource id). */
  readonly clusterName: string;
  readonly taskDefinitionArn: string;
  readonly taskDefinitionFamily: string;
  readonly executionRoleArn: string;
  readonly taskRoleArn: string;
  private readonly service: EcsService;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);
    const port = props.port ?? DEFAULT_PORT;
    const syncPort = props.syncPort ?? SYNC_PORT;
    const minTasks = props.minTasks ?? 2;

    const executionRole = createExecutionRole(this, 'execution-role', {
      name: `${props.name}-execution`,
      accountId: props.accountId,
      region: props.region,
      logGroupArn: props.logGroupArn,
      secretArns: Object.values(props.secrets).filter((arn) => arn !== undefined),
      kmsKeyArn: props.kmsKeyArn,
      repositoryArn: props.repositoryArn,
    });
    const taskRole = createTaskRole(this, 'task-role', {
      name: `${props.name}-task`,
      accountId: props.accountId,
    });

    const healthUrl = `http://127.0.0.1:${port}${LIVENESS_PATH}`;
    const taskDefinition = new EcsTaskDefinition(this, 'task', {
      family: props.name,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(props.cpu ?? 512),
      memory: String(props.memory ?? 1024),
      runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      containerDefinitions: containerDefinitions([
        {
          name: props.containerName,
          image: props.image,
          ports: { http: port, grpc: syncPort },
          environment: props.environment,
          secrets: props.secrets,
          healthCheck: {
            command: [
              'CMD',
              'node',
              '-e',
              `fetch('${healthUrl}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
            ],
            startPeriod: 30,
          },
          logs: { group: props.logGroupName, region: props.region, streamPrefix: 'service' },
        },
      ]),
    });

    // The role ECS assumes to move listener-rule weights between the two target groups.
    const infrastructureRole = new IamRole(this, 'load-balancer-role', {
      name: `${props.name}-ecs-load-balancers`,
      description: 'Lets ECS shift traffic between the blue and green target groups',
      assumeRolePolicy: serviceTrustPolicy('ecs.amazonaws.com'),
    });
    const infrastructurePolicy = new IamRolePolicyAttachment(this, 'load-balancer-role-policy', {
      role: infrastructureRole.name,
      policyArn: ECS_LOAD_BALANCER_INFRASTRUCTURE_POLICY,
    });

    this.service = new EcsService(this, 'service', {
      name: props.name,
      cluster: props.clusterArn,
      taskDefinition: taskDefinition.arn,
      desiredCount: minTasks,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      propagateTags: 'SERVICE',
      enableEcsManagedTags: true,
      healthCheckGracePeriodSeconds: props.healthCheckGracePeriodSeconds ?? 60,
      networkConfiguration: {
        subnets: [...props.subnetIds],
        securityGroups: [props.securityGroupId],
        assignPublicIp: false,
      },
      deploymentController: { type: 'ECS' },
      deploymentConfiguration: {
        strategy: 'CANARY',
        bakeTimeInMinutes: String(props.bakeMinutes ?? 10),
        canaryConfiguration: {
          canaryPercent: props.canaryPercent ?? 5,
          canaryBakeTimeInMinutes: String(props.canaryBakeMinutes ?? 10),
        },
      },
      // One entry per port, each with its own blue/green pair and production rule: a deployment
      // shifts both together and rolls both back together. A sync stream stays on the task it
      // opened on (a weight applies to new requests), so it moves to the new revision when its
      // old task stops after the bake time, and its provider reconnects.
      loadBalancer: [
        {
          targetGroupArn: props.primaryTargetGroup.arn,
          containerName: props.containerName,
          containerPort: port,
          advancedConfiguration: {
            alternateTargetGroupArn: props.alternateTargetGroup.arn,
            productionListenerRule: props.productionListenerRuleArn,
            roleArn: infrastructureRole.arn,
          },
        },
        {
          targetGroupArn: props.syncTargets.primary.arn,
          containerName: props.containerName,
          containerPort: syncPort,
          advancedConfiguration: {
            alternateTargetGroupArn: props.syncTargets.alternate.arn,
            productionListenerRule: props.syncTargets.productionListenerRuleArn,
            roleArn: infrastructureRole.arn,
          },
        },
      ],
      // Auto-scaling owns the task count; ECS swaps the primary and alternate target groups on every
      // deployment, so Terraform must not push its creation-time view of them back.
      lifecycle: { ignoreChanges: ['desired_count', 'load_balancer'] },
      dependsOn: [infrastructurePolicy],
    });

    const scaling = new AppautoscalingTarget(this, 'scaling', {
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${props.clusterName}/${this.service.name}`,
      minCapacity: minTasks,
      maxCapacity: props.maxTasks ?? 6,
    });
    const scalingTarget = {
      serviceNamespace: scaling.serviceNamespace,
      scalableDimension: scaling.scalableDimension,
      resourceId: scaling.resourceId,
      policyType: 'TargetTrackingScaling',
    };
    new AppautoscalingPolicy(this, 'scale-on-cpu', {
      ...scalingTarget,
      name: `${props.name}-cpu`,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: props.cpuTargetPercent ?? 60,
        predefinedMetricSpecification: { predefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
      },
    });
    // Requests per task across both target groups: which one is live alternates with every
    // deployment, so the predefined ALBRequestCountPerTarget (bound to one group) would go blind.
    const perTarget = (key: string, group: LoadBalancerTargetGroup) => ({
      id: key,
      returnData: false,
      metricStat: {
        stat: 'Sum',
        metric: {
          namespace: 'AWS/ApplicationELB',
          metricName: 'RequestCountPerTarget',
          dimensions: [
            { name: 'LoadBalancer', value: props.loadBalancerArnSuffix },
            { name: 'TargetGroup', value: group.arnSuffix },
          ],
        },
      },
    });
    new AppautoscalingPolicy(this, 'scale-on-requests', {
      ...scalingTarget,
      name: `${props.name}-requests-per-task`,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: props.requestsPerTaskPerMinute ?? 3000,
        customizedMetricSpecification: {
          metrics: [
            perTarget('blue', props.primaryTargetGroup),
            perTarget('green', props.alternateTargetGroup),
            {
              id: 'requests_per_task',
              label: 'Requests per task per minute (both target groups)',
              expression: 'FILL(blue, 0) + FILL(green, 0)',
              returnData: true,
            },
          ],
        },
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
      },
    });

    this.serviceName = this.service.name;
    this.clusterName = props.clusterName;
    this.taskDefinitionArn = taskDefinition.arn;
    this.taskDefinitionFamily = taskDefinition.family;
    this.executionRoleArn = executionRole.arn;
    this.taskRoleArn = taskRole.arn;
  }

  /**
   * Fails a deployment, and rolls it back to the last completed one, when any of these alarms
   * fires while ECS watches it (the canary phase and the bake time after the full shift).
   */
  rollBackOnAlarms(alarmNames: readonly string[]): void {
    this.service.putAlarms({ alarmNames: [...alarmNames], enable: true, rollback: true });
  }
}
