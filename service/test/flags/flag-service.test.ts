// The flag domain on fakes: snapshots loaded once and answered from, the change feed between
// instances, catch-up from the change log for whatever a message did not bring, and the
// content rules of writes.
import t from 'tap';
import type { Invalidation, InvalidationBus } from '../../src/cache/invalidation-bus.ts';
import type { SharedEntries } from '../../src/cache/shared-entries.ts';
import { errors } from '../../src/errors.ts';
import { checkContent } from '../../src/flags/flag-content.ts';
import type { FlagType } from '../../src/flags/flag-schemas.ts';
import { createFlagService, type FlagService } from '../../src/flags/flag-service.ts';
import { createMetrics } from '../../src/metrics.ts';
import { createFakeFlagStores } from '../fakes/fake-flag-stores.ts';

type Receiver = (message: Exclude<Invalidation, { type: 'token' }>) => Promise<void>;

/** A bus that hands every message to the other instances, unless told to lose them. */
function fakeBus() {
  const receivers: Receiver[] = [];
  const sent: Invalidation[] = [];
  const state = { losing: false };
  const busFor = (own: () => Receiver): InvalidationBus => ({
    async publish(message) {
      sent.push(message);
      if (state.losing || message.type === 'token') return true;
      await Promise.all(receivers.filter((r) => r !== own()).map((r) => r(message)));
      return true;
    },
  });
  return { receivers, sent, state, busFor };
}

/** Redis entries in a map, counting reads. */
function fakeEntries() {
  const map = new Map<string, { version: number }>();
  const counts = { get: 0 };
  const entries = {
    async get<T>(key: string) {
      counts.get += 1;
      return map.get(key) as T | undefined;
    },
    async setIfNewer(key: string, entry: { version: number }) {
      const current = map.get(key);
      if (!current || current.version < entry.version) map.set(key, entry);
      return true;
    },
  } as SharedEntries;
  return { map, counts, entries };
}

/** Instances on one fake store, one fake bus and (unless `redis: false`) one set of Redis entries. */
function setup({ instances = 1, redis = true } = {}) {
  const fake = createFakeFlagStores();
  const bus = fakeBus();
  const shared = fakeEntries();
  const services: FlagService[] = [];
  for (let i = 0; i < instances; i++) {
    const service = createFlagService({
      stores: fake.stores,
      bus: bus.busFor(() => receiver),
      ...(redis ? { entries: shared.entries } : {}),
      metrics: createMetrics(),
    });
    const receiver: Receiver = (message) => service.receive(message);
    bus.receivers.push(receiver);
    services.push(service);
  }
  return { ...fake, store: fake.stores.flags, bus, shared, services, service: services[0]! };
}

const boolFlag = { key: 'f', type: 'boolean' as const, defaultValue: false };
const plain = {
  enabled: true,
  description: '',
  type: 'boolean' as const,
  defaultVariant: 'on',
  offVariant: null,
  variants: {},
  rules: [],
  prerequisites: [],
};

const servedValue = async (service: FlagService, environment: string, key: string) => {
  const result = await service.evaluateFlag(environment, key, { targetingKey: 'u1', plan: 'gold' });
  return 'value' in result ? result.value : result;
};

t.test('an environment is loaded once; then reads, misses and lists need no store call', async (t) => {
  const { service, calls, store } = setup();
  await store.createFlag(
    'production',
    'f',
    checkContent({ ...plain, variants: { on: true } }),
    () => {},
    'x',
  );
  const reads = await Promise.all(Array.from({ length: 20 }, () => service.getFlag('production', 'f')));
  t.equal(calls.loadEnvironment, 1, 'concurrent first reads share one load');
  t.ok(reads.every((r) => r.value.version === 1 && !r.stale));
  t.match(service.heldFlag('production', 'f'), { version: 1 }, 'held: the fast path can answer it');
  await t.rejects(service.getFlag('production', 'nope'), errors.flagNotFound('production', 'nope'));
  await service.listFlags('production');
  (await service.bulk('production')).evaluate({});
  t.equal(calls.loadEnvironment, 1, 'a missing key, the list and the bulk evaluation come from the snapshot');
  t.equal(calls.changesSince, 0);
});

t.test('an unknown environment is a 404; after a poll, without a store call', async (t) => {
  const { service, calls } = setup();
  await t.rejects(async () => service.getFlag('moon', 'f'), { code: 'ENVIRONMENT_NOT_FOUND' });
  t.equal(calls.loadEnvironment, 1, 'before any poll it asks the store');
  await service.poll();
  const before = { ...calls };
  for (let i = 0; i < 100; i++) {
    await t.rejects(service.getFlag(`moon-${i}`, 'f'), { code: 'ENVIRONMENT_NOT_FOUND' });
  }
  t.same(calls, before, 'known not to exist: no store call at all');
  await service.createEnvironment('moon', 'tester');
  t.equal((await service.listFlags('moon')).value.flags.length, 0, 'a created environment is known at once');
});

