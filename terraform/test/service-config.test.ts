// The stacks and the service share one contract: the service's own config schema decides what a
// stack may pass it, so a value the service would refuse at start cannot synthesize.
import { Testing } from 'cdktf';
import t from 'tap';
import { ConfigError, ConfigSchema, loadConfig } from '../../service/src/config.ts';
import { IDLE_TIMEOUT_SECONDS } from '../lib/load-balancer.ts';
import { FlagstoneStack } from '../lib/stack.ts';
import { type EnvironmentSettings, environments, resolveSettings, SettingsError } from '../settings.ts';
import { serviceContainer, synth } from './helpers.ts';

const staging = environments.staging;
const withConfig = (config: Record<string, unknown>, service: Record<string, unknown> = {}) =>
  ({ ...staging, service: { ...staging.service, ...service, config } }) as EnvironmentSettings;

/** What the service itself says of these variables at start. */
function serviceSays(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error(`the service accepts ${JSON.stringify(env)}`);
}

const problemsOf = (settings: EnvironmentSettings) => {
  try {
    resolveSettings(settings);
  } catch (err) {
    if (err instanceof SettingsError) return err.problems;
    throw err;
  }
  return [];
};

t.test('a value the service would refuse at start stops the synth with its own message', async (t) => {
  const message = serviceSays({ L1_TTL_MS: '5' });
  t.match(message, /^L1_TTL_MS must be .*10-600000 ms; got "5"$/);
  t.throws(
    () => new FlagstoneStack(Testing.app(), 'staging', withConfig({ L1_TTL_MS: 5 })),
    { name: 'SettingsError', message: `service.config: the service would refuse to start: ${message}` },
    '`node main.ts` fails before writing anything',
  );
  const cases: Array<[Record<string, unknown>, Record<string, string>]> = [
    [{ CACHE_TTL_SECONDS: 0 }, { CACHE_TTL_SECONDS: '0' }],
    [{ LOG_LEVEL: 'loud' }, { LOG_LEVEL: 'loud' }],
    [{ WARM_ENVIRONMENTS: 'Production' }, { WARM_ENVIRONMENTS: 'Production' }],
    [{ CORS_ORIGINS: 'https://app.example.com/' }, { CORS_ORIGINS: 'https://app.example.com/' }],
    [{ PUBLIC_URL: 'flags.example.com' }, { PUBLIC_URL: 'flags.example.com' }],
    // A rule across two settings, one of them left at the service's default.
    [{ HEADERS_TIMEOUT_MS: 60_000 }, { HEADERS_TIMEOUT_MS: '60000' }],
  ];
  for (const [config, env] of cases) {
    t.same(
      problemsOf(withConfig(config)),
      [`service.config: the service would refuse to start: ${serviceSays(env)}`],
      JSON.stringify(config),
    );
  }
});

t.test('names the service does not read, and those the stacks set, are refused', async (t) => {
  t.same(problemsOf(withConfig({ L1_TTL: 500, PORT: 8080, REDIS_URL: 'redis://elsewhere:6379' })), [
    'service.config.L1_TTL is not a setting of the service (README, "Configuration")',
    'service.config.PORT is set by the stacks themselves',
    'service.config.REDIS_URL is set by the stacks themselves',
  ]);
  t.match(problemsOf(withConfig({}, { l1TtlMs: 5 })), [
    /^service\.l1TtlMs is not a field of service; the service's own settings go in service\.config/,
  ]);
});

t.test(
  "the sync port is the stacks' own; open environments are chosen per stack, none by default",
  async (t) => {
    t.same(problemsOf(withConfig({ SYNC_PORT: 9000 })), [
      'service.config.SYNC_PORT is set by the stacks themselves',
    ]);
    t.notOk('SYNC_OPEN_ENVIRONMENTS' in serviceContainer(synth(staging)).environment);
    const open = serviceContainer(
      synth(withConfig({ SYNC_OPEN_ENVIRONMENTS: 'production,staging' })),
    ).environment;
    t.equal(open.SYNC_OPEN_ENVIRONMENTS, 'production,staging');
    t.equal(loadConfig(open).SYNC_OPEN_ENVIRONMENTS, 'production,staging', 'as the service reads it');
    t.same(problemsOf(withConfig({ SYNC_OPEN_ENVIRONMENTS: 'Production' })), [
      `service.config: the service would refuse to start: ${serviceSays({ SYNC_OPEN_ENVIRONMENTS: 'Production' })}`,
    ]);
  },
);

