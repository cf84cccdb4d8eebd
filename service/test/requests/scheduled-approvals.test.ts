// An approval with a time, over the real app and PostgreSQL: the request waits as `scheduled` and
// changes nothing; at its time it is applied once, by whichever of three instances claims it
// first, or found stale with the reason when what it was made against changed; rejecting it
// before then cancels it; a time that is not in the future is refused.
import t, { type Test } from 'tap';
import { admin, buildTestApp, createFlag, createSegment, personSession, within } from '../helpers/app.ts';
import { findRedis, NO_REDIS, testPrefix } from '../helpers/redis.ts';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];
type Headers = Record<string, string>;

const redisUrl = await findRedis();
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

const call = (
  app: App,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  headers: Headers,
  payload?: object,
) => app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

const protect = async (app: App, value = true) =>
  (await call(app, 'PATCH', '/api/admin/environments/production', admin, { protected: value })).json();

/** Ada proposes `body` for flag `key` in production: the request. */
const propose = async (app: App, ada: Headers, key: string, body: object) => {
  const res = await call(app, 'PATCH', `/api/admin/flags/${key}?environment=production`, ada, body);
  if (res.statusCode !== 202) throw new Error(`not proposed: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string };
};

const approve = (app: App, id: string, headers: Headers, body: object) =>
  call(app, 'POST', `/api/admin/change-requests/${id}/approve`, headers, body);

const request = async (app: App, id: string) =>
  (
    (await call(app, 'GET', '/api/admin/change-requests?environment=production', admin)).json()
      .changeRequests as { id: string; state: string; reason: string | null; applyAt: string | null }[]
  ).find((r) => r.id === id);

const flag = async (app: App, key: string) =>
  (await call(app, 'GET', `/api/admin/flags/${key}?environment=production`, admin)).json();

/** As if the time had come: every scheduled request is due. */
const comeDue = (app: App) =>
  app.database.client.$executeRaw`
    UPDATE change_requests SET apply_at = (now() AT TIME ZONE 'UTC') - interval '1 second'
    WHERE state = 'scheduled'`;

async function setup(t: Test) {
  const { app } = await buildTestApp(t);
  await createFlag(app, { key: 'checkout', type: 'boolean', defaultValue: false, environment: 'production' });
  await protect(app);
  const ada = await personSession(app, 'ada', 'Ada Lovelace');
  const grace = await personSession(app, 'grace', 'Grace Hopper');
  return { app, ada, grace };
}

t.test('approved for a time: nothing changes until then; then it is applied, by the poll', async (t) => {
  const { app, ada, grace } = await setup(t);
  const { id } = await propose(app, ada, 'checkout', { enabled: true });
  const applyAt = inAnHour();
  const scheduled = await approve(app, id, grace, { comment: 'at nine', applyAt });
  t.equal(scheduled.statusCode, 200, scheduled.body);
  t.match(scheduled.json(), {
    state: 'scheduled',
    applyAt: new Date(applyAt).toISOString(),
    decidedBy: { kind: 'person', name: 'Grace Hopper' },
    comment: 'at nine',
    reason: null,
  });
  t.match(await flag(app, 'checkout'), { enabled: false, version: 1 }, 'nothing applied yet');
  t.equal(await app.changeRequests.applyDue(), 0, 'nothing is due');
  t.equal((await approve(app, id, grace, {})).json().code, 'CHANGE_REQUEST_DECIDED', 'approved once');

  await comeDue(app);
  // The instance's own poll (every second) finds it.
  const took = await within(20_000, async () => (await request(app, id))?.state === 'approved', 50);
  t.comment(`applied by the poll within ${Math.round(took)} ms`);
  t.match(await flag(app, 'checkout'), { enabled: true, version: 2 });
  const history = (
    await call(app, 'GET', '/api/admin/flags/checkout/history?environment=production', admin)
  ).json().events as { action: string; by: { kind: string; name: string } }[];
  t.match(
    history.slice(0, 4),
    [
      {
        action: 'flag.updated',
        by: {
          kind: 'person',
          name: /^Grace Hopper \(change request .* proposed by Ada Lovelace, approved for /,
        },
      },
      { action: 'request.approved', by: { kind: 'person', name: 'Grace Hopper' } },
      { action: 'request.scheduled', by: { kind: 'person', name: 'Grace Hopper' } },
      { action: 'request.created', by: { kind: 'person', name: 'Ada Lovelace' } },
    ],
    'the record names the proposer, the approver and the time',
  );
});

t.test('a time that is not in the future, or not a time, is refused and changes nothing', async (t) => {
  const { app, ada, grace } = await setup(t);
  const { id } = await propose(app, ada, 'checkout', { enabled: true });
  const past = await approve(app, id, grace, { applyAt: '2020-01-01T09:00:00Z' });
  t.equal(past.statusCode, 400);
  t.match(past.json(), {
    code: 'VALIDATION_ERROR',
    message: /not in the future.*approve it without applyAt/,
  });
  const garbage = await approve(app, id, grace, { applyAt: 'tomorrow at nine' });
  t.equal(garbage.statusCode, 400);
  t.match(garbage.json(), { code: 'VALIDATION_ERROR', message: /applyAt/ });
  t.match(await request(app, id), { state: 'open', applyAt: null }, 'still open');
  const own = await approve(app, id, ada, { applyAt: inAnHour() });
  t.equal(own.json().code, 'OWN_CHANGE_REQUEST', 'a proposer cannot schedule their own either');
});

t.test('rejecting a scheduled request cancels it; the proposer cannot', async (t) => {
  const { app, ada, grace } = await setup(t);
  const { id } = await propose(app, ada, 'checkout', { enabled: true });
  t.equal((await approve(app, id, grace, { applyAt: inAnHour() })).statusCode, 200);
  const byProposer = await call(app, 'POST', `/api/admin/change-requests/${id}/reject`, ada, {
    comment: 'no',
  });
  t.equal(byProposer.json().code, 'OWN_CHANGE_REQUEST');
  const cancelled = await call(app, 'POST', `/api/admin/change-requests/${id}/reject`, grace, {
    comment: 'not this week',
  });
  t.equal(cancelled.statusCode, 200, cancelled.body);
  t.match(cancelled.json(), { state: 'rejected', comment: 'not this week' });
  await comeDue(app);
  await app.database.client.$executeRaw`
    UPDATE change_requests SET apply_at = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE id = ${id}::uuid`;
  t.equal(await app.changeRequests.applyDue(), 0, 'a rejected request is never due');
  t.match(await flag(app, 'checkout'), { enabled: false, version: 1 });
});

t.test('what it was made against changed: stale at approval, or at its time, with the reason', async (t) => {
  const { app, ada, grace } = await setup(t);
  const first = await propose(app, ada, 'checkout', { enabled: true });
  const second = await propose(app, ada, 'checkout', { description: 'new checkout' });
  t.equal((await approve(app, first.id, grace, { applyAt: inAnHour() })).statusCode, 200);
  t.equal((await approve(app, second.id, grace, { applyAt: inAnHour() })).statusCode, 200);
  // An unprotected moment: the flag is changed directly, so both were made against an old version.
  await protect(app, false);
  t.equal(
    (
      await call(app, 'PATCH', '/api/admin/flags/checkout?environment=production', admin, {
        description: 'x',
      })
    ).statusCode,
    200,
  );
  await protect(app, true);
  await comeDue(app);
  t.equal(await app.changeRequests.applyDue(), 2);
  for (const { id } of [first, second]) {
    t.match(await request(app, id), {
      state: 'stale',
      reason: /flag 'checkout' \(proposed against version 1, now version 2\) changed since it was proposed/,
    });
  }
  t.match(await flag(app, 'checkout'), { enabled: false, description: 'x', version: 2 }, 'neither applied');

  const third = await propose(app, ada, 'checkout', { enabled: true });
  await protect(app, false);
  await call(app, 'PATCH', '/api/admin/flags/checkout?environment=production', admin, { description: 'y' });
  await protect(app, true);
  const late = await approve(app, third.id, grace, { applyAt: inAnHour() });
  t.equal(late.statusCode, 409);
  t.match(late.json(), { code: 'CHANGE_REQUEST_STALE' });
  t.match(await request(app, third.id), { state: 'stale', applyAt: null });
});

t.test('a change the environment no longer accepts at its time is stale, saying why', async (t) => {
  const { app, ada, grace } = await setup(t);
  await protect(app, false);
  await createSegment(app, { key: 'beta', environment: 'production', conditions: [] });
  await protect(app, true);
  const deletion = await call(app, 'DELETE', '/api/admin/segments/beta?environment=production', ada);
  t.equal(deletion.statusCode, 202, deletion.body);
  t.equal((await approve(app, deletion.json().id, grace, { applyAt: inAnHour() })).statusCode, 200);
  // Before its time, a rule comes to use the segment (the flag changes, the segment does not).
  await protect(app, false);
  const rule = { description: 'beta', segments: ['beta'], variant: 'on' };
  const patched = await call(app, 'PATCH', '/api/admin/flags/checkout?environment=production', admin, {
    rules: [rule],
  });
  t.equal(patched.statusCode, 200, patched.body);
  await protect(app, true);
  await comeDue(app);
  t.equal(await app.changeRequests.applyDue(), 1);
  t.match(await request(app, deletion.json().id), {
    state: 'stale',
    reason: /checkout.*It was approved for .*, but not applied; propose a corrected change\./s,
  });
  const segment = await call(app, 'GET', '/api/admin/segments/beta?environment=production', admin);
  t.equal(segment.statusCode, 200, 'the segment is still there');
});

t.test(
  'three instances: a request approved for a time is applied exactly once',
  { skip: !redisUrl && NO_REDIS },
  async (t) => {
    const env = { REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: testPrefix(t, redisUrl!), L1_TTL_MS: '60000' };
    const { app: a, db } = await buildTestApp(t, { env });
    if (db.kind !== 'postgresql') {
      t.comment('skipped: needs PostgreSQL, which the instances share');
      return;
    }
    const { app: b } = await buildTestApp(t, { env, database: db });
    const { app: c } = await buildTestApp(t, { env, database: db });
    const keys = Array.from({ length: 6 }, (_, i) => `race-${i}`);
    for (const key of keys) await createFlag(a, { key, environment: 'production' });
    await protect(a);
    const ada = await personSession(a, 'ada', 'Ada Lovelace');
    const grace = await personSession(b, 'grace', 'Grace Hopper');
    for (const key of keys) {
      const { id } = await propose(a, ada, key, { enabled: true });
      t.equal((await approve(b, id, grace, { applyAt: inAnHour() })).statusCode, 200);
    }
    await comeDue(a);
    // Every instance's poll and a direct call race for them.
    const direct = await Promise.all([a, b, c].map((app) => app.changeRequests.applyDue()));
    await within(
      20_000,
      async () => {
        const [row] = await a.database.client.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM change_requests WHERE state = 'scheduled'`;
        return row?.n === 0;
      },
      50,
    );
    t.ok(direct.reduce((sum, n) => sum + n, 0) <= keys.length, 'no request counted twice');
    const rows = await a.database.client.$queryRaw<{ flag_key: string; action: string; n: number }[]>`
      SELECT flag_key, action, count(*)::int AS n FROM audit_events
      WHERE flag_key LIKE 'race-%' AND action IN ('flag.updated', 'request.approved', 'request.stale')
      GROUP BY flag_key, action ORDER BY flag_key, action`;
    t.same(
      rows,
      keys.flatMap((key) => [
        { flag_key: key, action: 'flag.updated', n: 1 },
        { flag_key: key, action: 'request.approved', n: 1 },
      ]),
      'one update and one approval per request',
    );
    for (const app of [a, b, c]) {
      await within(10_000, async () => {
        for (const key of keys) {
          const res = await app.inject({
            url: `/api/config/flags/${key}?environment=production`,
            headers: admin,
          });
          if (res.json().enabled !== true) return false;
        }
        return true;
      });
    }
  },
);
