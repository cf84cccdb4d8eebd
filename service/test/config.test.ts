import t from 'tap';
import {
  ConfigError,
  corsOrigins,
  groupRoles,
  loadConfig,
  openSyncEnvironments,
  warmEnvironments,
} from '../src/config.ts';

t.test('defaults give the embedded, in-process setup', async (t) => {
  t.same(loadConfig({}), {
    PORT: 3000,
    HOST: '127.0.0.1',
    DATA_DIR: './data',
    DEFAULT_ENVIRONMENT: 'development',
    REDIS_KEY_PREFIX: 'flagstone:',
    REDIS_COMMAND_TIMEOUT_MS: 100,
    CACHE_TTL_SECONDS: 300,
    L1_TTL_MS: 1000,
    WARM_ENVIRONMENTS: '',
    MAX_EVENT_LOOP_DELAY_MS: 1000,
    REQUEST_TIMEOUT_MS: 30000,
    HEADERS_TIMEOUT_MS: 10000,
    KEEP_ALIVE_TIMEOUT_SECONDS: 72,
    RATE_LIMIT_EVALUATIONS_PER_MINUTE: 600000,
    RATE_LIMIT_ADMIN_PER_MINUTE: 600,
    RATE_LIMIT_SIGN_INS_PER_MINUTE: 10,
    TRUSTED_PROXY_HOPS: 0,
    CORS_ORIGINS: '',
    OIDC_SCOPES: 'openid profile email',
    OIDC_GROUPS_CLAIM: 'groups',
    OIDC_ROLES: '',
    UI_TOKEN_SIGN_IN: true,
    EVENTS_HEARTBEAT_SECONDS: 15,
    MAX_EVENT_STREAMS: 10000,
    MAX_EVENT_STREAMS_PER_CLIENT: 100,
    EVENT_STREAMS_ADMIN_RESERVE: 100,
    SYNC_OPEN_ENVIRONMENTS: '',
    SYNC_MAX_STREAMS: 10000,
    WEBHOOK_POLL_SECONDS: 2,
    WEBHOOK_MAX_BACKOFF_SECONDS: 300,
    WEBHOOK_TIMEOUT_MS: 5000,
    USAGE_COUNTING: true,
    USAGE_FLUSH_SECONDS: 60,
    STALE_UNEVALUATED_DAYS: 30,
    STALE_UNCHANGED_DAYS: 30,
    SERVICE_NAME: 'flagstone',
    METRICS_EMF: 'auto',
    LOG_LEVEL: 'info',
  });
});

t.test('single sign-on: its client, its roles, and token sign-in switched off only beside it', async (t) => {
  const oidc = {
    OIDC_ISSUER: 'https://example.okta.com',
    OIDC_CLIENT_ID: 'flagstone',
    OIDC_CLIENT_SECRET: 'hush-hush-secret',
    OIDC_ROLES: 'flag-admins=admin, engineers=read ,payments=admin:staging+development',
    UI_TOKEN_SIGN_IN: 'false',
  };
  const config = loadConfig(oidc);
  t.match(config, {
    UI_TOKEN_SIGN_IN: false,
    OIDC_SCOPES: 'openid profile email',
    OIDC_GROUPS_CLAIM: 'groups',
  });
  t.same(groupRoles(config), [
    { group: 'flag-admins', right: 'admin', environments: null },
    { group: 'engineers', right: 'read', environments: null },
    { group: 'payments', right: 'admin', environments: ['staging', 'development'] },
  ]);
  for (const [roles, entry] of [
    ['ops=owner', 'ops=owner'],
    ['ops', 'ops'],
    ['ops=admin:Prod', 'ops=admin:Prod'],
    ['ops=read:staging+', 'ops=read:staging+'],
  ]) {
    t.throws(() => loadConfig({ ...oidc, OIDC_ROLES: roles }), {
      name: 'ConfigError',
      message: `OIDC_ROLES holds '${entry}', which is not a role: write group=admin or group=read, optionally on listed environments (payments=admin:staging+development)`,
    });
  }
  t.throws(() => loadConfig({ ...oidc, OIDC_ROLES: '' }), {
    message: /OIDC_ROLES must map at least one group/,
  });
  t.throws(() => loadConfig({ ...oidc, OIDC_CLIENT_ID: '' }), { message: /OIDC_CLIENT_ID must be too/ });
  t.throws(() => loadConfig({ UI_TOKEN_SIGN_IN: 'false' }), {
    message: /UI_TOKEN_SIGN_IN=false needs OIDC_ISSUER/,
  });
  t.throws(() => loadConfig({ ...oidc, OIDC_SCOPES: 'profile email' }), {
    message: /^OIDC_SCOPES must be .* including openid/,
  });
  t.throws(() => loadConfig({ ...oidc, UI_TOKEN_SIGN_IN: 'maybe' }), {
    message: /^UI_TOKEN_SIGN_IN must be true or false/,
  });
  const hidden = (() => {
    try {
      loadConfig({ ...oidc, OIDC_CLIENT_SECRET: 'x'.repeat(2000) });
    } catch (err) {
      return (err as Error).message;
    }
  })();
  t.match(hidden, /^OIDC_CLIENT_SECRET must be .*; got \(hidden\)$/, 'the secret is never echoed');
});

