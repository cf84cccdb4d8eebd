// The image, built without Docker (replay.ts): the Dockerfile's stages, each holding only what it
// copies, must build; the `migrate` target must migrate an empty database, and the `service`
// target's files alone must start a service that answers, as docker compose runs them.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DockerfileParser } from 'dockerfile-ast';
import t, { type Test } from 'tap';
import { SYNC_HEALTH_SERVICE } from '../../src/contract.ts';
import { within } from '../helpers/app.ts';
import { createEmptyDatabase, createTestDatabase, findPostgres, prismaCli } from '../helpers/database.ts';
import { startServer } from '../helpers/server-process.ts';
import { syncClients } from '../helpers/sync-client.ts';
import { dockerignore, type ReplayOptions, replay, type Stage } from './replay.ts';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
const DOCKERFILE = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
const skip =
  (!(await findPostgres()) && 'needs PostgreSQL (none at DATABASE_URL, 127.0.0.1:5432 or Docker)') ||
  (!prismaCli && !process.env.CI && 'no Prisma schema engine here for prisma generate');

/** What the replayed commands find on this machine besides the stage's ENV: tools and Prisma's engine. */
const TOOLS: ReplayOptions['env'] = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir() };
if (process.env.PRISMA_SCHEMA_ENGINE_BINARY)
  TOOLS.PRISMA_SCHEMA_ENGINE_BINARY = process.env.PRISMA_SCHEMA_ENGINE_BINARY;

/** Replays `dockerfile` in a fresh folder, removed when `t` ends. */
async function replayed(t: Test, dockerfile: string) {
  const into = await mkdtemp(join(tmpdir(), 'flagstone-image-'));
  t.teardown(() => rm(into, { recursive: true, force: true }));
  return replay(dockerfile, { context: ROOT, into, installed: join(ROOT, 'node_modules'), env: TOOLS });
}

/** `dockerfile` without the COPY instructions whose sources include `source`. */
function withoutCopyOf(dockerfile: string, source: string) {
  const lines = dockerfile.split('\n');
  const copies = DockerfileParser.parse(dockerfile)
    .getCOPYs()
    .filter((c) => c.getArguments().some((a) => a.getValue() === source));
  if (copies.length === 0) throw new Error(`the Dockerfile does not copy ${source}`);
  for (const c of copies) lines[c.getRange().start.line] = '';
  return lines.join('\n');
}

const workdir = (stage: Stage) => join(stage.root, stage.workdir);

/** A stage's CMD or HEALTHCHECK, run in its WORKDIR with its ENV; its `node` is ours. */
const exec = (stage: Stage, [program, ...args]: string[], env: Record<string, string>) =>
  run(program === 'node' ? process.execPath : program!, args, {
    cwd: workdir(stage),
    env: { ...TOOLS, ...stage.env, ...env },
  });

/**
 * The service stage's CMD as a process on a free port. Its packages are links into the project's
 * node_modules: with --preserve-symlinks, modules resolve through the stage's own node_modules,
 * which holds the production packages only.
 */
function startImage(service: Stage, env: Record<string, string>) {
  const [node, ...args] = service.cmd ?? [];
  if (node !== 'node') throw new Error(`the service stage's CMD starts ${node}, not node`);
  return startServer(
    { ...service.env, HOST: '127.0.0.1', PORT: '0', ...env },
    { args: ['--preserve-symlinks', ...args], cwd: workdir(service) },
  );
}

