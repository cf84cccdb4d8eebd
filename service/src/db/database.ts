// Opens the database the configuration names: PostgreSQL through @prisma/adapter-pg when
// DATABASE_URL is set, otherwise an embedded PostgreSQL (PGlite) under DATA_DIR with the
// migrations applied, so the service runs on a bare laptop.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import lockfile from 'proper-lockfile';
import type { Config } from '../config.ts';
import { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { applyMigrations, pendingMigrations, readMigrations, type SqlRunner } from './migrations.ts';

export type Db = InstanceType<typeof PrismaClient>;

export interface Database {
  client: Db;
  kind: 'postgresql' | 'embedded';
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class DatabaseSetupError extends Error {}

// The database being unavailable rather than a query failing, in each shape Prisma, its driver
// adapter and pg let it out: Prisma's codes for an unreachable server, a closed connection, a
// timeout and too many connections; the adapter's own error (its `kind`), passed through
// unconverted at times; PostgreSQL's SQLSTATEs for a connection failure (class 08), a server
// shutting down, crashed or starting up (57P01-57P03) and too many connections (53300); Node's
// socket errors (a system call failed: not a client that aborted its request, which has the same
// code and no system call); and pg's plain errors for a connection lost or not made in time.
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const CONNECTION_LOST = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
]);

interface ErrorLike {
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  syscall?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  meta?: { driverAdapterError?: unknown };
}

/** Whether `err` says the database is unavailable: down, restarting, refusing or dropping connections. */
export const isUnavailable = (err: unknown): boolean => unavailableAt(err, 0);

function unavailableAt(err: unknown, depth: number): boolean {
  if (typeof err !== 'object' || err === null || depth > 4) return false;
  const e = err as ErrorLike;
  if (err instanceof Prisma.PrismaClientKnownRequestError && UNAVAILABLE_PRISMA_CODES.has(err.code))
    return true;
  const sqlState = typeof e.originalCode === 'string' ? e.originalCode : e.code;
  if (typeof sqlState === 'string' && UNAVAILABLE_SQLSTATE.test(sqlState)) return true;
  if (typeof e.syscall === 'string' && NETWORK_ERRORS.has(e.code as string)) return true;
  if (typeof e.kind === 'string' && UNAVAILABLE_KINDS.has(e.kind)) return true;
  if (typeof e.message === 'string' && CONNECTION_LOST.has(e.message)) return true;
  // Where the underlying error is kept: the adapter's error in Prisma's meta, a cause, or each
  // address a connection was tried on.
  const inner = [e.meta?.driverAdapterError, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  return inner.some((i) => unavailableAt(i, depth + 1));
}

// Contention rather than failure: a transaction that could not start or finish in time (P2028),
// a write conflict or deadlock (P2034), and PostgreSQL's serialization failure, deadlock, lock
// timeout and statement timeout. Retrying shortly succeeds.
const CONTENTION = new Set(['P2028', 'P2034']);
const CONTENTION_SQLSTATES = new Set(['40001', '40P01', '55P03', '57014']);

/** What the driver adapter said under a Prisma error: PostgreSQL's SQLSTATE and words, or its own kind of error. */
function driverCause(
  err: unknown,
): { originalCode?: string; originalMessage?: string; kind?: string } | undefined {
  return (err as { meta?: { driverAdapterError?: { cause?: object } } } | null)?.meta?.driverAdapterError
    ?.cause;
}

export function isContention(err: unknown): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (CONTENTION.has(err.code)) return true;
  const sqlState = driverCause(err)?.originalCode;
  return typeof sqlState === 'string' && CONTENTION_SQLSTATES.has(sqlState);
}

const LOCK_TIMEOUT_MS = 3000;
const EMBEDDED_TRANSACTION_WAIT_MS = 10_000;
const STATEMENT_TIMEOUT_MS = 15_000;

const prismaRunner = (client: Db): SqlRunner => ({
  exec: (sql) => client.$executeRawUnsafe(sql),
  query: (sql, params = []) => client.$queryRawUnsafe(sql, ...params),
});

export async function openDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): Promise<Database> {
  return config.DATABASE_URL ? openPostgres(config.DATABASE_URL) : openEmbedded(config.DATA_DIR);
}

const WITH_MAKE_MIGRATE =
  'with `make migrate` (it runs `npx prisma migrate deploy`) and the same DATABASE_URL, then start again';

// What to do about a failure to read the migration history, by PostgreSQL's SQLSTATE or, where
// the server never answered, by the driver adapter's kind of error.
const HISTORY_ADVICE: Record<string, string> = {
  '3D000': 'create that database, or name an existing one in DATABASE_URL',
  '28000': 'check the user name in DATABASE_URL',
  '28P01': 'check the user name and password in DATABASE_URL',
  '42501': "grant DATABASE_URL's user access to the database's tables",
  DatabaseNotReachable: "check DATABASE_URL's host and port, and that PostgreSQL is running there",
};