t.test('open environments are refused while the load balancer admits the whole internet', async (t) => {
  const facing = (allowedCidrs: [string, ...string[]], config: Record<string, unknown>) =>
    ({
      ...staging,
      loadBalancer: { ...staging.loadBalancer, scheme: 'internet-facing', allowedCidrs },
      service: { ...staging.service, config },
    }) as EnvironmentSettings;
  t.same(problemsOf(facing(['0.0.0.0/0'], { SYNC_OPEN_ENVIRONMENTS: 'production' })), [
    'service.config.SYNC_OPEN_ENVIRONMENTS would serve production without a token to the whole internet (loadBalancer.allowedCidrs holds 0.0.0.0/0): narrow allowedCidrs, or leave SYNC_OPEN_ENVIRONMENTS empty and give the providers read tokens',
  ]);
  t.same(problemsOf(facing(['0.0.0.0/0'], {})), [], 'tokens only: the sync port may face the internet');
  t.same(
    problemsOf(facing(['198.51.100.0/24'], { SYNC_OPEN_ENVIRONMENTS: 'production' })),
    [],
    'a network the operator lists',
  );
});

t.test(
  'the longest heartbeat the service takes comes before the load balancer closes a quiet stream',
  async (t) => {
    t.same(problemsOf(withConfig({ EVENTS_HEARTBEAT_SECONDS: 300 })), []);
    t.ok(
      ((ConfigSchema.properties.EVENTS_HEARTBEAT_SECONDS as { maximum?: number }).maximum ?? Infinity) <
        IDLE_TIMEOUT_SECONDS,
      'EVENTS_HEARTBEAT_SECONDS is bounded below the idle timeout',
    );
    t.match(
      problemsOf(withConfig({ KEEP_ALIVE_TIMEOUT_SECONDS: 5 })),
      [/KEEP_ALIVE_TIMEOUT_SECONDS/],
      'the stacks set the keep-alive',
    );
  },
);

t.test('every setting of the service can be chosen per environment and reaches the tasks', async (t) => {
  const settable = resolveSettings(staging).service.environment;
  const chosen: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(ConfigSchema.properties)) {
    const value = (schema as { default?: unknown }).default;
    // The ones the stacks set are refused above; the rest, at their defaults, are accepted.
    if (value !== undefined && !(name in settable)) chosen[name] = value;
  }
  t.ok(Object.keys(chosen).length > 10, `${Object.keys(chosen).length} settings`);
  const { environment } = serviceContainer(synth(withConfig(chosen)));
  for (const [name, value] of Object.entries(chosen)) t.equal(environment[name], String(value), name);
});

t.test(
  'single sign-on: its settings as plain variables, the client secret from Secrets Manager',
  async (t) => {
    const oidc = {
      OIDC_ISSUER: 'https://example.okta.com',
      OIDC_CLIENT_ID: '0oa1flagstone',
      OIDC_ROLES: 'flag-admins=admin,engineers=read',
      UI_TOKEN_SIGN_IN: false,
    };
    const s = synth(withConfig(oidc));
    const { environment, secrets } = serviceContainer(s);
    t.match(environment, {
      OIDC_ISSUER: 'https://example.okta.com',
      OIDC_CLIENT_ID: '0oa1flagstone',
      OIDC_ROLES: 'flag-admins=admin,engineers=read',
      UI_TOKEN_SIGN_IN: 'false',
    });
    t.notOk('OIDC_CLIENT_SECRET' in environment, 'the secret is never a plain variable');
    const secret = s
      .list('aws_secretsmanager_secret')
      .find((r) => r.name === 'flagstone-staging/oidc-client-secret');
    t.ok(secret, 'a secret of its own, for the operator to put the value in');
    t.equal(secrets.OIDC_CLIENT_SECRET, `\${aws_secretsmanager_secret.${secret?.id}.arn}`);
    t.same(
      s
        .list('aws_secretsmanager_secret_version')
        .filter((r) => String(r.secret_id).includes(String(secret?.id))),
      [],
      'the stacks write no value into it',
    );

    const without = synth(staging);
    t.notOk(
      'OIDC_CLIENT_SECRET' in serviceContainer(without).secrets,
      'without single sign-on, no such secret',
    );
    t.notOk(
      without.list('aws_secretsmanager_secret').some((r) => String(r.name).endsWith('/oidc-client-secret')),
    );

    t.same(problemsOf(withConfig({ ...oidc, OIDC_CLIENT_SECRET: 'in-plain-text' })), [
      'service.config.OIDC_CLIENT_SECRET is set by the stacks themselves',
    ]);
    t.match(problemsOf(withConfig({ ...oidc, OIDC_ROLES: 'admins=owner' })), [
      /^service\.config: the service would refuse to start: OIDC_ROLES holds 'admins=owner', which is not a role/,
    ]);
  },
);