t.test(
  'the stages build from what they copy; the service image migrates, starts and serves the UI',
  { skip },
  async (t) => {
    const { stages, skipped } = await replayed(t, DOCKERFILE);
    t.comment(`skipped by rule:\n${skipped.join('\n')}`);
    t.ok(
      skipped.some((s) => s.startsWith('build: apt-get install')),
      'apt-get is skipped, by a declared rule',
    );
    const migrate = stages.get('migrate')!;
    const service = stages.get('service')!;

    const database = await createEmptyDatabase();
    t.teardown(() => database!.drop());
    // Docker compose runs the migrate target first, then the service.
    await exec(migrate, migrate.cmd!, { DATABASE_URL: database!.url });
    // The overload check off: a busy host can trip it in the first seconds; it has tests of its own.
    const server = await startImage(service, {
      DATABASE_URL: database!.url,
      MAX_EVENT_LOOP_DELAY_MS: '0',
      SYNC_PORT: '0',
    });
    t.teardown(() => server.child.kill('SIGKILL'));
    await within(30_000, async () => (await fetch(`${server.base}/health/ready`)).status === 200);
    t.pass('/health/ready answers 200');
    const syncPort = server.lines
      .map((line) => /flagd sync service listening at 127\.0\.0\.1:(\d+)/.exec(line)?.[1])
      .find(Boolean);
    t.ok(syncPort, 'the flagd sync service listens');
    t.equal(await syncClients(t, Number(syncPort)).check(SYNC_HEALTH_SERVICE), 'SERVING', 'and answers');
    const ui = await fetch(`${server.base}/ui/`);
    t.equal(ui.status, 200, 'the web UI is served');
    t.match(await ui.text(), /<script type="module"[^>]* src="\/ui\/assets\/index-[\w-]+\.js">/);

    await exec(service, service.healthcheck!, { PORT: new URL(server.base).port });
    t.pass("the image's HEALTHCHECK passes");
  },
);

t.test('a file the image needs and does not copy fails the replay', { skip }, async (t) => {
  await t.rejects(
    replayed(t, withoutCopyOf(DOCKERFILE, 'service/src/flags/operators.ts')),
    {
      message:
        /stage 'build', line \d+: RUN npm run build:ui: .*Could not resolve '\.\.\/\.\.\/src\/flags\/operators\.ts'/s,
    },
    'the UI build misses a file outside service/ui',
  );
  const withoutProto = (await replayed(t, withoutCopyOf(DOCKERFILE, 'service/proto'))).stages.get('service')!;
  const empty = await createTestDatabase();
  t.teardown(() => empty.drop());
  await t.rejects(
    startImage(withoutProto, { ...empty.env, MAX_EVENT_LOOP_DELAY_MS: '0', SYNC_PORT: '0' }),
    /server exited with 1: [\s\S]*service\/proto\/flagd\/sync\/v1\/sync\.proto/,
    'the sync service cannot start without its protocol file',
  );
  const { stages } = await replayed(t, withoutCopyOf(DOCKERFILE, 'prisma/migrations'));
  const service = stages.get('service')!;
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  await t.rejects(
    startImage(service, { ...database.env, MAX_EVENT_LOOP_DELAY_MS: '0' }),
    /server exited with 1: [\s\S]*prisma\/migrations/,
    'the service cannot start without the migrations it checks',
  );
});

t.test('the replay refuses what it cannot replay, instead of passing over it', async (t) => {
  const into = await mkdtemp(join(tmpdir(), 'flagstone-image-'));
  t.teardown(() => rm(into, { recursive: true, force: true }));
  const options = { context: ROOT, into, installed: join(ROOT, 'node_modules'), env: TOOLS };
  await t.rejects(replay('FROM node:24-bookworm-slim AS x\nRUN curl -o x https://example.com\n', options), {
    message: /line 2: RUN .*no rule for 'curl -o x https:\/\/example.com'/,
  });
  await t.rejects(replay('FROM node:24-bookworm-slim AS x\nADD x.tgz /\n', options), {
    message: /no rule for this instruction/,
  });
  await t.rejects(replay('FROM node:24-bookworm-slim AS x\nCOPY service/test ./t\n', options), {
    message: /'service\/test' not found in the build context/,
  });
  await t.rejects(replay('FROM node:24-bookworm-slim AS x\nCOPY package.json ./\nRUN npm ci\n', options), {
    message: /npm ci needs package-lock.json in the working directory/,
  });
});

t.test('.dockerignore as Docker reads it', async (t) => {
  const ignored = dockerignore('# comment\n/data\n*.log\nservice/**/dist\n!service/keep/dist\n');
  t.ok(ignored('data/x.db'), 'a folder, with everything in it');
  t.ok(ignored('x.log'));
  t.notOk(ignored('logs/x.log'), '* stops at /');
  t.ok(ignored('service/ui/dist/index.html'), '** spans folders');
  t.notOk(ignored('service/keep/dist/a.js'), '! makes an exception');
  t.notOk(ignored('database.ts'));
});
