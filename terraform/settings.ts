// Every per-environment choice for Flagstone's AWS infrastructure, in one typed place. main.ts builds
// one stack per entry of `environments`; `resolveSettings` fills the documented defaults and throws a
// SettingsError at synth time when a value is out of range or unsafe.
import type { Config } from '../service/src/config.ts';
import { isIpv4Cidr } from './lib/cidr.ts';
import { resourceNames } from './lib/names.ts';
import {
  checkServiceConfig,
  type ServiceConfig,
  type ServiceEnvironment,
  type TaskConfig,
} from './lib/service-config.ts';

export type EnvironmentName = 'staging' | 'production';

/** An ALB reachable only from inside the VPC (and from `allowedCidrs`, e.g. a VPN or peered network). */
export interface InternalAlbExposure {
  /** Private addresses only. */
  scheme: 'internal';
  /**
   * Client CIDRs allowed to reach ports 443 and 80 in addition to the VPC CIDR.
   * @default []
   */
  allowedCidrs?: readonly string[];
}

/**
 * An ALB with public addresses. Only with an explicit, non-empty CIDR list: the type demands at
 * least one entry and `resolveSettings` rejects an empty list at synth time.
 */
export interface InternetFacingAlbExposure {
  /** Public addresses, restricted to `allowedCidrs`. */
  scheme: 'internet-facing';
  /** Client CIDRs allowed to reach ports 443 and 80. `0.0.0.0/0` only if the whole internet is meant. */
  allowedCidrs: readonly [string, ...string[]];
}

export type AlbExposure = InternalAlbExposure | InternetFacingAlbExposure;

