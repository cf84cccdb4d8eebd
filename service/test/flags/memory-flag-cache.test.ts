import t from 'tap';
import { createMemoryFlagCache } from '../../src/flags/memory-flag-cache.ts';

t.test('setIfNewer keeps the newest version whatever the order of writes', async (t) => {
  const cache = createMemoryFlagCache({ ttlMs: 60_000 });
  await cache.setIfNewer('k', { version: 2, value: 'new' } as never);
  await cache.setIfNewer('k', { version: 1, value: 'old' } as never);
  t.match(await cache.get('k'), { version: 2, value: 'new' }, 'an older version never replaces a newer one');
  await cache.setIfNewer('k', { version: 2, value: 'same version' } as never);
  t.match(await cache.get('k'), { value: 'new' }, 'nor does the same version');
  await cache.setIfNewer('k', { version: 3, value: 'newer' } as never);
  t.match(await cache.get('k'), { version: 3, value: 'newer' });
});

t.test('entries expire after the TTL, and delete drops them', async (t) => {
  const cache = createMemoryFlagCache({ ttlMs: 30 });
  await cache.setIfNewer('k', { version: 1 });
  t.ok(await cache.get('k'));
  await new Promise((r) => setTimeout(r, 60));
  t.equal(await cache.get('k'), undefined, 'expired');
  await cache.setIfNewer('k', { version: 1 });
  await cache.delete('k');
  t.equal(await cache.get('k'), undefined, 'deleted');
});

t.test('the cache is bounded', async (t) => {
  const cache = createMemoryFlagCache({ ttlMs: 60_000, max: 2 });
  for (const key of ['a', 'b', 'c']) await cache.setIfNewer(key, { version: 1 });
  t.equal(await cache.get('a'), undefined, 'the least recently used entry went first');
  t.ok(await cache.get('c'));
});
