// Settings come from environment variables only, validated once at start. The schema is the
// single source: it gives the Config type, the defaults and the message for a bad value.
import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';
import { DEFAULT_PORT } from './contract.ts';

export const KEY_PATTERN = '^[a-z0-9][a-z0-9._-]{0,127}$';
/** KEY_PATTERN compiled, for keys checked outside a schema. */
export const KEY = new RegExp(KEY_PATTERN);

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: DEFAULT_PORT,
    description: 'a TCP port, 0-65535',
  }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'an interface address to listen on' }),
  DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      description:
        'a PostgreSQL URL (postgresql://user:password@host:5432/db); leave unset for the embedded database',
    }),
  ),
  DATA_DIR: Type.String({
    minLength: 1,
    default: './data',
    description: 'the directory for the embedded database',
  }),
  DEFAULT_ENVIRONMENT: Type.String({
    pattern: KEY_PATTERN,
    default: 'development',
    description: 'an environment key: lowercase letters, digits, ".", "_" or "-"',
  }),
  ADMIN_TOKEN: Type.Optional(
    Type.String({
      minLength: 24,
      maxLength: 256,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'a secret of 24 to 256 printable characters without spaces (e.g. `openssl rand -hex 32`)',
    }),
  ),
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      description:
        'a Redis URL, redis://host:6379 or rediss://host:6379 for TLS; leave unset for the in-process cache only',
    }),
  ),
  REDIS_AUTH_TOKEN: Type.Optional(
    Type.String({ minLength: 1, maxLength: 512, description: 'the Redis AUTH token (password)' }),
  ),
  REDIS_KEY_PREFIX: Type.String({
    pattern: '^[A-Za-z0-9:._-]{0,64}$',
    default: 'flagstone:',
    description: 'a prefix for Redis keys: up to 64 letters, digits, ":", ".", "_" or "-"',
  }),
  REDIS_COMMAND_TIMEOUT_MS: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 100,
    description: 'how long a Redis command may take before the read falls through, 1-10000 ms',
  }),
  CACHE_TTL_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 300,
    description: 'the Redis cache lifetime in seconds, 1-86400',
  }),
  L1_TTL_MS: Type.Integer({
    minimum: 10,
    maximum: 600_000,
    default: 1000,
    description:
      'the catch-up interval: how often an instance checks the change log for changes no message announced, 10-600000 ms',
  }),
  WARM_ENVIRONMENTS: Type.String({
    pattern: '^([a-z0-9][a-z0-9._-]{0,127}(,[a-z0-9][a-z0-9._-]{0,127})*)?$',
    default: '',
    description: 'a comma-separated list of environment keys, e.g. production,staging',
  }),
  MAX_EVENT_LOOP_DELAY_MS: Type.Integer({
    minimum: 0,
    default: 1000,
    description: 'the event-loop delay in milliseconds above which requests get 503 (0 turns the check off)',
  }),
  MAX_HEAP_USED_BYTES: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        'the heap size in bytes above which requests get 503 (0 turns the check off; unset: 90% of the heap limit)',
    }),
  ),
  REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    maximum: 600_000,
    default: 30_000,
    description: 'how long a client may take to send a whole request, 1000-600000 ms',
  }),
  HEADERS_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    maximum: 600_000,
    default: 10_000,
    description:
      "how long a client may take to send a request's headers, 1000-600000 ms, at most REQUEST_TIMEOUT_MS",
  }),
  KEEP_ALIVE_TIMEOUT_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 4000,
    default: 72,
    description:
      "how long an idle client connection stays open, 1-4000 s; behind a load balancer, longer than the load balancer's idle timeout",
  }),
  RATE_LIMIT_EVALUATIONS_PER_MINUTE: Type.Integer({
    minimum: 0,
    default: 600_000,
    description: 'the OFREP evaluations one token may make a minute (0 turns the limit off)',
  }),
  RATE_LIMIT_ADMIN_PER_MINUTE: Type.Integer({
    minimum: 0,
    default: 600,
    description: 'the admin API calls one token may make a minute (0 turns the limit off)',
  }),
  RATE_LIMIT_SIGN_INS_PER_MINUTE: Type.Integer({
    minimum: 0,
    default: 10,
    description: 'the web UI sign-in attempts one client address may make a minute (0 turns the limit off)',
  }),
  TRUSTED_PROXY_HOPS: Type.Integer({
    minimum: 0,
    maximum: 5,
    default: 0,
    description:
      'how many proxies in front of the service append to X-Forwarded-For (1 behind a load balancer): the client address is the entry that many from the end (0: the peer address)',
  }),
  CORS_ORIGINS: Type.String({
    pattern: '^(https?://[^,/\\s]+(,https?://[^,/\\s]+)*)?$',
    default: '',
    description:
      'a comma-separated list of origins whose browser apps may call the read and OFREP APIs, e.g. https://app.example.com,http://localhost:5173 (empty: none)',
  }),
  PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s?#]+$',
      description:
        "the URL clients reach this service at, e.g. https://flags.example.com (unset: the request's own host)",
    }),
  ),
  OIDC_ISSUER: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s?#]+$',
      description:
        "the identity provider's issuer URL for sign-in with OpenID Connect, e.g. https://example.okta.com (unset: no single sign-on)",
    }),
  ),
  OIDC_CLIENT_ID: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 512,
      description: 'the client id the identity provider gave Flagstone',
    }),
  ),
  OIDC_CLIENT_SECRET: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'the client secret the identity provider gave Flagstone',
    }),
  ),
  OIDC_SCOPES: Type.String({
    pattern: '^(\\S+ )*openid( \\S+)*$',
    default: 'openid profile email',
    description: 'space-separated OpenID Connect scopes including openid, e.g. "openid profile email groups"',
  }),
  OIDC_GROUPS_CLAIM: Type.String({
    minLength: 1,
    maxLength: 256,
    default: 'groups',
    description: "the claim of the ID token (or userinfo) that lists a person's groups, e.g. groups",
  }),
  OIDC_ROLES: Type.String({
    maxLength: 8192,
    default: '',
    description:
      'groups mapped to roles, comma-separated: group=admin or group=read, optionally on listed environments (payments=admin:staging+development)',
  }),
  UI_TOKEN_SIGN_IN: Type.Boolean({
    default: true,
    description:
      'true or false: whether the web UI accepts an API token to sign in (false: single sign-on only)',
  }),
  EVENTS_SIGNING_KEY: Type.Optional(
    Type.String({
      minLength: 32,
      maxLength: 512,
      pattern: '^[\\x21-\\x7e]+$',
      description:
        'the key that signs event-stream tickets, the same on every instance: 32 to 512 printable characters (e.g. `openssl rand -hex 32`)',
    }),
  ),
  EVENTS_HEARTBEAT_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 300,
    default: 15,
    description:
      'how often an open event stream gets a heartbeat comment, 1-300 s (below any proxy idle timeout)',
  }),
  MAX_EVENT_STREAMS: Type.Integer({
    minimum: 0,
    maximum: 1_000_000,
    default: 10_000,
    description: 'the event streams one instance keeps open; past it a new one gets 503 (0: none)',
  }),
  MAX_EVENT_STREAMS_PER_CLIENT: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 100,
    description:
      'the OFREP event streams, and separately the admin event streams, one client address may hold on one instance, 1-1000000; past it a new one gets 429',
  }),
  EVENT_STREAMS_ADMIN_RESERVE: Type.Integer({
    minimum: 0,
    maximum: 100_000,
    default: 100,
    description:
      "the admin event streams (the web UI's) one instance may hold beyond MAX_EVENT_STREAMS, which OFREP streams cannot take, 0-100000",
  }),
  SYNC_PORT: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 65535,
      description:
        'the TCP port of the flagd sync service (gRPC) for in-process providers, 0-65535, e.g. 8015 (unset: no sync service)',
    }),
  ),
  SYNC_OPEN_ENVIRONMENTS: Type.String({
    pattern: '^([a-z0-9][a-z0-9._-]{0,127}(,[a-z0-9][a-z0-9._-]{0,127})*)?$',
    default: '',
    description:
      'a comma-separated list of environment keys the sync service serves without a token, for providers that cannot send one, on a network you trust (empty: none)',
  }),
  SYNC_MAX_STREAMS: Type.Integer({
    minimum: 0,
    maximum: 1_000_000,
    default: 10_000,
    description: 'the sync streams one instance keeps open; past it a new one is refused (0: none)',
  }),
  WEBHOOK_POLL_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 300,
    default: 2,
    description:
      'how often an instance looks for webhook deliveries no change announced (a peer that died, Redis down, a retry due), 1-300 s',
  }),
  WEBHOOK_MAX_BACKOFF_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 300,
    description:
      'the longest wait between two attempts of a failing webhook delivery (the wait doubles from 1 s up to this), 1-86400 s',
  }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 60_000,
    default: 5000,
    description:
      'how long a webhook receiver may take to answer before the attempt counts as failed, 100-60000 ms',
  }),
  USAGE_COUNTING: Type.Boolean({
    default: true,
    description:
      'true or false: whether this instance counts evaluations per flag and variant for usage and staleness',
  }),
  USAGE_FLUSH_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 60,
    description: "how often an instance adds its evaluation counts to the database's, 1-3600 s",
  }),
  STALE_UNEVALUATED_DAYS: Type.Integer({
    minimum: 1,
    maximum: 3650,
    default: 30,
    description: 'the days without an evaluation after which a flag is stale, 1-3650',
  }),
  STALE_UNCHANGED_DAYS: Type.Integer({
    minimum: 1,
    maximum: 3650,
    default: 30,
    description: 'the days a flag may serve one variant to everyone, unchanged, before it is stale, 1-3650',
  }),
  SERVICE_NAME: Type.String({
    pattern: '^[A-Za-z0-9._-]{1,64}$',
    default: 'flagstone',
    description: 'the name metrics are reported under: letters, digits, ".", "_" or "-"',
  }),
  METRICS_EMF: Type.Enum(['auto', 'on', 'off'], {
    default: 'auto',
    description: 'auto, on or off: whether to print CloudWatch EMF metric lines (auto: on ECS only)',
  }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    description: 'one of fatal, error, warn, info, debug, trace, silent',
  }),
});

