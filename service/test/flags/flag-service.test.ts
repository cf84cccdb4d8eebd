import t from 'tap';
import { type FlagCache, flagCacheKey } from '../../src/cache/flag-cache.ts';
import type { Invalidation } from '../../src/cache/invalidation-bus.ts';
import { createMemoryCache } from '../../src/cache/memory-cache.ts';
import { createTieredCache } from '../../src/cache/tiered-cache.ts';
import { errors } from '../../src/errors.ts';
import { checkContent } from '../../src/flags/flag-content.ts';
import type { FlagType } from '../../src/flags/flag-schemas.ts';
import { createFlagService } from '../../src/flags/flag-service.ts';
import type { FlagLookup } from '../../src/flags/flag-store.ts';
import { createMetrics } from '../../src/metrics.ts';
import { createFakeFlagStore } from '../fakes/fake-flag-store.ts';

function setup({ ttlMs = 60_000 } = {}) {
  const fake = createFakeFlagStore();
  const metrics = createMetrics();
  const cache = createTieredCache({ memory: createMemoryCache({ ttlMs }), metrics });
  return { ...fake, cache, metrics, service: createFlagService({ store: fake.store, cache, metrics }) };
}
const readsFrom = async (metrics: ReturnType<typeof createMetrics>, source: string) =>
  (await metrics.flagReads.get()).values.find((v) => v.labels.source === source)?.value ?? 0;
const boolFlag = { key: 'f', type: 'boolean' as const, defaultValue: false };

t.test('reads are cache-aside: one store query, then the cache answers', async (t) => {
  const { service, calls } = setup();
  await service.createFlag('production', boolFlag, 'tester');
  const before = calls.findFlag;
  await service.getFlag('production', 'f');
  await service.getFlag('production', 'f');
  t.equal(calls.findFlag, before, 'a write fills the cache, so reads never reach the store');

  await t.rejects(
    async () => service.getFlag('production', 'nope'),
    errors.flagNotFound('production', 'nope'),
  );
  await t.rejects(async () => service.getFlag('production', 'nope'), { code: 'FLAG_NOT_FOUND' });
  t.equal(calls.findFlag, before + 1, 'a missing key is cached too');
  await t.rejects(async () => service.getFlag('moon', 'f'), { code: 'ENVIRONMENT_NOT_FOUND' });
  await t.rejects(async () => service.getFlag('moon', 'f'), { code: 'ENVIRONMENT_NOT_FOUND' });
  t.equal(calls.findFlag, before + 2);
});

t.test('the list is cached by revision and refreshed by every write', async (t) => {
  const { service, calls } = setup();
  await service.createFlag('staging', boolFlag, 'tester');
  const { value: first } = await service.listFlags('staging');
  const listCalls = calls.listFlags;
  t.same((await service.listFlags('staging')).value, first);
  t.equal(calls.listFlags, listCalls, 'served from the cache');
  await service.updateFlag('staging', 'f', { enabled: true }, 'tester');
  const { value: second } = await service.listFlags('staging');
  t.equal(second.revision, first.revision + 1);
  t.equal(second.flags[0]?.enabled, true);
  await t.rejects(service.listFlags('moon'), { code: 'ENVIRONMENT_NOT_FOUND' });
});

t.test('creating a flag replaces a cached miss; archiving replaces the cached flag', async (t) => {
  const { service } = setup();
  await t.rejects(async () => service.getFlag('production', 'f'), { code: 'FLAG_NOT_FOUND' });
  await service.createFlag('production', boolFlag, 'tester');
  t.equal((await service.getFlag('production', 'f')).value.version, 1);
  await service.archiveFlag('production', 'f', 'tester');
  await t.rejects(async () => service.getFlag('production', 'f'), { code: 'FLAG_NOT_FOUND' });
  t.notOk((await service.listFlags('production')).value.flags.length);
  const revived = await service.createFlag('production', { ...boolFlag, defaultValue: true }, 'tester');
  t.equal(revived.version, 3);
  t.equal((await service.getFlag('production', 'f')).value.defaultValue, true);
});

t.test('a reader holding an old row cannot overwrite a newer cached flag', async (t) => {
  const { service, cache } = setup();
  await service.createFlag('production', boolFlag, 'tester');
  const stale = cache.peek<FlagLookup>(flagCacheKey('production', 'f'))!;
  await service.updateFlag('production', 'f', { enabled: true }, 'tester');
  await cache.setIfNewer(flagCacheKey('production', 'f'), stale);
  t.match((await service.getFlag('production', 'f')).value, { enabled: true, version: 2 });
});