/** PostgreSQL's own words (and code) for why a query failed, from Prisma's driver-adapter error. */
function databaseReason(err: unknown): { code?: string; text: string } {
  const cause = driverCause(err);
  if (cause?.originalMessage) {
    return { code: cause.originalCode, text: `${cause.originalMessage} (SQLSTATE ${cause.originalCode})` };
  }
  // Prisma's message opens with a blank line and ends with the driver's words in backquotes.
  const message = err instanceof Error ? err.message : String(err);
  const lines = message.split('\n').filter((line) => line.trim() !== '');
  const last = lines.at(-1)?.trim() ?? 'no reason given';
  return { code: cause?.kind, text: /Message: `(.*)`$/.exec(last)?.[1] ?? last };
}

/** The start-up error for a migration history that cannot be read: what PostgreSQL said, and what to do. */
function historyUnreadable(err: unknown): DatabaseSetupError {
  const { code, text } = databaseReason(err);
  // No history table: no migration ever ran here (a new, empty database).
  if (code === '42P01') {
    return new DatabaseSetupError(
      `the database at DATABASE_URL has none of Flagstone's tables yet: ${text}; create them ${WITH_MAKE_MIGRATE}`,
    );
  }
  const advice =
    (code && HISTORY_ADVICE[code]) ?? 'check DATABASE_URL and that the database is a Flagstone one';
  return new DatabaseSetupError(`cannot read the migration history at DATABASE_URL: ${text}; ${advice}`);
}

async function openPostgres(url: string): Promise<Database> {
  // Fail fast when PostgreSQL is unreachable instead of queueing requests behind a dead pool, and
  // when a write waits for a lock or a query runs for longer than any of ours should: those are
  // answered 503 DATABASE_BUSY, retry shortly, and hold no connection meanwhile.
  const adapter = new PrismaPg({
    connectionString: url,
    connectionTimeoutMillis: 3000,
    max: 10,
    lock_timeout: LOCK_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
  });
  const client = new PrismaClient({ adapter });
  // Read first, so what fails below is the database alone.
  const migrations = await readMigrations();
  let pending: string[];
  try {
    pending = await pendingMigrations(prismaRunner(client), migrations);
  } catch (err) {
    await client.$disconnect();
    throw historyUnreadable(err);
  }
  if (pending.length > 0) {
    await client.$disconnect();
    throw new DatabaseSetupError(
      `the database at DATABASE_URL lacks migrations ${pending.join(', ')}; apply them ${WITH_MAKE_MIGRATE}`,
    );
  }
  return {
    client,
    kind: 'postgresql',
    ping: async () => void (await client.$queryRaw`SELECT 1`),
    close: () => client.$disconnect(),
  };
}

/**
 * The embedded database's files belong to one process: two would each cache and write them, and
 * corrupt them. The lock is a directory beside them whose time is refreshed every few seconds;
 * released at exit, or taken over once stale (a process killed outright), so a start waits up to
 * that long for a lock still held.
 */
async function lockDataDir(dir: string, dataDir: string) {
  try {
    return await lockfile.lock(dir, {
      lockfilePath: `${dir}.lock`,
      stale: 10_000,
      retries: { retries: 11, factor: 1, minTimeout: 1000, maxTimeout: 1000 },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    throw new DatabaseSetupError(
      `DATA_DIR ${dataDir} is in use by another Flagstone process, and its embedded database takes one at a time; stop that process, or set DATA_DIR to another directory`,
    );
  }
}

/** PGlite on `dir` with the migrations applied; closed again if they fail. */
async function migratedPGlite(dir: string): Promise<PGlite> {
  const pglite = await PGlite.create(dir);
  try {
    await applyMigrations({
      exec: (sql) => pglite.exec(sql),
      query: async (sql, params) => (await pglite.query(sql, params)).rows as never[],
    });
    return pglite;
  } catch (err) {
    await pglite.close().catch(() => {});
    throw err;
  }
}

async function openEmbedded(dataDir: string): Promise<Database> {
  const dir = resolve(dataDir, 'pglite');
  await mkdir(dir, { recursive: true });
  const release = await lockDataDir(dir, dataDir);
  const pglite = await migratedPGlite(dir).catch(async (err: unknown) => {
    await release();
    throw err;
  });
  // One connection: a transaction waits for the one before it, so it may wait longer than on a pool.
  const client = new PrismaClient({
    adapter: new PrismaPGlite(pglite),
    transactionOptions: { maxWait: EMBEDDED_TRANSACTION_WAIT_MS },
  });
  return {
    client,
    kind: 'embedded',
    ping: async () => void (await client.$queryRaw`SELECT 1`),
    close: async () => {
      await client.$disconnect();
      await pglite.close();
      await release();
    },
  };
}
