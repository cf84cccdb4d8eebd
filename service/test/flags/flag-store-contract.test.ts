// One suite, run against the PostgreSQL stores and the in-memory fakes the unit tests stand on, per
// aggregate (flags, segments, environments, the change log): both keep a flag's variants in the
// order they were given, archive and restore alike, write a batch as one revision, and record every
// write in the change log under the revision it produced (a refused write: none).
import t, { type Test } from 'tap';
import { openDatabase } from '../../src/db/database.ts';
import { checkSegments, contentOf } from '../../src/flags/flag-content.ts';
import type { Flag, FlagContent } from '../../src/flags/flag-schemas.ts';
import type { FlagStores } from '../../src/flags/flag-service.ts';
import { createPrismaChangeLogStore } from '../../src/flags/prisma-change-log-store.ts';
import { createPrismaEnvironmentStore } from '../../src/flags/prisma-environment-store.ts';
import { createPrismaFlagStore } from '../../src/flags/prisma-flag-store.ts';
import { createPrismaSegmentStore } from '../../src/flags/prisma-segment-store.ts';
import { createFakeFlagStores } from '../fakes/fake-flag-stores.ts';
import { createTestDatabase } from '../helpers/database.ts';

const ENV = 'development';
const ORDER = ['zebra', 'apple', 'mango-long', 'kiwi'];
const content = (names: string[], rules: FlagContent['rules'] = []): FlagContent => ({
  enabled: true,
  description: '',
  type: 'string',
  variants: Object.fromEntries(names.map((name) => [name, name.toUpperCase()])),
  defaultVariant: names[0]!,
  offVariant: null,
  rules,
  prerequisites: [],
});
const names = (flag: Pick<Flag, 'variants'> | null | undefined) => Object.keys(flag?.variants ?? {});
const variantsOf = (value: unknown) => names(value as Flag);

