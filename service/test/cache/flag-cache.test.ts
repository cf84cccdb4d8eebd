// Cache keys are the documented Redis key names, whatever the memo holds.
import t from 'tap';
import { flagCacheKey, listCacheKey } from '../../src/cache/flag-cache.ts';

t.test('keys are flag:{environment}:{key} and flags:{environment}', async (t) => {
  t.equal(flagCacheKey('production', 'new-checkout'), 'flag:production:new-checkout');
  t.equal(flagCacheKey('staging', 'new-checkout'), 'flag:staging:new-checkout', 'environments stay apart');
  t.equal(listCacheKey('production'), 'flags:production');
});

t.test('many distinct keys: every answer is still right', async (t) => {
  for (let i = 0; i < 25_000; i++) {
    const key = `k${i}`;
    if (flagCacheKey('load', key) !== `flag:load:${key}`) t.fail(`wrong key for ${key}`);
  }
  t.equal(flagCacheKey('load', 'k1'), 'flag:load:k1', 'after the memo was cleared');
});
