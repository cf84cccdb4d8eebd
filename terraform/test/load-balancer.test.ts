import { TerraformStack, Testing } from 'cdktf';
import t from 'tap';
import { loadConfig } from '../../service/src/config.ts';
import { SYNC_HEALTH_SERVICE, SYNC_PORT } from '../../service/src/contract.ts';
import {
  BLOCKED_PATHS,
  DEFAULT_ROUTED_PATHS,
  IDLE_TIMEOUT_SECONDS,
  LoadBalancer,
  type LoadBalancerProps,
  matchesPath,
  SYNC_DEREGISTRATION_DELAY_SECONDS,
} from '../lib/load-balancer.ts';
import { environments } from '../settings.ts';
import { ENVIRONMENTS, type Json, type Synthesized, serviceContainer, synthEnvironment } from './helpers.ts';

/** Evaluates a listener (HTTPS on 443 unless named) like an ALB: rules by priority, first path match wins, else the default. */
function route(s: Synthesized, path: string, listenerKey = 'https'): string {
  const https = s.refTo('aws_lb_listener', `load-balancer_${listenerKey}_`, 'arn');
  const rules = s
    .resources('aws_lb_listener_rule')
    .map(([, r]) => r)
    .filter((r) => r.listener_arn === https)
    .sort((a, b) => (a.priority as number) - (b.priority as number));
  const describe = (action: Json) =>
    action.type === 'forward'
      ? 'forward'
      : action.type === 'fixed-response'
        ? `fixed ${(action.fixed_response as Json).status_code}`
        : String(action.type);
  for (const rule of rules) {
    const [condition] = rule.condition as Json[];
    const patterns = (condition!.path_pattern as Json).values as string[];
    if (patterns.some((p) => matchesPath(p, path))) return describe((rule.action as Json[])[0]!);
  }
  const listener = s.named('aws_lb_listener', `load-balancer_${listenerKey}_`);
  return describe((listener.default_action as Json[])[0]!);
}

t.test('the path matcher follows ALB wildcards', async (t) => {
  t.ok(matchesPath('/api/*', '/api/config/flags'));
  t.notOk(matchesPath('/api/*', '/api'));
  t.ok(matchesPath('/docs*', '/docs'));
  t.ok(matchesPath('/?ealth/*', '/health/live'));
  t.notOk(matchesPath('/health/*', '/metrics'));
  t.ok(BLOCKED_PATHS.some((p) => matchesPath(p, '/metrics')));
  t.notOk(DEFAULT_ROUTED_PATHS.some((p) => matchesPath(p, '/metrics')));
});

