// PostgreSQL killed and restarted under load: every answer is a success or a 503
// DATABASE_UNAVAILABLE with Retry-After (at the kill, while it is down, while it recovers), never
// a 500; and every write that was acknowledged is in the database afterwards.
import fp from 'fastify-plugin';
import pg from 'pg';
import t from 'tap';
import { reproduced } from '../../src/routes/hot-routes.ts';
import { ADMIN_TOKEN, admin, bearer, buildTestApp, createFlag, mintToken, within } from '../helpers/app.ts';
import { ownPostgres, ownPostgresMissing } from '../helpers/own-postgres.ts';

const WORKERS = 6;
const ROUNDS = 2;
/** At most this many requests in all, however fast or slow the host. */
const MAX_REQUESTS = 40_000;
/** Answers received while the server is down before it is started again. */
const ANSWERS_WHILE_DOWN = 30;
const ENVIRONMENTS = ['development', 'staging', 'production'];

interface Operation {
  name: string;
  method: 'GET' | 'POST' | 'PATCH';
  url: string;
  write?: 'update' | 'create' | 'token';
  /** Made with the web UI's session cookie instead of the admin token. */
  session?: true;
  /** Made with the read token this worker minted last: verified against the database once. */
  minted?: true;
}

/** Each worker's requests in turn: writes, admin reads, session and token paths. */
function operations(i: number): Operation[] {
  const env = `environment=${ENVIRONMENTS[i % 3]}`;
  return [
    { name: 'flag update', method: 'PATCH', url: `/api/admin/flags/w${i}?${env}`, write: 'update' },
    { name: 'flag create', method: 'POST', url: `/api/admin/flags?${env}`, write: 'create' },
    { name: 'flag read', method: 'GET', url: `/api/admin/flags/w${i}?${env}` },
    { name: 'flag list', method: 'GET', url: `/api/admin/flags?${env}` },
    { name: 'audit read', method: 'GET', url: `/api/admin/audit?${env}&limit=5` },
    { name: 'token list', method: 'GET', url: '/api/admin/tokens' },
    { name: 'token mint', method: 'POST', url: '/api/admin/tokens', write: 'token' },
    { name: 'session read', method: 'GET', url: '/api/session', session: true },
    {
      name: 'session update',
      method: 'PATCH',
      url: `/api/admin/flags/w${i}?${env}`,
      write: 'update',
      session: true,
    },
    { name: 'new token read', method: 'GET', url: `/api/config/flags/w${i}?${env}`, minted: true },
  ];
}