/** The flags aggregate: reads, writes, archive and restore, batches. */
async function flagContract(t: Test, stores: FlagStores) {
  const store = { ...stores.flags, ...stores.changeLog, ...stores.environments, ...stores.segments };
  t.test('variants keep the order they were given in, on every read', async (t) => {
    const created = await store.createFlag(ENV, 'ordered', content(ORDER), checkSegments, 'tester');
    t.same(names(created.flag), ORDER, 'as the write returns it');
    t.same(names(await store.getFlag(ENV, 'ordered')), ORDER, 'read alone');
    const loaded = await store.loadEnvironment(ENV);
    t.same(names(new Map(loaded!.flags).get('ordered')), ORDER, 'in the snapshot an instance loads');
    const since = await store.changesSince(ENV, created.revision - 1);
    t.same(names(new Map(since!.flags).get('ordered')), ORDER, 'in a catch-up');
    const page = await store.pageFlags(ENV, { archived: false, limit: 50 });
    t.same(names(page!.flags.find((f) => f.key === 'ordered')), ORDER, 'in the admin list');

    const reordered = [...ORDER].reverse();
    const updated = await store.updateFlag(
      ENV,
      'ordered',
      (current) => ({ ...contentOf(current), variants: content(reordered).variants }),
      checkSegments,
      'tester',
    );
    t.same('flag' in updated && names(updated.flag), reordered, 'a new order is kept');
    t.same(names(await store.getFlag(ENV, 'ordered')), reordered);
    const [event] = (await store.listAudit({ environment: ENV, flagKey: 'ordered', limit: 1 })).events;
    t.same(variantsOf(event!.before), ORDER, 'the audit shows the order before');
    t.same(variantsOf(event!.after), reordered, 'and after');
  });

  t.test('archive, then restore as it was; an archived key cannot be created again', async (t) => {
    const rules: FlagContent['rules'] = [
      { conditions: [{ attribute: 'plan', operator: 'equals', value: 'gold' }], variant: 'b' },
    ];
    const created = await store.createFlag(
      ENV,
      'comeback',
      content(['b', 'a'], rules),
      checkSegments,
      'tester',
    );
    await t.rejects(store.restoreFlag(ENV, 'comeback', checkSegments, 'tester'), {
      code: 'FLAG_NOT_ARCHIVED',
      statusCode: 409,
    });
    await store.archiveFlag(ENV, 'comeback', 'tester');
    await t.rejects(store.createFlag(ENV, 'comeback', content(['x']), checkSegments, 'tester'), {
      code: 'FLAG_ARCHIVED',
      statusCode: 409,
      message: /POST \/api\/admin\/flags\/comeback\/restore\?environment=development/,
    });
    t.same(names(await store.getFlag(ENV, 'comeback')), ['b', 'a'], 'the refused create changed nothing');

    const restored = await store.restoreFlag(ENV, 'comeback', checkSegments, 'tester');
    t.match(restored.flag, {
      key: 'comeback',
      version: created.flag.version + 2,
      archivedAt: null,
      enabled: true,
      defaultVariant: 'b',
      rules,
      createdAt: created.flag.createdAt,
    });
    t.same(names(restored.flag), ['b', 'a']);
    const loaded = await store.loadEnvironment(ENV);
    t.ok(new Map(loaded!.flags).has('comeback'), 'live again');
    const since = await store.changesSince(ENV, restored.revision - 1);
    t.match(new Map(since!.flags).get('comeback'), { version: restored.flag.version });
    const { events } = await store.listAudit({ environment: ENV, flagKey: 'comeback', limit: 10 });
    t.same(
      events.map((e) => e.action),
      ['flag.restored', 'flag.archived', 'flag.created'],
    );
    t.match(events[0], {
      actor: 'tester',
      version: restored.flag.version,
      revision: restored.revision,
      before: { archivedAt: String },
      after: { archivedAt: null, version: restored.flag.version },
    });
    t.match(events[1], { before: { archivedAt: null, version: created.flag.version } });

    await t.rejects(store.restoreFlag(ENV, 'comeback', checkSegments, 'tester'), {
      code: 'FLAG_NOT_ARCHIVED',
    });
    await t.rejects(store.restoreFlag(ENV, 'never-was', checkSegments, 'tester'), {
      code: 'FLAG_NOT_FOUND',
      statusCode: 404,
    });
    await t.rejects(store.restoreFlag('moon', 'comeback', checkSegments, 'tester'), {
      code: 'ENVIRONMENT_NOT_FOUND',
    });
  });

  t.test('a batch: segments and flags, created or updated, under one revision', async (t) => {
    await store.createFlag(ENV, 'batch-old', content(['a', 'b']), checkSegments, 'tester');
    const before = (await store.environmentRevisions()).find((e) => e.key === ENV)!.revision;
    const keys = { flags: ['batch-old', 'batch-new'], segments: ['batch-segment'] };
    const seen = await store.readBatch(ENV, keys);
    t.same([...seen!.flags.keys()], ['batch-old'], 'what exists of the keys');
    t.equal(seen!.revision, before);
    t.equal(await store.readBatch('moon', keys), null);
    const rules: FlagContent['rules'] = [{ segments: ['batch-segment'], variant: 'y' }];
    const change = await store.writeBatch(
      ENV,
      keys,
      (current) => {
        t.ok(current.flags.has('batch-old') && !current.segments.has('batch-segment'));
        return {
          segments: [
            {
              key: 'batch-segment',
              content: {
                description: '',
                conditions: [{ attribute: 'plan', operator: 'equals', value: 'x' }],
              },
            },
          ],
          flags: [
            { key: 'batch-old', content: content(['b', 'a']) },
            { key: 'batch-new', content: content(['y', 'z'], rules) },
          ],
        };
      },
      checkSegments,
      'tester',
    );
    t.equal(change.revision, before + 1, 'one revision');
    t.same(
      change.flags.map(([key, flag]) => [key, flag.version]),
      [
        ['batch-old', 2],
        ['batch-new', 1],
      ],
    );
    t.same(
      change.segments.map(([key, segment]) => [key, segment.version]),
      [['batch-segment', 1]],
    );
    const since = await store.changesSince(ENV, before);
    t.same(new Map(since!.flags).get('batch-new')?.rules, rules, 'the change log has every write');
    t.ok(new Map(since!.segments).has('batch-segment'));
    const { events } = await store.listAudit({ environment: ENV, limit: 3 });
    t.same(events.map((e) => [e.action, e.revision]).sort(), [
      ['flag.created', before + 1],
      ['flag.updated', before + 1],
      ['segment.created', before + 1],
    ]);

    const nothing = await store.writeBatch(
      ENV,
      keys,
      () => ({ segments: [], flags: [] }),
      checkSegments,
      'tester',
    );
    t.same(nothing, { revision: before + 1, flags: [], segments: [] }, 'nothing to write: no revision');

    await t.rejects(
      store.writeBatch(
        ENV,
        { flags: ['batch-bad', 'batch-old'], segments: [] },
        () => ({
          segments: [],
          flags: [
            { key: 'batch-old', content: content(['a', 'b']) },
            { key: 'batch-bad', content: content(['q'], [{ segments: ['missing'], variant: 'q' }]) },
          ],
        }),
        checkSegments,
        'tester',
      ),
      { code: 'INVALID_FLAG' },
    );
    t.same(names(await store.getFlag(ENV, 'batch-old')), ['b', 'a'], 'a refused batch writes nothing');
    t.equal((await store.environmentRevisions()).find((e) => e.key === ENV)!.revision, before + 1);

    await store.archiveFlag(ENV, 'batch-new', 'tester');
    await t.rejects(
      store.writeBatch(
        ENV,
        { flags: ['batch-new'], segments: [] },
        () => ({ segments: [], flags: [{ key: 'batch-new', content: content(['y']) }] }),
        checkSegments,
        'tester',
      ),
      { code: 'FLAG_ARCHIVED' },
    );
  });

  t.test('a flag whose segment was deleted while it was archived is not restored', async (t) => {
    await store.createSegment(ENV, 'gone-soon', { description: '', conditions: [] }, 'tester');
    await store.createFlag(
      ENV,
      'needs-segment',
      content(['on'], [{ segments: ['gone-soon'], variant: 'on' }]),
      checkSegments,
      'tester',
    );
    await store.archiveFlag(ENV, 'needs-segment', 'tester');
    await store.deleteSegment(ENV, 'gone-soon', 'tester');
    await t.rejects(store.restoreFlag(ENV, 'needs-segment', checkSegments, 'tester'), {
      code: 'INVALID_FLAG',
      message: /'gone-soon' is not a segment of this environment; create the segment first/,
    });
    t.match(await store.getFlag(ENV, 'needs-segment'), { archivedAt: String }, 'still archived');
  });
}

