import { Lb } from '@cdktf/provider-aws/lib/lb/index.js';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener/index.js';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule/index.js';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group/index.js';
import { Construct } from 'constructs';
import { DEFAULT_PORT, READINESS_PATH, SYNC_HEALTH_SERVICE, SYNC_PORT } from '../../service/src/contract.ts';

/**
 * The paths the load balancer forwards to the service: the APIs and the web UI. An ALB condition
 * takes at most three patterns and ECS blue/green shifts exactly one listener rule, so the
 * forwarded set is at most three patterns. `/metrics` is never among them (and is refused
 * explicitly as well); `/health/*` is not either: the target groups' health checks reach the
 * tasks directly.
 */
export const DEFAULT_ROUTED_PATHS = ['/api/*', '/ofrep/*', '/ui*'] as const;

/**
 * How long the load balancer keeps a connection that carries no bytes. A flagd sync stream is
 * quiet between revisions and the protocol has no heartbeat (HTTP/2 pings do not count), so this
 * outlasts the 10 minutes after which flagd providers renew their streams by default
 * (streamDeadlineMs). Event streams send a heartbeat far sooner (EVENTS_HEARTBEAT_SECONDS, at most
 * 300 s). The service keeps idle connections open longer still (KEEP_ALIVE_TIMEOUT_SECONDS).
 */
export const IDLE_TIMEOUT_SECONDS = 900;

const NOT_FOUND = [
  {
    type: 'fixed-response',
    fixedResponse: { contentType: 'text/plain', statusCode: '404', messageBody: 'Not found' },
  },
];

/** Paths answered 404 by the load balancer itself, before any forwarding rule. */
export const BLOCKED_PATHS = ['/metrics', '/metrics/*'] as const;

/**
 * The gRPC methods the sync listener forwards: those of the flagd sync service (a gRPC call's path
 * is `/<service>/<method>`; the health service's name is the sync service's own). Anything else on
 * the sync port gets a 404, which gRPC clients see as UNIMPLEMENTED.
 */
export const SYNC_ROUTED_PATHS = [`/${SYNC_HEALTH_SERVICE}/*`] as const;

/**
 * The sync target groups' health check: the standard gRPC health service's Check method. The load
 * balancer sends an empty request, which asks about the server as a whole; the service answers
 * SERVING to it, as to its sync service's name, while the instance can serve.
 */
export const GRPC_HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';

/** gRPC status OK: the only answer that keeps a sync target in service. */
export const GRPC_HEALTHY_CODE = '0';

export interface LoadBalancerTargetGroup {
  /** The target group ARN. */
  readonly arn: string;
  /** The `TargetGroup` dimension of ALB metrics. */
  readonly arnSuffix: string;
}

/** A blue/green target-group pair and the listener rule whose weights ECS shifts between them. */
export interface BlueGreenTargets {
  /** The target group that serves production traffic when the stack is created. */
  readonly primary: LoadBalancerTargetGroup;
  /** The target group that receives the new revision during a deployment. */
  readonly alternate: LoadBalancerTargetGroup;
  /** The listener rule whose weights ECS shifts. */
  readonly productionListenerRuleArn: string;
}

export interface LoadBalancerProps {
  /**
   * The name prefix, e.g. `flagstone-production` (at most 21 characters: target group names take
   * 32 at most, and the sync ones add `-sync-green`).
   */
  readonly name: string;
  /** The VPC of the target groups. */
  readonly vpcId: string;
  /** The public subnets (the only thing in them besides the NAT gateways). */
  readonly subnetIds: readonly string[];
  /** The load balancer security group (443/80 from allowed clients only). */
  readonly securityGroupId: string;
  /** `internal` (private addresses only) or `internet-facing`. */
  readonly scheme: 'internal' | 'internet-facing';
  /** The ACM certificate of the HTTPS listener. */
  readonly certificateArn: string;
  /**
   * The HTTPS security policy.
   * @default 'ELBSecurityPolicy-TLS13-1-2-2021-06'
   */
  readonly sslPolicy?: string;
  /**
   * The port the tasks listen on.
   * @default DEFAULT_PORT, the service's
   */
  readonly targetPort?: number;
  /**
   * The target health check: 200 while the task can serve, 503 when it cannot.
   * @default READINESS_PATH, the service's
   */
  readonly healthCheckPath?: string;
  /**
   * Path patterns forwarded to the service (one to three, none matching `/metrics`).
   * @default DEFAULT_ROUTED_PATHS
   */
  readonly routedPaths?: readonly string[];
  /**
   * Deletion protection on the load balancer.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Seconds a deregistering task keeps its in-flight requests.
   * @default 30
   */
  readonly deregistrationDelaySeconds?: number;
  /**
   * The port of the flagd sync service (gRPC): the listener's and the tasks'.
   * @default SYNC_PORT, the service's
   */
  readonly syncPort?: number;
  /**
   * Seconds a deregistering task keeps its sync streams (see SYNC_DEREGISTRATION_DELAY_SECONDS).
   * @default SYNC_DEREGISTRATION_DELAY_SECONDS
   */
  readonly syncDeregistrationDelaySeconds?: number;
}

