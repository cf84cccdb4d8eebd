// Settings come from environment variables only, validated once at start. The schema is the
// single source: it gives the Config type, the defaults and the message for a bad value.
import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';

export const KEY_PATTERN = '^[a-z0-9][a-z0-9._-]{0,127}$';

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'a TCP port, 0-65535' }),
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
  L1_TTL_MS: Type.Integer({
    minimum: 1,
    maximum: 600_000,
    default: 1000,
    description: 'the in-process cache lifetime in milliseconds, 1-600000',
  }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    description: 'one of fatal, error, warn, info, debug, trace, silent',
  }),
});

export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
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
  if (!error) return candidate as Config;
  const name = error.instancePath.split('/')[1] ?? '';
  const property = (ConfigSchema.properties as Record<string, { description?: string }>)[name];
  const shown = name === 'ADMIN_TOKEN' || name === 'DATABASE_URL' ? '(hidden)' : JSON.stringify(raw[name]);
  throw new ConfigError(`${name} must be ${property?.description ?? 'valid'}; got ${shown}`);
}