t.test('Redis, cache and overload settings', async (t) => {
  const config = loadConfig({
    REDIS_URL: 'rediss://cache.internal:6379',
    REDIS_AUTH_TOKEN: 'secret',
    L1_TTL_MS: '50',
    WARM_ENVIRONMENTS: 'production,staging',
    MAX_HEAP_USED_BYTES: '0',
  });
  t.match(config, { REDIS_URL: 'rediss://cache.internal:6379', L1_TTL_MS: 50, MAX_HEAP_USED_BYTES: 0 });
  t.same(warmEnvironments(config), ['production', 'staging']);
  t.same(warmEnvironments(loadConfig({})), []);
});

t.test('the sync service is off unless SYNC_PORT is set', async (t) => {
  t.equal(loadConfig({}).SYNC_PORT, undefined);
  const config = loadConfig({ SYNC_PORT: '8015', SYNC_OPEN_ENVIRONMENTS: 'development,staging' });
  t.equal(config.SYNC_PORT, 8015);
  t.same([...openSyncEnvironments(config)], ['development', 'staging']);
  t.same([...openSyncEnvironments(loadConfig({}))], []);
  t.throws(
    () => loadConfig({ SYNC_PORT: '70000' }),
    /^SYNC_PORT must be the TCP port of the flagd sync service/,
  );
  t.throws(
    () => loadConfig({ SYNC_OPEN_ENVIRONMENTS: 'Production' }),
    /^SYNC_OPEN_ENVIRONMENTS must be a comma-separated list/,
  );
});

t.test('webhook settings: read as numbers, refused out of range with what they mean', async (t) => {
  t.match(
    loadConfig({ WEBHOOK_POLL_SECONDS: '5', WEBHOOK_MAX_BACKOFF_SECONDS: '60', WEBHOOK_TIMEOUT_MS: '2000' }),
    {
      WEBHOOK_POLL_SECONDS: 5,
      WEBHOOK_MAX_BACKOFF_SECONDS: 60,
      WEBHOOK_TIMEOUT_MS: 2000,
    },
  );
  t.throws(
    () => loadConfig({ WEBHOOK_POLL_SECONDS: '0' }),
    /^WEBHOOK_POLL_SECONDS must be how often .*1-300 s; got "0"$/,
  );
  t.throws(
    () => loadConfig({ WEBHOOK_MAX_BACKOFF_SECONDS: 'soon' }),
    /^WEBHOOK_MAX_BACKOFF_SECONDS must be /,
  );
  t.throws(
    () => loadConfig({ WEBHOOK_TIMEOUT_MS: '50' }),
    /^WEBHOOK_TIMEOUT_MS must be how long .*100-60000 ms/,
  );
});

t.test('values are converted, and empty means unset', async (t) => {
  const config = loadConfig({
    PORT: '8080',
    L1_TTL_MS: '250',
    DATABASE_URL: '',
    LOG_LEVEL: 'debug',
    OTHER: 'x',
  });
  t.equal(config.PORT, 8080);
  t.equal(config.L1_TTL_MS, 250);
  t.equal(config.DATABASE_URL, undefined);
  t.equal(config.LOG_LEVEL, 'debug');
  t.notOk('OTHER' in config, 'unrelated variables are ignored');
});