/**
 * How long a deregistering task keeps its sync streams. A SyncFlags stream never finishes on its
 * own, so waiting longer only delays the task's stop: when the delay ends the load balancer closes
 * the streams still open (the service also ends its streams when it shuts down), and the providers
 * reconnect to a task in service and receive the whole document again. FetchAllFlags calls take
 * milliseconds and finish well within it.
 */
export const SYNC_DEREGISTRATION_DELAY_SECONDS = 15;

/** The longest name prefix: the sync target groups add `-sync-green` and a name takes at most 32. */
const MAX_NAME_LENGTH = 32 - '-sync-green'.length;

/**
 * The Application Load Balancer: HTTPS on 443 with a TLS 1.3 policy, HTTP on 80 redirecting to
 * HTTPS, and two target groups for ECS blue/green. The production rule forwards the routed paths
 * with weights (blue 100 / green 0 at creation); ECS changes those weights during a deployment, so
 * Terraform ignores later changes to its action. Everything else, `/metrics` included, gets a
 * fixed 404 from the load balancer.
 *
 * The flagd sync service (gRPC) has a listener of its own on the sync port: HTTPS with the same
 * certificate and policy (the load balancer speaks gRPC only behind TLS), forwarding the sync
 * service's methods to a second blue/green pair of gRPC target groups, which ECS shifts in the same
 * deployment. Between the load balancer and the tasks gRPC runs in plaintext HTTP/2, inside the VPC.
 */
export class LoadBalancer extends Construct {
  /** The target group ARN. */
  readonly arn: string;
  /** The `LoadBalancer` dimension of ALB metrics. */
  readonly arnSuffix: string;
  readonly dnsName: string;
  /** The target group that serves production traffic when the stack is created. */
  readonly primaryTargetGroup: LoadBalancerTargetGroup;
  /** The target group that receives the new revision during a deployment. */
  readonly alternateTargetGroup: LoadBalancerTargetGroup;
  /** The HTTPS listener rule whose weights ECS shifts. */
  readonly productionListenerRuleArn: string;
  readonly httpsListenerArn: string;
  /** The sync service's target groups and listener rule. */
  readonly sync: BlueGreenTargets;
  readonly syncListenerArn: string;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const port = props.targetPort ?? DEFAULT_PORT;
    const syncPort = props.syncPort ?? SYNC_PORT;
    if (props.name.length > MAX_NAME_LENGTH) {
      throw new Error(`LoadBalancer: name takes at most ${MAX_NAME_LENGTH} characters (target group names)`);
    }
    if ([443, 80, port].includes(syncPort)) {
      throw new Error(`LoadBalancer: syncPort ${syncPort} is taken by another listener or the service port`);
    }
    const routedPaths = props.routedPaths ?? DEFAULT_ROUTED_PATHS;
    if (routedPaths.length < 1 || routedPaths.length > 3) {
      throw new Error('LoadBalancer: routedPaths takes one to three path patterns (an ALB condition limit)');
    }
    for (const pattern of routedPaths) {
      if (matchesPath(pattern, '/metrics'))
        throw new Error(`LoadBalancer: "${pattern}" would route /metrics`);
    }

    const lb = new Lb(this, 'alb', {
      name: props.name,
      loadBalancerType: 'application',
      internal: props.scheme === 'internal',
      subnets: [...props.subnetIds],
      securityGroups: [props.securityGroupId],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: props.deletionProtection ?? true,
      idleTimeout: IDLE_TIMEOUT_SECONDS,
    });