/** The change log: revisions, what changed after one, and the audit events. */
async function changeLogContract(t: Test, stores: FlagStores) {
  const store = { ...stores.flags, ...stores.changeLog, ...stores.segments };
  const revisionOf = async (environment: string) =>
    (await store.environmentRevisions()).find((e) => e.key === environment)!.revision;

  t.test('the audit log filters by flag, person or token, action or kind, and time', async (t) => {
    const ada = { kind: 'person' as const, name: 'Ada', email: 'ada@example.com', subject: 'ada-1' };
    const started = new Date(Date.now() - 1000);
    await store.createFlag(ENV, 'audited', content(['a', 'b']), checkSegments, ada);
    await store.updateFlag(ENV, 'audited', () => content(['b', 'a']), checkSegments, 'ci');
    await store.createSegment(ENV, 'audited-segment', { description: '', conditions: [] }, ada);
    await store.archiveFlag(ENV, 'audited', 'ci');
    const actions = async (filter: Omit<Parameters<FlagStores['changeLog']['listAudit']>[0], 'limit'>) =>
      (await store.listAudit({ environment: ENV, limit: 50, from: started, ...filter })).events.map(
        (e) => e.action,
      );
    t.same(await actions({ flagKey: 'audited' }), ['flag.archived', 'flag.updated', 'flag.created']);
    t.same(await actions({ actor: 'ada@example.com' }), ['segment.created', 'flag.created'], 'by email');
    t.same(await actions({ actor: 'ada-1' }), ['segment.created', 'flag.created'], 'by subject');
    t.same(await actions({ actor: 'Ada' }), ['segment.created', 'flag.created'], 'by name');
    t.same(await actions({ actor: 'ci', flagKey: 'audited' }), ['flag.archived', 'flag.updated'], 'by token');
    t.same(await actions({ action: { exact: 'flag.updated' }, flagKey: 'audited' }), ['flag.updated']);
    t.same(await actions({ action: { prefix: 'segment.' }, actor: 'Ada' }), ['segment.created'], 'by kind');
    t.same(await actions({ action: { prefix: 'f_ag.' } }), [], 'a prefix is taken literally');
    t.same(await actions({ flagKey: 'audited', to: started }), [], 'nothing before the test began');
    t.same(
      await actions({ flagKey: 'audited', from: new Date(Date.now() + 60_000) }),
      [],
      'nothing in the future',
    );
    const first = await store.listAudit({ environment: ENV, flagKey: 'audited', limit: 2 });
    const rest = await store.listAudit({
      environment: ENV,
      flagKey: 'audited',
      limit: 2,
      cursor: first.nextCursor!,
    });
    t.same(
      [...first.events, ...rest.events].map((e) => e.action),
      ['flag.archived', 'flag.updated', 'flag.created'],
      'two pages, each event once',
    );
    t.equal(rest.nextCursor, null);
  });

  t.test('every write bumps the revision once and is found after the revision before it', async (t) => {
    const start = await revisionOf(ENV);
    const other = await revisionOf('staging');
    const created = await store.createFlag(ENV, 'logged', content(['a', 'b']), checkSegments, 'tester');
    t.equal(created.revision, start + 1);
    t.equal(await revisionOf('staging'), other, 'another environment keeps its revision');
    const segment = await store.createSegment(
      ENV,
      'logged-segment',
      { description: '', conditions: [] },
      'tester',
    );
    t.equal(segment.revision, start + 2);
    const since = await store.changesSince(ENV, start);
    t.same(since!.revision, start + 2);
    t.same(
      [...since!.flags].map(([key, flag]) => [key, flag?.version]),
      [['logged', 1]],
    );
    t.same(
      [...since!.segments].map(([key, s]) => [key, s?.version]),
      [['logged-segment', 1]],
    );
    const current = await store.changesSince(ENV, start + 2);
    t.same(
      [current!.revision, [...current!.flags], [...current!.segments]],
      [start + 2, [], []],
      'up to date',
    );
    t.equal(await store.changesSince('moon', 0), null, 'an unknown environment');

    await store.archiveFlag(ENV, 'logged', 'tester');
    await store.deleteSegment(ENV, 'logged-segment', 'tester');
    const gone = await store.changesSince(ENV, start + 2);
    t.equal(gone!.revision, start + 4);
    t.same([...gone!.flags], [['logged', null]], 'archived: gone from the snapshot');
    t.same([...gone!.segments], [['logged-segment', null]], 'deleted');
    const { events } = await store.listAudit({ environment: ENV, limit: 4 });
    t.same(
      events.map((e) => [e.action, e.revision]),
      [
        ['segment.deleted', start + 4],
        ['flag.archived', start + 3],
        ['segment.created', start + 2],
        ['flag.created', start + 1],
      ],
    );
  });

  t.test('a refused or empty write records nothing and keeps the revision', async (t) => {
    await store.createFlag(ENV, 'kept', content(['a', 'b']), checkSegments, 'tester');
    const start = await revisionOf(ENV);
    const events = (await store.listAudit({ environment: ENV, limit: 1 })).events.map((e) => e.id);
    await t.rejects(store.createFlag(ENV, 'kept', content(['x']), checkSegments, 'tester'), {
      code: 'FLAG_EXISTS',
    });
    await t.rejects(
      store.updateFlag(
        ENV,
        'kept',
        () => {
          throw new Error('no');
        },
        checkSegments,
        'tester',
      ),
      { message: 'no' },
    );
    const unchanged = await store.updateFlag(ENV, 'kept', () => undefined, checkSegments, 'tester');
    t.match(unchanged, { unchanged: { key: 'kept', version: 1 } });
    await t.rejects(store.createSegment('moon', 'nowhere', { description: '', conditions: [] }, 'tester'), {
      code: 'ENVIRONMENT_NOT_FOUND',
    });
    t.equal(await revisionOf(ENV), start);
    t.same(
      (await store.listAudit({ environment: ENV, limit: 1 })).events.map((e) => e.id),
      events,
      'no event',
    );
  });
}

