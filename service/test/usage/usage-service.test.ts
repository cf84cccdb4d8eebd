// The usage service on a fake store: a failed flush keeps its counts (up to a bound) for the next,
// and what the next one writes is exactly what was counted; what a flush records of the variants a
// flag served; staleness by its rules.
import t from 'tap';
import type { Evaluation } from '../../src/flags/rule-schemas.ts';
import { createUsageCounter, MAX_HELD_BULKS } from '../../src/usage/usage-counter.ts';
import {
  createUsageService,
  type FlushReport,
  MAX_PENDING_ROWS,
  RETENTION_DAYS,
  rowsOf,
  staleReasons,
} from '../../src/usage/usage-service.ts';
import type { ActivityRow, UsageRow, UsageStore } from '../../src/usage/usage-store.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A store whose `add` fails while `failing` is set; what it was given otherwise. */
function fakeStore() {
  const added: { rows: UsageRow[]; activity: ActivityRow[] }[] = [];
  const store = {
    failing: false as boolean,
    added,
    async add(rows: UsageRow[], activity: ActivityRow[]) {
      if (store.failing) throw new Error('connection refused');
      added.push({ rows, activity });
    },
    lastEvaluated: async () => new Map(),
    series: async () => [],
    candidates: async () => [],
    pruned: [] as Date[],
    async prune(before: Date) {
      store.pruned.push(before);
      return 0;
    },
  } satisfies UsageStore & { failing: boolean; added: unknown; pruned: Date[] };
  return store;
}

function setup() {
  let clock = Date.parse('2026-12-08T10:15:00Z');
  const now = () => new Date(clock);
  const counter = createUsageCounter({ enabled: true, now });
  const store = fakeStore();
  const errors: FlushReport[] = [];
  const usage = createUsageService({
    counter,
    store,
    rules: { unevaluatedDays: 30, unchangedDays: 30 },
    now,
    onFlushError: (_err, report) => errors.push(report),
  });
  return { counter, store, usage, errors, advance: (ms: number) => (clock += ms) };
}

const sums = (rows: UsageRow[]) =>
  Object.fromEntries(
    rows.map((r) => [`${r.flag}/${r.variant}@${r.bucket.toISOString().slice(11, 13)}`, r.count]),
  );

t.test('a failed flush keeps its counts, and the next one writes them with the new ones', async (t) => {
  const { counter, store, usage, errors, advance } = setup();
  for (let i = 0; i < 7; i++) counter.count('production', 'checkout', 'blue');
  counter.count('production', 'checkout', undefined);
  store.failing = true;
  advance(60_000);
  const failed = await usage.flush();
  t.same(failed, { rows: 2, failed: true, dropped: 0 });
  t.same(errors, [failed], 'reported');
  t.equal(store.added.length, 0);
  t.equal(usage.pending(), 2);

  // An hour on, still failing: the kept counts stay in their hour, new ones go to theirs.
  advance(HOUR);
  t.same(await usage.flush(), { rows: 2, failed: true, dropped: 0 });
  for (let i = 0; i < 3; i++) counter.count('production', 'checkout', 'blue');
  advance(60_000);
  t.same(await usage.flush(), { rows: 3, failed: true, dropped: 0 });

  store.failing = false;
  for (let i = 0; i < 2; i++) counter.count('production', 'checkout', 'blue');
  advance(60_000);
  const ok = await usage.flush();
  t.same(ok, { rows: 3, failed: false, dropped: 0 });
  t.equal(store.added.length, 1);
  t.same(sums(store.added[0]!.rows), {
    'checkout/blue@10': 7,
    'checkout/(default)@10': 1,
    'checkout/blue@11': 5,
  });
  t.equal(usage.pending(), 0);
  t.same((await usage.flush()).rows, 0, 'nothing left');
  t.equal(store.pruned.length, 1, 'the first good flush deletes the hours past the retention');
  t.equal(Date.parse('2026-12-08T11:18:00Z') - store.pruned[0]!.getTime(), RETENTION_DAYS * DAY);
  counter.count('production', 'checkout', 'blue');
  await usage.flush();
  t.equal(store.pruned.length, 1, 'once a day');
  advance(DAY);
  counter.count('production', 'checkout', 'blue');
  await usage.flush();
  t.equal(store.pruned.length, 2);
});

