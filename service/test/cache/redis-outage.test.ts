// Redis failing under a running service: reads keep answering 200 from the snapshots, writes
// still succeed, other instances find what they missed in the change log within the catch-up
// interval, and when Redis is back the service reconnects and resubscribes. Each test kills a
// redis-server of its own, never the shared one.
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { Redis } from 'ioredis';
import t from 'tap';
import { admin, buildTestApp, counter, createFlag, within } from '../helpers/app.ts';
import { sparePort, throwawayRedis } from '../helpers/redis.ts';
import { tcpProxy } from '../helpers/tcp-proxy.ts';

t.test('Redis dies during a burst of reads, then comes back', async (t) => {
  const redis = await throwawayRedis(t);
  const shared = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'outage:' };
  // `b` polls the change log once a minute, so only a message can bring it a change in time.
  const { app: a, db } = await buildTestApp(t, { env: { ...shared, L1_TTL_MS: '200' } });
  const { app: b } = await buildTestApp(t, { env: { ...shared, L1_TTL_MS: '60000' }, database: db });
  const read = (app: typeof a, key: string) =>
    app.inject({ url: `/api/config/flags/${key}`, headers: admin });
  const patch = (key: string, payload: object) =>
    a.inject({ method: 'PATCH', url: `/api/admin/flags/${key}`, headers: admin, payload });
  await createFlag(a, { key: 'steady', type: 'number', defaultValue: 0 });

  const statuses: number[] = [];
  let killed: Promise<void> | undefined;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (statuses.length < 1500) {
        statuses.push((await read(a, 'steady')).statusCode);
        if (statuses.length >= 300) killed ??= redis.kill();
      }
    }),
  );
  await killed;
  t.equal(statuses.filter((s) => s !== 200).length, 0, `all ${statuses.length} reads answered 200`);
  await within(5000, async () => a.redisState() === 'down', 20);
  const ready = await a.inject({ url: '/health/ready' });
  t.equal(ready.statusCode, 200, 'a Redis outage alone keeps the instance in service');
  t.match(ready.json(), { status: 'degraded', checks: { database: 'up', redis: 'down' } });

  const write = await patch('steady', { defaultValue: 1 });
  t.equal(write.statusCode, 200, 'writes succeed while Redis is down');
  t.ok((await counter(a, 'redisErrors')) > 0, 'what Redis could not take is counted');
  t.equal((await read(a, 'steady')).json().defaultValue, 1, 'and the writer serves them at once');
  const created = await a.inject({
    method: 'POST',
    url: '/api/admin/flags',
    headers: admin,
    payload: { key: 'during-outage', type: 'boolean', defaultValue: true },
  });
  t.equal(created.statusCode, 201);

  await redis.start();
  await within(10_000, async () => a.redisState() === 'up' && b.redisState() === 'up', 50);
  t.pass('both instances reconnected');

  await read(b, 'steady');
  const before = (await read(b, 'steady')).json().version;
  const after = (await patch('steady', { defaultValue: 2 })).json().version;
  t.ok(after > before);
  const ms = await within(10_000, async () => (await read(b, 'steady')).json().version === after, 1);
  t.comment(
    `after the restart, a change reached the other instance in ${ms.toFixed(1)} ms (b polls once a minute)`,
  );
  t.equal((await read(b, 'during-outage')).statusCode, 200, 'the change made during the outage came with it');

  const probe = new Redis(redis.url);
  t.teardown(() => probe.disconnect());
  t.ok(await probe.exists('outage:v3:flag:development:steady'), 'changes go to Redis again');
});

