import t from 'tap';
import { SYNC_PORT } from '../../service/src/contract.ts';
import { type EnvironmentSettings, environments } from '../settings.ts';
import { ENVIRONMENTS, type Json, type Synthesized, synth, synthEnvironment } from './helpers.ts';

const ingressRules = (s: Synthesized) => s.resources('aws_vpc_security_group_ingress_rule').map(([, r]) => r);
const isOpen = (cidr: unknown) => cidr === '0.0.0.0/0' || cidr === '::/0';

/** No 0.0.0.0/0 ingress in any form: rule resources, inline rules, legacy rule resources. */
function openIngress(s: Synthesized): Json[] {
  const open = ingressRules(s).filter((r) => isOpen(r.cidr_ipv4) || isOpen(r.cidr_ipv6));
  for (const [, group] of s.resources('aws_security_group')) {
    for (const rule of (group.ingress as Json[] | undefined) ?? []) {
      if (
        [...((rule.cidr_blocks as string[]) ?? []), ...((rule.ipv6_cidr_blocks as string[]) ?? [])].some(
          isOpen,
        )
      ) {
        open.push(rule);
      }
    }
  }
  for (const [, rule] of s.resources('aws_security_group_rule')) {
    if (rule.type === 'ingress' && ((rule.cidr_blocks as string[]) ?? []).some(isOpen)) open.push(rule);
  }
  return open;
}

for (const env of ENVIRONMENTS) {
  t.test(`${env}: VPC over two AZs, public subnets for the ALB only, private for the rest`, async (t) => {
    const s = synthEnvironment(env);
    const settings = environments[env];
    t.equal(s.one('aws_vpc').cidr_block, settings.network?.vpcCidr);
    const subnets = s.list('aws_subnet');
    const publics = subnets.filter((x) => x.id.startsWith('network_public'));
    const privates = subnets.filter((x) => x.id.startsWith('network_private'));
    t.equal(publics.length, 2);
    t.equal(privates.length, 2);
    t.same(
      privates.map((x) => x.availability_zone),
      [...settings.account.availabilityZones],
      'one private subnet per AZ',
    );
    t.same(
      publics.map((x) => x.availability_zone),
      [...settings.account.availabilityZones],
    );
    for (const subnet of subnets) t.equal(subnet.map_public_ip_on_launch, false, 'no automatic public IPs');

    // Only the public route table reaches the internet gateway; private subnets go out through NAT.
    const routes = s.list('aws_route');
    const viaIgw = routes.filter((r) => r.gateway_id);
    t.equal(viaIgw.length, 1);
    t.match(viaIgw[0]!.id, /^network_public/);
    t.equal(routes.filter((r) => r.nat_gateway_id).length, 2, 'both private route tables default to NAT');
    t.equal(s.resources('aws_nat_gateway').length, settings.network?.natGateways);
    for (const [, nat] of s.resources('aws_nat_gateway'))
      t.match(nat.subnet_id, /aws_subnet\.network_public/);

    const flowLog = s.one('aws_flow_log');
    t.equal(flowLog.log_destination_type, 'cloud-watch-logs');
    t.equal(flowLog.traffic_type, 'ALL');
    t.equal(flowLog.vpc_id, s.refTo('aws_vpc', 'network_vpc', 'id'));
    t.equal(flowLog.log_destination, s.refTo('aws_cloudwatch_log_group', 'network_flow-logs', 'arn'));
  });

  t.test(`${env}: nothing is open to 0.0.0.0/0 and only the intended paths exist`, async (t) => {
    const s = synthEnvironment(env);
    t.same(openIngress(s), [], 'no ingress from anywhere with the default internal ALB');
    const sg = (key: string) => s.refTo('aws_security_group', `security-groups_${key}_`, 'id');
    const describe = (r: Json) => {
      const from = r.referenced_security_group_id
        ? Object.entries({ alb: sg('alb'), service: sg('service'), jobs: sg('jobs') }).find(
            ([, v]) => v === r.referenced_security_group_id,
          )?.[0]
        : r.cidr_ipv4;
      const to = ['alb', 'service', 'jobs', 'redis', 'database'].find((k) => sg(k) === r.security_group_id);
      return `${from} -> ${to}:${r.from_port}-${r.to_port}`;
    };
    t.same(
      ingressRules(s).map(describe).sort(),
      [
        `${environments[env].network?.vpcCidr} -> alb:443-443`,
        `${environments[env].network?.vpcCidr} -> alb:80-80`,
        `${environments[env].network?.vpcCidr} -> alb:${SYNC_PORT}-${SYNC_PORT}`,
        'alb -> service:3000-3000',
        `alb -> service:${SYNC_PORT}-${SYNC_PORT}`,
        'jobs -> database:5432-5432',
        'service -> database:5432-5432',
        'service -> redis:6379-6379',
      ].sort(),
    );
    for (const [, group] of s.resources('aws_security_group')) {
      t.notOk(group.ingress, 'no inline ingress rules');
      t.notOk(group.egress, 'no inline egress rules (Terraform drops the default allow-all)');
    }
    const egress = s.resources('aws_vpc_security_group_egress_rule').map(([, r]) => r);
    for (const r of egress.filter((e) => e.cidr_ipv4 === '0.0.0.0/0')) {
      t.equal(r.from_port, 443, 'outbound to the internet only on HTTPS');
      t.ok([sg('service'), sg('jobs')].includes(r.security_group_id as string), 'only tasks reach out');
    }
    t.notOk(
      egress.some((r) => r.security_group_id === sg('redis') || r.security_group_id === sg('database')),
      'Redis and PostgreSQL have no egress at all',
    );
  });

  t.test(`${env}: Redis, PostgreSQL and tasks sit only in private subnets`, async (t) => {
    const s = synthEnvironment(env);
    const privateIds = [0, 1].map((i) => s.refTo('aws_subnet', `network_private-${i}_`, 'id'));
    const publicIds = [0, 1].map((i) => s.refTo('aws_subnet', `network_public-${i}_`, 'id'));
    t.same(s.one('aws_elasticache_subnet_group').subnet_ids, privateIds);
    t.same(s.one('aws_db_subnet_group').subnet_ids, privateIds);
    t.equal(s.one('aws_db_instance').publicly_accessible, false);
    const network = s.one('aws_ecs_service').network_configuration as Json;
    t.same(network.subnets, privateIds);
    t.equal(network.assign_public_ip, false);
    const outputs = s.json.output as Record<string, { value: Json }>;
    for (const name of ['migrate_run_task', 'db_bootstrap_run_task']) {
      const vpc = (outputs[name]!.value.networkConfiguration as Json).awsvpcConfiguration as Json;
      t.same(vpc.subnets, privateIds, `${name} runs in the private subnets`);
      t.equal(vpc.assignPublicIp, 'DISABLED');
    }
    t.same(s.one('aws_lb').subnets, publicIds, 'the ALB is the only thing placed in the public subnets');
  });
}

