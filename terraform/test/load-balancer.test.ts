import t from 'tap';
import { loadConfig } from '../../service/src/config.ts';
import {
  BLOCKED_PATHS,
  DEFAULT_ROUTED_PATHS,
  IDLE_TIMEOUT_SECONDS,
  matchesPath,
} from '../lib/load-balancer.ts';
import { environments } from '../settings.ts';
import { ENVIRONMENTS, type Json, type Synthesized, serviceContainer, synthEnvironment } from './helpers.ts';

/** Evaluates the HTTPS listener like an ALB: rules by priority, first path match wins, else the default. */
function route(s: Synthesized, path: string): string {
  const https = s.refTo('aws_lb_listener', 'load-balancer_https_', 'arn');
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
  const listener = s.named('aws_lb_listener', 'load-balancer_https_');
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
    t.same(listeners.map((l) => l.port).sort(), [443, 80]);
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
    const heartbeat = loadConfig(serviceContainer(s).environment).EVENTS_HEARTBEAT_SECONDS;
    t.ok(
      heartbeat < idle,
      `a heartbeat every ${heartbeat} s keeps a quiet stream inside the ${idle} s idle timeout`,
    );
  });
}