t.test('Redis unreachable from the start: the service starts, serves and writes', async (t) => {
  const port = await sparePort();
  const { app } = await buildTestApp(t, { env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
  await app.ready();
  await createFlag(app, { key: 'no-redis', type: 'string', defaultValue: 'fine' });
  for (let i = 0; i < 20; i++) {
    const res = await app.inject({ url: '/api/config/flags/no-redis', headers: admin });
    t.equal(res.statusCode, 200, res.body);
  }
  t.equal(await counter(app, 'flagReads', { source: 'database' }), 1, 'the environment, loaded once');
  t.equal(await counter(app, 'flagReads', { source: 'cache' }), 19, 'then served from memory, Redis or not');
  const ready = await app.inject({ url: '/health/ready' });
  t.match(ready.json(), { status: 'degraded', checks: { redis: 'down' } });
});

t.test('start gives Redis its first connection attempt, and no more', async (t) => {
  // A healthy Redis behind a slow network: each connection takes 500 ms to get through (the
  // command timeout is raised above that, or the first command would time out instead).
  const redis = await throwawayRedis(t);
  const slow = await tcpProxy(Number(new URL(redis.url).port), { delayMs: 500 });
  t.teardown(() => slow.cut());
  const { app } = await buildTestApp(t, {
    env: { REDIS_URL: `redis://127.0.0.1:${slow.port}`, REDIS_COMMAND_TIMEOUT_MS: '1000' },
  });
  t.equal(app.redisState(), 'up', 'Redis is connected before the first request');
  await createFlag(app, { key: 'first-write', type: 'boolean', defaultValue: true });
  const probe = new Redis(redis.url);
  t.teardown(() => probe.disconnect());
  t.equal(
    await probe.exists('flagstone:v3:flag:development:first-write'),
    1,
    'so the first write reaches it',
  );

  // A server that accepts connections and never answers: Redis never becomes ready.
  const silent = createServer(() => {});
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  t.teardown(() => silent.close());
  const { port } = silent.address() as AddressInfo;
  const started = performance.now();
  const { app: stuck } = await buildTestApp(t, { env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
  const ms = performance.now() - started;
  t.comment(`started after ${ms.toFixed(0)} ms with a Redis that never answers`);
  t.ok(ms < 30_000, 'the wait is bounded (a generous deadline: the time is reported above)');
  t.equal(stuck.redisState(), 'down');
  t.equal((await stuck.inject({ url: '/health/ready' })).statusCode, 200, 'and the service is ready');
});

t.test('writes while one instance is cut from Redis: the other finds them in the change log', async (t) => {
  // `a` reaches Redis through a proxy the test cuts; `b` stays connected and polls every 200 ms.
  const redis = await throwawayRedis(t);
  const proxy = await tcpProxy(Number(new URL(redis.url).port));
  t.teardown(() => proxy.cut());
  const shared = { REDIS_KEY_PREFIX: 'missed:', L1_TTL_MS: '200' };
  const { app: a, db } = await buildTestApp(t, {
    env: { ...shared, REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
  });
  const { app: b } = await buildTestApp(t, { env: { ...shared, REDIS_URL: redis.url }, database: db });
  const value = async () =>
    (await b.inject({ url: '/api/config/flags/missed', headers: admin })).json().defaultValue;
  await createFlag(a, { key: 'missed', type: 'number', defaultValue: 1 });
  t.equal(await value(), 1);

  await proxy.cut();
  await within(5000, async () => a.redisState() === 'down', 20);
  const patch = (defaultValue: number) =>
    a.inject({ method: 'PATCH', url: '/api/admin/flags/missed', headers: admin, payload: { defaultValue } });
  t.equal((await patch(2)).statusCode, 200, 'the write commits without Redis');
  t.equal((await patch(3)).statusCode, 200);
  const ms = await within(10_000, async () => (await value()) === 3, 5);
  t.comment(
    `the other instance caught up from the change log in ${ms.toFixed(0)} ms (interval 200 ms), Redis still cut`,
  );
  t.equal(a.redisState(), 'down', 'without waiting for Redis');

  await proxy.restore();
  await within(10_000, async () => a.redisState() === 'up', 20);
  t.equal((await patch(4)).statusCode, 200);
  const probe = new Redis(redis.url);
  t.teardown(() => probe.disconnect());
  await within(5000, async () => (await value()) === 4, 5);
  const entry = await probe.hget('missed:v3:flag:development:missed', 'd');
  t.match(
    JSON.parse(entry ?? '{}'),
    { change: { flag: { version: 4 } } },
    'Redis holds the newest change again',
  );
});