/** The segments aggregate. */
async function segmentContract(t: Test, stores: FlagStores) {
  const store = { ...stores.flags, ...stores.segments, ...stores.changeLog };
  const conditions = [{ attribute: 'plan', operator: 'equals' as const, value: 'gold' }];

  t.test('create, read, update, and delete once no live flag uses it', async (t) => {
    const created = await store.createSegment(ENV, 'seg-gold', { description: 'gold', conditions }, 'tester');
    t.match(created, { kind: 'segment', key: 'seg-gold', segment: { version: 1, conditions } });
    await t.rejects(store.createSegment(ENV, 'seg-gold', { description: '', conditions: [] }, 'tester'), {
      code: 'SEGMENT_EXISTS',
    });
    t.match(await store.findSegment(ENV, 'seg-gold'), { description: 'gold', version: 1 });
    t.equal(await store.findSegment(ENV, 'seg-none'), null);
    t.ok((await store.listSegments(ENV))!.some((s) => s.key === 'seg-gold'));
    t.equal(await store.listSegments('moon'), null);

    const updated = await store.updateSegment(
      ENV,
      'seg-gold',
      (current) => ({ description: `${current.description}!`, conditions: [] }),
      'tester',
    );
    t.match(updated, {
      revision: created.revision + 1,
      segment: { version: 2, description: 'gold!', conditions: [] },
    });
    await t.rejects(
      store.updateSegment(ENV, 'seg-none', (s) => s, 'tester'),
      { code: 'SEGMENT_NOT_FOUND' },
    );

    const rules: FlagContent['rules'] = [{ segments: ['seg-gold'], variant: 'a' }];
    await store.createFlag(ENV, 'seg-user-b', content(['a'], rules), checkSegments, 'tester');
    await store.createFlag(ENV, 'seg-user-a', content(['a'], rules), checkSegments, 'tester');
    t.same(await store.segmentUsers(ENV, 'seg-gold', 10), ['seg-user-a', 'seg-user-b'], 'in key order');
    t.same(await store.segmentUsers(ENV, 'seg-gold', 1), ['seg-user-a'], 'at most the limit');
    await t.rejects(store.deleteSegment(ENV, 'seg-gold', 'tester'), {
      code: 'SEGMENT_IN_USE',
      message: /seg-user-a/,
    });
    await store.archiveFlag(ENV, 'seg-user-a', 'tester');
    await store.archiveFlag(ENV, 'seg-user-b', 'tester');
    t.same(await store.segmentUsers(ENV, 'seg-gold', 10), [], 'archived flags do not use it');
    const deleted = await store.deleteSegment(ENV, 'seg-gold', 'tester');
    t.match(deleted, { kind: 'segment', key: 'seg-gold', segment: null });
    t.equal(await store.findSegment(ENV, 'seg-gold'), null);
    await t.rejects(store.deleteSegment(ENV, 'seg-gold', 'tester'), { code: 'SEGMENT_NOT_FOUND' });

    const { events } = await store.listAudit({ environment: ENV, action: { prefix: 'segment.' }, limit: 3 });
    t.match(events, [
      {
        action: 'segment.deleted',
        segmentKey: 'seg-gold',
        revision: deleted.revision,
        before: { version: 2 },
      },
      {
        action: 'segment.updated',
        revision: updated.revision,
        before: { version: 1 },
        after: { version: 2 },
      },
      { action: 'segment.created', revision: created.revision, before: null, after: { version: 1 } },
    ]);
  });
}

