// The service's own migration runner and Prisma Migrate must agree on what has run.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import t from 'tap';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { applyMigrations, pendingMigrations, readMigrations } from '../../src/db/migrations.ts';
import { createEmptyDatabase, createTestDatabase, findPostgres, prismaCli } from '../helpers/database.ts';
import { SERVER } from '../helpers/server-process.ts';

const run = promisify(execFile);
const noPostgres =
  !(await findPostgres()) && 'needs PostgreSQL (none at DATABASE_URL, 127.0.0.1:5432 or Docker)';

t.test('on the embedded database: applied once, then nothing is pending', async (t) => {
  const db = new PGlite();
  t.teardown(() => db.close());
  const runner = {
    exec: (sql: string) => db.exec(sql),
    query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
  };
  const names = (await readMigrations()).map((m) => m.name);
  t.same(await applyMigrations(runner), names);
  t.same(await applyMigrations(runner), [], 'a second run does nothing');
  t.same(await pendingMigrations(runner), []);
  const envs = await db.query<{ key: string }>('SELECT key FROM environments ORDER BY key');
  t.same(
    envs.rows.map((r) => r.key),
    ['development', 'production', 'staging'],
  );
});

t.test('a failing migration rolls back and says which one failed', async (t) => {
  const db = new PGlite();
  t.teardown(() => db.close());
  await db.exec('CREATE TABLE environments (key text)');
  await t.rejects(
    applyMigrations({
      exec: (sql: string) => db.exec(sql),
      query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
    }),
    /migration \d+_init failed/,
  );
  const recorded = await db.query('SELECT * FROM _prisma_migrations');
  t.equal(recorded.rows.length, 0, 'nothing recorded');
});

t.test('the service refuses a PostgreSQL database that lacks migrations', { skip: noPostgres }, async (t) => {
  const test = await createTestDatabase();
  t.teardown(() => test.drop());
  const client = new pg.Client({ connectionString: test.env.DATABASE_URL! });
  await client.connect();
  await client.query(`DELETE FROM _prisma_migrations`);
  await client.end();
  await t.rejects(buildApp(loadConfig({ DATABASE_URL: test.env.DATABASE_URL!, LOG_LEVEL: 'silent' })), {
    message:
      /lacks migrations \d+_init, \d+_targeting, \d+_off_variant, \d+_change_log, \d+_sessions, \d+_variant_order, \d+_token_changes, \d+_people, \d+_scheduled_changes, \d+_change_requests, \d+_usage; apply them with `make migrate` \(it runs `npx prisma migrate deploy`\)/,
  });
});

t.test(
  '`make start` on an empty database says its tables are missing and how to create them',
  { skip: noPostgres },
  async (t) => {
    const empty = (await createEmptyDatabase())!;
    t.teardown(() => empty.drop());
    const child = spawn(process.execPath, [SERVER], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: empty.url, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const [code] = await once(child, 'exit');
    t.equal(code, 1);
    t.equal(
      stderr,
      'flagstone: the database at DATABASE_URL has none of Flagstone\'s tables yet: relation "_prisma_migrations" does not exist (SQLSTATE 42P01); create them with `make migrate` (it runs `npx prisma migrate deploy`) and the same DATABASE_URL, then start again\n',
    );
  },
);

t.test(
  'a history that cannot be read is refused with the reason PostgreSQL gave',
  { skip: noPostgres },
  async (t) => {
    const server = (await findPostgres())!;
    const start = (url: URL) => buildApp(loadConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' }));
    const missing = new URL(server.url);
    missing.pathname = `/flagstone_missing_${process.pid}`;
    await t.rejects(start(missing), {
      message: `cannot read the migration history at DATABASE_URL: database "flagstone_missing_${process.pid}" does not exist (SQLSTATE 3D000); create that database, or name an existing one in DATABASE_URL`,
    });
    const stranger = new URL(server.url);
    stranger.username = 'flagstone_nobody';
    await t.rejects(start(stranger), {
      message:
        /^cannot read the migration history at DATABASE_URL: (role "flagstone_nobody" does not exist \(SQLSTATE 28000\)|password authentication failed for user "flagstone_nobody" \(SQLSTATE 28P01\)); check the user name/,
    });
    const unreachable = new URL('postgresql://postgres@127.0.0.1:1/none');
    await t.rejects(start(unreachable), {
      message:
        "cannot read the migration history at DATABASE_URL: Can't reach database server at 127.0.0.1:1; check DATABASE_URL's host and port, and that PostgreSQL is running there",
    });
  },
);

t.test(
  'prisma migrate agrees with the runner, both ways',
  { skip: noPostgres || (!prismaCli && 'no Prisma schema engine here') },
  async (t) => {
    const migrated = await createTestDatabase();
    t.teardown(() => migrated.drop());
    const prisma = (args: string[], url: string) =>
      run('npx', ['prisma', ...args], { env: { ...process.env, DATABASE_URL: url } });
    const status = await prisma(['migrate', 'status'], migrated.env.DATABASE_URL!);
    t.match(status.stdout, /Database schema is up to date/, "prisma sees the runner's work as complete");

    // The other way: a database migrated by `prisma migrate deploy` is one the runner accepts.
    const admin = new pg.Client({ connectionString: migrated.env.DATABASE_URL! });
    await admin.connect();
    const name = `flagstone_deploy_${process.pid}`;
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    t.teardown(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    });
    const url = new URL(migrated.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    await prisma(['migrate', 'deploy'], url.toString());
    const deployed = new pg.Client({ connectionString: url.toString() });
    await deployed.connect();
    t.same(
      await pendingMigrations({
        exec: (sql) => deployed.query(sql),
        query: async (sql, p) => (await deployed.query(sql, p)).rows,
      }),
      [],
    );
    await deployed.end();
  },
);
