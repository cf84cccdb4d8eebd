// The bulk answer memo of the flag reader, on a fake store: one build per revision and context,
// a new revision's answer in the old one's place, and a bound on how many answers and how much
// of them are kept.
import t from 'tap';
import { checkContent } from '../../src/flags/flag-content.ts';
import { type BulkRender, createFlagReader } from '../../src/flags/flag-reader.ts';
import { createSnapshots } from '../../src/flags/snapshots.ts';
import { createMetrics } from '../../src/metrics.ts';
import { createFakeFlagStores } from '../fakes/fake-flag-stores.ts';

const ENV = 'production';
const switchOn = (enabled: boolean) =>
  checkContent({
    enabled,
    description: '',
    type: 'boolean',
    defaultVariant: 'on',
    offVariant: 'off',
    variants: { on: true, off: false },
    rules: [],
    prerequisites: [],
  });

/** A reader on a fake store holding flag `f`, with a renderer that counts its builds. */
async function setup(limits = { maxAnswers: 100, maxChars: 1_000_000 }) {
  const { stores } = createFakeFlagStores();
  const store = stores.flags;
  await store.createFlag(ENV, 'f', switchOn(true), () => {}, 'test');
  const snapshots = createSnapshots(stores);
  const reader = createFlagReader({ snapshots, metrics: createMetrics(), bulkAnswers: limits });
  const built: string[] = [];
  const render: BulkRender = (results, flags) => {
    const body = JSON.stringify(flags.map((flag, i) => [flag.key, results[i]]));
    built.push(body);
    return body;
  };
  /** Turns `f` off in the store, and lets the snapshot follow: a new revision. */
  const change = async () => {
    await store.updateFlag(
      ENV,
      'f',
      () => switchOn(false),
      () => {},
      'test',
    );
    await snapshots.poll();
  };
  return { reader, render, built, change };
}

const context = (id: string) => ({ targetingKey: id });

t.test('requests of one revision and context share one build', async (t) => {
  const { reader, render, built } = await setup();
  const [a, b] = await Promise.all([reader.bulk(ENV), reader.bulk(ENV)]);
  const first = a!.answer('u1', context('u1'), render);
  const second = b!.answer('u1', context('u1'), render);
  t.equal(second, first);
  t.equal(built.length, 1, 'built once');
  (await reader.bulk(ENV)).answer('u2', context('u2'), render);
  t.equal(built.length, 2, 'another context is an answer of its own');
});

t.test('a new revision replaces the answer of the old one', async (t) => {
  const { reader, render, built, change } = await setup({ maxAnswers: 2, maxChars: 1_000_000 });
  const before = await reader.bulk(ENV);
  const old = before.answer('u1', context('u1'), render);
  before.answer('u2', context('u2'), render);
  before.answer('u1', context('u1'), render); // u1's answer is now the most recently used
  t.equal(built.length, 2);

  await change();
  const after = await reader.bulk(ENV);
  t.ok(after.revision > before.revision);
  const fresh = after.answer('u1', context('u1'), render);
  t.not(fresh, old, 'the new revision is evaluated again');
  t.match(fresh.body, /"variant":"off"/);
  t.equal(built.length, 3);
  // Kept beside the old one, the new answer would have pushed u2's out (two answers at most).
  before.answer('u2', context('u2'), render);
  t.equal(built.length, 3, "it took u1's old answer's place: u2's is still held");
  after.answer('u1', context('u1'), render);
  t.equal(built.length, 3, 'and the new one is held');
  before.answer('u1', context('u1'), render);
  t.equal(built.length, 4, 'a request still on the old revision builds its own answer');
  after.answer('u1', context('u1'), render);
  t.equal(built.length, 4, 'which leaves the newer answer in place');
});

t.test('at most maxAnswers answers are held, least recently used out first', async (t) => {
  const { reader, render, built } = await setup({ maxAnswers: 3, maxChars: 1_000_000 });
  const bulk = await reader.bulk(ENV);
  for (const id of ['u1', 'u2', 'u3', 'u4']) bulk.answer(id, context(id), render);
  t.equal(built.length, 4);
  for (const id of ['u2', 'u3', 'u4']) bulk.answer(id, context(id), render);
  t.equal(built.length, 4, 'the last three are held');
  bulk.answer('u1', context('u1'), render);
  t.equal(built.length, 5, 'the first is gone');
});

t.test('at most maxChars of answers are held', async (t) => {
  const { reader, render, built } = await setup();
  const size =
    (await reader.bulk(ENV)).answer('u1', context('u1'), render).body.length + 'production\nu1'.length;
  const small = await setup({ maxAnswers: 100, maxChars: size * 2 });
  const bulk = await small.reader.bulk(ENV);
  for (const id of ['u1', 'u2', 'u3']) bulk.answer(id, context(id), small.render);
  bulk.answer('u3', context('u3'), small.render);
  bulk.answer('u2', context('u2'), small.render);
  t.equal(small.built.length, 3, 'two answers fit');
  bulk.answer('u1', context('u1'), small.render);
  t.equal(small.built.length, 4, 'the third pushed the first out');
  t.equal(built.length, 1);
});
