// What counts as the database being unavailable (answered 503 DATABASE_UNAVAILABLE): each shape
// produced for real through the service's own client (Prisma, its pg adapter, pg's pool) where a
// test can cause it, the others built as Prisma, the adapter and pg build them; and what does not
// count (a query that failed, contention, a client that went away).
import pg from 'pg';
import t, { type Test } from 'tap';
import { type Database, isContention, isUnavailable, openDatabase } from '../../src/db/database.ts';
import { errors } from '../../src/errors.ts';
import { Prisma } from '../../src/generated/prisma/client.ts';
import { within } from '../helpers/app.ts';
import { createTestDatabase, findPostgres } from '../helpers/database.ts';
import { tcpProxy } from '../helpers/tcp-proxy.ts';

const noPostgres = !(await findPostgres()) && 'needs PostgreSQL to fail connections to';

/** The error `work` rejects with; throws if it succeeds. */
async function failure(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

/** "PrismaClientKnownRequestError P1001 {kind…}", "Error Connection terminated unexpectedly": tells shapes apart. */
function shape(err: unknown): string {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    meta?: { driverAdapterError?: { cause?: object } };
  };
  const cause = e.meta?.driverAdapterError?.cause;
  return [e.name, e.code, cause ? JSON.stringify(cause) : e.message?.split('\n').at(-1)]
    .filter(Boolean)
    .join(' ');
}

/** The service's own client on a test database, through a proxy the test can cut. */
async function openBehindProxy(t: Test) {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const url = new URL(db.env.DATABASE_URL!);
  const proxy = await tcpProxy(Number(url.port));
  t.teardown(() => proxy.cut());
  url.port = String(proxy.port);
  const database = await openDatabase({ DATABASE_URL: url.toString(), DATA_DIR: '' });
  t.teardown(() => database.close());
  await database.ping();
  return { database, proxy, directUrl: db.env.DATABASE_URL! };
}

const sleep = (database: Database, seconds: number) =>
  database.client.$queryRawUnsafe(`SELECT pg_sleep(${seconds})`);
const sleepInTransaction = (database: Database, seconds: number) =>
  database.client.$transaction((tx) => tx.$queryRawUnsafe(`SELECT pg_sleep(${seconds})`), {
    timeout: 60_000,
  });

t.test(
  'connections ended by the server, lost and refused, in queries and transactions',
  { skip: noPostgres },
  async (t) => {
    const { database, proxy, directUrl } = await openBehindProxy(t);
    const found: [string, unknown][] = [];

    // Ended by an administrator (pg_terminate_backend): 57P01, as at a fast shutdown.
    const admin = new pg.Client({ connectionString: directUrl });
    await admin.connect();
    t.teardown(() => admin.end());
    const sleepers = `FROM pg_stat_activity WHERE datname = current_database()
      AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep%'`;
    const ended = [failure(sleep(database, 30)), failure(sleepInTransaction(database, 30))];
    await within(10_000, async () => (await admin.query(`SELECT 1 ${sleepers}`)).rowCount === 2, 20);
    await admin.query(`SELECT pg_terminate_backend(pid) ${sleepers}`);
    const [endedQuery, endedTransaction] = await Promise.all(ended);
    found.push(['ended by the server, in a query', endedQuery]);
    found.push(['ended by the server, in a transaction', endedTransaction]);

    // Lost (the connection drops mid-query, as when the server is killed), then refused.
    const lost = [failure(sleep(database, 30)), failure(sleepInTransaction(database, 30))];
    await within(10_000, async () => (await admin.query(`SELECT 1 ${sleepers}`)).rowCount === 2, 20);
    await proxy.cut();
    const [lostQuery, lostTransaction] = await Promise.all(lost);
    found.push(['lost in a query', lostQuery], ['lost in a transaction', lostTransaction]);
    found.push(['refused', await failure(database.client.flag.findMany())]);
    found.push([
      'refused at the start of a transaction',
      await failure(database.client.$transaction((tx) => tx.flag.findMany())),
    ]);

    for (const [what, err] of found) t.ok(isUnavailable(err), `${what}: ${shape(err)}`);
  },
);