t.test('what failed flushes keep is bounded: the oldest hours go first, and are reported', async (t) => {
  const { counter, store, usage, errors, advance } = setup();
  store.failing = true;
  counter.count('production', 'old', 'on');
  advance(HOUR);
  await usage.flush(); // the old hour, kept
  for (let i = 0; i < MAX_PENDING_ROWS; i++) counter.count('production', `flag-${i}`, 'on');
  advance(HOUR);
  const report = await usage.flush();
  t.same(report, { rows: MAX_PENDING_ROWS + 1, failed: true, dropped: 1 });
  t.equal(usage.pending(), MAX_PENDING_ROWS);
  t.equal(errors.length, 2);
  store.failing = false;
  await usage.flush();
  t.notOk(
    store.added[0]!.rows.some((row) => row.flag === 'old'),
    'the oldest hour was dropped',
  );
});

t.test('a flush records the one variant a flag served, several, or none (reads only)', async (t) => {
  const from = new Date('2026-12-08T10:00:30Z');
  const to = new Date('2026-12-08T10:01:30Z');
  const counts = new Map([
    [
      'production',
      new Map([
        [
          'one',
          new Map([
            ['on', 4],
            ['(read)', 2],
          ]),
        ],
        [
          'two',
          new Map([
            ['on', 1],
            ['off', 1],
          ]),
        ],
        ['reads', new Map([['(read)', 9]])],
      ]),
    ],
  ]);
  const { rows, activity } = rowsOf({ counts, from, to });
  t.equal(rows.length, 5);
  t.ok(
    rows.every((row) => row.bucket.toISOString() === '2026-12-08T10:00:00.000Z'),
    'in the hour it began',
  );
  t.same(
    activity.map(({ flag, at, onlyVariant, onlyVariantSince }) => [flag, at, onlyVariant, onlyVariantSince]),
    [
      ['one', to, 'on', from],
      ['two', to, null, to],
      ['reads', to, null, null],
    ],
  );
});

t.test(
  'kept activity is laid under the next as the database would: one variant keeps its start',
  async (t) => {
    const { counter, store, usage, advance } = setup();
    const start = Date.parse('2026-12-08T10:15:00Z');
    store.failing = true;
    counter.count('production', 'flag', 'on');
    advance(60_000);
    await usage.flush();
    counter.read('production', 'flag');
    counter.count('production', 'other', 'on');
    advance(60_000);
    await usage.flush();
    store.failing = false;
    counter.count('production', 'flag', 'on');
    counter.count('production', 'other', 'off');
    advance(60_000);
    await usage.flush();
    const byFlag = Object.fromEntries(store.added[0]!.activity.map((a) => [a.flag, a]));
    t.same(byFlag.flag!.onlyVariant, 'on');
    t.same(byFlag.flag!.onlyVariantSince, new Date(start), 'since the first interval');
    t.same(byFlag.flag!.at, new Date(start + 180_000));
    t.same(byFlag.other!.onlyVariant, 'off', 'another variant starts again');
    t.same(byFlag.other!.onlyVariantSince, new Date(start + 120_000));
  },
);

t.test('counting switched off counts nothing', async (t) => {
  const counter = createUsageCounter({ enabled: false });
  counter.count('production', 'flag', 'on');
  counter.read('production', 'flag');
  counter.countAll('production', [{ key: 'flag' }], [{ variant: 'on', value: true, reason: 'STATIC' }]);
  t.equal(counter.take().counts.size, 0);
});

