// Usage against the real database: every read path counts, two instances' counts add up exactly
// after their flushes, the usage API and the flag list report them, stale flags are listed with
// their reasons (days passing simulated by moving the rows' times back), and bad input is a 400.
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import t from 'tap';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { ADMIN_TOKEN, admin, buildListeningApp, buildTestApp, createFlag } from '../helpers/app.ts';
import { createTestDatabase, findPostgres } from '../helpers/database.ts';

const noPostgres =
  !(await findPostgres()) && 'needs PostgreSQL (none at DATABASE_URL, 127.0.0.1:5432 or Docker)';
const MANUAL = { USAGE_FLUSH_SECONDS: '3600' }; // the tests flush when they mean to

type App = Awaited<ReturnType<typeof buildApp>>;

const evaluate = (app: App, key: string, context: Record<string, unknown> = {}) =>
  app.inject({
    method: 'POST',
    url: `/ofrep/v1/evaluate/flags/${key}`,
    headers: admin,
    payload: { context },
  });

/** An evaluation over real HTTP, where the fast path answers. */
function evaluateOverHttp(base: string, key: string, context: Record<string, unknown>) {
  return new Promise<{ status: number; body: { variant?: string } }>((resolve, reject) => {
    const body = JSON.stringify({ context });
    const req = request(
      `${base}/ofrep/v1/evaluate/flags/${key}`,
      {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function readOverHttp(base: string, key: string) {
  return new Promise<number>((resolve, reject) => {
    const req = request(`${base}/api/config/flags/${key}`, { headers: admin }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

async function stored(app: App, key: string) {
  const rows = await app.database.client.$queryRawUnsafe<{ variant: string; count: bigint }[]>(
    `SELECT variant, sum(count)::bigint AS count FROM flag_usage WHERE flag_key = $1 GROUP BY variant`,
    key,
  );
  return Object.fromEntries(rows.map((row) => [row.variant, Number(row.count)]));
}

const SPLIT = {
  key: 'checkout',
  type: 'string',
  enabled: true,
  variants: { blue: 'blue', green: 'green' },
  defaultVariant: 'blue',
  rules: [
    {
      split: [
        { variant: 'blue', weight: 50 },
        { variant: 'green', weight: 50 },
      ],
    },
  ],
};

t.test(
  'a burst over two instances on one database is counted exactly, per variant',
  { skip: noPostgres },
  async (t) => {
    const { app: a, db } = await buildTestApp(t, { env: MANUAL });
    const { app: b, base } = await buildListeningApp(t, { env: MANUAL, database: db });
    await createFlag(a, SPLIT);
    await createFlag(a, { key: 'plain', enabled: true, defaultVariant: null });

    const expected: Record<string, number> = {};
    const tally = (variant: string | undefined) => {
      const name = variant ?? '(default)';
      expected[name] = (expected[name] ?? 0) + 1;
    };
    // On a: the route (inject); on b: the fast path over HTTP. All at once.
    await b.flags.follow('development'); // b holds the snapshot, so the fast path answers
    const burst = (from: number, count: number) =>
      Promise.all([
        ...Array.from({ length: count }, async (_, i) => {
          const res = await evaluate(a, 'checkout', { targetingKey: `user-${from + i}` });
          t.equal(res.statusCode, 200);
          tally(res.json().variant);
        }),
        ...Array.from({ length: count }, async (_, i) => {
          const res = await evaluateOverHttp(base, 'checkout', { targetingKey: `user-${from + i}` });
          t.equal(res.status, 200);
          tally(res.body.variant);
        }),
      ]);
    await burst(0, 120);
    const bulk = await b.inject({
      method: 'POST',
      url: '/ofrep/v1/evaluate/flags',
      headers: admin,
      payload: { context: { targetingKey: 'bulk-user' } },
    });
    t.equal(bulk.statusCode, 200);
    const bulkVariant = bulk.json().flags.find((f: { key: string }) => f.key === 'checkout').variant;
    tally(bulkVariant);
    // The same bulk again with its ETag: a 304, and still an evaluation the client goes on using.
    const again = await b.inject({
      method: 'POST',
      url: '/ofrep/v1/evaluate/flags',
      headers: { ...admin, 'if-none-match': bulk.headers.etag as string },
      payload: { context: { targetingKey: 'bulk-user' } },
    });
    t.equal(again.statusCode, 304);
    tally(bulkVariant);
    t.ok(expected.blue && expected.green, 'both variants were served');

    // A variant-less answer, and reads of the flag through the read API (route and fast path).
    for (let i = 0; i < 3; i++) t.equal((await evaluate(a, 'plain')).json().reason, 'STATIC');
    t.equal((await a.inject({ url: '/api/config/flags/plain', headers: admin })).statusCode, 200);
    t.equal(await readOverHttp(base, 'plain'), 200);
    t.equal(await readOverHttp(base, 'plain'), 200);
    // Not counted: the playground, a flag that does not exist.
    await a.inject({
      method: 'POST',
      url: '/api/admin/flags/checkout/evaluate',
      headers: admin,
      payload: {},
    });
    t.equal((await evaluate(a, 'missing')).statusCode, 404);

    t.same(await stored(a, 'checkout'), {}, 'nothing is written before a flush');
    // An hour past the retention (400 days), which the first flush deletes.
    await a.database.client.$executeRaw`
    INSERT INTO flag_usage (environment_key, flag_key, bucket, variant, count)
    VALUES ('development', 'checkout', (now() AT TIME ZONE 'UTC') - interval '401 days', 'ancient', 1)`;
    // Both flush while another burst is under way: every evaluation lands in one flush or the next.
    const [fa, fb] = await Promise.all([a.usage.flush(), b.usage.flush(), burst(1000, 60)]);
    t.notOk(fa!.failed || fb!.failed);
    const [ga, gb] = await Promise.all([a.usage.flush(), b.usage.flush()]);
    t.notOk(ga!.failed || gb!.failed);
    t.same(
      await stored(a, 'checkout'),
      expected,
      'each instance counted its own; the sum is exact (the old hour gone)',
    );
    // Three single evaluations and the two bulk ones, which evaluate every flag.
    t.same(await stored(a, 'plain'), { '(default)': 5, '(read)': 3 });
    t.same(await stored(a, 'missing'), {});
    t.same((await a.usage.flush()).rows, 0, 'a flush with nothing counted writes nothing');

    // Counted again, flushed again: added to the same hour's rows.
    const more = await evaluate(b, 'checkout', { targetingKey: 'user-0' });
    tally(more.json().variant);
    await b.usage.flush();
    t.same(await stored(a, 'checkout'), expected, 'added to what was stored');

    const usage = await a.inject({ url: '/api/admin/flags/checkout/usage', headers: admin });
    t.equal(usage.statusCode, 200);
    const body = usage.json();
    t.equal(body.total, expected.blue! + expected.green!);
    t.same(
      Object.fromEntries(body.variants.map((v: { variant: string; count: number }) => [v.variant, v.count])),
      expected,
    );
    t.ok(Date.now() - Date.parse(body.lastEvaluatedAt) < 600_000, 'last evaluated: just now');
    t.equal(body.granularity, 'hour');
    t.equal(body.series.length, 24 * 7 + 1, 'every hour of the last 7 days, this one included');
    t.equal(body.series.at(-1).count, body.total, 'all of it in this hour');

    const daily = await a.inject({ url: '/api/admin/flags/checkout/usage?granularity=day', headers: admin });
    t.equal(daily.json().series.at(-1).count, body.total);

    const list = await a.inject({ url: '/api/admin/flags', headers: admin });
    const byKey = Object.fromEntries(
      list
        .json()
        .flags.map((f: { key: string; lastEvaluatedAt: string | null }) => [f.key, f.lastEvaluatedAt]),
    );
    t.equal(byKey.checkout, body.lastEvaluatedAt, 'the list carries the last evaluation');
    t.ok(byKey.plain);
  },
);

t.test('with counting off nothing is counted', { skip: noPostgres }, async (t) => {
  const { app, base } = await buildListeningApp(t, { env: { ...MANUAL, USAGE_COUNTING: 'false' } });
  await createFlag(app, { key: 'quiet', enabled: true });
  await app.flags.follow('development');
  t.equal((await evaluate(app, 'quiet')).statusCode, 200);
  t.equal((await evaluateOverHttp(base, 'quiet', {})).status, 200);
  t.equal(await readOverHttp(base, 'quiet'), 200);
  t.same(await app.usage.flush(), { rows: 0, failed: false, dropped: 0 });
  t.same(await stored(app, 'quiet'), {});
  const usage = await app.inject({ url: '/api/admin/flags/quiet/usage', headers: admin });
  t.equal(usage.json().total, 0);
  t.equal(usage.json().lastEvaluatedAt, null);
});

t.test('the last counts are saved when the app closes', { skip: noPostgres }, async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const config = loadConfig({ LOG_LEVEL: 'silent', ADMIN_TOKEN, MAX_EVENT_LOOP_DELAY_MS: '0', ...db.env });
  const app = await buildApp(config);
  await createFlag(app, { key: 'closing', enabled: true });
  for (let i = 0; i < 5; i++) await evaluate(app, 'closing');
  await app.close();
  const client = new pg.Client({ connectionString: db.env.DATABASE_URL! });
  await client.connect();
  t.teardown(() => client.end());
  const { rows } = await client.query(
    `SELECT variant, count::int FROM flag_usage WHERE flag_key = 'closing'`,
  );
  t.same(rows, [{ variant: 'on', count: 5 }]);
});

t.test('stale flags are listed with their reasons', { skip: noPostgres }, async (t) => {
  const { app } = await buildTestApp(t, { env: MANUAL });
  const sql = (text: string, ...params: unknown[]) => app.database.client.$executeRawUnsafe(text, ...params);
  // never evaluated, created 40 days ago (and on without rules, unchanged as long)
  await createFlag(app, { key: 'forgotten', enabled: true });
  // evaluated lately, but off and unchanged for 40 days
  await createFlag(app, { key: 'off-long', enabled: false });
  // targeting rules, but every evaluation got one variant for 40 days
  await createFlag(app, {
    key: 'one-answer',
    enabled: true,
    rules: [{ conditions: [{ attribute: 'plan', operator: 'equals', value: 'beta' }], variant: 'on' }],
  });
  // targeting rules serving both variants lately: in use, not stale
  await createFlag(app, {
    key: 'busy',
    enabled: true,
    rules: [{ conditions: [{ attribute: 'plan', operator: 'equals', value: 'beta' }], variant: 'off' }],
  });
  // new and never evaluated: not stale yet
  await createFlag(app, { key: 'fresh', enabled: true });

  for (const key of ['off-long', 'one-answer']) await evaluate(app, key, { plan: 'free' });
  await evaluate(app, 'busy', { plan: 'free' });
  await evaluate(app, 'busy', { plan: 'beta' });
  await app.usage.flush();

  const days = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
  await sql(
    `UPDATE flags SET created_at = $1::timestamp(3), updated_at = $1::timestamp(3) WHERE key IN ('forgotten', 'off-long', 'one-answer', 'busy')`,
    days(40),
  );
  await sql(`UPDATE flag_activity SET only_variant_since = $1::timestamp(3)`, days(40));

  const res = await app.inject({ url: '/api/admin/flags?stale=true', headers: admin });
  t.equal(res.statusCode, 200);
  const stale = Object.fromEntries(
    res
      .json()
      .flags.map((f: { key: string; stale: { code: string; message: string }[] }) => [
        f.key,
        f.stale.map((r) => `${r.code}: ${r.message}`),
      ]),
  );
  t.same(
    Object.keys(stale),
    ['forgotten', 'off-long', 'one-answer'],
    'in key order; busy and fresh are not stale',
  );
  t.match(stale.forgotten, [
    /^unevaluated: Never evaluated since it was created 40 days ago/,
    /^unchanged: On without rules and unchanged for 40 days/,
  ]);
  t.match(stale['off-long'], [/^unchanged: Off and unchanged for 40 days/]);
  t.match(stale['one-answer'], [/^unchanged: Served only 'on' for 40 days, its rules unchanged for 40 days/]);
  t.equal(res.json().nextCursor, null);
  t.ok(
    res
      .json()
      .flags.every(
        (f: { lastEvaluatedAt: unknown; enabled: unknown }) => 'lastEvaluatedAt' in f && 'enabled' in f,
      ),
  );

  // Evaluated long ago: the unevaluated reason names the day.
  await sql(
    `UPDATE flag_activity SET last_evaluated_at = $1::timestamp(3) WHERE flag_key = 'busy'`,
    days(35),
  );
  const pages: string[][] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const url: string = `/api/admin/flags?stale=true&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
    const page: { flags: { key: string; stale: unknown }[]; nextCursor: string | null } = (
      await app.inject({ url, headers: admin })
    ).json();
    pages.push(page.flags.map((f: { key: string }) => f.key));
    if (pages.length === 1) {
      t.match(page.flags[0]?.stale, [
        { code: 'unevaluated', message: /^Not evaluated for 35 days \(last on \d{4}-\d\d-\d\d\)/ },
      ]);
    }
    cursor = page.nextCursor;
  }
  t.same(
    pages,
    [['busy', 'forgotten'], ['off-long', 'one-answer'], []],
    'pages of at most limit, in key order',
  );

  // A change makes it new again.
  await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/off-long',
    headers: admin,
    payload: { description: 'kept' },
  });
  const after = await app.inject({ url: '/api/admin/flags?stale=true', headers: admin });
  t.notOk(
    after.json().flags.some((f: { key: string }) => f.key === 'off-long'),
    'changed today: not stale',
  );
});

t.test('bad usage and stale queries are refused with 4xx', { skip: noPostgres }, async (t) => {
  const { app } = await buildTestApp(t, { env: MANUAL });
  await createFlag(app, { key: 'known' });
  const cases: [string, number, RegExp][] = [
    [
      '/api/admin/flags/known/usage?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      400,
      /must be before 'to'/,
    ],
    [
      '/api/admin/flags/known/usage?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      400,
      /at most 31 days/,
    ],
    ['/api/admin/flags/known/usage?granularity=week', 400, /granularity/],
    ['/api/admin/flags/known/usage?from=yesterday', 400, /from/],
    [
      '/api/admin/flags/known/usage?to=2026-12-31T23:59:60Z',
      400,
      /to 2026-12-31T23:59:60Z is not a time usage/,
    ],
    [
      '/api/admin/flags/known/usage?from=0000-06-01T00:00:00Z',
      400,
      /from 0000-06-01T00:00:00Z is not a time/,
    ],
    ['/api/admin/flags/known/usage?extra=1', 400, /extra/],
    ['/api/admin/flags/unknown/usage', 404, /unknown/],
    ['/api/admin/flags/known/usage?environment=nowhere', 404, /nowhere/],
    ['/api/admin/flags?stale=maybe', 400, /stale/],
    ['/api/admin/flags?stale=true&archived=true', 400, /drop archived=true and q/],
    ['/api/admin/flags?stale=true&q=kno', 400, /drop archived=true and q/],
    ['/api/admin/flags?stale=true&environment=nowhere', 404, /nowhere/],
  ];
  for (const [url, status, message] of cases) {
    const res = await app.inject({ url, headers: admin });
    t.equal(res.statusCode, status, url);
    t.match(res.json().message, message, url);
  }
  const unauthenticated = await app.inject({ url: '/api/admin/flags/known/usage' });
  t.equal(unauthenticated.statusCode, 401);
});

t.test('on the embedded database (make start) too: counted, flushed, reported, judged', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flagstone-usage-'));
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN,
    MAX_EVENT_LOOP_DELAY_MS: '0',
    DATA_DIR: dir,
    ...MANUAL,
  });
  const app = await buildApp(config);
  t.teardown(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });
  await createFlag(app, SPLIT);
  await createFlag(app, { key: 'other' });
  for (let i = 0; i < 4; i++) await evaluate(app, 'checkout', { targetingKey: `user-${i}` });
  await app.inject({ method: 'POST', url: '/ofrep/v1/evaluate/flags', headers: admin, payload: {} });
  t.match(await app.usage.flush(), { failed: false, dropped: 0 });
  const usage = (await app.inject({ url: '/api/admin/flags/checkout/usage', headers: admin })).json();
  t.equal(usage.total, 5);
  t.ok(usage.lastEvaluatedAt);
  const list = (await app.inject({ url: '/api/admin/flags', headers: admin })).json();
  t.ok(list.flags.every((f: { lastEvaluatedAt: string | null }) => f.lastEvaluatedAt !== null));
  await app.database.client.$executeRawUnsafe(
    `UPDATE flags SET updated_at = updated_at - interval '40 days' WHERE key = 'other'`,
  );
  const stale = (await app.inject({ url: '/api/admin/flags?stale=true', headers: admin })).json();
  t.match(stale.flags, [
    { key: 'other', stale: [{ code: 'unchanged', message: /^Off and unchanged for 40 days/ }] },
  ]);
});
