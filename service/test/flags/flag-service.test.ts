import t from 'tap';
import { errors } from '../../src/errors.ts';
import { flagCacheKey } from '../../src/flags/flag-cache.ts';
import type { FlagType } from '../../src/flags/flag-schemas.ts';
import { checkContent, createFlagService } from '../../src/flags/flag-service.ts';
import type { FlagLookup } from '../../src/flags/flag-store.ts';
import { createMemoryFlagCache } from '../../src/flags/memory-flag-cache.ts';
import { createFakeFlagStore } from '../fakes/fake-flag-store.ts';

function setup() {
  const fake = createFakeFlagStore();
  const cache = createMemoryFlagCache({ ttlMs: 60_000 });
  return { ...fake, cache, service: createFlagService({ store: fake.store, cache }) };
}
const boolFlag = { key: 'f', type: 'boolean' as const, defaultValue: false };

t.test('reads are cache-aside: one store query, then the cache answers', async (t) => {
  const { service, calls } = setup();
  await service.createFlag('production', boolFlag, 'tester');
  const before = calls.findFlag;
  await service.getFlag('production', 'f');
  await service.getFlag('production', 'f');
  t.equal(calls.findFlag, before, 'a write fills the cache, so reads never reach the store');

  await t.rejects(service.getFlag('production', 'nope'), errors.flagNotFound('production', 'nope'));
  await t.rejects(service.getFlag('production', 'nope'), { code: 'FLAG_NOT_FOUND' });
  t.equal(calls.findFlag, before + 1, 'a missing key is cached too');
  await t.rejects(service.getFlag('moon', 'f'), { code: 'ENVIRONMENT_NOT_FOUND' });
  await t.rejects(service.getFlag('moon', 'f'), { code: 'ENVIRONMENT_NOT_FOUND' });
  t.equal(calls.findFlag, before + 2);
});

t.test('the list is cached by revision and refreshed by every write', async (t) => {
  const { service, calls } = setup();
  await service.createFlag('staging', boolFlag, 'tester');
  const first = await service.listFlags('staging');
  const listCalls = calls.listFlags;
  t.same(await service.listFlags('staging'), first);
  t.equal(calls.listFlags, listCalls, 'served from the cache');
  await service.updateFlag('staging', 'f', { enabled: true }, 'tester');
  const second = await service.listFlags('staging');
  t.equal(second.revision, first.revision + 1);
  t.equal(second.flags[0]?.enabled, true);
  await t.rejects(service.listFlags('moon'), { code: 'ENVIRONMENT_NOT_FOUND' });
});

t.test('creating a flag replaces a cached miss; archiving replaces the cached flag', async (t) => {
  const { service } = setup();
  await t.rejects(service.getFlag('production', 'f'), { code: 'FLAG_NOT_FOUND' });
  await service.createFlag('production', boolFlag, 'tester');
  t.equal((await service.getFlag('production', 'f')).version, 1);
  await service.archiveFlag('production', 'f', 'tester');
  await t.rejects(service.getFlag('production', 'f'), { code: 'FLAG_NOT_FOUND' });
  t.notOk((await service.listFlags('production')).flags.length);
  const revived = await service.createFlag('production', { ...boolFlag, defaultValue: true }, 'tester');
  t.equal(revived.version, 3);
  t.equal((await service.getFlag('production', 'f')).defaultValue, true);
});

t.test('a reader holding an old row cannot overwrite a newer cached flag', async (t) => {
  const { service, cache } = setup();
  await service.createFlag('production', boolFlag, 'tester');
  const stale = (await cache.get<FlagLookup>(flagCacheKey('production', 'f')))!;
  await service.updateFlag('production', 'f', { enabled: true }, 'tester');
  await cache.setIfNewer(flagCacheKey('production', 'f'), stale);
  t.match(await service.getFlag('production', 'f'), { enabled: true, version: 2 });
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
  const changedType = await service.updateFlag('production', 'f', { type: 'number', defaultValue: 4 }, 'bob');
  t.match(changedType, { type: 'number', defaultValue: 4, version: 3 });
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
    defaultValue: value,
    variants,
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
