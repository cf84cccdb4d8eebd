// The per-token rate-limit counter: exact in process, shared through a real Redis in batches
// with the last tenth of a limit counted there request by request, and local when Redis fails.
import { once } from 'node:events';
import { Redis } from 'ioredis';
import t, { type Test } from 'tap';
import { createWindowCounter, type WindowCount, type WindowCounter } from '../../src/cache/window-counter.ts';
import { findRedis, NO_REDIS, testPrefix, throwawayRedis } from '../helpers/redis.ts';

const incr = (counter: WindowCounter, key: string) =>
  new Promise<WindowCount>((resolve, reject) =>
    counter.incr(key, (err, count) => (err ? reject(err) : resolve(count))),
  );
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

t.test('in process: exact counts per key over a window', async (t) => {
  const counter = createWindowCounter({ max: 3, windowMs: 200 });
  t.notOk(counter.take('a'), 'take never opens a window: the route counts the first request');
  const counts = [];
  for (let i = 0; i < 4; i++) counts.push((await incr(counter, 'a')).current);
  t.same(counts, [1, 2, 3, 4]);
  t.equal((await incr(counter, 'b')).current, 1, 'each key has its own count');
  t.ok(counter.take('b'), 'take counts a request within the limit');
  t.ok(counter.take('b'));
  t.notOk(counter.take('b'), 'and refuses the one past it, leaving it to incr');
  t.equal((await incr(counter, 'b')).current, 4, 'a refused take counted nothing');
  const { ttl } = await incr(counter, 'c');
  t.ok(ttl > 0 && ttl <= 200, `ttl ${ttl} is what is left of the window`);
  await new Promise((resolve) => setTimeout(resolve, 220));
  t.equal((await incr(counter, 'a')).current, 1, 'a new window starts from zero');
});

const url = await findRedis();
if (!url) t.test('shared through Redis', (t) => t.plan(0, NO_REDIS));
else {
  /** A client of the test's own, as each instance has. */
  const client = (t: Test) => {
    const c = new Redis(url);
    t.teardown(() => c.disconnect());
    return c;
  };

  t.test('instances share one count; the last tenth is counted in Redis each time', async (t) => {
    const prefix = testPrefix(t, url);
    const redis = client(t);
    const [a, b] = [0, 1].map(() =>
      createWindowCounter({ max: 20, windowMs: 60_000, redis: { client: client(t), prefix, syncMs: 20 } }),
    ) as [WindowCounter, WindowCounter];
    await a.flush(); // nothing to share: no call, no error
    t.equal((await incr(a, 'tok')).current, 1, 'a window opens in Redis');
    t.equal(await redis.get(`${prefix}tok`), '1');
    const ttl = await redis.pttl(`${prefix}tok`);
    t.ok(ttl > 59_000 && ttl <= 60_000, 'and expires with the window');
    let taken = 0;
    while (a.take('tok')) taken++;
    t.equal(taken, 17, 'below the last tenth (18 of 20) requests are counted here');
    t.equal(await redis.get(`${prefix}tok`), '1', 'and not sent one by one');
    await a.flush();
    t.equal(await redis.get(`${prefix}tok`), '18', 'but in one batch');

    t.equal((await incr(b, 'tok')).current, 19, 'another instance learns the shared count');
    t.notOk(b.take('tok'), 'which is in the last tenth: no local counting there');
    t.equal((await incr(a, 'tok')).current, 20);
    t.equal((await incr(b, 'tok')).current, 21, 'over the limit on any instance');
    t.equal(await redis.get(`${prefix}tok`), '21');
  });

  t.test('counts made here reach Redis within the sync interval', async (t) => {
    const prefix = testPrefix(t, url);
    const redis = client(t);
    const counter = createWindowCounter({
      max: 1000,
      windowMs: 60_000,
      redis: { client: client(t), prefix, syncMs: 20 },
    });
    await incr(counter, 'k');
    for (let i = 0; i < 10; i++) counter.take('k');
    const started = Date.now();
    while ((await redis.get(`${prefix}k`)) !== '11' && Date.now() - started < 2000) await settle();
    t.equal(await redis.get(`${prefix}k`), '11', 'synced without a flush call');
  });

  t.test('when Redis fails, each instance limits with its own counts', async (t) => {
    const server = await throwawayRedis(t);
    const c = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    c.on('error', () => {}); // reported through onRedisError
    t.teardown(() => c.disconnect());
    await once(c, 'ready');
    const errors: unknown[] = [];
    const counter = createWindowCounter({
      max: 10,
      windowMs: 60_000,
      redis: { client: c, prefix: 'outage:', syncMs: 10 },
      onRedisError: (err) => errors.push(err),
    });
    for (let i = 0; i < 5; i++) await incr(counter, 'k');
    await counter.flush();
    await server.kill();
    while (c.status === 'ready') await settle();
    const counts = [];
    for (let i = 0; i < 6; i++) counts.push((await incr(counter, 'k')).current);
    t.same(counts, [6, 7, 8, 9, 10, 11], 'the count goes on, so the limit still holds');
    t.ok(errors.length > 0, 'and the failures are reported');
  });
}