t.test('the writer serves its write at once; the list moves with every revision', async (t) => {
  const { service } = setup();
  await service.poll();
  const { value: empty } = await service.listFlags('staging');
  await service.createFlag('staging', boolFlag, 'tester');
  const created = await service.getFlag('staging', 'f');
  t.match(created, { value: { key: 'f', version: 1 } });
  const { value: one } = await service.listFlags('staging');
  t.equal(one.revision, empty.revision + 1);
  t.equal((await service.listFlags('staging')).value, one, 'the same list object while the revision stays');
  await service.updateFlag('staging', 'f', { enabled: true }, 'tester');
  t.match(await service.getFlag('staging', 'f'), { value: { enabled: true, version: 2 } });
  await service.archiveFlag('staging', 'f', 'tester');
  await t.rejects(service.getFlag('staging', 'f'), { code: 'FLAG_NOT_FOUND' });
  t.same((await service.listFlags('staging')).value.flags, []);
});

t.test('another instance applies a change from its message and Redis entry, without the store', async (t) => {
  const { services, calls, shared } = setup({ instances: 2 });
  const [a, b] = services as [FlagService, FlagService];
  await b.listFlags('production');
  const before = { ...calls };
  await a.createFlag('production', { ...boolFlag, enabled: true }, 'tester');
  t.match(await b.getFlag('production', 'f'), { value: { version: 1, enabled: true } });
  await a.updateFlag('production', 'f', { enabled: false }, 'tester');
  t.match(await b.getFlag('production', 'f'), { value: { version: 2, enabled: false } });
  t.equal(calls.changesSince, before.changesSince, 'no catch-up was needed');
  t.equal(calls.loadEnvironment, before.loadEnvironment);
  t.equal(shared.counts.get, 2, 'each change read from Redis once');
});

t.test('without Redis, a message makes the other instance catch up from the change log', async (t) => {
  const { services, calls } = setup({ instances: 2, redis: false });
  const [a, b] = services as [FlagService, FlagService];
  await b.listFlags('production');
  await a.createFlag('production', boolFlag, 'tester');
  t.match(await b.getFlag('production', 'f'), { value: { version: 1 } });
  t.equal(calls.changesSince, 1);
});

t.test('lost messages: a poll finds the gap and catches up', async (t) => {
  const { services, bus, calls } = setup({ instances: 2 });
  const [a, b] = services as [FlagService, FlagService];
  await b.listFlags('production');
  bus.state.losing = true;
  await a.createFlag('production', boolFlag, 'tester');
  await a.createFlag('production', { ...boolFlag, key: 'g' }, 'tester');
  await t.rejects(b.getFlag('production', 'f'), { code: 'FLAG_NOT_FOUND' }, 'b has not heard');
  await b.poll();
  t.match(await b.getFlag('production', 'f'), { value: { version: 1 } });
  t.match(await b.getFlag('production', 'g'), { value: { version: 1 } });
  t.equal(calls.changesSince, 1, 'one catch-up brought both');
});

t.test('a gap in the messages: the next message brings the missed change too', async (t) => {
  const { services, bus } = setup({ instances: 2 });
  const [a, b] = services as [FlagService, FlagService];
  await b.listFlags('production');
  bus.state.losing = true;
  await a.createFlag('production', boolFlag, 'tester');
  bus.state.losing = false;
  await a.createFlag('production', { ...boolFlag, key: 'g' }, 'tester');
  t.match(
    await b.getFlag('production', 'f'),
    { value: { version: 1 } },
    'the missed change, from the change log',
  );
  t.match(await b.getFlag('production', 'g'), { value: { version: 1 } });
  t.equal((await b.listFlags('production')).value.revision, (await a.listFlags('production')).value.revision);
});

t.test(
  "an entry an older release wrote (no prerequisites): the change log's flag is taken instead",
  async (t) => {
    const { services, bus, shared, calls } = setup({ instances: 2 });
    const [a, b] = services as [FlagService, FlagService];
    await b.listFlags('production');
    bus.state.losing = true;
    await a.createFlag('production', boolFlag, 'tester');
    bus.state.losing = false;
    // As an older release wrote it: the flag without the field it did not know.
    for (const [key, value] of shared.map) {
      const entry = value as unknown as { version: number; change: { flag: Record<string, unknown> } };
      const { prerequisites: _, ...older } = entry.change.flag;
      shared.map.set(key, { ...entry, change: { ...entry.change, flag: older } } as never);
    }
    const before = calls.changesSince;
    await b.receive(bus.sent.at(-1) as Exclude<Invalidation, { type: 'token' }>);
    t.equal(calls.changesSince, before + 1, 'caught up from the change log');
    t.same((await b.getFlag('production', 'f')).value.prerequisites, [], 'with every field');
  },
);