export type Config = Static<typeof ConfigSchema>;

// Never echoed back in an error message: they may hold credentials.
const SECRET_SETTINGS = new Set([
  'ADMIN_TOKEN',
  'DATABASE_URL',
  'REDIS_URL',
  'REDIS_AUTH_TOKEN',
  'EVENTS_SIGNING_KEY',
  'OIDC_CLIENT_SECRET',
]);

export const warmEnvironments = (config: Pick<Config, 'WARM_ENVIRONMENTS'>) =>
  config.WARM_ENVIRONMENTS.split(',').filter(Boolean);

/** The environments the sync service serves without a token. */
export const openSyncEnvironments = (config: Pick<Config, 'SYNC_OPEN_ENVIRONMENTS'>) =>
  new Set(config.SYNC_OPEN_ENVIRONMENTS.split(',').filter(Boolean));

/** The origins CORS_ORIGINS allows, in order. */
export const corsOrigins = (config: Pick<Config, 'CORS_ORIGINS'>) =>
  config.CORS_ORIGINS.split(',').filter(Boolean);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A group of the identity provider, the right it gives, and where (null: every environment). */
export interface GroupRole {
  group: string;
  right: 'admin' | 'read';
  environments: string[] | null;
}

const ROLE = /^([^=]+)=(admin|read)(?::(.+))?$/;

