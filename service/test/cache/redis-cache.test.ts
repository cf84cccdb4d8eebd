// The Redis adapter against a real Redis: key layout, compare-and-set, lifetimes.
import { Redis } from 'ioredis';
import t from 'tap';
import { createRedisCache } from '../../src/cache/redis-cache.ts';
import { findRedis, NO_REDIS, testPrefix } from '../helpers/redis.ts';

const url = await findRedis();
if (!url) t.plan(0, NO_REDIS);
else {
  const redis = new Redis(url);
  t.teardown(() => redis.disconnect());
  const prefix = testPrefix(t, url);
  const cache = createRedisCache({ redis, prefix, ttlMs: 60_000 });

  t.test('an entry lives in a hash under the prefixed key, with its version beside it', async (t) => {
    t.equal(await cache.get('flag:production:a'), undefined, 'a miss');
    t.equal(await cache.setIfNewer('flag:production:a', { version: 1, flag: 'x' } as never), true);
    t.same(await cache.get('flag:production:a'), { version: 1, flag: 'x' });
    t.same(await redis.hgetall(`${prefix}v3:flag:production:a`), { v: '1', d: '{"version":1,"flag":"x"}' });
    const ttl = await redis.pttl(`${prefix}v3:flag:production:a`);
    t.ok(ttl > 59_000 && ttl <= 60_000, `the normal lifetime (${ttl} ms left)`);
  });

  t.test("entries of another format are not this release's: never read", async (t) => {
    await redis.hset(`${prefix}flag:production:old`, 'v', '9', 'd', '{"version":9,"flag":"old shape"}');
    t.equal(await cache.get('flag:production:old'), undefined);
  });

  t.test('compare-and-set: only a newer version replaces what Redis holds', async (t) => {
    await cache.setIfNewer('flags:staging', { version: 5, list: 'five' } as never);
    t.equal(
      await cache.setIfNewer('flags:staging', { version: 4, list: 'four' } as never),
      false,
      'older refused',
    );
    t.equal(
      await cache.setIfNewer('flags:staging', { version: 5, list: 'again' } as never),
      false,
      'same refused',
    );
    t.match(await cache.get('flags:staging'), { list: 'five' });
    t.equal(await cache.setIfNewer('flags:staging', { version: 6, list: 'six' } as never), true);
    t.match(await cache.get('flags:staging'), { version: 6, list: 'six' });
  });
}