export interface EnvironmentSettings {
  /** The environment key: stack name, `Environment` tag and the suffix of every resource name. */
  environment: EnvironmentName;
  /** Where the stack is deployed. */
  account: {
    /** The AWS account id; Terraform refuses to run against any other account. */
    id: string;
    /** The AWS region, e.g. `eu-west-1`. */
    region: string;
    /** Two availability zones of `region`: the first holds the primaries, the second the replicas. */
    availabilityZones: readonly [string, string];
  };
  /** The Terraform state: an S3 bucket (versioned, encrypted) with S3-native locking (`use_lockfile`). */
  state: {
    /** The state bucket; create it once by hand (see the README runbook). */
    bucket: string;
    /**
     * The object key of this environment's state.
     * @default `flagstone/<environment>/terraform.tfstate`
     */
    key?: string;
    /**
     * The bucket's region.
     * @default account.region
     */
    region?: string;
  };
  /** The VPC. */
  network?: {
    /**
     * The VPC CIDR, a /16 to /24. Public subnets take the first quarter, private subnets the next two.
     * @default '10.40.0.0/16'
     */
    vpcCidr?: string;
    /**
     * NAT gateways: 1 (cheaper, one AZ's outage cuts egress) or 2 (one per AZ).
     * @default 2
     */
    natGateways?: 1 | 2;
    /**
     * Days to keep VPC flow logs.
     * @default 30
     */
    flowLogRetentionDays?: number;
  };
  /** The Application Load Balancer. */
  loadBalancer: AlbExposure & {
    /** The ACM certificate ARN for the HTTPS listener (issued in `account.region`). */
    certificateArn: string;
    /**
     * The HTTPS listener's security policy.
     * @default 'ELBSecurityPolicy-TLS13-1-2-2021-06'
     */
    sslPolicy?: string;
  };
  /** The ECS service. */
  service?: {
    /**
     * Fargate task CPU units (256, 512, 1024, 2048 or 4096).
     * @default 512
     */
    cpu?: number;
    /**
     * Fargate task memory in MiB; must be a valid pairing with `cpu`.
     * @default 1024
     */
    memory?: number;
    /**
     * The fewest tasks auto-scaling keeps (also the initial desired count). At least 2 for two AZs.
     * @default 2
     */
    minTasks?: number;
    /**
     * The most tasks auto-scaling may run.
     * @default 6
     */
    maxTasks?: number;
    /**
     * Average CPU utilisation (%) that target tracking holds.
     * @default 60
     */
    cpuTargetPercent?: number;
    /**
     * ALB requests per task per minute that target tracking holds.
     * @default 3000
     */
    requestsPerTaskPerMinute?: number;
    /**
     * Days to keep the container logs.
     * @default 30
     */
    logRetentionDays?: number;
    /**
     * The service's own settings (README, "Configuration") by variable name, in the service's
     * types, e.g. `{ L1_TTL_MS: 500, CORS_ORIGINS: 'https://app.example.com' }`. Checked at synth
     * time by the service's own rules; what is not set takes the service's default. The stacks set
     * PORT, SYNC_PORT, HOST, SERVICE_NAME, TRUSTED_PROXY_HOPS, METRICS_EMF, the connections and the
     * secrets. `SYNC_OPEN_ENVIRONMENTS: 'production'` lets flagd providers that cannot send a token
     * sync that environment from any client the load balancer admits (none by default; refused
     * while the load balancer admits 0.0.0.0/0).
     * @default SERVICE_CONFIG_DEFAULTS
     */
    config?: ServiceConfig;
  };
  /** Canary deployments (ECS-native, strategy CANARY). */
  deployment: {
    /**
     * Percentage of production traffic sent to the new revision during the canary phase.
     * @default 5
     */
    canaryPercent?: number;
    /** Minutes the canary runs before the remaining traffic shifts (0-1440). */
    canaryBakeMinutes: number;
    /**
     * Minutes the old revision is kept after all traffic shifted, still watched by the alarms (0-1440).
     * @default 10
     */
    bakeMinutes?: number;
  };
  /** ElastiCache for Redis. */
  cache?: {
    /**
     * The node type of the primary and the replica.
     * @default 'cache.t4g.micro'
     */
    nodeType?: string;
    /**
     * Days of daily snapshots to keep (0 turns them off).
     * @default 1
     */
    snapshotRetentionDays?: number;
  };
  /** RDS for PostgreSQL. */
  database?: {
    /**
     * The instance class.
     * @default 'db.t4g.micro'
     */
    instanceClass?: string;
    /**
     * Initial storage in GiB.
     * @default 20
     */
    allocatedStorageGiB?: number;
    /**
     * The ceiling storage auto-scaling may grow to, in GiB.
     * @default 100
     */
    maxAllocatedStorageGiB?: number;
    /**
     * Days of automated backups (1-35).
     * @default 7
     */
    backupRetentionDays?: number;
    /**
     * A standby in the second AZ.
     * @default false
     */
    multiAz?: boolean;
  };
  /**
   * Protects data against a destroy: RDS deletion protection and a final snapshot, ALB deletion
   * protection, a 30-day recovery window on secrets and no forced deletion of the ECR repository.
   * @default true
   */
  deletionProtection?: boolean;
  /** Alarm notifications and cost control. */
  alerts?: {
    /**
     * An email address subscribed to the alarm topic (the recipient confirms it once).
     * @default none
     */
    email?: string;
    /**
     * The monthly cost budget in USD for resources tagged with this environment.
     * @default 50
     */
    monthlyBudgetUsd?: number;
  };
}

/** Every setting with its default applied (fields as documented on EnvironmentSettings). */
export interface ResolvedSettings {
  environment: EnvironmentName;
  account: { id: string; region: string; availabilityZones: readonly [string, string] };
  state: { bucket: string; key: string; region: string };
  network: { vpcCidr: string; natGateways: 1 | 2; flowLogRetentionDays: number };
  loadBalancer: {
    scheme: 'internal' | 'internet-facing';
    allowedCidrs: readonly string[];
    certificateArn: string;
    sslPolicy: string;
  };
  service: ServiceSizing & {
    /** The configuration the service will run with, its defaults included. */
    config: TaskConfig;
    /** The variables the task definition sets, the stacks' wiring and secrets aside. */
    environment: ServiceEnvironment;
  };
  deployment: Required<EnvironmentSettings['deployment']>;
  cache: Required<NonNullable<EnvironmentSettings['cache']>>;
  database: Required<NonNullable<EnvironmentSettings['database']>>;
  deletionProtection: boolean;
  alerts: { email: string | undefined; monthlyBudgetUsd: number };
}