for (const env of ENVIRONMENTS) {
  const s = synthEnvironment(env);

  t.test(`${env}: /metrics is never routed through the ALB`, async (t) => {
    for (const path of ['/metrics', '/metrics/', '/metrics/anything'])
      t.equal(route(s, path), 'fixed 404', path);
    for (const path of [
      '/api/config/flags',
      '/api/admin/tokens',
      '/ofrep/v1/evaluate/flags',
      '/ui',
      '/ui/',
      '/ui/flags/new-checkout',
      '/ui/assets/index-0123abcd.js',
    ]) {
      t.equal(route(s, path), 'forward', path);
    }
    for (const path of ['/', '/favicon.ico', '/docs', '/internal', '/health/ready'])
      t.equal(route(s, path), 'fixed 404', path);
    const production = s.named('aws_lb_listener_rule', 'load-balancer_production');
    const patterns = ((production.condition as Json[])[0]!.path_pattern as Json).values as string[];
    t.same(patterns, [...DEFAULT_ROUTED_PATHS]);
    t.ok(patterns.length <= 3, 'within the ALB limit of three patterns per condition');
  });

  t.test(`${env}: HTTPS with a modern TLS policy; HTTP only redirects`, async (t) => {
    const listeners = s.list('aws_lb_listener');
    t.same(listeners.map((l) => l.port).sort(), [443, 80, SYNC_PORT].sort());
    const https = s.named('aws_lb_listener', 'load-balancer_https_');
    t.equal(https.protocol, 'HTTPS');
    t.match(https.ssl_policy, /^ELBSecurityPolicy-TLS13-/);
    t.equal(https.certificate_arn, environments[env].loadBalancer.certificateArn);
    t.same((https.default_action as Json[])[0]!.fixed_response, {
      content_type: 'text/plain',
      message_body: 'Not found',
      status_code: '404',
    });
    const http = s.named('aws_lb_listener', 'load-balancer_http_');
    t.same(http.default_action, [
      { type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', status_code: 'HTTP_301' } },
    ]);
    t.equal(s.one('aws_lb').drop_invalid_header_fields, true);
    t.equal(s.one('aws_lb').enable_deletion_protection, env === 'production');
  });

  t.test(`${env}: blue/green target groups check /health/ready; ECS owns the weights`, async (t) => {
    for (const color of ['blue', 'green']) {
      const group = s.named('aws_lb_target_group', `load-balancer_${color}`);
      t.equal(group.target_type, 'ip');
      t.equal(group.port, 3000);
      const check = group.health_check as Json;
      t.equal(check.path, '/health/ready');
      t.equal(check.matcher, '200', 'a 503 from /health/ready takes the task out');
    }
    const production = s.named('aws_lb_listener_rule', 'load-balancer_production');
    const forward = (production.action as Json[])[0]!.forward as Json;
    t.same(forward.target_group, [
      { arn: s.refTo('aws_lb_target_group', 'load-balancer_blue', 'arn'), weight: 100 },
      { arn: s.refTo('aws_lb_target_group', 'load-balancer_green', 'arn'), weight: 0 },
    ]);
    t.same(
      (production.lifecycle as Json).ignore_changes,
      ['action'],
      'Terraform does not undo ECS traffic shifts',
    );
  });
}

for (const env of ENVIRONMENTS) {
  t.test(`${env}: event streams are routed, and their heartbeat comes before the idle timeout`, async (t) => {
    const s = synthEnvironment(env);
    t.equal(route(s, '/ofrep/v1/events'), 'forward', 'GET /ofrep/v1/events reaches the service');
    const idle = s.one('aws_lb').idle_timeout as number;
    t.equal(idle, IDLE_TIMEOUT_SECONDS);
    // The heartbeat the tasks will use, read from their environment by the service's own rules.
    const tasks = loadConfig(serviceContainer(s).environment);
    const heartbeat = tasks.EVENTS_HEARTBEAT_SECONDS;
    t.ok(
      heartbeat < idle,
      `a heartbeat every ${heartbeat} s keeps a quiet stream inside the ${idle} s idle timeout`,
    );
    t.ok(idle > 600, "a quiet sync stream outlasts flagd providers' 10-minute stream deadline");
    t.ok(
      tasks.KEEP_ALIVE_TIMEOUT_SECONDS > idle,
      `the tasks keep idle connections ${tasks.KEEP_ALIVE_TIMEOUT_SECONDS} s, longer than the load balancer's ${idle} s`,
    );
  });
}

for (const env of ENVIRONMENTS) {
  const s = synthEnvironment(env);
  const syncCall = (method: string) => `/${SYNC_HEALTH_SERVICE}/${method}`;

  t.test(`${env}: the sync service has an HTTPS listener of its own on the sync port`, async (t) => {
    const https = s.named('aws_lb_listener', 'load-balancer_https_');
    const sync = s.named('aws_lb_listener', 'load-balancer_sync_');
    t.equal(sync.port, SYNC_PORT);
    t.equal(sync.protocol, 'HTTPS', 'the load balancer speaks gRPC only behind TLS');
    t.equal(sync.certificate_arn, environments[env].loadBalancer.certificateArn);
    t.equal(sync.ssl_policy, https.ssl_policy, 'the same TLS policy as the HTTP API');
    t.equal(sync.load_balancer_arn, s.refTo('aws_lb', 'load-balancer_alb', 'arn'));
    t.not(s.one('aws_lb').enable_http2, false, 'HTTP/2 with clients, which gRPC needs');

    for (const method of ['SyncFlags', 'FetchAllFlags'])
      t.equal(route(s, syncCall(method), 'sync'), 'forward', syncCall(method));
    for (const path of ['/grpc.health.v1.Health/Check', '/api/config/flags', '/metrics', '/'])
      t.equal(route(s, path, 'sync'), 'fixed 404', `${path} is not forwarded on the sync port`);
    t.equal(route(s, syncCall('SyncFlags')), 'fixed 404', 'and gRPC is not forwarded on 443');
  });

  t.test(`${env}: gRPC blue/green target groups check the gRPC health service`, async (t) => {
    for (const color of ['blue', 'green']) {
      const group = s.named('aws_lb_target_group', `load-balancer_sync-${color}`);
      t.equal(group.name, `flagstone-${env}-sync-${color}`);
      t.ok((group.name as string).length <= 32, 'within the target group name limit');
      t.equal(group.protocol, 'HTTP', 'plaintext HTTP/2 to the tasks, inside the VPC');
      t.equal(group.protocol_version, 'GRPC');
      t.equal(group.target_type, 'ip');
      t.equal(group.port, SYNC_PORT);
      t.equal(group.deregistration_delay, String(SYNC_DEREGISTRATION_DELAY_SECONDS));
      t.same(group.health_check, {
        enabled: true,
        path: '/grpc.health.v1.Health/Check',
        protocol: 'HTTP',
        port: 'traffic-port',
        matcher: '0',
        interval: 15,
        timeout: 5,
        healthy_threshold: 2,
        unhealthy_threshold: 3,
      });
    }
    const rule = s.named('aws_lb_listener_rule', 'load-balancer_sync-production');
    t.equal(rule.listener_arn, s.refTo('aws_lb_listener', 'load-balancer_sync_', 'arn'));
    t.same(((rule.action as Json[])[0]!.forward as Json).target_group, [
      { arn: s.refTo('aws_lb_target_group', 'load-balancer_sync-blue', 'arn'), weight: 100 },
      { arn: s.refTo('aws_lb_target_group', 'load-balancer_sync-green', 'arn'), weight: 0 },
    ]);
    t.same((rule.lifecycle as Json).ignore_changes, ['action'], 'Terraform does not undo ECS traffic shifts');
  });
}

t.test('the sync port must be a port of its own; names must leave room for the target groups', async (t) => {
  const props: LoadBalancerProps = {
    name: 'flagstone-staging',
    vpcId: 'vpc-1',
    subnetIds: ['subnet-1', 'subnet-2'],
    securityGroupId: 'sg-1',
    scheme: 'internal',
    certificateArn: environments.staging.loadBalancer.certificateArn,
  };
  const build = (overrides: Partial<LoadBalancerProps>) => () =>
    new LoadBalancer(new TerraformStack(Testing.app(), 'stack'), 'lb', { ...props, ...overrides });
  t.doesNotThrow(build({}));
  for (const syncPort of [443, 80, 3000])
    t.throws(build({ syncPort }), {
      message: `LoadBalancer: syncPort ${syncPort} is taken by another listener or the service port`,
    });
  t.throws(build({ name: 'flagstone-a-long-environment' }), {
    message: 'LoadBalancer: name takes at most 21 characters (target group names)',
  });
});
