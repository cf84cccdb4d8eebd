// Prerequisites without a database: the write-time check on a graph (circles named, limits, kept
// prerequisites of a restored flag) and evaluation (shared answers, the depth net, a lookup that
// finds nothing), then the same rules through the fake store that unit tests use.
import t from 'tap';
import { type EvaluableFlag, evaluate } from '../../src/evaluation/evaluate.ts';
import { newContent } from '../../src/flags/flag-content.ts';
import type { FlagContent } from '../../src/flags/flag-schemas.ts';
import { checkPrerequisites, type PrerequisiteNode, requirersOf } from '../../src/flags/prerequisites.ts';
import { MAX_PREREQUISITE_DEPTH } from '../../src/flags/rule-schemas.ts';
import { createFakeFlagStores } from '../fakes/fake-flag-stores.ts';

const on = (flag: string) => ({ flag, variants: ['on'] });
const switchWith = (...prerequisites: string[]): FlagContent =>
  newContent({ key: 'x', enabled: true, prerequisites: prerequisites.map(on) });
const node = (...prerequisites: string[]): PrerequisiteNode => ({
  variants: ['on', 'off'],
  prerequisites: prerequisites.map(on),
});

t.test('the check names the circle it would close, and counts every chain', async (t) => {
  const graph = new Map([
    ['a', node('b')],
    ['b', node('c')],
    ['c', node()],
  ]);
  t.throws(() => checkPrerequisites('e', 'c', switchWith('a'), null, graph), {
    code: 'PREREQUISITE_CYCLE',
    message: /'c' → 'a' → 'b' → 'c'/,
  });
  t.doesNotThrow(
    () => checkPrerequisites('e', 'd', switchWith('a', 'b', 'c'), null, graph),
    'a diamond is fine',
  );

  // Ten flags each requiring the ten below: few links, but an evaluation would check 10 + 100 + …
  const wide = new Map<string, PrerequisiteNode>();
  const level = (n: number) => Array.from({ length: 10 }, (_, i) => `l${n}-${i}`);
  for (const key of level(0)) wide.set(key, node());
  for (const key of level(1)) wide.set(key, node(...level(0)));
  t.throws(() => checkPrerequisites('e', 'top', switchWith(...level(1)), null, wide), {
    code: 'PREREQUISITE_LIMIT',
    message: /110 prerequisites to check in one evaluation.*at most 100/,
  });
});

t.test('a restored flag keeps a prerequisite that is gone; a new one must exist', async (t) => {
  const content = switchWith('gone');
  t.doesNotThrow(() => checkPrerequisites('e', 'x', content, content, new Map()), 'kept as it was');
  t.throws(() => checkPrerequisites('e', 'x', content, null, new Map()), { code: 'PREREQUISITE_NOT_FOUND' });
  t.same(
    requirersOf(
      [
        { key: 'z', prerequisites: [on('base')] },
        { key: 'a', prerequisites: [on('base')] },
        { key: 'base', prerequisites: [] },
      ],
      'base',
    ),
    ['a', 'z'],
  );
});

t.test(
  'evaluation: shared answers, unmet without a lookup, and a depth net under the write check',
  async (t) => {
    const flag = (key: string, prerequisites: string[] = []): EvaluableFlag => ({
      key,
      enabled: true,
      defaultVariant: 'on',
      offVariant: 'off',
      variants: { on: true, off: false },
      rules: [],
      prerequisites: prerequisites.map(on),
    });
    const flags = new Map<string, EvaluableFlag>([
      ['base', flag('base')],
      ['top', flag('top', ['base'])],
    ]);
    const lookup = (key: string) => flags.get(key);
    const met = evaluate(flags.get('top')!, {}, {}, lookup);
    t.same(met, { value: true, variant: 'on', reason: 'STATIC' });
    t.equal(evaluate(flags.get('top')!, {}, {}, lookup), met, 'the same shared answer: nothing allocated');
    t.same(evaluate(flags.get('top')!, {}, {}), { value: false, variant: 'off', reason: 'DISABLED' });

    // A chain longer than any write allows (as a corrupted store might hold): bounded, held off.
    const chain = new Map<string, EvaluableFlag>();
    for (let i = 0; i <= MAX_PREREQUISITE_DEPTH + 1; i++)
      chain.set(`f${i}`, flag(`f${i}`, i === 0 ? [] : [`f${i - 1}`]));
    const at = (i: number) =>
      evaluate(chain.get(`f${i}`)!, {}, {}, (key) => chain.get(key)) as { variant: string };
    t.equal(at(MAX_PREREQUISITE_DEPTH).variant, 'on', `a chain of ${MAX_PREREQUISITE_DEPTH} is followed`);
    t.equal(at(MAX_PREREQUISITE_DEPTH + 1).variant, 'off', 'one longer is not');
    const circle = new Map([
      ['p', flag('p', ['q'])],
      ['q', flag('q', ['p'])],
    ]);
    t.same(
      evaluate(circle.get('p')!, {}, {}, (key) => circle.get(key)),
      { value: false, variant: 'off', reason: 'DISABLED' },
      'even a circle ends',
    );
  },
);

t.test('the fake store keeps the same rules as PostgreSQL', async (t) => {
  const store = createFakeFlagStores().stores.flags;
  const actor = 'test';
  const check = () => {};
  await store.createFlag('production', 'base', switchWith(), check, actor);
  await store.createFlag('production', 'top', switchWith('base'), check, actor);
  await t.rejects(store.createFlag('production', 'other', switchWith('nowhere'), check, actor), {
    code: 'PREREQUISITE_NOT_FOUND',
  });
  await t.rejects(
    store.updateFlag('production', 'base', () => switchWith('top'), check, actor),
    { code: 'PREREQUISITE_CYCLE', message: /'base' → 'top' → 'base'/ },
  );
  await t.rejects(store.archiveFlag('production', 'base', actor), {
    code: 'FLAG_REQUIRED',
    message: /'top'/,
  });
});