t.test('changes Redis missed go along with the next change, or when resent', async (t) => {
  const fake = createFakeFlagStore();
  const metrics = createMetrics();
  const memory = createTieredCache({ memory: createMemoryCache({ ttlMs: 60_000 }), metrics });
  // A shared layer and a bus that fail while Redis is "down", and record what reached them.
  let up = true;
  const stored: string[] = [];
  const told: Invalidation[] = [];
  const cache: FlagCache = {
    ...memory,
    async setIfNewer(key, entry, lifetime) {
      await memory.setIfNewer(key, entry, lifetime);
      if (up) stored.push(`${key}@${entry.version}`);
      return up;
    },
  };
  const bus = {
    async publish(message: Invalidation) {
      if (up) told.push(message);
      return up;
    },
  };
  const service = createFlagService({ store: fake.store, cache, bus, metrics });
  const update = (key: string, defaultValue: boolean) =>
    service.updateFlag('production', key, { defaultValue }, 'tester');
  await service.createFlag('production', { ...boolFlag, key: 'f' }, 'tester');
  await service.createFlag('production', { ...boolFlag, key: 'g' }, 'tester');
  const unsentChanges = async () => (await metrics.unsentChanges.get()).values[0]?.value;
  t.equal(await unsentChanges(), 0);

  up = false;
  await update('f', true); // f v2
  await update('f', false); // f v3
  await update('g', true); // g v2
  t.equal(await unsentChanges(), 2, 'two flags owe Redis their changes');
  t.equal((await service.getFlag('production', 'f')).value.version, 3, 'this instance serves them');

  up = true;
  stored.length = 0;
  told.length = 0;
  await update('g', false); // g v3
  t.same(
    stored.sort(),
    ['flag:production:f@3', 'flag:production:g@3', 'flags:production@6'],
    'the next change carries the newest version of every flag Redis missed, and the list',
  );
  t.same(
    told.map((m) => m.type === 'flag' && `${m.key}@${m.version}:${m.revision}`).sort(),
    ['f@3:6', 'g@3:6'],
    'and every instance hears of them',
  );
  t.equal(await unsentChanges(), 0);

  up = false;
  await update('f', true); // f v4
  t.equal(await service.resend(), 0, 'resending while Redis is down sends nothing');
  t.equal(await unsentChanges(), 1, 'and keeps it');
  up = true;
  told.length = 0;
  t.equal(await service.resend(), 1, 'once Redis is back, resending sends it');
  t.match(told, [{ type: 'flag', key: 'f', version: 4 }]);
  t.equal(await service.resend(), 0, 'once');
});

t.test('concurrent misses of one key make one store query', async (t) => {
  const { service, calls, store } = setup();
  const content = {
    type: 'boolean' as const,
    enabled: true,
    description: '',
    defaultVariant: 'on',
    offVariant: null,
    variants: { on: true },
    rules: [],
  };
  await store.createFlag('production', 'f', () => content, 'tester');
  const reads = await Promise.all(Array.from({ length: 20 }, () => service.getFlag('production', 'f')));
  t.equal(calls.findFlag, 1, 'single flight');
  t.ok(reads.every((r) => r.value.version === 1));
  const lists = await Promise.all(Array.from({ length: 20 }, () => service.listFlags('production')));
  t.equal(calls.listFlags, 1);
  t.ok(lists.every((r) => r.value.flags.length === 1));
});

t.test('with the store failing, the last cached copy is served and marked stale', async (t) => {
  const { service, store, cache, metrics } = setup({ ttlMs: 1 });
  await service.createFlag('production', boolFlag, 'tester');
  await service.listFlags('production');
  await new Promise((r) => setTimeout(r, 5)); // the in-process copies expire
  const failures: unknown[] = [];
  const broken = () => Promise.reject(new Error('connection refused'));
  const failing = createFlagService({
    store: { ...store, findFlag: broken, listFlags: broken },
    cache,
    metrics,
    onStoreError: (err) => failures.push(err),
  });
  t.match(await failing.getFlag('production', 'f'), { value: { key: 'f', version: 1 }, stale: true });
  t.match(await failing.listFlags('production'), { value: { revision: 1 }, stale: true });
  t.equal(await readsFrom(metrics, 'stale'), 2);
  t.equal(failures.length, 2, 'each failure is reported');
  await t.rejects(async () => failing.getFlag('production', 'never-cached'), {
    code: 'DATABASE_UNAVAILABLE',
    statusCode: 503,
    retryAfterSeconds: 5,
  });
  await t.rejects(async () => failing.getFlag('moon', 'f'), { code: 'DATABASE_UNAVAILABLE' });
});