t.test('an internet-facing ALB opens 443/80 and the sync port only to the listed CIDRs', async (t) => {
  const settings = (allowedCidrs: [string, ...string[]]): EnvironmentSettings => ({
    ...environments.production,
    loadBalancer: { ...environments.production.loadBalancer, scheme: 'internet-facing', allowedCidrs },
  });
  const partners = synth(settings(['203.0.113.0/24', '198.51.100.0/24']));
  t.equal(partners.one('aws_lb').internal, false);
  t.same(openIngress(partners), [], 'listed partner ranges, still nothing from anywhere');
  const cidrs = ingressRules(partners)
    .filter((r) => r.cidr_ipv4)
    .map((r) => `${r.cidr_ipv4}:${r.from_port}`)
    .sort();
  t.same(
    cidrs,
    ['10.41.0.0/16', '198.51.100.0/24', '203.0.113.0/24']
      .flatMap((cidr) => [443, 80, SYNC_PORT].map((port) => `${cidr}:${port}`))
      .sort(),
  );

  const everyone = synth(settings(['0.0.0.0/0']));
  const open = openIngress(everyone);
  t.equal(open.length, 3, 'the whole internet when the settings say so explicitly');
  const albGroup = everyone.refTo('aws_security_group', 'security-groups_alb_', 'id');
  for (const rule of open) {
    t.equal(rule.security_group_id, albGroup, 'only on the load balancer');
    t.ok(
      [80, 443, SYNC_PORT].includes(rule.from_port as number) && rule.from_port === rule.to_port,
      'only 80, 443 and the sync port',
    );
  }
});

t.test('the default (internal) ALB is internal', async (t) => {
  for (const env of ENVIRONMENTS) t.equal(synthEnvironment(env).one('aws_lb').internal, true);
});

t.test('the sync port admits exactly the callers of the HTTP API, and the tasks only the ALB', async (t) => {
  const partners = synth({
    ...environments.production,
    loadBalancer: { ...environments.production.loadBalancer, allowedCidrs: ['198.51.100.0/24'] },
  });
  for (const s of [...ENVIRONMENTS.map(synthEnvironment), partners]) {
    const sg = (key: string) => s.refTo('aws_security_group', `security-groups_${key}_`, 'id');
    const into = (group: string, port: number) =>
      ingressRules(s).filter((r) => r.security_group_id === sg(group) && r.from_port === port);
    const callers = (port: number) =>
      into('alb', port).map((r) => r.cidr_ipv4 ?? r.referenced_security_group_id);
    t.ok(callers(443).length > 0);
    t.same(callers(SYNC_PORT).sort(), callers(443).sort(), 'the same callers as HTTPS');
    for (const r of into('alb', SYNC_PORT)) t.equal(r.to_port, SYNC_PORT, 'one port, not a range');
    t.same(
      into('service', SYNC_PORT).map((r) => r.referenced_security_group_id),
      [sg('alb')],
      'the tasks take the sync port from the load balancer alone',
    );
    const egress = s.resources('aws_vpc_security_group_egress_rule').map(([, r]) => r);
    t.same(
      egress
        .filter((r) => r.security_group_id === sg('alb'))
        .map((r) => [r.referenced_security_group_id, r.from_port]),
      [
        [sg('service'), 3000],
        [sg('service'), SYNC_PORT],
      ],
      'the load balancer reaches only the service and sync ports of the tasks',
    );
  }
});