t.test('a bulk counts its successes only', async (t) => {
  const counter = createUsageCounter({ enabled: true });
  counter.countAll(
    'production',
    [{ key: 'a' }, { key: 'b' }, { key: 'c' }],
    [
      { variant: 'on', value: true, reason: 'STATIC' },
      { errorCode: 'GENERAL', errorDetails: 'x' },
      { reason: 'DISABLED' },
    ],
  );
  const flags = counter.take().counts.get('production')!;
  t.same([...flags.keys()], ['a', 'c']);
  t.same([...flags.get('c')!], [['(default)', 1]]);
});

t.test('a shared bulk answer is tallied, and its flags counted at the flush', async (t) => {
  const counter = createUsageCounter({ enabled: true });
  const flags = [{ key: 'a' }, { key: 'b' }];
  const shared: Evaluation[] = [
    { variant: 'on', value: true, reason: 'STATIC' },
    { variant: 'blue', value: 'blue', reason: 'SPLIT' },
  ];
  for (let i = 0; i < 3; i++) counter.countAll('production', flags, shared);
  counter.countAll('production', flags, [
    { variant: 'on', value: true, reason: 'STATIC' },
    { reason: 'DEFAULT' },
  ]);
  counter.count('production', 'a', 'off');
  const production = counter.take().counts.get('production')!;
  t.same(
    [...production.get('a')!],
    [
      ['off', 1],
      ['on', 4],
    ],
  );
  t.same(
    [...production.get('b')!],
    [
      ['blue', 3],
      ['(default)', 1],
    ],
  );
  counter.countAll('production', flags, shared);
  t.same([...counter.take().counts.get('production')!.get('a')!], [['on', 1]], 'a tally lasts one flush');

  // Past the bound, the tallies held are counted at once.
  const many = Array.from({ length: MAX_HELD_BULKS + 1 }, (): Evaluation[] => [{ reason: 'DISABLED' }]);
  for (const results of many) counter.countAll('production', [{ key: 'a' }], results);
  t.same([...counter.take().counts.get('production')!.get('a')!], [['(default)', MAX_HELD_BULKS + 1]]);
});

t.test('stale rules, at their thresholds', async (t) => {
  const now = new Date('2026-12-08T00:00:00Z');
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const rules = { unevaluatedDays: 30, unchangedDays: 14 };
  const flag = {
    key: 'f',
    enabled: true,
    hasRules: true,
    createdAt: ago(100),
    updatedAt: ago(100),
    lastEvaluatedAt: ago(29),
    onlyVariant: null,
    onlyVariantSince: null,
  };
  t.same(staleReasons(flag, now, rules), [], 'evaluated 29 days ago, serving several variants');
  t.match(staleReasons({ ...flag, lastEvaluatedAt: ago(30) }, now, rules), [{ code: 'unevaluated' }]);
  t.same(staleReasons({ ...flag, onlyVariant: 'on', onlyVariantSince: ago(13) }, now, rules), []);
  t.match(staleReasons({ ...flag, onlyVariant: 'on', onlyVariantSince: ago(14) }, now, rules), [
    { code: 'unchanged', message: /Served only 'on' for 14 days/ },
  ]);
  t.match(staleReasons({ ...flag, onlyVariant: '(default)', onlyVariantSince: ago(20) }, now, rules), [
    { message: /only the code default/ },
  ]);
  t.same(
    staleReasons({ ...flag, onlyVariant: 'on', onlyVariantSince: ago(20), updatedAt: ago(13) }, now, rules),
    [],
    'changed 13 days ago',
  );
  t.match(staleReasons({ ...flag, hasRules: false, updatedAt: ago(14) }, now, rules), [
    { code: 'unchanged', since: ago(14).toISOString() },
  ]);
  t.match(
    staleReasons(
      { ...flag, lastEvaluatedAt: null, createdAt: ago(31), updatedAt: ago(31), enabled: false },
      now,
      rules,
    ),
    [
      { code: 'unevaluated', message: /Never evaluated/ },
      { code: 'unchanged', message: /^Off/ },
    ],
  );
});