/** The environments aggregate. */
async function environmentContract(t: Test, stores: FlagStores) {
  const store = { ...stores.environments, ...stores.flags, ...stores.changeLog };

  t.test('a new environment starts empty at revision 0, and loads whole', async (t) => {
    const created = await store.createEnvironment('qa', 'tester');
    t.match(created, { key: 'qa', revision: 0, protected: false, createdAt: String });
    await t.rejects(store.createEnvironment('qa', 'tester'), { code: 'ENVIRONMENT_EXISTS' });
    t.ok((await store.listEnvironments()).some((e) => e.key === 'qa'));
    t.same(await store.loadEnvironment('qa'), { revision: 0, flags: [], segments: [] });
    t.equal(await store.loadEnvironment('moon'), null);
    const [event] = (await store.listAudit({ environment: 'qa', limit: 1 })).events;
    t.match(event, { action: 'environment.created', after: { key: 'qa' }, revision: null });

    await store.createFlag('qa', 'qa-flag', content(['a']), checkSegments, 'tester');
    await store.createFlag('qa', 'qa-gone', content(['a']), checkSegments, 'tester');
    await store.archiveFlag('qa', 'qa-gone', 'tester');
    const loaded = await store.loadEnvironment('qa');
    t.equal(loaded!.revision, 3);
    t.same(
      [...loaded!.flags].map(([key]) => key),
      ['qa-flag'],
      'live flags only',
    );
  });
}

async function contract(t: Test, stores: FlagStores) {
  t.test('flags', (t) => flagContract(t, stores));
  t.test('segments', (t) => segmentContract(t, stores));
  t.test('environments', (t) => environmentContract(t, stores));
  t.test('change log', (t) => changeLogContract(t, stores));
}

t.test('the in-memory fakes', (t) => contract(t, createFakeFlagStores().stores));

t.test('PostgreSQL', async (t) => {
  const database = await createTestDatabase();
  const db = await openDatabase({ DATA_DIR: database.env.DATA_DIR ?? '', ...database.env });
  t.teardown(async () => {
    await db.close();
    await database.drop();
  });
  t.comment(`database: ${database.source}`);
  await contract(t, {
    flags: createPrismaFlagStore(db.client),
    segments: createPrismaSegmentStore(db.client),
    environments: createPrismaEnvironmentStore(db.client),
    changeLog: createPrismaChangeLogStore(db.client),
  });
});
