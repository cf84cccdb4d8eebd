// The per-token rate-limit counter: exact in process, shared through a real Redis by leasing
// chunks of the budget (never more than the limit across instances), and local when Redis fails.
import { once } from 'node:events';
import { Redis } from 'ioredis';
import t, { type Test } from 'tap';
import {
  chunkOf,
  createWindowCounter,
  type WindowCount,
  type WindowCounter,
} from '../../src/cache/window-counter.ts';
import { findRedis, NO_REDIS, testPrefix, throwawayRedis } from '../helpers/redis.ts';

const incr = (counter: WindowCounter, key: string) =>
  new Promise<WindowCount>((resolve, reject) =>
    counter.incr(key, (err, count) => (err ? reject(err) : resolve(count))),
  );
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

t.test('in process: exact counts per key over a window', async (t) => {
  let now = 1_000_000;
  const counter = createWindowCounter({ max: 3, windowMs: 200, now: () => now });
  t.notOk(counter.take('a'), 'take never opens a window: the route counts the first request');
  const counts = [];
  for (let i = 0; i < 4; i++) counts.push((await incr(counter, 'a')).current);
  t.same(counts, [1, 2, 3, 4]);
  t.equal((await incr(counter, 'b')).current, 1, 'each key has its own count');
  t.ok(counter.take('b'), 'take counts a request within the limit');
  t.ok(counter.take('b'));
  t.notOk(counter.take('b'), 'and refuses the one past it, leaving it to incr');
  t.equal((await incr(counter, 'b')).current, 4, 'a refused take counted nothing');
  now += 50;
  t.equal((await incr(counter, 'c')).ttl, 200, 'a window opens with the first request');
  t.equal((await incr(counter, 'a')).ttl, 150, 'ttl is what is left of the window');
  now += 149;
  t.equal((await incr(counter, 'a')).current, 4, 'refused until the last millisecond of the window');
  now += 1;
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

  t.test('instances lease chunks of one budget: together never more than the limit', async (t) => {
    const prefix = testPrefix(t, url);
    const redis = client(t);
    const [a, b] = [0, 1].map(() =>
      createWindowCounter({ max: 100, windowMs: 60_000, redis: { client: client(t), prefix } }),
    ) as [WindowCounter, WindowCounter];
    t.equal(chunkOf(100), 2);
    t.equal((await incr(a, 'tok')).current, 1, 'the first request leases a chunk');
    t.equal(await redis.get(`${prefix}tok`), '2', 'Redis holds what was leased');
    const ttl = await redis.pttl(`${prefix}tok`);
    t.ok(ttl > 59_000 && ttl <= 60_000, 'and expires with the window');
    t.ok(a.take('tok'), 'the rest of the chunk is spent here, without Redis');
    t.notOk(a.take('tok'), 'a spent chunk leaves the next request to incr');

    // A concurrent burst over both instances: 300 requests for a budget of 100.
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => incr(i % 2 ? a : b, 'tok').then((c) => c.current <= 100)),
    );
    const admitted = results.filter(Boolean).length + 2;
    t.comment(`admitted ${admitted} of 302 for a limit of 100`);
    t.ok(admitted <= 100, 'never more than the limit');
    t.ok(admitted >= 100 - 2 * chunkOf(100), 'and at most a chunk per instance left unspent');
    t.equal(await redis.get(`${prefix}tok`), '100', 'the whole budget was leased, no more');
    t.notOk(b.take('tok'), 'spent: refused at once');
  });

  t.test('one instance alone never refuses below the limit', async (t) => {
    const prefix = testPrefix(t, url);
    const counter = createWindowCounter({ max: 37, windowMs: 60_000, redis: { client: client(t), prefix } });
    const counts = await Promise.all(Array.from({ length: 40 }, () => incr(counter, 'solo')));
    t.equal(counts.filter((c) => c.current <= 37).length, 37);
  });

  t.test('a lease that times out but ran in Redis admits nothing beyond the limit', async (t) => {
    // Commands held back by CLIENT PAUSE on a server of the test's own: the lease times out at
    // the instance, as it does when a busy event loop misses the reply, then runs in Redis.
    const server = await throwawayRedis(t);
    const connect = (options = {}) => {
      const c = new Redis(server.url, options);
      t.teardown(() => c.disconnect());
      return c;
    };
    const [a, b] = [0, 1].map(() =>
      createWindowCounter({
        max: 100,
        windowMs: 60_000,
        redis: { client: connect({ commandTimeout: 50 }), prefix: 'paused:' },
      }),
    ) as [WindowCounter, WindowCounter];
    t.equal((await incr(a, 'tok')).current, 1, 'a first lease, answered in time');
    t.ok(a.take('tok'));
    const control = connect();
    await control.client('PAUSE', 300, 'ALL');
    t.equal((await incr(a, 'tok')).current, 3, 'the timed-out lease admits a chunk here');
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => incr(i % 2 ? a : b, 'tok').then((c) => c.current <= 100)),
    );
    const admitted = results.filter(Boolean).length + 3;
    t.comment(`admitted ${admitted} of 303 for a limit of 100, one lease having timed out`);
    t.ok(admitted <= 100, 'never more than the limit');
    t.equal(await control.get('paused:tok'), '100', 'Redis counted the timed-out chunk');
  });

  t.test('a lease that failed admits at most a chunk more than Redis counted', async (t) => {
    const prefix = testPrefix(t, url);
    const [a, b] = [0, 1].map(() =>
      createWindowCounter({ max: 100, windowMs: 60_000, redis: { client: client(t), prefix } }),
    ) as [WindowCounter, WindowCounter];
    t.equal((await incr(a, 'tok')).current, 1);
    // A third instance whose connection is gone: its leases fail before they reach Redis.
    const dropped = client(t);
    const flaky = createWindowCounter({ max: 100, windowMs: 60_000, redis: { client: dropped, prefix } });
    dropped.disconnect();
    t.equal((await incr(flaky, 'tok')).current, 1, 'the failed lease admits a chunk here');
    t.ok(flaky.take('tok'), 'the whole chunk');
    t.notOk(flaky.take('tok'), 'and no more without asking Redis again');
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => incr(i % 2 ? a : b, 'tok').then((c) => c.current <= 100)),
    );
    const admitted = results.filter(Boolean).length + 1 + 2;
    t.comment(`admitted ${admitted} of 303 for a limit of 100, one lease having failed`);
    t.ok(admitted <= 100 + chunkOf(100), 'at most a chunk over the limit');
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
      redis: { client: c, prefix: 'outage:' },
      onRedisError: (err) => errors.push(err),
    });
    for (let i = 0; i < 5; i++) await incr(counter, 'k');
    await server.kill();
    while (c.status === 'ready') await settle();
    const admitted = [];
    for (let i = 0; i < 6; i++) admitted.push((await incr(counter, 'k')).current <= 10);
    t.same(
      admitted,
      [true, true, true, true, true, false],
      'the count goes on here, so the limit still holds',
    );
    t.ok(errors.length > 0, 'and the failures are reported');
  });
}