t.test('browser and event-stream settings', async (t) => {
  const config = loadConfig({
    CORS_ORIGINS: 'https://app.example.com,http://localhost:5173',
    PUBLIC_URL: 'https://flags.example.com',
    EVENTS_SIGNING_KEY: 'k'.repeat(32),
  });
  t.same(corsOrigins(config), ['https://app.example.com', 'http://localhost:5173']);
  t.match(config, { PUBLIC_URL: 'https://flags.example.com', EVENTS_SIGNING_KEY: 'k'.repeat(32) });
  t.same(corsOrigins(loadConfig({})), [], 'none by default');
});

t.test('a bad value is one clear line naming the variable', async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'abc' }, /^PORT must be a TCP port, 0-65535; got "abc"$/],
    [{ PORT: '70000' }, /^PORT must be a TCP port/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of fatal, error/],
    [{ USAGE_COUNTING: 'sometimes' }, /^USAGE_COUNTING must be true or false/],
    [{ USAGE_FLUSH_SECONDS: '0' }, /^USAGE_FLUSH_SECONDS must be how often .*, 1-3600 s; got "0"$/],
    [{ STALE_UNEVALUATED_DAYS: 'a month' }, /^STALE_UNEVALUATED_DAYS must be the days/],
    [{ STALE_UNCHANGED_DAYS: '-1' }, /^STALE_UNCHANGED_DAYS must be the days/],
    [{ DEFAULT_ENVIRONMENT: 'Prod' }, /^DEFAULT_ENVIRONMENT must be an environment key/],
    [{ L1_TTL_MS: '-1' }, /^L1_TTL_MS must be/],
    [{ L1_TTL_MS: '0' }, /^L1_TTL_MS must be the catch-up interval/],
    [{ REDIS_URL: 'http://cache:6379' }, /^REDIS_URL must be a Redis URL.*; got \(hidden\)$/],
    [{ REDIS_KEY_PREFIX: 'a b' }, /^REDIS_KEY_PREFIX must be/],
    [{ WARM_ENVIRONMENTS: 'production,' }, /^WARM_ENVIRONMENTS must be a comma-separated list/],
    [{ CACHE_TTL_SECONDS: '0' }, /^CACHE_TTL_SECONDS must be/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must be a PostgreSQL URL.*; got \(hidden\)$/],
    [{ ADMIN_TOKEN: 'short' }, /^ADMIN_TOKEN must be a secret of 24 to 256.*; got \(hidden\)$/],
    [{ REQUEST_TIMEOUT_MS: '10' }, /^REQUEST_TIMEOUT_MS must be how long a client may take/],
    [{ CORS_ORIGINS: 'https://app.example.com/' }, /^CORS_ORIGINS must be a comma-separated list of origins/],
    [{ CORS_ORIGINS: 'https://a.example.com,*' }, /^CORS_ORIGINS must be/],
    [
      { CORS_ORIGINS: 'https://App.example.com' },
      /^CORS_ORIGINS holds 'https:\/\/App.example.com', which is not an origin as browsers send it: .*lowercase/,
    ],
    [{ PUBLIC_URL: 'flags.example.com' }, /^PUBLIC_URL must be the URL clients reach this service at/],
    [{ EVENTS_SIGNING_KEY: 'short' }, /^EVENTS_SIGNING_KEY must be the key that signs.*; got \(hidden\)$/],
    [{ EVENTS_HEARTBEAT_SECONDS: '0' }, /^EVENTS_HEARTBEAT_SECONDS must be/],
    [{ MAX_EVENT_STREAMS: '-1' }, /^MAX_EVENT_STREAMS must be/],
    [{ MAX_EVENT_STREAMS_PER_CLIENT: '0' }, /^MAX_EVENT_STREAMS_PER_CLIENT must be .* one client address/],
    [
      { EVENT_STREAMS_ADMIN_RESERVE: '-1' },
      /^EVENT_STREAMS_ADMIN_RESERVE must be .* beyond MAX_EVENT_STREAMS/,
    ],
    [
      { REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '6000' },
      /^HEADERS_TIMEOUT_MS \(6000\) must be at most REQUEST_TIMEOUT_MS \(5000\): the headers are part of the request$/,
    ],
  ];
  for (const [env, message] of cases) {
    t.throws(() => loadConfig(env), message, JSON.stringify(env));
    t.throws(() => loadConfig(env), ConfigError);
  }
});
