import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { Construct } from 'constructs';
import { DEFAULT_PORT, SYNC_PORT } from '../../service/src/contract.ts';

export interface SecurityGroupsProps {
  /** The name prefix, e.g. `flagstone-production`. */
  readonly name: string;
  /** The VPC the groups belong to. */
  readonly vpcId: string;
  /** The VPC CIDR: always allowed to reach the load balancer. */
  readonly vpcCidr: string;
  /**
   * Further client CIDRs allowed to reach the load balancer on 443, 80 and the sync port.
   * @default []
   */
  readonly albClientCidrs?: readonly string[];
  /**
   * The port the service listens on.
   * @default DEFAULT_PORT, the service's
   */
  readonly servicePort?: number;
  /**
   * The port of the flagd sync service (gRPC): the load balancer's listener and the tasks'.
   * @default SYNC_PORT, the service's
   */
  readonly syncPort?: number;
  /**
   * The Redis port.
   * @default 6379
   */
  readonly redisPort?: number;
  /**
   * The PostgreSQL port.
   * @default 5432
   */
  readonly postgresPort?: number;
}

/**
 * The environment's security groups and every rule between them; nothing else is allowed in:
 * clients -> ALB 443/80 and the sync port, ALB -> service port and sync port, service -> Redis,
 * service and one-off jobs -> PostgreSQL. The sync port admits exactly the clients the HTTP API
 * does, no more: environments listed in SYNC_OPEN_ENVIRONMENTS are served there without a token.
 * Groups are created without inline rules so Terraform removes AWS's default allow-all egress;
 * tasks and jobs may also reach HTTPS (ECR, Secrets Manager, CloudWatch Logs).
 */
export class SecurityGroups extends Construct {
  /** The load balancer's group. */
  readonly loadBalancer: string;
  /** The service tasks' group. */
  readonly service: string;
  /** The one-off tasks' group (migrations, database bootstrap). */
  readonly jobs: string;
  /** The Redis replication group's group. */
  readonly redis: string;
  /** The PostgreSQL instance's group. */
  readonly database: string;

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    const servicePort = props.servicePort ?? DEFAULT_PORT;
    const syncPort = props.syncPort ?? SYNC_PORT;
    const redisPort = props.redisPort ?? 6379;
    const postgresPort = props.postgresPort ?? 5432;

    const group = (key: string, description: string) =>
      new SecurityGroup(this, key, {
        name: `${props.name}-${key}`,
        description,
        vpcId: props.vpcId,
        tags: { Name: `${props.name}-${key}` },
      });
    // Descriptions stay as first written: changing one replaces the group. The rules say what each admits.
    const alb = group('alb', 'Flagstone load balancer: HTTPS (and the HTTP redirect) from allowed clients');
    const service = group('service', 'Flagstone service tasks: the service port from the load balancer');
    const jobs = group('jobs', 'Flagstone one-off tasks: migrations and database bootstrap');
    const redis = group('redis', 'Flagstone Redis: 6379 from the service');
    const database = group('database', 'Flagstone PostgreSQL: 5432 from the service and the one-off tasks');

    const tcp = { ipProtocol: 'tcp' } as const;
    const clientCidrs = [...new Set([props.vpcCidr, ...(props.albClientCidrs ?? [])])];
    clientCidrs.forEach((cidr, i) => {
      const purposes: Array<[number, string]> = [
        [443, 'HTTPS'],
        [80, 'HTTP (redirected to HTTPS)'],
        [syncPort, 'flagd sync (gRPC over TLS)'],
      ];
      for (const [port, purpose] of purposes) {
        new VpcSecurityGroupIngressRule(this, `alb-in-${port}-${i}`, {
          ...tcp,
          securityGroupId: alb.id,
          cidrIpv4: cidr,
          fromPort: port,
          toPort: port,
          description: `${purpose} from ${cidr}`,
        });
      }
    });
    const link = (key: string, from: SecurityGroup, to: SecurityGroup, port: number, what: string) => {
      new VpcSecurityGroupEgressRule(this, `${key}-out`, {
        ...tcp,
        securityGroupId: from.id,
        referencedSecurityGroupId: to.id,
        fromPort: port,
        toPort: port,
        description: `to ${what}`,
      });
      new VpcSecurityGroupIngressRule(this, `${key}-in`, {
        ...tcp,
        securityGroupId: to.id,
        referencedSecurityGroupId: from.id,
        fromPort: port,
        toPort: port,
        description: `${what} from the ${key.split('-to-')[0]} group`,
      });
    };
    link('alb-to-service', alb, service, servicePort, 'the service port');
    link('alb-to-service-sync', alb, service, syncPort, 'the sync port');
    link('service-to-redis', service, redis, redisPort, 'Redis');
    link('service-to-database', service, database, postgresPort, 'PostgreSQL');
    link('jobs-to-database', jobs, database, postgresPort, 'PostgreSQL');

    for (const [key, sg] of [
      ['service', service],
      ['jobs', jobs],
    ] as const) {
      new VpcSecurityGroupEgressRule(this, `${key}-https-out`, {
        ...tcp,
        securityGroupId: sg.id,
        cidrIpv4: '0.0.0.0/0',
        fromPort: 443,
        toPort: 443,
        description: 'HTTPS to AWS APIs (ECR, Secrets Manager, CloudWatch Logs) through NAT',
      });
    }

    this.loadBalancer = alb.id;
    this.service = service.id;
    this.jobs = jobs.id;
    this.redis = redis.id;
    this.database = database.id;
  }
}