/** OIDC_ROLES read into its mappings; a ConfigError names the first entry that is not one. */
export function groupRoles(config: Pick<Config, 'OIDC_ROLES'>): GroupRole[] {
  return config.OIDC_ROLES.split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = ROLE.exec(entry);
      const environments = match?.[3]?.split('+');
      if (!match || environments?.some((environment) => !KEY.test(environment))) {
        throw new ConfigError(
          `OIDC_ROLES holds '${entry}', which is not a role: write group=admin or group=read, optionally on listed environments (payments=admin:staging+development)`,
        );
      }
      return {
        group: match[1]!.trim(),
        right: match[2] as GroupRole['right'],
        environments: environments ?? null,
      };
    });
}

/** Single sign-on needs its client and its roles; switching token sign-in off needs single sign-on. */
function checkSignIn(config: Config) {
  const roles = groupRoles(config);
  if (config.OIDC_ISSUER === undefined) {
    if (!config.UI_TOKEN_SIGN_IN) {
      throw new ConfigError(
        'UI_TOKEN_SIGN_IN=false needs OIDC_ISSUER: without single sign-on nobody could sign in to the web UI',
      );
    }
    return;
  }
  if (URL.parse(config.OIDC_ISSUER) === null) {
    throw new ConfigError(
      `OIDC_ISSUER must be a URL, e.g. https://example.okta.com; got ${JSON.stringify(config.OIDC_ISSUER)}`,
    );
  }
  if (config.OIDC_CLIENT_ID === undefined) {
    throw new ConfigError(
      'OIDC_ISSUER is set, so OIDC_CLIENT_ID must be too: the client id the identity provider gave Flagstone',
    );
  }
  if (roles.length === 0) {
    throw new ConfigError(
      'OIDC_ISSUER is set, so OIDC_ROLES must map at least one group, e.g. flag-admins=admin,engineers=read',
    );
  }
}

/** Reads the settings from `env`, or throws a ConfigError whose message names the variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(ConfigSchema.properties)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const candidate = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, { ...raw }));
  const [error] = Value.Errors(ConfigSchema, candidate);
  if (!error) {
    const config = candidate as Config;
    for (const origin of corsOrigins(config)) {
      if (URL.parse(origin)?.origin !== origin) {
        throw new ConfigError(
          `CORS_ORIGINS holds '${origin}', which is not an origin as browsers send it: write scheme://host[:port] in lowercase, without a path or a trailing slash`,
        );
      }
    }
    if (config.PUBLIC_URL !== undefined && URL.parse(config.PUBLIC_URL) === null) {
      throw new ConfigError(
        `PUBLIC_URL must be a URL, e.g. https://flags.example.com; got ${JSON.stringify(config.PUBLIC_URL)}`,
      );
    }
    checkSignIn(config);
    if (config.HEADERS_TIMEOUT_MS > config.REQUEST_TIMEOUT_MS) {
      throw new ConfigError(
        `HEADERS_TIMEOUT_MS (${config.HEADERS_TIMEOUT_MS}) must be at most REQUEST_TIMEOUT_MS (${config.REQUEST_TIMEOUT_MS}): the headers are part of the request`,
      );
    }
    return config;
  }
  const name = error.instancePath.split('/')[1] ?? '';
  const property = (ConfigSchema.properties as Record<string, { description?: string }>)[name];
  const shown = SECRET_SETTINGS.has(name) ? '(hidden)' : JSON.stringify(raw[name]);
  throw new ConfigError(`${name} must be ${property?.description ?? 'valid'}; got ${shown}`);
}