type ServiceSizing = Required<Omit<NonNullable<EnvironmentSettings['service']>, 'config'>>;

const SERVICE_SIZING_DEFAULTS: ServiceSizing = {
  cpu: 512,
  memory: 1024,
  minTasks: 2,
  maxTasks: 6,
  cpuTargetPercent: 60,
  requestsPerTaskPerMinute: 3000,
  logRetentionDays: 30,
};

/** The service settings every stack starts from: its flag environments are the production ones. */
export const SERVICE_CONFIG_DEFAULTS: ServiceConfig = {
  WARM_ENVIRONMENTS: 'production',
  DEFAULT_ENVIRONMENT: 'production',
};

/** Thrown at synth time when the settings are unusable; lists every problem at once. */
export class SettingsError extends Error {
  override name = 'SettingsError';
  readonly problems: readonly string[];
  constructor(environment: string, problems: readonly string[]) {
    super(`settings for "${environment}" are invalid:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

// Fargate's valid task sizes: CPU units -> allowed memory (MiB).
const FARGATE_MEMORY: Record<number, readonly number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
};

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

const isInteger = (value: number, min: number, max: number) =>
  Number.isInteger(value) && value >= min && value <= max;

/** Applies the defaults and validates; throws a SettingsError naming every problem. */
export function resolveSettings(input: EnvironmentSettings): ResolvedSettings {
  const env = input.environment;
  const { config: chosen, ...sizing } = input.service ?? {};
  const resolved: Unchecked = {
    environment: env,
    account: input.account,
    state: {
      bucket: input.state.bucket,
      key: input.state.key ?? `flagstone/${env}/terraform.tfstate`,
      region: input.state.region ?? input.account.region,
    },
    network: {
      vpcCidr: input.network?.vpcCidr ?? '10.40.0.0/16',
      natGateways: input.network?.natGateways ?? 2,
      flowLogRetentionDays: input.network?.flowLogRetentionDays ?? 30,
    },
    loadBalancer: {
      scheme: input.loadBalancer.scheme,
      allowedCidrs: input.loadBalancer.allowedCidrs ?? [],
      certificateArn: input.loadBalancer.certificateArn,
      sslPolicy: input.loadBalancer.sslPolicy ?? 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    },
    service: { ...SERVICE_SIZING_DEFAULTS, ...sizing },
    deployment: { canaryPercent: 5, bakeMinutes: 10, ...input.deployment },
    cache: { nodeType: 'cache.t4g.micro', snapshotRetentionDays: 1, ...input.cache },
    database: {
      instanceClass: 'db.t4g.micro',
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 100,
      backupRetentionDays: 7,
      multiAz: false,
      ...input.database,
    },
    deletionProtection: input.deletionProtection ?? true,
    alerts: { email: input.alerts?.email, monthlyBudgetUsd: input.alerts?.monthlyBudgetUsd ?? 50 },
  };

  const service = checkServiceConfig(
    { ...SERVICE_CONFIG_DEFAULTS, ...chosen },
    resourceNames(env).metricsServiceName,
  );
  const problems = validate(resolved, Object.keys(sizing));
  if ('problems' in service) problems.push(...service.problems);
  else problems.push(...checkAgainstStacks(service.config, resolved.loadBalancer));
  if (problems.length > 0 || 'problems' in service) throw new SettingsError(env, problems);
  return { ...resolved, service: { ...resolved.service, ...service } };
}

/** The settings before the service's configuration is checked. */
type Unchecked = Omit<ResolvedSettings, 'service'> & { service: ServiceSizing };

/** What the stacks ask of the service's configuration beyond the service's own rules. */
function checkAgainstStacks(config: Config, loadBalancer: Unchecked['loadBalancer']): string[] {
  const problems: string[] = [];
  // Open environments are served to whoever reaches the sync port: a network the operator trusts.
  if (config.SYNC_OPEN_ENVIRONMENTS !== '' && loadBalancer.allowedCidrs.includes('0.0.0.0/0')) {
    problems.push(
      `service.config.SYNC_OPEN_ENVIRONMENTS would serve ${config.SYNC_OPEN_ENVIRONMENTS} without a token to the whole internet (loadBalancer.allowedCidrs holds 0.0.0.0/0): narrow allowedCidrs, or leave SYNC_OPEN_ENVIRONMENTS empty and give the providers read tokens`,
    );
  }
  return problems;
}

function validate(s: Unchecked, serviceFields: readonly string[]): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };

  check(/^\d{12}$/.test(s.account.id), 'account.id must be a 12-digit AWS account id');
  check(
    /^[a-z]{2}(-[a-z]+)+-\d$/.test(s.account.region),
    'account.region must be an AWS region, e.g. eu-west-1',
  );
  const [az1, az2] = s.account.availabilityZones;
  check(
    az1 !== az2 && az1.startsWith(s.account.region) && az2.startsWith(s.account.region),
    'account.availabilityZones must be two different zones of account.region',
  );
  check(s.state.bucket.length >= 3, 'state.bucket must name the S3 bucket that holds the Terraform state');

  check(isIpv4Cidr(s.network.vpcCidr), 'network.vpcCidr must be an IPv4 CIDR');
  const vpcPrefix = Number(s.network.vpcCidr.split('/')[1]);
  check(vpcPrefix >= 16 && vpcPrefix <= 24, 'network.vpcCidr must be a /16 to /24');
  check(isInteger(s.network.flowLogRetentionDays, 1, 3653), 'network.flowLogRetentionDays must be 1-3653');

  const lb = s.loadBalancer;
  if (lb.scheme === 'internet-facing') {
    check(
      lb.allowedCidrs.length > 0,
      'loadBalancer: an internet-facing ALB needs an explicit, non-empty allowedCidrs list',
    );
  } else {
    check(
      !lb.allowedCidrs.includes('0.0.0.0/0'),
      'loadBalancer: an internal ALB must not allow 0.0.0.0/0; use scheme internet-facing to mean it',
    );
  }
  for (const cidr of lb.allowedCidrs)
    check(isIpv4Cidr(cidr), `loadBalancer.allowedCidrs: "${cidr}" is not an IPv4 CIDR`);
  check(
    /^arn:aws[\w-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/.test(lb.certificateArn),
    'loadBalancer.certificateArn must be an ACM certificate ARN',
  );
  check(
    lb.sslPolicy.startsWith('ELBSecurityPolicy-TLS13-'),
    'loadBalancer.sslPolicy must be a TLS 1.3 policy',
  );

  const svc = s.service;
  const memories = FARGATE_MEMORY[svc.cpu];
  check(memories !== undefined, 'service.cpu must be 256, 512, 1024, 2048 or 4096');
  check(
    memories?.includes(svc.memory) ?? true,
    `service.memory ${svc.memory} is not valid with cpu ${svc.cpu}`,
  );
  check(isInteger(svc.minTasks, 1, 100), 'service.minTasks must be 1-100');
  check(
    isInteger(svc.maxTasks, svc.minTasks, 100),
    'service.maxTasks must be at least minTasks (and at most 100)',
  );
  check(isInteger(svc.cpuTargetPercent, 10, 90), 'service.cpuTargetPercent must be 10-90');
  check(
    isInteger(svc.requestsPerTaskPerMinute, 1, 1_000_000),
    'service.requestsPerTaskPerMinute must be positive',
  );
  for (const field of serviceFields) {
    check(
      field in SERVICE_SIZING_DEFAULTS,
      `service.${field} is not a field of service; the service's own settings go in service.config, by variable name (README, "Configuration")`,
    );
  }
  check(
    LOG_RETENTION_DAYS.includes(svc.logRetentionDays),
    'service.logRetentionDays must be a CloudWatch Logs retention',
  );
  check(
    LOG_RETENTION_DAYS.includes(s.network.flowLogRetentionDays),
    'network.flowLogRetentionDays must be a CloudWatch Logs retention',
  );

