// A fresh database for each test file. PostgreSQL is found at DATABASE_URL, else on
// 127.0.0.1:5432, else started with testcontainers; failing all three, the embedded PGlite
// runs instead. Every test database is cloned from a template migrated once per test run, and
// each is dropped when it is done with.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { applyMigrations, readMigrations } from '../../src/db/migrations.ts';

export interface TestDatabase {
  /** Settings that point the service at this database. */
  env: { DATABASE_URL?: string; DATA_DIR?: string };
  kind: 'postgresql' | 'pglite';
  /** Where the PostgreSQL came from, for the test output. */
  source: string;
  drop(): Promise<void>;
}

// Prisma's CLI needs its schema engine: the native one, or a stand-in named by PRISMA_SCHEMA_ENGINE_BINARY.
const engines = new URL('../../../node_modules/@prisma/engines/', import.meta.url).pathname;
export const prismaCli =
  Boolean(process.env.PRISMA_SCHEMA_ENGINE_BINARY) ||
  (existsSync(engines) && readdirSync(engines).some((f) => f.startsWith('schema-engine')));

export const LOCAL_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function startContainer(): Promise<string | undefined> {
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:15-alpine').start();
    process.once('exit', () => void container.stop());
    return container.getConnectionUri();
  } catch {
    return undefined;
  }
}

let server: Promise<{ url: string; source: string } | undefined> | undefined;

/**
 * The PostgreSQL server tests may create databases on, found once per process; undefined if
 * none, except in CI (CI=true), where a missing PostgreSQL fails the test file instead.
 */
export function findPostgres() {
  server ??= (async () => {
    if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, source: 'DATABASE_URL' };
    if (await answers(LOCAL_URL)) return { url: LOCAL_URL, source: '127.0.0.1:5432' };
    const url = await startContainer();
    if (!url && process.env.CI) {
      throw new Error(
        'CI=true and the tests need PostgreSQL: none at DATABASE_URL, 127.0.0.1:5432 or Docker',
      );
    }
    return url ? { url, source: 'testcontainers' } : undefined;
  })();
  return server;
}

const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * The test run this process belongs to: under the test runner, the runner's process (every test
 * file's parent, which drops the run's templates at the end: after-run.ts); else this process.
 */
const RUN = process.env.TAP === '1' ? process.ppid : process.pid;
const TEMPLATE = 'flagstone_tpl_';

/** Drops the template databases of run `run`, once no test needs them. */
export async function dropTemplates(serverUrl: string, run: number) {
  await withClient(serverUrl, async (admin) => {
    const { rows } = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [`${TEMPLATE}${run}_`],
    );
    for (const { datname } of rows) {
      await admin.query(`ALTER DATABASE "${datname}" IS_TEMPLATE false`);
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  });
}

let templateDropAtExit = false;

/** A template database with every migration applied, for this run and the migrations it holds. */
async function ensureTemplate(serverUrl: string): Promise<string> {
  const migrations = await readMigrations();
  const digest = migrations.map((m) => m.checksum.slice(0, 6)).join('');
  const name = `${TEMPLATE}${RUN}_${digest.slice(-24)}`;
  if (RUN === process.pid && !templateDropAtExit) {
    templateDropAtExit = true;
    process.once('beforeExit', () => void dropTemplates(serverUrl, RUN));
  }
  await withClient(serverUrl, async (admin) => {
    await admin.query(`SELECT pg_advisory_lock(hashtext('flagstone-test-template'))`);
    try {
      const { rows } = await admin.query('SELECT datistemplate FROM pg_database WHERE datname = $1', [name]);
      if (rows[0]?.datistemplate) return;
      if (rows[0]) await admin.query(`DROP DATABASE "${name}"`);
      await admin.query(`CREATE DATABASE "${name}"`);
      await withClient(withDatabase(serverUrl, name), (db) =>
        applyMigrations({
          exec: (sql) => db.query(sql),
          query: async (sql, p) => (await db.query(sql, p)).rows,
        }),
      );
      // Marked last: a template left half-migrated by a crash is rebuilt next time.
      await admin.query(`ALTER DATABASE "${name}" IS_TEMPLATE true`);
    } finally {
      await admin.query(`SELECT pg_advisory_unlock(hashtext('flagstone-test-template'))`);
    }
  });
  return name;
}

/** An empty PostgreSQL database (no migrations), for tests of the migrations themselves; undefined without PostgreSQL. */
export async function createEmptyDatabase(): Promise<(TestDatabase & { url: string }) | undefined> {
  const found = await findPostgres();
  if (!found) return undefined;
  const name = `flagstone_empty_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withClient(found.url, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = withDatabase(found.url, name);
  return {
    url,
    env: { DATABASE_URL: url },
    kind: 'postgresql',
    source: `PostgreSQL from ${found.source}`,
    drop: () =>
      withClient(found.url, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => {},
      ),
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const found = await findPostgres();
  if (!found) {
    const dir = await mkdtemp(join(tmpdir(), 'flagstone-test-'));
    return {
      env: { DATA_DIR: dir },
      kind: 'pglite',
      source: 'embedded PGlite (no PostgreSQL: DATABASE_URL unset, 127.0.0.1:5432 silent, no Docker)',
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const template = await ensureTemplate(found.url);
  const name = `flagstone_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withClient(found.url, (admin) => admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return {
    env: { DATABASE_URL: withDatabase(found.url, name) },
    kind: 'postgresql',
    source: `PostgreSQL from ${found.source}`,
    drop: () =>
      withClient(found.url, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => {},
      ),
  };
}
