// The snapshot alone: it moves forward only, a single change only as the next revision, and what
// it derives (the list, the segments' conditions) is built once per revision.
import t from 'tap';
import type { Flag } from '../../src/flags/flag-schemas.ts';
import type { Segment } from '../../src/flags/rule-schemas.ts';
import { Snapshot } from '../../src/flags/snapshot.ts';

const flag = (key: string, version = 1) => ({ key, version }) as Flag;
const segment = (key: string, value: string) =>
  ({ key, conditions: [{ attribute: 'plan', operator: 'equals', value }] }) as Segment;

t.test('changes apply in order; older ones are ignored; a gap is refused', async (t) => {
  const snapshot = new Snapshot('production', {
    revision: 5,
    flags: [
      ['b', flag('b')],
      ['a', flag('a')],
    ],
    segments: [],
  });
  t.same(
    snapshot.list.flags.map((f) => f.key),
    ['a', 'b'],
    'the list in key order',
  );
  const list = snapshot.list;
  t.equal(snapshot.list, list, 'one list object per revision');

  t.equal(snapshot.apply({ revision: 6, flags: [['c', flag('c')]], segments: [] }, { next: true }), true);
  t.equal(snapshot.revision, 6);
  t.not(snapshot.list, list, 'a new revision, a new list');
  t.equal(
    snapshot.apply({ revision: 8, flags: [['d', flag('d')]], segments: [] }, { next: true }),
    false,
    'a gap',
  );
  t.equal(snapshot.flag('d'), undefined);
  t.equal(snapshot.apply({ revision: 6, flags: [['c', flag('c', 9)]], segments: [] }), false, 'not newer');
  t.equal(snapshot.flag('c')?.version, 1);
  t.equal(
    snapshot.apply({
      revision: 9,
      flags: [
        ['a', null],
        ['d', flag('d')],
      ],
      segments: [],
    }),
    true,
    'a catch-up',
  );
  t.same(
    snapshot.list.flags.map((f) => f.key),
    ['b', 'c', 'd'],
  );
  t.equal(snapshot.size, 3);
});

t.test("segments' conditions: one object until a segment changes", async (t) => {
  const snapshot = new Snapshot('production', {
    revision: 1,
    flags: [],
    segments: [['gold', segment('gold', 'gold')]],
  });
  const conditions = snapshot.conditions;
  t.same(conditions, { gold: [{ attribute: 'plan', operator: 'equals', value: 'gold' }] });
  snapshot.apply({ revision: 2, flags: [['x', flag('x')]], segments: [] }, { next: true });
  t.equal(snapshot.conditions, conditions, 'a flag change keeps them');
  snapshot.apply(
    { revision: 3, flags: [], segments: [['gold', segment('gold', 'platinum')]] },
    { next: true },
  );
  t.match(snapshot.conditions, { gold: [{ value: 'platinum' }] });
  snapshot.apply({ revision: 4, flags: [], segments: [['gold', null]] }, { next: true });
  t.same(snapshot.conditions, {}, 'a deleted segment is gone');
});