t.test('reads are counted by where the answer came from', async (t) => {
  const { service, metrics } = setup();
  await t.rejects(async () => service.getFlag('production', 'f'));
  await t.rejects(async () => service.getFlag('production', 'f'));
  t.equal(await readsFrom(metrics, 'database'), 1);
  t.equal(await readsFrom(metrics, 'cache'), 1);
});

t.test('an invalidation replaces or drops the in-process copy', async (t) => {
  const { service, cache } = setup();
  await service.createFlag('production', boolFlag, 'tester');
  await service.applyInvalidation({
    type: 'flag',
    environment: 'production',
    key: 'f',
    version: 2,
    revision: 2,
  });
  t.equal(
    cache.peek(flagCacheKey('production', 'f')),
    undefined,
    'with no shared copy as new, ours is dropped',
  );
});

t.test('warm-up loads every flag of the environments', async (t) => {
  const { service, store, calls } = setup();
  const content = {
    type: 'number' as const,
    enabled: true,
    description: '',
    defaultVariant: 'one',
    offVariant: null,
    variants: { one: 1 },
    rules: [],
  };
  await store.createFlag('staging', 'a', () => content, 'tester');
  await store.createFlag('staging', 'b', () => content, 'tester');
  t.equal(await service.warm(['staging', 'production']), 2);
  await service.getFlag('staging', 'a');
  await service.getFlag('staging', 'b');
  t.equal(calls.findFlag, 0, 'the reads are hits');
  t.equal(service.cachedEntries(), 4, 'two flags and two lists');
  await t.rejects(service.warm(['moon']), { code: 'ENVIRONMENT_NOT_FOUND' });
});

t.test('updates: patch semantics, version check, type check', async (t) => {
  const { service, audit } = setup();
  await service.createFlag('production', { ...boolFlag, description: 'keep' }, 'alice');
  const updated = await service.updateFlag('production', 'f', { enabled: true }, 'bob', 1);
  t.match(updated, { enabled: true, description: 'keep', version: 2 });
  t.match(audit[0], { actor: 'bob', action: 'flag.updated', before: { version: 1 }, after: { version: 2 } });
  await t.rejects(service.updateFlag('production', 'f', { enabled: false }, 'bob', 1), {
    code: 'VERSION_MISMATCH',
    statusCode: 412,
  });
  await t.rejects(service.updateFlag('production', 'f', { type: 'number' }, 'bob'), { code: 'INVALID_FLAG' });
  const changedType = await service.updateFlag(
    'production',
    'f',
    { type: 'number', variants: { four: 4 }, defaultValue: 4, offVariant: null },
    'bob',
  );
  t.match(changedType, { type: 'number', defaultValue: 4, defaultVariant: 'four', version: 3 });
  t.equal(audit.length, 3, 'refused changes are not audited');
});

t.test('history refuses an unknown environment and pages the trail', async (t) => {
  const { service } = setup();
  await service.createFlag('production', boolFlag, 'tester');
  await service.updateFlag('production', 'f', { enabled: true }, 'tester');
  const page = await service.history('production', 'f', { limit: 1 });
  t.match(page, { events: [{ action: 'flag.updated' }], nextCursor: String });
  await t.rejects(service.history('moon', 'f', { limit: 1 }), { code: 'ENVIRONMENT_NOT_FOUND' });
});

t.test('checkContent: every value a flag serves is of its type', async (t) => {
  const good: [FlagType, unknown][] = [
    ['boolean', false],
    ['string', ''],
    ['number', -1.5],
    ['json', { a: 1 }],
    ['json', [1, 2]],
  ];
  const bad: [FlagType, unknown][] = [
    ['boolean', 'true'],
    ['boolean', null],
    ['string', 1],
    ['number', '1'],
    ['number', Number.NaN],
    ['json', 'x'],
    ['json', null],
    ['json', 3],
  ];
  const content = (type: FlagType, value: unknown, variants = {}) => ({
    type,
    defaultVariant: 'v',
    offVariant: null,
    variants: { v: value, ...variants },
    enabled: true,
    description: '',
    rules: [],
  });
  for (const [type, value] of good)
    t.doesNotThrow(() => checkContent(content(type, value)), `${type} ${JSON.stringify(value)}`);
  for (const [type, value] of bad) {
    t.throws(
      () => checkContent(content(type, value)),
      { code: 'INVALID_FLAG' },
      `${type} ${JSON.stringify(value)}`,
    );
  }
  t.throws(() => checkContent(content('string', 'a', { ok: 'b', bad: 2 })), {
    message: "variant 'bad' must be a string, because the flag type is string.",
  });
});
