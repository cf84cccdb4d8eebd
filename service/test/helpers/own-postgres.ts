// A PostgreSQL cluster of the test's own, on a spare loopback port, that a test may crash and
// start again: `crash` is `pg_ctl stop -m immediate` (no shutdown checkpoint, as a killed server),
// so `start` runs crash recovery and answers 57P03 "the database system is starting up" until it
// is done. Its one database has the migrations applied. The shared server is never touched.
import { execFile, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { access, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Test } from 'tap';
import { applyMigrations } from '../../src/db/migrations.ts';
import { sparePort } from './redis.ts';

const run = promisify(execFile);
const BIN = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
const DATABASE = 'flagstone';
/** Seconds pg_ctl waits for a start or stop: a busy host makes crash recovery slow. */
const PG_CTL_WAIT_S = '120';

export interface OwnPostgres {
  /** The migrated database, for DATABASE_URL. */
  url: string;
  /** Stops the server at once, without a shutdown checkpoint: a crash. */
  crash(): Promise<void>;
  /** Starts it again (crash recovery first); resolves once it accepts connections. */
  start(): Promise<void>;
}

/**
 * Why this machine cannot run a cluster of a test's own, or undefined when it can; in CI
 * (CI=true), where the test must run, it throws instead.
 */
export async function ownPostgresMissing(): Promise<string | undefined> {
  const reason = await missing();
  if (reason && process.env.CI) throw new Error(`CI=true and the test ${reason}`);
  return reason;
}

async function missing(): Promise<string | undefined> {
  try {
    await access(join(BIN, 'pg_ctl'));
    await access(join(BIN, 'initdb'));
  } catch {
    return `needs PostgreSQL's server programs in ${BIN} (set POSTGRES_BIN) to run a cluster of its own`;
  }
  if (process.getuid?.() === 0) {
    try {
      await run('id', ['-u', 'postgres']);
    } catch {
      return 'runs as root, and initdb refuses root: needs a user named postgres to run the cluster as';
    }
  }
  return undefined;
}

/** initdb refuses root: as root, the cluster is run by the postgres user. */
const asOwner = (command: string, args: string[]) =>
  process.getuid?.() === 0
    ? (['runuser', ['-u', 'postgres', '--', join(BIN, command), ...args]] as const)
    : ([join(BIN, command), args] as const);

/** A migrated cluster of the test's own; stopped and deleted when the test ends. */
export async function ownPostgres(t: Test): Promise<OwnPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'flagstone-pg-'));
  const data = join(dir, 'data');
  const pgCtl = (...args: string[]) => {
    const [command, argv] = asOwner('pg_ctl', ['-D', data, '-t', PG_CTL_WAIT_S, ...args]);
    return run(command, [...argv]);
  };
  // Even if the test process dies mid-test, its cluster must not outlive it.
  const onExit = () => {
    const [command, argv] = asOwner('pg_ctl', ['-D', data, 'stop', '-m', 'immediate']);
    spawnSync(command, [...argv], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  t.teardown(async () => {
    process.removeListener('exit', onExit);
    await pgCtl('stop', '-m', 'immediate').catch(() => {
      // Never started, or stopped already.
    });
    await rm(dir, { recursive: true, force: true });
  });

  if (process.getuid?.() === 0) {
    const { stdout: uid } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(uid), Number(gid));
  }
  const [initdb, initArgs] = asOwner('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  await run(initdb, [...initArgs]);
  const port = await sparePort();
  // A crash here is the server process's, not the machine's: the OS keeps every write it was
  // given, so fsync would only slow the test down.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const server: OwnPostgres = {
    url: `postgresql://postgres@127.0.0.1:${port}/${DATABASE}`,
    crash: async () => void (await pgCtl('stop', '-m', 'immediate')),
    start: async () => void (await pgCtl('start', '-o', options, '-l', join(dir, 'log'))),
  };

  await server.start();
  const admin = new pg.Client({ connectionString: server.url.replace(`/${DATABASE}`, '/postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  const db = new pg.Client({ connectionString: server.url });
  await db.connect();
  try {
    await applyMigrations({
      exec: (sql) => db.query(sql),
      query: async (sql, params) => (await db.query(sql, params)).rows,
    });
  } finally {
    await db.end();
  }
  return server;
}
