import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { Construct } from 'constructs';
import { subnetCidr } from './cidr.ts';
import { policyDocument, serviceTrustPolicy } from './iam.ts';

export interface NetworkProps {
  /** The name prefix, e.g. `flagstone-production`. */
  readonly name: string;
  /** The AWS account id (the flow-log role trusts only this account's deliveries). */
  readonly accountId: string;
  /** The VPC CIDR, a /16 to /24. */
  readonly cidr: string;
  /** Two availability zones: one public and one private subnet in each. */
  readonly availabilityZones: readonly [string, string];
  /**
   * NAT gateways: 1 shares the first AZ's gateway, 2 gives each AZ its own.
   * @default 2
   */
  readonly natGateways?: 1 | 2;
  /**
   * Days to keep the VPC flow logs.
   * @default 30
   */
  readonly flowLogRetentionDays?: number;
  /**
   * Which traffic the flow logs record: ACCEPT, REJECT or ALL.
   * @default 'ALL'
   */
  readonly flowLogTrafficType?: 'ACCEPT' | 'REJECT' | 'ALL';
}

/**
 * A VPC over two AZs. Public subnets (a quarter of the VPC, split in two) hold only the load
 * balancer and the NAT gateways; private subnets (the next two quarters) hold the tasks, Redis and
 * PostgreSQL and reach out only through NAT. Flow logs go to CloudWatch Logs.
 */
export class Network extends Construct {
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** The public subnets, one per AZ, in `availabilityZones` order. */
  readonly publicSubnetIds: string[];
  /** The private subnets, one per AZ, in `availabilityZones` order. */
  readonly privateSubnetIds: string[];
  /** The private subnets' CIDRs, in the same order. */
  readonly privateSubnetCidrs: string[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const natGateways = props.natGateways ?? 2;

    const vpc = new Vpc(this, 'vpc', {
      cidrBlock: props.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: props.name },
    });
    const igw = new InternetGateway(this, 'igw', { vpcId: vpc.id, tags: { Name: props.name } });

    const publicRoutes = new RouteTable(this, 'public-routes', {
      vpcId: vpc.id,
      tags: { Name: `${props.name}-public` },
    });
    new Route(this, 'public-default-route', {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: '0.0.0.0/0',
      gatewayId: igw.id,
    });

    const publicSubnets = props.availabilityZones.map(
      (az, i) =>
        new Subnet(this, `public-${i}`, {
          vpcId: vpc.id,
          availabilityZone: az,
          cidrBlock: subnetCidr(props.cidr, 4, i),
          mapPublicIpOnLaunch: false,
          tags: { Name: `${props.name}-public-${az}`, Tier: 'public' },
        }),
    );
    publicSubnets.forEach((subnet, i) => {
      new RouteTableAssociation(this, `public-${i}-routes`, {
        subnetId: subnet.id,
        routeTableId: publicRoutes.id,
      });
    });

    const nats = publicSubnets.slice(0, natGateways).map((subnet, i) => {
      const ip = new Eip(this, `nat-${i}-ip`, { domain: 'vpc', tags: { Name: `${props.name}-nat-${i}` } });
      return new NatGateway(this, `nat-${i}`, {
        subnetId: subnet.id,
        allocationId: ip.id,
        tags: { Name: `${props.name}-nat-${i}` },
        dependsOn: [igw],
      });
    });

    const privateCidrs = props.availabilityZones.map((_, i) => subnetCidr(props.cidr, 2, i + 1));
    const privateSubnets = props.availabilityZones.map((az, i) => {
      const subnet = new Subnet(this, `private-${i}`, {
        vpcId: vpc.id,
        availabilityZone: az,
        cidrBlock: privateCidrs[i],
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.name}-private-${az}`, Tier: 'private' },
      });
      const routes = new RouteTable(this, `private-${i}-routes-table`, {
        vpcId: vpc.id,
        tags: { Name: `${props.name}-private-${az}` },
      });
      const nat = nats[Math.min(i, nats.length - 1)]!;
      new Route(this, `private-${i}-default-route`, {
        routeTableId: routes.id,
        destinationCidrBlock: '0.0.0.0/0',
        natGatewayId: nat.id,
      });
      new RouteTableAssociation(this, `private-${i}-routes`, {
        subnetId: subnet.id,
        routeTableId: routes.id,
      });
      return subnet;
    });

    // Flow logs: CloudWatch Logs through a role only VPC flow-log delivery for this account may use.
    const flowLogGroup = new CloudwatchLogGroup(this, 'flow-logs', {
      name: `/vpc/${props.name}/flow-logs`,
      retentionInDays: props.flowLogRetentionDays ?? 30,
    });
    const flowLogRole = new IamRole(this, 'flow-logs-role', {
      name: `${props.name}-vpc-flow-logs`,
      assumeRolePolicy: serviceTrustPolicy('vpc-flow-logs.amazonaws.com', props.accountId),
    });
    new IamRolePolicy(this, 'flow-logs-policy', {
      role: flowLogRole.id,
      name: 'write-flow-logs',
      policy: policyDocument([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          Resource: [flowLogGroup.arn, `${flowLogGroup.arn}:log-stream:*`],
        },
        { Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
      ]),
    });
    new FlowLog(this, 'flow-log', {
      vpcId: vpc.id,
      trafficType: props.flowLogTrafficType ?? 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: flowLogGroup.arn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 60,
      tags: { Name: props.name },
    });

    this.vpcId = vpc.id;
    this.vpcCidr = props.cidr;
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.privateSubnetCidrs = privateCidrs;
  }
}
