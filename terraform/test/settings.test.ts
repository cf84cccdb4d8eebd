import { Testing } from 'cdktf';
import t from 'tap';
import { isIpv4Cidr, subnetCidr } from '../lib/cidr.ts';
import { FlagstoneStack } from '../lib/stack.ts';
import {
  type EnvironmentSettings,
  environments,
  type InternetFacingAlbExposure,
  resolveSettings,
  SettingsError,
} from '../settings.ts';

const staging = environments.staging;
const withLoadBalancer = (loadBalancer: unknown): EnvironmentSettings =>
  ({
    ...staging,
    loadBalancer: { ...staging.loadBalancer, ...(loadBalancer as object) },
  }) as EnvironmentSettings;

t.test('both environments resolve with documented defaults', async (t) => {
  const s = resolveSettings(environments.staging);
  t.equal(s.cache.nodeType, 'cache.t4g.micro', 'Redis node type defaults to cache.t4g.micro');
  t.equal(s.loadBalancer.scheme, 'internal', 'the ALB is internal by default');
  t.same(s.loadBalancer.allowedCidrs, []);
  t.equal(s.alerts.monthlyBudgetUsd, 50);
  t.equal(s.deployment.canaryPercent, 5);
  t.equal(s.state.key, 'flagstone/staging/terraform.tfstate');
  const p = resolveSettings(environments.production);
  t.equal(p.deployment.canaryBakeMinutes, 60, 'production bakes the canary for an hour');
  t.ok(s.deployment.canaryBakeMinutes < p.deployment.canaryBakeMinutes, 'staging bakes shorter');
  t.equal(p.deletionProtection, true);
  t.equal(s.deletionProtection, false);
});

t.test('an internet-facing ALB without CIDRs is rejected at synth time', async (t) => {
  const bad = withLoadBalancer({ scheme: 'internet-facing', allowedCidrs: [] });
  t.throws(() => resolveSettings(bad), SettingsError);
  t.throws(() => resolveSettings(bad), /internet-facing ALB needs an explicit, non-empty allowedCidrs/);
  const missing = withLoadBalancer({ scheme: 'internet-facing', allowedCidrs: undefined });
  t.throws(() => resolveSettings(missing), /internet-facing/);
  t.throws(
    () => new FlagstoneStack(Testing.app(), 'bad', bad),
    /internet-facing/,
    'building the stack fails, so `node main.ts` fails',
  );
  t.doesNotThrow(() =>
    resolveSettings(withLoadBalancer({ scheme: 'internet-facing', allowedCidrs: ['203.0.113.0/24'] })),
  );
});

t.test('the settings type itself demands CIDRs for an internet-facing ALB', async (t) => {
  // @ts-expect-error allowedCidrs is required for internet-facing
  const noList: InternetFacingAlbExposure = { scheme: 'internet-facing' };
  // @ts-expect-error an empty list is not a non-empty tuple
  const emptyList: InternetFacingAlbExposure = { scheme: 'internet-facing', allowedCidrs: [] };
  const ok: InternetFacingAlbExposure = { scheme: 'internet-facing', allowedCidrs: ['198.51.100.0/24'] };
  t.ok(noList && emptyList && ok, 'checked by `npm run typecheck`');
});

t.test('unsafe or impossible values are rejected, all at once', async (t) => {
  const bad: EnvironmentSettings = {
    ...staging,
    loadBalancer: { ...staging.loadBalancer, scheme: 'internal', allowedCidrs: ['0.0.0.0/0', '10.0.0.1/8'] },
    service: {
      cpu: 512,
      memory: 512,
      minTasks: 3,
      maxTasks: 2,
      config: { MAX_EVENT_STREAMS: -1 },
    },
    deployment: { canaryPercent: 0.05, canaryBakeMinutes: 2000 },
    database: { backupRetentionDays: 0 },
    alerts: { monthlyBudgetUsd: 0, email: 'not-an-address' },
  };
  try {
    resolveSettings(bad);
    t.fail('expected a SettingsError');
  } catch (err) {
    t.type(err, SettingsError);
    const problems = (err as SettingsError).problems.join('\n');
    for (const expected of [
      /internal ALB must not allow 0\.0\.0\.0\/0/,
      /"10\.0\.0\.1\/8" is not an IPv4 CIDR/,
      /memory 512 is not valid with cpu 512/,
      /maxTasks must be at least minTasks/,
      /service\.config: the service would refuse to start: MAX_EVENT_STREAMS must be/,
      /canaryPercent/,
      /canaryBakeMinutes/,
      /backupRetentionDays/,
      /monthlyBudgetUsd/,
      /alerts\.email/,
    ]) {
      t.match(problems, expected);
    }
  }
  t.throws(
    () =>
      resolveSettings({
        ...staging,
        loadBalancer: { ...staging.loadBalancer, certificateArn: 'not-an-arn' },
      }),
    /certificateArn/,
  );
  t.throws(
    () =>
      resolveSettings({
        ...staging,
        account: { ...staging.account, availabilityZones: ['eu-west-1a', 'eu-west-1a'] },
      }),
    /two different zones/,
  );
});

t.test('CIDR arithmetic', async (t) => {
  t.equal(subnetCidr('10.40.0.0/16', 4, 0), '10.40.0.0/20');
  t.equal(subnetCidr('10.40.0.0/16', 4, 1), '10.40.16.0/20');
  t.equal(subnetCidr('10.40.0.0/16', 2, 1), '10.40.64.0/18');
  t.equal(subnetCidr('10.40.0.0/16', 2, 2), '10.40.128.0/18');
  t.equal(subnetCidr('192.168.8.0/24', 2, 3), '192.168.8.192/26');
  t.throws(() => subnetCidr('10.0.0.0/16', 2, 4));
  t.throws(() => subnetCidr('10.0.0.0/30', 4, 0));
  t.ok(isIpv4Cidr('0.0.0.0/0'));
  t.notOk(isIpv4Cidr('10.0.0.1/16'), 'host bits set');
  t.notOk(isIpv4Cidr('300.0.0.0/8'));
  t.notOk(isIpv4Cidr('10.0.0.0'));
});