  const d = s.deployment;
  const tenths = d.canaryPercent * 10;
  check(
    d.canaryPercent >= 0.1 && d.canaryPercent <= 100 && Math.abs(tenths - Math.round(tenths)) < 1e-9,
    'deployment.canaryPercent must be 0.1-100 in steps of 0.1',
  );
  check(isInteger(d.canaryBakeMinutes, 0, 1440), 'deployment.canaryBakeMinutes must be 0-1440');
  check(isInteger(d.bakeMinutes, 0, 1440), 'deployment.bakeMinutes must be 0-1440');

  check(
    /^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(s.cache.nodeType),
    'cache.nodeType must be an ElastiCache node type',
  );
  check(isInteger(s.cache.snapshotRetentionDays, 0, 35), 'cache.snapshotRetentionDays must be 0-35');

  const db = s.database;
  check(
    /^db\.[a-z0-9]+\.[a-z0-9]+$/.test(db.instanceClass),
    'database.instanceClass must be an RDS instance class',
  );
  check(isInteger(db.allocatedStorageGiB, 20, 65_536), 'database.allocatedStorageGiB must be 20-65536');
  check(
    isInteger(db.maxAllocatedStorageGiB, db.allocatedStorageGiB, 65_536),
    'database.maxAllocatedStorageGiB must be at least allocatedStorageGiB',
  );
  check(isInteger(db.backupRetentionDays, 1, 35), 'database.backupRetentionDays must be 1-35');

