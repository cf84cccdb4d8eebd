// Instances sharing PostgreSQL and Redis: cache layers, compare-and-set against the
// read-after-commit race, and changes reaching every instance within milliseconds.
import { Redis } from 'ioredis';
import t from 'tap';
import { createRedisCache, ENTRY_FORMAT } from '../../src/cache/redis-cache.ts';
import { entryKey } from '../../src/flags/change-feed.ts';
import {
  admin,
  bearer,
  buildTestApp,
  counter,
  createFlag,
  mintToken,
  twoInstances,
  within,
} from '../helpers/app.ts';
import { findRedis, NO_REDIS, testPrefix } from '../helpers/redis.ts';

const url = await findRedis();
if (!url) t.plan(0, NO_REDIS);
else {
  const { a, b, prefix, env, db } = await twoInstances(t, url);
  const redis = new Redis(url);
  t.teardown(() => redis.disconnect());
  const read = (app: typeof a, key: string, headers: Record<string, string> = admin) =>
    app.inject({ url: `/api/config/flags/${key}`, headers });
  const patch = (key: string, payload: object) =>
    a.inject({ method: 'PATCH', url: `/api/admin/flags/${key}`, headers: admin, payload });

  t.test(
    'a write puts its change in Redis; a new instance loads the environment once, then needs no query',
    async (t) => {
      await createFlag(a, { key: 'layers', type: 'string', defaultValue: 'one' });
      const entry = await redis.hgetall(`${prefix}${ENTRY_FORMAT}flag:development:layers`);
      t.match(JSON.parse(entry.d!), { change: { kind: 'flag', key: 'layers', flag: { version: 1 } } });
      t.equal(
        Number(entry.v),
        JSON.parse(entry.d!).change.revision,
        'versioned by the revision that made it',
      );
      const { app: c } = await buildTestApp(t, { env, database: db });
      t.equal((await read(c, 'layers')).statusCode, 200);
      t.equal((await read(c, 'layers')).statusCode, 200);
      t.equal(await counter(c, 'flagReads', { source: 'database' }), 1, 'the environment, loaded once');
      t.equal(await counter(c, 'flagReads', { source: 'cache' }), 1, 'then from memory');
      for (let i = 0; i < 50; i++) t.equal((await read(c, `nothing-here-${i}`)).statusCode, 404);
      t.equal(
        await counter(c, 'flagReads', { source: 'database' }),
        1,
        'a missing key is a 404 without a query',
      );
    },
  );

  t.test('Redis entries expire after CACHE_TTL_SECONDS', async (t) => {
    const short = { ...env, CACHE_TTL_SECONDS: '1' };
    const { app: c } = await buildTestApp(t, { env: short, database: db });
    await createFlag(c, { key: 'short-lived', type: 'number', defaultValue: 1 });
    const ttl = await redis.pttl(`${prefix}${ENTRY_FORMAT}flag:development:short-lived`);
    t.ok(ttl > 0 && ttl <= 1000, `${ttl} ms left`);
    await within(
      5000,
      async () => (await redis.exists(`${prefix}${ENTRY_FORMAT}flag:development:short-lived`)) === 0,
      50,
    );
  });

  t.test('the race: a late write of an older change cannot replace a newer one in Redis', async (t) => {
    await createFlag(a, { key: 'racy', type: 'boolean', defaultValue: false });
    const key = entryKey('flag', 'development', 'racy');
    const shared = createRedisCache({ redis, prefix, ttlMs: 60_000 });
    const first = await shared.get<{ version: number }>(key);
    t.equal((await patch('racy', { defaultValue: true })).json().version, 2);
    t.equal(await shared.setIfNewer(key, first!), false, 'the older change is refused');
    const held = await shared.get<{ version: number; change: { flag: { version: number } } }>(key);
    t.equal(held?.change.flag.version, 2, 'Redis still holds the newer change');
  });

  t.test(
    'a change committed without a message (its instance died, or the message was lost) is caught up',
    async (t) => {
      // An instance without Redis writes: nobody hears of it, as if its instance died after the commit.
      const { app: silent } = await buildTestApp(t, { env: { L1_TTL_MS: '60000' }, database: db });
      const { app: c } = await buildTestApp(t, { env: { ...env, L1_TTL_MS: '200' }, database: db });
      t.equal((await read(c, 'unannounced')).statusCode, 404);
      await createFlag(silent, { key: 'unannounced', type: 'boolean', defaultValue: true });
      const ms = await within(10_000, async () => (await read(c, 'unannounced')).statusCode === 200, 20);
      t.comment(`caught up from the change log in ${ms.toFixed(0)} ms (catch-up interval 200 ms)`);
      await a.inject({
        method: 'PATCH',
        url: '/api/admin/flags/unannounced',
        headers: admin,
        payload: { enabled: true },
      });
      await within(10_000, async () => (await read(c, 'unannounced')).json().enabled === true, 5);
      t.pass('and the next announced change applies on top');
    },
  );

  t.test(
    'a change made on one instance is served by the other, by its message (b polls once a minute)',
    async (t) => {
      await createFlag(a, { key: 'propagate', type: 'number', defaultValue: 0 });
      const timings: number[] = [];
      for (let n = 1; n <= 20; n++) {
        await read(b, 'propagate'); // b holds the current version in memory for a minute
        const res = await patch('propagate', { defaultValue: n });
        const version = res.json().version;
        timings.push(
          await within(10_000, async () => (await read(b, 'propagate')).json().version === version, 1),
        );
      }
      timings.sort((x, y) => x - y);
      t.comment(
        `propagation: median ${timings[10]?.toFixed(1)} ms, max ${timings.at(-1)?.toFixed(1)} ms (20 changes)`,
      );
      t.ok((await counter(b, 'invalidationsReceived')) >= 20);
    },
  );

  t.test('the list and its ETag follow a change on another instance', async (t) => {
    await createFlag(a, { key: 'listed' });
    await within(10_000, async () => (await read(b, 'listed')).statusCode === 200);
    const first = await b.inject({ url: '/api/config/flags', headers: admin });
    const etag = first.headers.etag as string;
    await patch('listed', { description: 'changed' });
    await within(10_000, async () => {
      const res = await b.inject({ url: '/api/config/flags', headers: { ...admin, 'if-none-match': etag } });
      return res.statusCode === 200 && res.json().revision > first.json().revision;
    });
    t.pass('b answers 200 with the new revision, not 304');
  });

  t.test('creating a key replaces the cached miss everywhere', async (t) => {
    t.equal((await read(b, 'created-later')).statusCode, 404);
    await createFlag(a, { key: 'created-later', type: 'boolean', defaultValue: true });
    await within(10_000, async () => (await read(b, 'created-later')).statusCode === 200);
  });

  t.test('a revoked token gets 401 on every instance, by its message', async (t) => {
    const { id, token } = await mintToken(a, { name: 'roaming', scope: 'read' });
    await createFlag(a, { key: 'roaming-read' });
    const status = async () => (await read(b, 'roaming-read', bearer(token))).statusCode;
    await within(10_000, async () => (await status()) === 200);
    t.pass('b has verified and cached it');
    await a.inject({ method: 'DELETE', url: `/api/admin/tokens/${id}`, headers: admin });
    const ms = await within(10_000, async () => (await status()) === 401);
    t.comment(`revocation reached the other instance in ${ms.toFixed(1)} ms`);
  });

  t.test('a segment change reaches evaluations on the other instance, by its message', async (t) => {
    const post = (url: string, payload: object) => a.inject({ method: 'POST', url, headers: admin, payload });
    await post('/api/admin/segments', {
      key: 'nl',
      conditions: [{ attribute: 'country', operator: 'equals', value: 'NL' }],
    });
    await createFlag(a, {
      key: 'dutch-banner',
      type: 'boolean',
      enabled: true,
      variants: { on: true, off: false },
      defaultVariant: 'off',
      rules: [{ segments: ['nl'], variant: 'on' }],
    });
    const evaluate = async () =>
      (
        await b.inject({
          method: 'POST',
          url: '/ofrep/v1/evaluate/flags/dutch-banner',
          headers: admin,
          payload: { context: { country: 'BE' } },
        })
      ).json();
    await within(10_000, async () => (await evaluate()).value === false);
    await a.inject({
      method: 'PATCH',
      url: '/api/admin/segments/nl',
      headers: admin,
      payload: { conditions: [{ attribute: 'country', operator: 'in', value: ['NL', 'BE'] }] },
    });
    const ms = await within(10_000, async () => (await evaluate()).value === true, 1);
    t.comment(`a segment change reached the other instance's evaluations in ${ms.toFixed(1)} ms`);
  });

  t.test('warm-up loads WARM_ENVIRONMENTS before the app is ready', async (t) => {
    await createFlag(a, { key: 'warm' });
    const staging = await a.inject({
      method: 'POST',
      url: '/api/admin/flags?environment=staging',
      headers: admin,
      payload: { key: 'warm' },
    });
    t.equal(staging.statusCode, 201);
    const { app: c } = await buildTestApp(t, {
      env: { ...env, WARM_ENVIRONMENTS: 'development,staging' },
      database: db,
    });
    // buildApp returns the app ready, as listen() would have it: warm-up is part of getting there.
    t.ok(c.flags.cachedEntries() >= 2, `${c.flags.cachedEntries()} entries in memory at start`);
    t.equal((await read(c, 'warm')).statusCode, 200);
    t.equal(await counter(c, 'flagReads', { source: 'database' }), 0, 'the first read is a hit');
    const ready = await c.inject({ url: '/health/ready' });
    t.match(ready.json(), { status: 'ready', checks: { database: 'up', redis: 'up' } });
  });

  t.test('/metrics speaks Prometheus: route latency and the cache, Redis and database series', async (t) => {
    const { app: c } = await buildTestApp(t, { env, database: db });
    await createFlag(a, { key: 'measured' });
    await within(10_000, async () => (await read(c, 'measured')).statusCode === 200);
    // The change reaches c by its message, which c completes from Redis.
    await patch('measured', { enabled: true });
    await within(10_000, async () => (await read(c, 'measured')).json().enabled === true);
    const res = await c.inject({ url: '/metrics' });
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /text\/plain/);
    for (const series of [
      /http_request_duration_seconds_bucket\{.*route="\/api\/config\/flags\/:flagKey"/,
      /flagstone_cache_lookups_total\{layer="redis",result="(hit|miss)"\} \d+/,
      /flagstone_flag_reads_total\{source="cache"\} \d+/,
      /flagstone_redis_breaker_state 0/,
      /flagstone_db_query_duration_seconds_bucket\{.*operation="environmentRevisions"/,
      /flagstone_invalidations_received_total \d+/,
      /flagstone_invalidations_sent_total \d+/,
      /flagstone_redis_errors_total/,
      /flagstone_redis_connection_failures_total/,
      /process_resident_memory_bytes/,
    ]) {
      t.match(res.body, series, String(series));
    }
  });

  t.test("a token's evaluation limit holds across instances, counted in Redis", async (t) => {
    const limited = { ...env, RATE_LIMIT_EVALUATIONS_PER_MINUTE: '5' };
    const { app: c } = await buildTestApp(t, { env: limited, database: db });
    const { app: d } = await buildTestApp(t, { env: limited, database: db });
    await createFlag(c, { key: 'limited', type: 'boolean', defaultValue: true });
    const { id, token } = await mintToken(c, { name: 'limited-sdk', scope: 'read' });
    const evaluate = async (app: typeof a) =>
      (
        await app.inject({
          method: 'POST',
          url: '/ofrep/v1/evaluate/flags/limited',
          headers: bearer(token),
          payload: {},
        })
      ).statusCode;
    const key = `${prefix}ratelimit:evaluations:${id}`;
    t.same([await evaluate(c), await evaluate(c), await evaluate(c)], [200, 200, 200]);
    t.equal(await redis.get(key), '3', 'leased from Redis');
    t.same(
      [await evaluate(d), await evaluate(d), await evaluate(d)],
      [200, 200, 429],
      'the other instance knows',
    );
    t.equal(await evaluate(c), 429, 'and so does the first: the budget is spent');
    t.ok((await redis.pttl(key)) > 55_000, 'the window is a minute');
  });

  t.test('a concurrent burst over two instances admits no more than the limit', async (t) => {
    const limited = { ...env, RATE_LIMIT_EVALUATIONS_PER_MINUTE: '100' };
    const { app: c } = await buildTestApp(t, { env: limited, database: db });
    const { app: d } = await buildTestApp(t, { env: limited, database: db });
    await createFlag(c, { key: 'burst', enabled: true });
    const { token } = await mintToken(c, { name: 'burst-sdk', scope: 'read' });
    const statuses = await Promise.all(
      Array.from(
        { length: 300 },
        async (_, i) =>
          (
            await (i % 2 ? c : d).inject({
              method: 'POST',
              url: '/ofrep/v1/evaluate/flags/burst',
              headers: bearer(token),
              payload: {},
            })
          ).statusCode,
      ),
    );
    const admitted = statuses.filter((s) => s === 200).length;
    t.comment(`admitted ${admitted} of 300 for a limit of 100 a minute`);
    t.ok(admitted <= 105, 'at most 105');
    t.ok(admitted >= 96, 'and at most a chunk per instance unspent');
    t.same([...new Set(statuses.filter((s) => s !== 200))], [429], 'the rest are 429');
  });

  t.test('a new ADMIN_TOKEN takes the old one away from every instance, by its message', async (t) => {
    // A database and key prefix of its own: the rotation must not reach the other tests' instances.
    const own = { ...env, REDIS_KEY_PREFIX: testPrefix(t, url) };
    const { app: first, db: ownDb } = await buildTestApp(t, { env: own });
    const read = (headers: Record<string, string>) =>
      first.inject({ url: '/api/admin/tokens', headers }).then((res) => res.statusCode);
    t.equal(await read(admin), 200, 'the instance has verified and cached the old admin token');
    const rotated = 'rotated-admin-token-0123456789abcdef';
    await buildTestApp(t, { env: { ...own, ADMIN_TOKEN: rotated }, database: ownDb });
    const ms = await within(10_000, async () => (await read(admin)) === 401);
    t.comment(`the rotation reached the other instance in ${ms.toFixed(1)} ms`);
    t.equal(await read(bearer(rotated)), 200, 'the new one works there');
  });
}
