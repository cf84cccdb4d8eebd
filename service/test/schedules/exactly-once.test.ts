// A scheduled change is applied once however many instances poll for it, and still applied when
// the instance that claimed it dies holding the claim: its lease lapses and another takes it.
import pg from 'pg';
import t from 'tap';
import { ADMIN_TOKEN, admin, buildTestApp, createFlag, within } from '../helpers/app.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { findRedis, NO_REDIS, testPrefix } from '../helpers/redis.ts';
import { type Running, startServer, stopServer } from '../helpers/server-process.ts';

const redisUrl = await findRedis();

t.test(
  'three instances apply each of many due changes exactly once',
  { skip: !redisUrl && NO_REDIS },
  async (t) => {
    const env = { REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: testPrefix(t, redisUrl!), L1_TTL_MS: '60000' };
    const { app: a, db } = await buildTestApp(t, { env });
    const { app: b } = await buildTestApp(t, { env, database: db });
    const { app: c } = await buildTestApp(t, { env, database: db });
    const keys = Array.from({ length: 8 }, (_, i) => `race-${i}`);
    for (const key of keys) await createFlag(a, { key });
    // Every instance holds the flags, so each must hear of the change.
    for (const app of [a, b, c]) {
      for (const key of keys) await app.inject({ url: `/api/config/flags/${key}`, headers: admin });
    }
    const applyAt = new Date(Date.now() + 3_600_000).toISOString();
    const ids: string[] = [];
    for (const [i, key] of keys.entries()) {
      const res = await [a, b, c][i % 3]!.inject({
        method: 'POST',
        url: '/api/admin/scheduled-changes',
        headers: admin,
        payload: { flag: key, change: { enabled: true }, applyAt },
      });
      t.equal(res.statusCode, 201);
      ids.push(res.json().id);
    }
    // All due at the same moment, as if the hour had passed: every instance's next poll finds them.
    await a.database.client.$executeRaw`
    UPDATE scheduled_changes SET apply_at = (now() AT TIME ZONE 'UTC') - interval '1 second'`;
    const list = async () =>
      (await a.inject({ url: '/api/admin/scheduled-changes', headers: admin })).json().scheduledChanges as {
        id: string;
        state: string;
      }[];
    await within(30_000, async () => (await list()).every((s) => s.state === 'applied'), 50);
    t.same((await list()).map((s) => s.id).sort(), [...ids].sort(), 'every change listed, applied');

    const rows = await a.database.client.$queryRaw<{ flag_key: string; action: string; n: number }[]>`
    SELECT flag_key, action, count(*)::int AS n FROM audit_events
    WHERE flag_key LIKE 'race-%' AND action IN ('flag.updated', 'schedule.applied', 'schedule.skipped')
    GROUP BY flag_key, action ORDER BY flag_key, action`;
    t.same(
      rows,
      keys.flatMap((key) => [
        { flag_key: key, action: 'flag.updated', n: 1 },
        { flag_key: key, action: 'schedule.applied', n: 1 },
      ]),
      'one update and one applied event per change',
    );
    for (const key of keys) {
      const flag = (await a.inject({ url: `/api/admin/flags/${key}`, headers: admin })).json();
      t.match(flag, { enabled: true, version: 2 }, `${key} at version 2`);
    }
    // The caches of all three follow, as after a PATCH.
    for (const app of [a, b, c]) {
      await within(10_000, async () => {
        for (const key of keys) {
          const res = await app.inject({ url: `/api/config/flags/${key}`, headers: admin });
          if (res.json().enabled !== true) return false;
        }
        return true;
      });
    }
  },
);

