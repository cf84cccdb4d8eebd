// docker compose as the README runs it (`docker compose up --build`, no variables set): the
// service's environment must pass the config schema, and its first start on PostgreSQL must
// leave the person who ran it an admin token, printed once.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DockerfileParser, type Env } from 'dockerfile-ast';
import t from 'tap';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.ts';
import { bearer } from '../helpers/app.ts';
import { createTestDatabase, findPostgres } from '../helpers/database.ts';
import { findRedis, NO_REDIS, testPrefix } from '../helpers/redis.ts';
import { type Running, startServer, stopServer } from '../helpers/server-process.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const compose = parse(await readFile(join(ROOT, 'docker-compose.yml'), 'utf8'));
const dockerfile = DockerfileParser.parse(await readFile(join(ROOT, 'Dockerfile'), 'utf8'));

/** Compose's interpolation: `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`, `$$`. */
function interpolate(value: string, shell: Record<string, string>) {
  return value.replace(
    /\$\$|\$\{(\w+)(?:(:?)([-?])([^}]*))?\}/g,
    (match, name: string, colon: string, operator: string, argument: string) => {
      if (match === '$$') return '$';
      const set = shell[name];
      const unset = set === undefined || (colon === ':' && set === '');
      if (unset && operator === '?') throw new Error(`docker compose refuses to start: ${argument}`);
      if (unset && operator === '-') return argument;
      return set ?? '';
    },
  );
}

/** What the `flagstone` container gets: the image stage's ENV, then compose's environment. */
function containerEnv(shell: Record<string, string>) {
  const service = compose.services.flagstone;
  const env: Record<string, string> = {};
  let stage: string | undefined;
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') stage = instruction.getArguments()[2]?.getValue();
    if (keyword === 'ENV' && stage === service.build.target) {
      for (const p of (instruction as Env).getProperties()) env[p.getName()] = p.getValue() ?? '';
    }
  }
  for (const [name, value] of Object.entries<string>(service.environment))
    env[name] = interpolate(value, shell);
  return env;
}

t.test('docker compose up with no variable set: the service gets a valid configuration', async (t) => {
  const stages = dockerfile.getFROMs().map((f) => f.getBuildStage());
  for (const [name, service] of Object.entries<{ build?: { target: string } }>(compose.services)) {
    if (service.build) t.ok(stages.includes(service.build.target), `${name} builds the Dockerfile's stage`);
  }
  const config = loadConfig(containerEnv({}));
  t.equal(config.ADMIN_TOKEN, undefined, 'no ADMIN_TOKEN: the service creates one');
  t.equal(config.HOST, '0.0.0.0', 'it listens beyond the container');
  const [published] = compose.services.flagstone.ports;
  t.equal(published.split(':').at(-1), String(config.PORT), 'on the port compose publishes');
  t.equal(
    loadConfig(containerEnv({ ADMIN_TOKEN: 'a'.repeat(64) })).ADMIN_TOKEN,
    'a'.repeat(64),
    'or ADMIN_TOKEN, when set',
  );
});

const skip =
  (!(await findPostgres()) && 'needs PostgreSQL (none at DATABASE_URL, 127.0.0.1:5432 or Docker)') ||
  (!(await findRedis()) && NO_REDIS);

t.test(
  'the first start on PostgreSQL prints one admin token that works, even with two instances starting',
  { skip },
  async (t) => {
    const database = await createTestDatabase();
    t.teardown(() => database.drop());
    const redis = (await findRedis())!;
    const env = {
      ...containerEnv({}),
      ...database.env,
      REDIS_URL: redis,
      REDIS_KEY_PREFIX: testPrefix(t, redis),
      HOST: '127.0.0.1',
      PORT: '0',
      // A busy host can trip the overload check in the first seconds; it has tests of its own.
      MAX_EVENT_LOOP_DELAY_MS: '0',
    };
    const printed = (server: Running) =>
      server.lines.flatMap((line) => /shown only this once: (fs_[\w-]+)/.exec(line)?.[1] ?? []);
    const works = async (server: Running, token: string) =>
      (await fetch(`${server.base}/api/admin/tokens`, { headers: bearer(token) })).status === 200;

    const first = await Promise.all([startServer(env), startServer(env)]);
    for (const server of first) t.teardown(() => server.child.kill('SIGKILL'));
    const tokens = first.flatMap(printed);
    t.equal(tokens.length, 1, 'one token is printed');
    const [token] = tokens;
    for (const server of first) t.ok(await works(server, token!), 'it is an admin token on every instance');
    for (const server of first) await stopServer(server);

    const again = await startServer(env);
    t.teardown(() => again.child.kill('SIGKILL'));
    t.same(printed(again), [], 'a restart prints none');
    t.ok(await works(again, token!), 'and the token still works');
  },
);