t.test(
  'PostgreSQL crashed and restarted under writes and reads: 503 DATABASE_UNAVAILABLE, never a 500, no acknowledged write lost',
  { skip: await ownPostgresMissing() },
  async (t) => {
    const started = performance.now();
    const elapsed = () => `${Math.round(performance.now() - started)} ms`;
    const server = await ownPostgres(t);
    // How the failures reached the error handler, for the test output.
    const raised = new Map<string, number>();
    const raisedCounter = fp(async (app) => {
      app.addHook(
        'onError',
        reproduced('counting raised errors', async (_request: unknown, _reply: unknown, err: Error) => {
          const e = err as Error & {
            code?: string;
            meta?: { driverAdapterError?: { cause?: { originalCode?: string } } };
          };
          const shape = [e.code ?? err.message, e.meta?.driverAdapterError?.cause?.originalCode]
            .filter(Boolean)
            .join(' ');
          raised.set(shape, (raised.get(shape) ?? 0) + 1);
        }),
      );
    });
    const { app } = await buildTestApp(t, {
      database: {
        env: { DATABASE_URL: server.url },
        kind: 'postgresql',
        source: 'own cluster',
        drop: async () => {},
      },
      env: { RATE_LIMIT_ADMIN_PER_MINUTE: '0' },
      plugins: [raisedCounter],
    });
    t.comment(`cluster up and app built after ${elapsed()}`);

    for (let i = 0; i < WORKERS; i++)
      await createFlag(app, { key: `w${i}`, environment: ENVIRONMENTS[i % 3] });
    const reader = await mintToken(app, { name: 'reader', scope: 'read' });
    const signIn = await app.inject({ method: 'POST', url: '/api/session', payload: { token: ADMIN_TOKEN } });
    const session = {
      cookie: `flagstone_session=${signIn.cookies[0]!.value}`,
      'x-csrf-token': (signIn.json() as { csrfToken: string }).csrfToken,
    };

    const acknowledged = {
      updates: [] as { flag: string; version: number; description: string }[],
      creates: [] as string[],
      tokens: [] as string[],
    };
    const answers = new Map<string, number>();
    const wrong: string[] = [];
    let requests = 0;
    let unavailable = 0;
    let stop = false;
    /** Successes per operation since the last reset: how recovery is seen. */
    const succeeded = new Map<string, number>();

    async function worker(i: number) {
      const environment = ENVIRONMENTS[i % 3]!;
      let minted = reader.token;
      const ops = operations(i);
      for (let n = 0; !stop && requests < MAX_REQUESTS; n++) {
        const op = ops[n % ops.length]!;
        requests += 1;
        const description = `w${i}-${n}`;
        const payload = op.write
          ? {
              update: { description },
              create: { key: `c${i}-${n}` },
              token: { name: `t${i}-${n}`, scope: 'read' },
            }[op.write]
          : undefined;
        const res = await app.inject({
          method: op.method,
          url: op.url,
          headers: op.session ? session : op.minted ? bearer(minted) : admin,
          ...(payload ? { payload } : {}),
        });
        const code = res.statusCode >= 400 ? (res.json() as { code?: string }).code : undefined;
        const label = [op.name, res.statusCode, code].filter(Boolean).join(' ');
        answers.set(label, (answers.get(label) ?? 0) + 1);
        if (res.statusCode < 300) {
          succeeded.set(op.name, (succeeded.get(op.name) ?? 0) + 1);
          const body = res.json() as { version: number; id: string; token: string };
          if (op.write === 'update') {
            acknowledged.updates.push({ flag: `${environment}/w${i}`, version: body.version, description });
          }
          if (op.write === 'create') acknowledged.creates.push(`${environment}/c${i}-${n}`);
          if (op.write === 'token') {
            acknowledged.tokens.push(body.id);
            minted = body.token;
          }
        } else if (res.statusCode === 503 && code === 'DATABASE_UNAVAILABLE' && res.headers['retry-after']) {
          unavailable += 1;
          // As a client honouring Retry-After would, if more eagerly: keeps the request count bounded.
          await new Promise((r) => setTimeout(r, 20));
        } else {
          wrong.push(
            `${op.method} ${op.url}: ${res.statusCode} retry-after=${res.headers['retry-after']} ${res.body}`,
          );
        }
      }
    }

    const everyOperationSucceeded = async () => operations(0).every(({ name }) => succeeded.has(name));
    const load = Array.from({ length: WORKERS }, (_, i) => worker(i));
    try {
      await within(60_000, everyOperationSucceeded, 20);
      t.comment(`load running, every operation answered, at ${elapsed()}`);
      for (let round = 1; round <= ROUNDS; round++) {
        const before = unavailable;
        await server.crash();
        t.comment(`round ${round}: crashed at ${elapsed()}`);
        await within(30_000, async () => unavailable - before >= ANSWERS_WHILE_DOWN, 20);
        succeeded.clear();
        await server.start();
        t.comment(`round ${round}: started again, recovery done, at ${elapsed()}`);
        const tookMs = await within(60_000, everyOperationSucceeded, 20);
        t.comment(`round ${round}: every operation succeeded again ${Math.round(tookMs)} ms later`);
      }
    } finally {
      stop = true;
      await Promise.all(load);
    }
    t.comment(`${requests} requests, ${unavailable} answered 503 DATABASE_UNAVAILABLE, by ${elapsed()}`);
    t.comment(`answers: ${JSON.stringify(Object.fromEntries([...answers].sort()))}`);
    t.comment(`errors raised: ${JSON.stringify(Object.fromEntries(raised))}`);
    t.same(
      wrong.slice(0, 10),
      [],
      `every answer is a success or a 503 DATABASE_UNAVAILABLE with Retry-After (${wrong.length} were not)`,
    );

    // Every acknowledged write, read straight from the database.
    const db = new pg.Client({ connectionString: server.url });
    await db.connect();
    t.teardown(() => db.end());
    const { rows: audited } = await db.query<{ flag: string; version: number; description: string }>(
      `SELECT environment_key || '/' || flag_key AS flag, version, after->>'description' AS description
       FROM audit_events WHERE action = 'flag.updated'`,
    );
    const inAudit = new Set(audited.map((r) => `${r.flag} ${r.version} ${r.description}`));
    const { rows: flags } = await db.query<{ flag: string; version: number }>(
      `SELECT environment_key || '/' || key AS flag, version FROM flags`,
    );
    const versions = new Map(flags.map((f) => [f.flag, f.version]));
    const { rows: tokens } = await db.query<{ id: string }>('SELECT id FROM api_tokens');
    const tokenIds = new Set(tokens.map((r) => r.id));
    t.comment(
      `acknowledged: ${acknowledged.updates.length} updates, ${acknowledged.creates.length} creates, ${acknowledged.tokens.length} tokens`,
    );
    t.same(
      acknowledged.updates.filter((w) => !inAudit.has(`${w.flag} ${w.version} ${w.description}`)),
      [],
      'every acknowledged update is in the audit, with its version and content',
    );
    t.same(
      acknowledged.updates.filter((w) => (versions.get(w.flag) ?? 0) < w.version),
      [],
      'no flag is older than an update acknowledged on it',
    );
    t.same(
      acknowledged.creates.filter((flag) => !versions.has(flag)),
      [],
      'every acknowledged create is a flag',
    );
    t.same(
      acknowledged.tokens.filter((id) => !tokenIds.has(id)),
      [],
      'every acknowledged token exists',
    );
  },
);
