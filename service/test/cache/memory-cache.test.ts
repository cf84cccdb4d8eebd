import t from 'tap';
import { createMemoryCache } from '../../src/cache/memory-cache.ts';

const entry = (version: number, value: string) => ({ version, value });

t.test('setIfNewer keeps the newest version whatever the order of writes', async (t) => {
  const cache = createMemoryCache({ ttlMs: 60_000 });
  cache.setIfNewer('k', entry(2, 'new'));
  cache.setIfNewer('k', entry(1, 'old'));
  t.match(cache.get('k'), { version: 2, value: 'new' }, 'an older version never replaces a newer one');
  cache.setIfNewer('k', entry(2, 'same version'));
  t.match(cache.get('k'), { value: 'new' }, 'nor does the same version while fresh');
  cache.setIfNewer('k', entry(3, 'newer'));
  t.match(cache.get('k'), { version: 3, value: 'newer' });
});

t.test('expired entries are misses, but stay available as stale copies', async (t) => {
  const cache = createMemoryCache({ ttlMs: 20 });
  cache.setIfNewer('k', entry(1, 'a'));
  t.ok(cache.get('k'));
  await new Promise((r) => setTimeout(r, 40));
  t.equal(cache.get('k'), undefined, 'expired');
  t.match(cache.stale('k'), { version: 1 }, 'still there for stale-if-error');
  t.equal(cache.size, 1);
  cache.setIfNewer('k', entry(1, 'refill'));
  t.match(cache.get('k'), { value: 'refill' }, 'the same version refills an expired copy');
  cache.setIfNewer('k', entry(0, 'older'));
  t.match(cache.get('k'), { version: 1 }, 'an older version never replaces an expired newer one');
  cache.delete('k');
  t.equal(cache.stale('k'), undefined, 'deleted');
});

t.test('the cache is bounded', async (t) => {
  const cache = createMemoryCache({ ttlMs: 60_000, max: 2 });
  for (const key of ['a', 'b', 'c']) cache.setIfNewer(key, entry(1, key));
  t.equal(cache.get('a'), undefined, 'the least recently used entry went first');
  t.ok(cache.get('c'));
});