    const targetGroup = (color: 'blue' | 'green') =>
      new LbTargetGroup(this, color, {
        name: `${props.name}-${color}`,
        vpcId: props.vpcId,
        targetType: 'ip',
        protocol: 'HTTP',
        port,
        deregistrationDelay: String(props.deregistrationDelaySeconds ?? 30),
        healthCheck: {
          enabled: true,
          path: props.healthCheckPath ?? READINESS_PATH,
          protocol: 'HTTP',
          port: 'traffic-port',
          matcher: '200',
          interval: 15,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
      });
    const blue = targetGroup('blue');
    const green = targetGroup('green');

    // HTTPS listeners answer 404 to whatever their rules do not route.
    const httpsListener = (id: string, port: number) =>
      new LbListener(this, id, {
        loadBalancerArn: lb.arn,
        port,
        protocol: 'HTTPS',
        sslPolicy: props.sslPolicy ?? 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        certificateArn: props.certificateArn,
        defaultAction: NOT_FOUND,
      });
    const https = httpsListener('https', 443);
    new LbListener(this, 'http', {
      loadBalancerArn: lb.arn,
      port: 80,
      protocol: 'HTTP',
      defaultAction: [
        { type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } },
      ],
    });

    new LbListenerRule(this, 'block-metrics', {
      listenerArn: https.arn,
      priority: 1,
      condition: [{ pathPattern: { values: [...BLOCKED_PATHS] } }],
      action: NOT_FOUND,
    });
    // ECS shifts a production rule's weights during a deployment and swaps the pair's roles.
    const productionRule = (
      id: string,
      listenerArn: string,
      paths: readonly string[],
      pair: LbTargetGroup[],
    ) =>
      new LbListenerRule(this, id, {
        listenerArn,
        priority: 10,
        condition: [{ pathPattern: { values: [...paths] } }],
        action: [
          {
            type: 'forward',
            forward: { targetGroup: pair.map((group, i) => ({ arn: group.arn, weight: i === 0 ? 100 : 0 })) },
          },
        ],
        lifecycle: { ignoreChanges: ['action'] },
      });
    const production = productionRule('production', https.arn, routedPaths, [blue, green]);

    // The sync service: gRPC behind its own HTTPS listener, with its own blue/green pair.
    const syncTargetGroup = (color: 'blue' | 'green') =>
      new LbTargetGroup(this, `sync-${color}`, {
        name: `${props.name}-sync-${color}`,
        vpcId: props.vpcId,
        targetType: 'ip',
        protocol: 'HTTP',
        protocolVersion: 'GRPC',
        port: syncPort,
        deregistrationDelay: String(
          props.syncDeregistrationDelaySeconds ?? SYNC_DEREGISTRATION_DELAY_SECONDS,
        ),
        healthCheck: {
          enabled: true,
          path: GRPC_HEALTH_CHECK_PATH,
          protocol: 'HTTP',
          port: 'traffic-port',
          matcher: GRPC_HEALTHY_CODE,
          interval: 15,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
      });
    const syncBlue = syncTargetGroup('blue');
    const syncGreen = syncTargetGroup('green');
    const syncListener = httpsListener('sync', syncPort);
    const syncProduction = productionRule('sync-production', syncListener.arn, SYNC_ROUTED_PATHS, [
      syncBlue,
      syncGreen,
    ]);

    this.arn = lb.arn;
    this.arnSuffix = lb.arnSuffix;
    this.dnsName = lb.dnsName;
    this.primaryTargetGroup = { arn: blue.arn, arnSuffix: blue.arnSuffix };
    this.alternateTargetGroup = { arn: green.arn, arnSuffix: green.arnSuffix };
    this.productionListenerRuleArn = production.arn;
    this.httpsListenerArn = https.arn;
    this.sync = {
      primary: { arn: syncBlue.arn, arnSuffix: syncBlue.arnSuffix },
      alternate: { arn: syncGreen.arn, arnSuffix: syncGreen.arnSuffix },
      productionListenerRuleArn: syncProduction.arn,
    };
    this.syncListenerArn = syncListener.arn;
  }
}

/** Whether an ALB path pattern (`*` any run of characters, `?` one character) matches `path`. */
export function matchesPath(pattern: string, path: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(path);
}