t.test('no pooled connection free within the connection timeout', { skip: noPostgres }, async (t) => {
  const { database } = await openBehindProxy(t);
  // Every one of the pool's 10 connections held past the 3 s the next request waits for one.
  const held = Array.from({ length: 10 }, () => sleep(database, 5).catch(() => {}));
  await new Promise((r) => setTimeout(r, 300));
  const waited = await failure(database.client.flag.findMany());
  t.ok(isUnavailable(waited), `pool exhausted: ${shape(waited)}`);
  await Promise.all(held);
});

const known = (code: string, cause?: Record<string, unknown>) =>
  new Prisma.PrismaClientKnownRequestError('x', {
    code,
    clientVersion: '7',
    meta: cause ? { driverAdapterError: { name: 'DriverAdapterError', cause } } : {},
  });
const postgres = (code: string, message: string) => ({
  originalCode: code,
  originalMessage: message,
  kind: 'postgres',
  code,
  severity: 'FATAL',
  message,
});
const socket = (code: string, syscall = 'connect') =>
  Object.assign(new Error(`${syscall} ${code} 127.0.0.1:5432`), { code, syscall, errno: -1 });

t.test('every other shape of an unavailable database', async (t) => {
  const shapes: [string, unknown][] = [
    ['starting up (crash recovery)', known('P2039', postgres('57P03', 'the database system is starting up'))],
    ['starting up, in a raw query', known('P2010', postgres('57P03', 'the database system is starting up'))],
    [
      'restarting after another process crashed',
      known('P2039', postgres('57P02', 'terminating connection because of crash of another server process')),
    ],
    ['a connection failure (class 08)', known('P2039', postgres('08006', 'connection failure'))],
    [
      'too many connections',
      known('P2037', { kind: 'TooManyConnections', cause: 'sorry, too many clients' }),
    ],
    [
      'too many connections, as SQLSTATE',
      known('P2039', postgres('53300', 'sorry, too many clients already')),
    ],
    ['a closed connection', known('P1017', { kind: 'ConnectionClosed' })],
    ['a closed connection, in a raw query', known('P2010', { kind: 'ConnectionClosed' })],
    ['a socket timeout', known('P1008', { kind: 'SocketTimeout' })],
    ['a pool timeout', known('P2024')],
    [
      "the adapter's error, passed through",
      Object.assign(new Error('ConnectionClosed'), {
        name: 'DriverAdapterError',
        cause: { kind: 'ConnectionClosed' },
      }),
    ],
    [
      "pg's own, with the SQLSTATE",
      Object.assign(new Error('the database system is shutting down'), { code: '57P03', severity: 'FATAL' }),
    ],
    [
      'a connection not made in time',
      new Error('Connection terminated due to connection timeout', {
        cause: new Error('Connection terminated'),
      }),
    ],
    [
      'a client whose connection failed',
      new Error('Client has encountered a connection error and is not queryable'),
    ],
    ['an unreachable host', socket('EHOSTUNREACH')],
    ['a broken pipe', socket('EPIPE', 'write')],
    ['an unresolvable name', socket('ENOTFOUND', 'getaddrinfo')],
    [
      'refused on every address',
      Object.assign(new AggregateError([socket('ECONNREFUSED'), socket('ECONNREFUSED')]), {
        code: 'ECONNREFUSED',
      }),
    ],
  ];
  for (const [what, err] of shapes) {
    t.ok(isUnavailable(err), what);
    t.notOk(isContention(err), `${what}: not contention`);
  }

  const others: [string, unknown][] = [
    ['a unique violation', known('P2002')],
    ['a failed raw query', known('P2010', postgres('42601', 'syntax error at or near "SELEC"'))],
    [
      'a statement timeout',
      known('P2010', postgres('57014', 'canceling statement due to statement timeout')),
    ],
    ['a lock timeout', known('P2010', postgres('55P03', 'canceling statement due to lock timeout'))],
    ['a transaction not started in time', known('P2028')],
    ['a client that went away', Object.assign(new Error('aborted'), { code: 'ECONNRESET' })],
    ['a domain error', errors.flagNotFound('development', 'x')],
    ['our own 503', errors.unavailable()],
    ['anything else', new Error('Connection terminated')],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', null],
  ];
  for (const [what, err] of others) t.notOk(isUnavailable(err), `not unavailability: ${what}`);
});