t.test('the instance holding the claim is killed; another applies the change once', async (t) => {
  const db = await createTestDatabase();
  const servers: Running[] = [];
  const clients: pg.Client[] = [];
  // Servers first, then our connections, then the database they all used.
  t.teardown(async () => {
    await Promise.all(
      servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null).map(stopServer),
    );
    await Promise.all(clients.map((c) => c.end()));
    await db.drop();
  });
  if (db.kind !== 'postgresql') {
    t.comment('skipped: needs PostgreSQL, which the instances share');
    return;
  }
  const url = db.env.DATABASE_URL!;
  const named = (name: string) => `${url}${url.includes('?') ? '&' : '?'}application_name=${name}`;
  const start = async (name: string) => {
    const server = await startServer({
      DATABASE_URL: named(name),
      ADMIN_TOKEN,
      MAX_EVENT_LOOP_DELAY_MS: '0',
    });
    servers.push(server);
    return server;
  };
  const call = async (server: Running, path: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(`${server.base}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...admin, ...(init.body ? { 'content-type': 'application/json' } : {}) },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
    return {
      status: res.status,
      json: (res.status === 204 ? {} : await res.json()) as { id?: string; scheduledChanges?: unknown[] },
    };
  };

  const first = await start('flagstone-first');
  const created = await call(first, '/api/admin/flags', { method: 'POST', body: { key: 'survivor' } });
  t.equal(created.status, 201);

  const probe = new pg.Client({ connectionString: url });
  await probe.connect();
  clients.push(probe);
  // A change to the environment that does not finish (a revision bump's lock: schedules may still be
  // made): the claimant's write waits for it, holding its claim.
  const blocker = new pg.Client({ connectionString: url });
  await blocker.connect();
  clients.push(blocker);
  await blocker.query('BEGIN');
  await blocker.query(`SELECT key FROM environments WHERE key = 'development' FOR NO KEY UPDATE`);

  const scheduled = await call(first, '/api/admin/scheduled-changes', {
    method: 'POST',
    body: {
      flag: 'survivor',
      change: { enabled: true },
      applyAt: new Date(Date.now() + 3_600_000).toISOString(),
    },
  });
  t.equal(scheduled.status, 201);
  const id = scheduled.json.id as string;
  // Its time comes, as if the hour had passed.
  await probe.query(
    `UPDATE scheduled_changes SET apply_at = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE id = $1`,
    [id],
  );

  /** When the change's claim lapses; null: unclaimed. */
  const claimedUntil = async () =>
    (
      await probe.query<{ until: Date | null }>(
        `SELECT claimed_until AS until FROM scheduled_changes WHERE id = $1`,
        [id],
      )
    ).rows[0]!.until;
  const firstIsWaiting = async () =>
    (
      await probe.query(
        `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE NOT l.granted AND a.application_name = 'flagstone-first'`,
      )
    ).rows.length > 0;
  // The first instance has claimed the change and is applying it (its write waits for our lock).
  await within(30_000, async () => (await firstIsWaiting()) && (await claimedUntil()) !== null, 20);

  // Killed holding the claim: no chance to release it, finish, or record anything.
  const exited = new Promise((resolve) => first.child.once('exit', resolve));
  first.child.kill('SIGKILL');
  await exited;
  const lease = await probe.query<{ state: string; held: boolean; until: string }>(
    `SELECT state, claimed_until > (now() AT TIME ZONE 'UTC') AS held, claimed_until::text AS until
     FROM scheduled_changes WHERE id = $1`,
    [id],
  );
  t.match(lease.rows[0], { state: 'pending', held: true }, 'still pending, its claim outliving its holder');

  const second = await start('flagstone-second');
  await blocker.query('COMMIT');
  const applied = async () =>
    (await call(second, '/api/admin/scheduled-changes?state=applied')).json.scheduledChanges?.length === 1;
  await within(90_000, applied, 200);
  const resolved = await probe.query<{ resolved: boolean }>(
    `SELECT resolved_at >= $2::timestamp AS resolved FROM scheduled_changes WHERE id = $1`,
    [id, lease.rows[0]!.until],
  );
  t.ok(resolved.rows[0]!.resolved, 'taken over once the lease lapsed');
  const flag = await call(second, '/api/admin/flags/survivor');
  t.match(flag.json, { enabled: true, version: 2 }, 'applied once: version 1 → 2');
  const events = await probe.query(
    `SELECT action, actor FROM audit_events WHERE flag_key = 'survivor' ORDER BY id`,
  );
  t.same(
    events.rows.map((e) => e.action),
    ['flag.created', 'schedule.created', 'schedule.applied', 'flag.updated'],
  );
  t.equal(events.rows[3].actor, `bootstrap (scheduled change ${id})`);
});