t.test('an older message never moves a snapshot back', async (t) => {
  const { services, bus } = setup({ instances: 2 });
  const [a, b] = services as [FlagService, FlagService];
  await b.listFlags('production');
  await a.createFlag('production', boolFlag, 'tester');
  await a.updateFlag('production', 'f', { enabled: true }, 'tester');
  const first = bus.sent.find((m) => m.type === 'change' && m.revision === 1)!;
  await b.receive(first as Exclude<Invalidation, { type: 'token' }>);
  t.match(await b.getFlag('production', 'f'), { value: { version: 2, enabled: true } });
});

t.test(
  'segments by reference: one change, every flag that uses it answers anew, no flag version',
  async (t) => {
    const { services, audit } = setup({ instances: 2 });
    const [a, b] = services as [FlagService, FlagService];
    await b.listFlags('production');
    await a.createSegment(
      'production',
      'gold',
      { conditions: [{ attribute: 'plan', operator: 'equals', value: 'gold' }] },
      'x',
    );
    for (const key of ['p1', 'p2', 'p3']) {
      await a.createFlag(
        'production',
        {
          key,
          enabled: true,
          variants: { on: true, off: false },
          defaultVariant: 'off',
          rules: [{ segments: ['gold'], variant: 'on' }],
        },
        'x',
      );
    }
    t.equal(await servedValue(b, 'production', 'p1'), true);
    const events = audit.length;
    await a.updateSegment(
      'production',
      'gold',
      { conditions: [{ attribute: 'plan', operator: 'equals', value: 'platinum' }] },
      'x',
    );
    t.equal(audit.length, events + 1, 'one audit event');
    for (const service of [a, b]) {
      for (const key of ['p1', 'p2', 'p3']) {
        t.equal(await servedValue(service, 'production', key), false, `${key} no longer matches`);
        t.match(
          await service.getFlag('production', key),
          { value: { version: 1 } },
          'the flag did not change',
        );
      }
    }
    await t.rejects(a.deleteSegment('production', 'gold', 'x'), { code: 'SEGMENT_IN_USE' });
    await t.rejects(
      a.createFlag(
        'production',
        { key: 'p4', enabled: true, variants: { on: true }, rules: [{ segments: ['nope'], variant: 'on' }] },
        'x',
      ),
      {
        code: 'INVALID_FLAG',
        message: /rules\[0\]\.segments\[0\] 'nope' is not a segment of this environment/,
      },
    );
  },
);

t.test('the database down: held snapshots answer, marked stale; the fast path steps aside', async (t) => {
  const { service, fail } = setup();
  await service.createFlag('production', boolFlag, 'tester');
  await service.getFlag('production', 'f');
  fail(true);
  t.equal(await service.poll(), false, 'the poll fails');
  t.match(await service.getFlag('production', 'f'), { value: { key: 'f' }, stale: true });
  t.equal(service.heldFlag('production', 'f'), undefined, 'the fast path does not answer stale reads');
  await t.rejects(async () => service.getFlag('staging', 'f'), {
    code: 'DATABASE_UNAVAILABLE',
    statusCode: 503,
  });
  fail(false);
  t.equal(await service.poll(), true);
  t.match(await service.getFlag('production', 'f'), { stale: false });
  t.ok(service.heldFlag('production', 'f'));
});

t.test('warm-up loads the environments before the first read', async (t) => {
  const { service, store, calls } = setup();
  await store.createFlag('staging', 'a', checkContent({ ...plain, variants: { on: true } }), () => {}, 'x');
  await store.createFlag('staging', 'b', checkContent({ ...plain, variants: { on: true } }), () => {}, 'x');
  t.equal(await service.warm(['staging', 'production']), 2);
  t.ok(service.heldFlag('staging', 'a'), 'held before the first read');
  t.equal(calls.loadEnvironment, 2);
  t.equal(service.cachedEntries(), 2);
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
  const same = await service.updateFlag('production', 'f', { enabled: true }, 'bob');
  t.equal(same.version, 3, 'a PATCH that changes nothing writes nothing');
  t.equal(audit.length, 3);
});

t.test('history refuses an unknown environment and pages the trail', async (t) => {
  const { service } = setup();
  await service.createFlag('production', boolFlag, 'tester');
  await service.updateFlag('production', 'f', { enabled: true }, 'tester');
  const page = await service.history('production', 'f', { limit: 1 });
  t.match(page, { events: [{ action: 'flag.updated' }], nextCursor: String });
  await t.rejects(async () => service.history('moon', 'f', { limit: 1 }), { code: 'ENVIRONMENT_NOT_FOUND' });
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
    prerequisites: [],
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