  check(
    s.alerts.email === undefined || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s.alerts.email),
    'alerts.email must be an email address',
  );
  check(s.alerts.monthlyBudgetUsd > 0, 'alerts.monthlyBudgetUsd must be positive');
  return problems;
}

// The retention values CloudWatch Logs accepts.
const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/**
 * The environments. Replace the account ids, bucket and certificate ARNs with real ones before the
 * first `make plan` (README runbook, "First deploy"); Terraform refuses any account but `account.id`.
 */
export const environments: Record<EnvironmentName, EnvironmentSettings> = {
  staging: {
    environment: 'staging',
    account: { id: '111111111111', region: 'eu-west-1', availabilityZones: ['eu-west-1a', 'eu-west-1b'] },
    state: { bucket: 'flagstone-tfstate-111111111111' },
    network: { vpcCidr: '10.40.0.0/16', natGateways: 1, flowLogRetentionDays: 14 },
    loadBalancer: {
      scheme: 'internal',
      certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000000',
    },
    service: { minTasks: 2, maxTasks: 4, logRetentionDays: 14 },
    deployment: { canaryPercent: 5, canaryBakeMinutes: 10, bakeMinutes: 5 },
    database: { backupRetentionDays: 3 },
    deletionProtection: false,
    alerts: { monthlyBudgetUsd: 50 },
  },
  production: {
    environment: 'production',
    account: { id: '222222222222', region: 'eu-west-1', availabilityZones: ['eu-west-1a', 'eu-west-1b'] },
    state: { bucket: 'flagstone-tfstate-222222222222' },
    network: { vpcCidr: '10.41.0.0/16', natGateways: 2, flowLogRetentionDays: 90 },
    loadBalancer: {
      scheme: 'internal',
      certificateArn: 'arn:aws:acm:eu-west-1:222222222222:certificate/00000000-0000-0000-0000-000000000000',
    },
    service: { cpu: 1024, memory: 2048, minTasks: 2, maxTasks: 8, logRetentionDays: 90 },
    deployment: { canaryPercent: 5, canaryBakeMinutes: 60, bakeMinutes: 15 },
    database: { instanceClass: 'db.t4g.small', backupRetentionDays: 14, multiAz: true },
    deletionProtection: true,
    alerts: { monthlyBudgetUsd: 50 },
  },
};
