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
/** At most this many requests in all, however slow the host. */
const MAX_REQUESTS = 40_000;
/** Answers while the server is down before it is started again: enough to have exercised it. */
const ANSWERS_WHILE_DOWN = 30;
const ENVIRONMENTS = ['development', 'staging', 'production'];

interface Write {
  environment: string;
  key: string;
  version: number;
  description: string;
}

t.test(
  'PostgreSQL crashed and restarted under writes and reads: 503 DATABASE_UNAVAILABLE, never a 500, no acknowledged write lost',
  { skip: await ownPostgresMissing() },
  async (t) => {
    const started = performance.now();
    const elapsed = () => `${Math.round(performance.now() - started)} ms`;
    const server = await ownPostgres(t);
    // What the failures looked like as they reached the error handler, for the test output.
    const shapes = new Map<string, number>();
    const shapeCounter = fp(async (app) => {
      app.addHook(
        'onError',
        reproduced('counting error shapes', async (_request: unknown, _reply: unknown, err: Error) => {
          const e = err as Error & {
            code?: string;
            meta?: { driverAdapterError?: { cause?: { originalCode?: string } } };
          };
          const shape = [e.code ?? err.message, e.meta?.driverAdapterError?.cause?.originalCode]
            .filter(Boolean)
            .join(' ');
          shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
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
      plugins: [shapeCounter],
    });
    t.comment(`cluster up and app built after ${elapsed()}`);

    for (let i = 0; i < WORKERS; i++)
      await createFlag(app, { key: `w${i}`, environment: ENVIRONMENTS[i % 3] });
    const reader = await mintToken(app, { name: 'reader', scope: 'read' });
    const signIn = await app.inject({ method: 'POST', url: '/api/session', payload: { token: ADMIN_TOKEN } });
    const session = {
      cookie: `flagstone_session=${signIn.cookies[0]!.value}`,
      'x-csrf-token': signIn.json().csrfToken as string,
    };

    const acknowledged = { updates: [] as Write[], creates: [] as Write[], tokens: [] as string[] };
    const tally = new Map<string, number>();
    const bad: string[] = [];
    let requests = 0;
    let unavailable = 0;
    let stop = false;
    /** Per operation, the requests it has succeeded since; reset to watch for recovery. */
    const succeeded = new Map<string, number>();

    const operations = (i: number) => {
      const environment = ENVIRONMENTS[i % 3]!;
      const env = `environment=${environment}`;
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
        { name: 'token read', method: 'GET', url: `/api/config/flags/w${i}?${env}`, reader: true },
      ].map((op) => ({ ...op, environment }));
    };

    async function worker(i: number) {
      const ops = operations(i);
      for (let n = 0; !stop && requests < MAX_REQUESTS; n++) {
        const op = ops[n % ops.length]!;
        requests += 1;
        const description = `w${i}-${n}`;
        const key = `c${i}-${n}`;
        const payload =
          op.write === 'update'
            ? { description }
            : op.write === 'create'
              ? { key }
              : op.write === 'token'
                ? { name: `t${i}-${n}`, scope: 'read' }
                : undefined;
        const res = await app.inject({
          method: op.method as 'GET',
          url: op.url,
          headers: op.session ? session : op.reader ? bearer(reader.token) : admin,
          ...(payload ? { payload } : {}),
        });
        const code = res.statusCode >= 400 ? (res.json() as { code?: string }).code : '';
        const label = `${op.name} ${res.statusCode} ${code ?? ''}`.trim();
        tally.set(label, (tally.get(label) ?? 0) + 1);
        if (res.statusCode < 300) {
          succeeded.set(op.name, (succeeded.get(op.name) ?? 0) + 1);
          if (op.write === 'update') {
            const { version } = res.json() as { version: number };
            acknowledged.updates.push({ environment: op.environment, key: `w${i}`, version, description });
          }
          if (op.write === 'create')
            acknowledged.creates.push({ environment: op.environment, key, version: 1, description: '' });
          if (op.write === 'token') acknowledged.tokens.push((res.json() as { id: string }).id);
        } else if (res.statusCode === 503 && code === 'DATABASE_UNAVAILABLE' && res.headers['retry-after']) {
          unavailable += 1;
          // As a client honouring Retry-After would, if more eagerly: it keeps the request count bounded.
          await new Promise((r) => setTimeout(r, 20));
        } else {
          bad.push(
            `${op.method} ${op.url}: ${res.statusCode} retry-after=${res.headers['retry-after']} ${res.body}`,
          );
        }
      }
    }

    const everyOperationSucceeds = async () =>
      operations(0).every(({ name }) => (succeeded.get(name) ?? 0) > 0);
    const load = Array.from({ length: WORKERS }, (_, i) => worker(i));
    try {
      await within(60_000, everyOperationSucceeds, 20);
      t.comment(`load running, every operation answered, after ${elapsed()}`);
      for (let round = 1; round <= ROUNDS; round++) {
        const before = unavailable;
        await server.crash();
        t.comment(`round ${round}: crashed at ${elapsed()}`);
        await within(30_000, async () => unavailable - before >= ANSWERS_WHILE_DOWN, 20);
        succeeded.clear();
        await server.start();
        t.comment(`round ${round}: started again (recovery done) at ${elapsed()}`);
        const tookMs = await within(60_000, everyOperationSucceeds, 20);
        t.comment(`round ${round}: every operation succeeded again ${Math.round(tookMs)} ms later`);
      }
    } finally {
      stop = true;
      await Promise.all(load);
    }
    t.comment(
      `${requests} requests, ${unavailable} answered 503 DATABASE_UNAVAILABLE; load stopped at ${elapsed()}`,
    );
    t.comment(`answers: ${JSON.stringify(Object.fromEntries([...tally].sort()))}`);
    t.comment(`failures as raised: ${JSON.stringify(Object.fromEntries(shapes))}`);

    t.same(bad.slice(0, 10), [], 'every answer is a success or a 503 DATABASE_UNAVAILABLE with Retry-After');
    t.ok(unavailable >= ROUNDS * ANSWERS_WHILE_DOWN, 'the outage was met by requests');
    t.ok(requests < MAX_REQUESTS, 'within the request budget');

    // Every acknowledged write, read straight from the database.
    const db = new pg.Client({ connectionString: server.url });
    await db.connect();
    t.teardown(() => db.end());
    const { rows: audited } = await db.query<{
      environment_key: string;
      flag_key: string;
      version: number;
      description: string;
    }>(
      `SELECT environment_key, flag_key, version, after->>'description' AS description
       FROM audit_events WHERE action = 'flag.updated'`,
    );
    const inAudit = new Set(
      audited.map((r) => `${r.environment_key}/${r.flag_key}/${r.version}/${r.description}`),
    );
    const lostUpdates = acknowledged.updates.filter(
      (w) => !inAudit.has(`${w.environment}/${w.key}/${w.version}/${w.description}`),
    );
    const { rows: flags } = await db.query<{ environment_key: string; key: string; version: number }>(
      'SELECT environment_key, key, version FROM flags',
    );
    const flagVersions = new Map(flags.map((f) => [`${f.environment_key}/${f.key}`, f.version]));
    const behind = acknowledged.updates.filter(
      (w) => (flagVersions.get(`${w.environment}/${w.key}`) ?? 0) < w.version,
    );
    const lostCreates = acknowledged.creates.filter((w) => !flagVersions.has(`${w.environment}/${w.key}`));
    const { rows: tokens } = await db.query<{ id: string }>('SELECT id FROM api_tokens');
    const tokenIds = new Set(tokens.map((r) => r.id));
    const lostTokens = acknowledged.tokens.filter((id) => !tokenIds.has(id));
    t.comment(
      `acknowledged: ${acknowledged.updates.length} updates, ${acknowledged.creates.length} creates, ${acknowledged.tokens.length} tokens`,
    );
    t.same(lostUpdates, [], 'every acknowledged update is in the audit, with its version');
    t.same(behind, [], 'no flag is older than an update acknowledged on it');
    t.same(lostCreates, [], 'every acknowledged create is a flag');
    t.same(lostTokens, [], 'every acknowledged token exists');
  },
);
