import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.ts';

t.test('defaults give the embedded, in-process setup', async (t) => {
  t.same(loadConfig({}), {
    PORT: 3000,
    HOST: '127.0.0.1',
    DATA_DIR: './data',
    DEFAULT_ENVIRONMENT: 'development',
    L1_TTL_MS: 1000,
    LOG_LEVEL: 'info',
  });
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

t.test('a bad value is one clear line naming the variable', async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'abc' }, /^PORT must be a TCP port, 0-65535; got "abc"$/],
    [{ PORT: '70000' }, /^PORT must be a TCP port/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of fatal, error/],
    [{ DEFAULT_ENVIRONMENT: 'Prod' }, /^DEFAULT_ENVIRONMENT must be an environment key/],
    [{ L1_TTL_MS: '0' }, /^L1_TTL_MS must be/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must be a PostgreSQL URL.*; got \(hidden\)$/],
    [{ ADMIN_TOKEN: 'short' }, /^ADMIN_TOKEN must be a secret of 24 to 256.*; got \(hidden\)$/],
  ];
  for (const [env, message] of cases) {
    t.throws(() => loadConfig(env), message, JSON.stringify(env));
    t.throws(() => loadConfig(env), ConfigError);
  }
});
