import { createHash } from 'node:crypto';
import t from 'tap';
import { bucket, type EvaluableFlag, evaluate, hash } from '../../src/evaluation/evaluate.ts';
import {
  type Condition,
  type Evaluation,
  type EvaluationContext,
  OPERATORS,
  type Operator,
  type Rule,
} from '../../src/flags/rule-schemas.ts';

/** The i-th of a fixed sequence of random-looking user keys: the same numbers every run. */
const userKey = (i: number) => createHash('sha256').update(`user-${i}`).digest('hex').slice(0, 32);

const VARIANTS = { control: 'fallback', on: 'ON', off: 'OFF', a: 'A', b: 'B', c: 'C' };
const NO_SEGMENTS = {};

function makeFlag(rules: Rule[], overrides: Partial<EvaluableFlag> = {}): EvaluableFlag {
  return {
    key: 'new-checkout',
    enabled: true,
    defaultVariant: 'control',
    offVariant: 'off',
    variants: { ...VARIANTS },
    rules,
    ...overrides,
  };
}

/** Marks an attribute left out of the context, as opposed to one set to undefined. */
const MISSING = Symbol('missing');

function contextWith(attribute: string, actual: unknown): EvaluationContext {
  return actual === MISSING ? {} : { [attribute]: actual };
}

function show(value: unknown): string {
  if (value === MISSING) return 'a missing attribute';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Whether a rule made of this one condition matches; fails loudly if the evaluation is an error. */
function matches(condition: Condition, context: EvaluationContext): boolean {
  const result = evaluate(makeFlag([{ conditions: [condition], variant: 'on' }]), NO_SEGMENTS, context);
  if (!('reason' in result)) throw new Error(`unexpected error: ${result.errorDetails}`);
  return result.reason === 'TARGETING_MATCH';
}

/** The junk every operator must treat as a non-match, whatever its value. */
const ALWAYS_MISMATCHED = [MISSING, undefined, null, {}, { a: 1 }, [], () => 'x'];

interface OperatorTable {
  operator: Operator;
  value?: unknown;
  match: unknown[];
  noMatch: unknown[];
}

const TABLES: OperatorTable[] = [
  {
    operator: 'equals',
    value: 'gold',
    match: ['gold'],
    noMatch: ['Gold', 'gold ', 'silver', '', 1, 0, true, false, ['gold'], { gold: true }],
  },
  { operator: 'equals', value: 42, match: [42, 42.0], noMatch: ['42', 43, -42, 42.5, true, [42]] },
  { operator: 'equals', value: 0, match: [0, -0], noMatch: ['0', '', false, null] },
  { operator: 'equals', value: true, match: [true], noMatch: [false, 'true', 1, [true]] },
  { operator: 'equals', value: false, match: [false], noMatch: [true, 0, '', 'false', [false]] },
  {
    operator: 'not_equals',
    value: 'gold',
    match: ['silver', 'Gold', ''],
    noMatch: ['gold', 1, 0, true, false, ['silver'], ['gold'], { silver: true }],
  },
  { operator: 'not_equals', value: 42, match: [41, 0, -42, 42.5], noMatch: [42, '41', '42', true, [41]] },
  { operator: 'not_equals', value: true, match: [false], noMatch: [true, 'false', 0, 1, [false]] },
  {
    operator: 'in',
    value: ['fr', 'de'],
    match: ['fr', 'de'],
    noMatch: ['it', 'FR', '', 'fr,de', 1, true, ['fr'], { fr: true }],
  },
  { operator: 'in', value: [1, 2, 3], match: [1, 2, 3], noMatch: [4, 0, '2', true, [2]] },
  { operator: 'in', value: ['1', 2], match: ['1', 2], noMatch: [1, '2', 3, '3'] },
  { operator: 'in', value: [true, false], match: [], noMatch: [true, false] },
  {
    operator: 'not_in',
    value: ['fr', 'de'],
    match: ['it', 'FR', ''],
    noMatch: ['fr', 'de', 1, 0, true, false, ['it'], { it: true }],
  },
  { operator: 'not_in', value: [1, 2], match: [3, 0, -1], noMatch: [1, 2, '3', '1', true, [3]] },
  { operator: 'not_in', value: ['1', 2], match: ['3', 3], noMatch: ['1', 2, true] },
  {
    operator: 'starts_with',
    value: 'ab',
    match: ['ab', 'abc', 'ab-12'],
    noMatch: ['xab', 'Abc', 'a', '', 12, true, ['abc'], { abc: 1 }],
  },
  { operator: 'starts_with', value: '12', match: ['123'], noMatch: [123, 12] },
  { operator: 'starts_with', value: '', match: ['', 'anything'], noMatch: [0, false, ['']] },
  {
    operator: 'ends_with',
    value: '.com',
    match: ['.com', 'example.com', 'a.b.com'],
    noMatch: ['example.COM', 'example.co', 'example.com.au', '', 5, true, ['x.com'], { com: 1 }],
  },
  { operator: 'ends_with', value: '23', match: ['123'], noMatch: [123, 23] },
  {
    operator: 'contains',
    value: 'beta',
    match: ['beta', 'my-beta-1', 'alphabeta'],
    noMatch: ['Beta', 'bet', 'b-e-t-a', '', 42, true, ['beta'], { beta: 1 }],
  },
  { operator: 'contains', value: '1', match: ['210'], noMatch: [123, 1] },
  {
    operator: 'lt',
    value: 10,
    match: [9, 9.99, 0, -1e9],
    noMatch: [10, 10.01, 11, '9', '', true, false, [9], { n: 9 }, Number.NEGATIVE_INFINITY, Number.NaN],
  },
  { operator: 'lte', value: 10, match: [10, 9, -3.5], noMatch: [10.01, 11, '10', '9', true, [10]] },
  {
    operator: 'gt',
    value: 10,
    match: [11, 10.01, 1e12],
    noMatch: [10, 9, '11', true, [11], Number.POSITIVE_INFINITY, Number.NaN],
  },
  { operator: 'gte', value: 10, match: [10, 10.5, 99], noMatch: [9.99, -10, '10', '11', true, [10]] },
  { operator: 'gte', value: -2.5, match: [-2.5, 0], noMatch: [-3, '-2'] },
  {
    operator: 'semver_lt',
    value: '1.2.3',
    // As flagd reads context versions: a leading v or V dropped, "1.2" and "1" are 1.2.0 and 1.0.0.
    match: ['1.2.2', 'v1.2.2', '1.2.3-beta', '1.2.3-rc.1', '0.9.99', '1.1.99', '1.2', '1', 'V1.0.0', 'v1'],
    noMatch: ['1.2.3', 'v1.2.3', '1.2.4', '1.10.0', '2.0.0-alpha', '', 'latest', '1.3', 'V1.3'],
  },
  {
    operator: 'semver_lt',
    value: '1.2.3',
    match: [],
    noMatch: [1.2, 1, 0, true, false, ['1.0.0'], { version: '1.0.0' }],
  },
  {
    operator: 'semver_lte',
    value: '1.2.3',
    match: ['1.2.3', 'v1.2.3', '1.2.3+build.5', '1.2.3-rc.1', '1.2.2'],
    noMatch: ['1.2.4', '1.2.4-alpha', '1.3.0', '1.3', 'abc', 1, [], true],
  },
  {
    operator: 'semver_gt',
    value: '1.2.3',
    match: ['1.2.4', '1.10.0', '2.0.0-alpha', '1.2.4-beta', 'v2.0.0', '1.9', '10', 'V2'],
    noMatch: ['1.2.3', '1.2.3-beta', '1.2.3+build', '1.2', '1.2.2', '1', 2, true],
  },
  {
    operator: 'semver_gte',
    value: 'v1.2.3',
    match: ['1.2.3', 'v1.2.3', '1.3.0', '1.2.3+build'],
    noMatch: ['1.2.3-beta', '1.2.2', '1.2', 'not.a.version', 1.3, false],
  },
  {
    operator: 'exists',
    match: ['x', '', 0, -1, false, true, [], {}, ['x'], { a: 1 }],
    noMatch: [],
  },
];

t.test('every operator: matching values match, all others do not, and nothing throws', async (t) => {
  for (const { operator, value, match, noMatch } of TABLES) {
    const condition: Condition =
      value === undefined ? { attribute: 'x', operator } : { attribute: 'x', operator, value };
    const noMatchAtAll =
      operator === 'exists' ? [MISSING, undefined, null] : [...noMatch, ...ALWAYS_MISMATCHED];
    t.test(`${operator} ${JSON.stringify(value) ?? '(no value)'}`, async (t) => {
      for (const actual of match)
        t.equal(matches(condition, contextWith('x', actual)), true, `${show(actual)} matches`);
      for (const actual of noMatchAtAll) {
        t.equal(matches(condition, contextWith('x', actual)), false, `${show(actual)} does not match`);
      }
    });
  }
});

t.test('every operator: the table covers it, and a missing or null attribute never matches', async (t) => {
  const covered = new Set(TABLES.map((table) => table.operator));
  // Every operator the schema accepts, so a new one cannot arrive without a table.
  const operators: readonly Operator[] = OPERATORS;
  for (const operator of operators) {
    t.ok(covered.has(operator), `${operator} has a table`);
    const condition = { attribute: 'x', operator, value: 'irrelevant' };
    t.equal(matches(condition, {}), false, `${operator}: missing attribute`);
    t.equal(matches(condition, { x: null }), false, `${operator}: null attribute`);
    t.equal(matches(condition, { y: 'irrelevant' }), false, `${operator}: only another attribute set`);
  }
});

t.test('in and not_in are complements whenever the attribute is comparable with the list', async (t) => {
  const lists = [
    ['fr', 'de'],
    [1, 2, 3],
    ['1', 2],
  ];
  const attributes = ['fr', 'it', '1', '2', 1, 2, 4];
  for (const list of lists) {
    const comparable = (a: unknown) => list.some((item) => typeof item === typeof a);
    for (const actual of attributes) {
      const isIn = matches({ attribute: 'x', operator: 'in', value: list }, { x: actual });
      const isNotIn = matches({ attribute: 'x', operator: 'not_in', value: list }, { x: actual });
      const label = `${show(actual)} against ${JSON.stringify(list)}`;
      if (comparable(actual)) t.not(isIn, isNotIn, `${label}: exactly one matches`);
      else t.same([isIn, isNotIn], [false, false], `${label}: a type mismatch matches neither`);
    }
  }
});

t.test('semver: the precedence of pre-releases follows semver.org', async (t) => {
  const ordered = [
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.0.1',
    '1.1.0',
    '1.10.0',
    '2.0.0',
  ];
  const compare = (operator: Operator, actual: string, value: string) =>
    matches({ attribute: 'appVersion', operator, value }, { appVersion: actual });
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      const [a, b] = [ordered[i]!, ordered[j]!];
      t.equal(compare('semver_lt', a, b), i < j, `${a} < ${b} is ${i < j}`);
      t.equal(compare('semver_lte', a, b), i <= j, `${a} <= ${b} is ${i <= j}`);
      t.equal(compare('semver_gt', a, b), i > j, `${a} > ${b} is ${i > j}`);
      t.equal(compare('semver_gte', a, `v${b}`), i >= j, `${a} >= v${b} is ${i >= j}`);
    }
  }
});

t.test('semver: an invalid version on either side is a non-match for every comparison', async (t) => {
  const invalid = [
    '',
    'latest',
    '1.2.3.4',
    '01.2.3',
    '1.2.x',
    '>=1.2.3',
    '~1.2.3',
    'vV1.2.3',
    '1.2-beta',
    '1.2.',
    'x',
  ];
  for (const operator of ['semver_lt', 'semver_lte', 'semver_gt', 'semver_gte'] as const) {
    for (const bad of invalid) {
      t.equal(
        matches({ attribute: 'v', operator, value: '1.2.3' }, { v: bad }),
        false,
        `${operator}: attribute '${bad}'`,
      );
      t.equal(
        matches({ attribute: 'v', operator, value: bad }, { v: '1.2.3' }),
        false,
        `${operator}: value '${bad}'`,
      );
    }
    for (const notAString of [1, 1.2, null, true, ['1.2.3'], { major: 1 }]) {
      t.equal(matches({ attribute: 'v', operator, value: notAString }, { v: '1.2.3' }), false);
    }
    t.equal(matches({ attribute: 'v', operator, value: '9'.repeat(300) }, { v: '1.2.3' }), false);
  }
});

t.test('conditions whose value has the wrong shape never match and never throw', async (t) => {
  const badConditions: Array<[Condition, unknown]> = [
    [{ attribute: 'x', operator: 'in', value: 'fr' }, 'fr'],
    [{ attribute: 'x', operator: 'not_in', value: 'fr' }, 'de'],
    [{ attribute: 'x', operator: 'in', value: null }, 'fr'],
    [{ attribute: 'x', operator: 'not_in', value: { fr: 1 } }, 'de'],
    [{ attribute: 'x', operator: 'not_in', value: [] }, 'de'],
    [{ attribute: 'x', operator: 'lt', value: '10' }, 5],
    [{ attribute: 'x', operator: 'gt', value: null }, 5],
    [{ attribute: 'x', operator: 'gte', value: Number.NaN }, 5],
    [{ attribute: 'x', operator: 'starts_with', value: 1 }, '1'],
    [{ attribute: 'x', operator: 'contains', value: null }, 'null'],
    [{ attribute: 'x', operator: 'equals', value: null }, null],
    [{ attribute: 'x', operator: 'equals', value: {} }, {}],
    [{ attribute: 'x', operator: 'equals' }, 'x'],
    [{ attribute: 'x', operator: 'not_equals' }, 'x'],
    [{ attribute: 'x', operator: 'not_equals', value: ['a'] }, 'b'],
    [{ attribute: 'x', operator: 'semver_gt' }, '1.0.0'],
    [{ attribute: 'x', operator: 'regex' as Operator, value: '.*' }, 'anything'],
  ];
  for (const [condition, actual] of badConditions) {
    t.equal(matches(condition, { x: actual }), false, `${JSON.stringify(condition)} against ${show(actual)}`);
  }
});

t.test('attributes are own top-level properties; targetingKey is an attribute like any other', async (t) => {
  for (const inherited of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
    t.equal(
      matches({ attribute: inherited, operator: 'exists' }, {}),
      false,
      `${inherited} is not inherited`,
    );
  }
  t.equal(matches({ attribute: 'length', operator: 'exists' }, { name: 'x' }), false);
  const proto = JSON.parse('{"__proto__": "x"}') as EvaluationContext;
  t.equal(
    matches({ attribute: '__proto__', operator: 'equals', value: 'x' }, proto),
    true,
    'an own __proto__',
  );
  const bare = Object.assign(Object.create(null) as EvaluationContext, { country: 'fr' });
  t.equal(
    matches({ attribute: 'country', operator: 'equals', value: 'fr' }, bare),
    true,
    'a null-prototype context',
  );
  t.equal(
    matches({ attribute: 'user.country', operator: 'equals', value: 'fr' }, { user: { country: 'fr' } }),
    false,
  );
  t.equal(
    matches({ attribute: 'user.country', operator: 'equals', value: 'fr' }, { 'user.country': 'fr' }),
    true,
  );
  t.equal(
    matches({ attribute: 'targetingKey', operator: 'starts_with', value: 'u-' }, { targetingKey: 'u-1' }),
    true,
  );
  t.equal(matches({ attribute: 'targetingKey', operator: 'exists' }, {}), false);
});

t.test('a hostile or malformed context is a non-match, never an exception', async (t) => {
  const flag = makeFlag([{ conditions: [{ attribute: 'x', operator: 'exists' }], variant: 'on' }]);
  const throwing = Object.defineProperty({}, 'x', {
    enumerable: true,
    get() {
      throw new Error('boom');
    },
  }) as EvaluationContext;
  const trap = () => {
    throw new Error('trap');
  };
  const proxy = new Proxy({}, { get: trap, has: trap, getOwnPropertyDescriptor: trap, ownKeys: trap });
  const contexts = [throwing, proxy, null, undefined, 42, 'x', [], [1, 2]] as unknown as EvaluationContext[];
  for (const context of contexts) {
    t.same(evaluate(flag, NO_SEGMENTS, context), {
      value: 'fallback',
      variant: 'control',
      reason: 'DEFAULT',
    });
  }
  const split = makeFlag([{ split: [{ variant: 'a', weight: 10_000 }] }]);
  t.same(evaluate(split, NO_SEGMENTS, proxy as EvaluationContext), {
    value: 'fallback',
    variant: 'control',
    reason: 'DEFAULT',
  });
});

t.test('reasons: DISABLED, STATIC, TARGETING_MATCH, SPLIT and DEFAULT', async (t) => {
  const everyone: Rule = { variant: 'on' };
  const premium: Rule = {
    conditions: [{ attribute: 'plan', operator: 'equals', value: 'premium' }],
    variant: 'on',
  };
  const halves: Rule = {
    split: [
      { variant: 'a', weight: 5000 },
      { variant: 'b', weight: 5000 },
    ],
  };

  t.same(evaluate(makeFlag([everyone], { enabled: false }), NO_SEGMENTS, { plan: 'premium' }), {
    value: 'OFF',
    variant: 'off',
    reason: 'DISABLED',
  });
  t.strictSame(
    evaluate(makeFlag([halves], { enabled: false, offVariant: null }), NO_SEGMENTS, {}),
    { reason: 'DISABLED' },
    "a disabled flag never needs a targetingKey; without an offVariant it serves the caller's default",
  );
  t.same(evaluate(makeFlag([]), NO_SEGMENTS, { plan: 'premium' }), {
    value: 'fallback',
    variant: 'control',
    reason: 'STATIC',
  });
  t.strictSame(evaluate(makeFlag([], { defaultVariant: null }), NO_SEGMENTS, {}), { reason: 'STATIC' });

  t.same(evaluate(makeFlag([premium]), NO_SEGMENTS, { plan: 'premium' }), {
    value: 'ON',
    variant: 'on',
    reason: 'TARGETING_MATCH',
  });
  t.same(evaluate(makeFlag([premium]), NO_SEGMENTS, { plan: 'free' }), {
    value: 'fallback',
    variant: 'control',
    reason: 'DEFAULT',
  });
  t.strictSame(evaluate(makeFlag([premium], { defaultVariant: null }), NO_SEGMENTS, {}), {
    reason: 'DEFAULT',
  });
  t.match(evaluate(makeFlag([halves]), NO_SEGMENTS, { targetingKey: 'user-1' }), {
    value: /^[AB]$/,
    variant: /^[ab]$/,
    reason: 'SPLIT',
  });
  const json = { theme: 'dark', sizes: [1, 2] };
  const result = evaluate(makeFlag([everyone], { variants: { on: json } }), NO_SEGMENTS, {});
  t.same(result, { value: json, variant: 'on', reason: 'TARGETING_MATCH' }, 'a json variant is served as is');
});

t.test('rules are tried in order and the first match wins', async (t) => {
  const rule = (country: string, variant: string): Rule => ({
    conditions: [{ attribute: 'country', operator: 'equals', value: country }],
    variant,
  });
  const flag = makeFlag([rule('fr', 'a'), rule('de', 'b'), { variant: 'c' }, rule('it', 'on')]);
  const variantFor = (context: EvaluationContext) =>
    (evaluate(flag, NO_SEGMENTS, context) as { variant: string }).variant;
  t.equal(variantFor({ country: 'fr' }), 'a');
  t.equal(variantFor({ country: 'de' }), 'b');
  t.equal(variantFor({ country: 'it' }), 'c', 'the catch-all rule shadows the rules after it');
  t.equal(variantFor({}), 'c');

  const overlapping = makeFlag([
    { conditions: [{ attribute: 'age', operator: 'gte', value: 18 }], variant: 'a' },
    { conditions: [{ attribute: 'age', operator: 'gte', value: 65 }], variant: 'b' },
  ]);
  t.equal((evaluate(overlapping, NO_SEGMENTS, { age: 70 }) as { variant: string }).variant, 'a');
  t.equal((evaluate(overlapping, NO_SEGMENTS, { age: 10 }) as { reason: string }).reason, 'DEFAULT');

  const splitFirst = makeFlag([{ split: [{ variant: 'a', weight: 10_000 }] }, { variant: 'b' }]);
  t.same(evaluate(splitFirst, NO_SEGMENTS, { targetingKey: 'u' }), {
    value: 'A',
    variant: 'a',
    reason: 'SPLIT',
  });
  t.same(
    evaluate(splitFirst, NO_SEGMENTS, {}),
    { value: 'fallback', variant: 'control', reason: 'DEFAULT' },
    'a split without a bucketing value serves the default, not the next rule (as flagd does)',
  );
});

t.test('a rule matches only when all its conditions match', async (t) => {
  const flag = makeFlag([
    {
      conditions: [
        { attribute: 'country', operator: 'in', value: ['fr', 'be'] },
        { attribute: 'plan', operator: 'equals', value: 'premium' },
        { attribute: 'appVersion', operator: 'semver_gte', value: '2.0.0' },
      ],
      variant: 'on',
    },
  ]);
  const reason = (context: EvaluationContext) =>
    (evaluate(flag, NO_SEGMENTS, context) as { reason: string }).reason;
  t.equal(reason({ country: 'be', plan: 'premium', appVersion: '2.1.0' }), 'TARGETING_MATCH');
  t.equal(reason({ country: 'de', plan: 'premium', appVersion: '2.1.0' }), 'DEFAULT');
  t.equal(reason({ country: 'be', plan: 'free', appVersion: '2.1.0' }), 'DEFAULT');
  t.equal(reason({ country: 'be', plan: 'premium', appVersion: '1.9.0' }), 'DEFAULT');
  t.equal(reason({ country: 'be', plan: 'premium' }), 'DEFAULT');
});

t.test(
  'segments: all must match, an unknown or empty segment never matches, and conditions still apply',
  async (t) => {
    const segments = {
      europe: [{ attribute: 'country', operator: 'in', value: ['fr', 'de'] }],
      premium: [
        { attribute: 'plan', operator: 'equals', value: 'premium' },
        { attribute: 'seats', operator: 'gte', value: 10 },
      ],
      empty: [],
    } satisfies Record<string, Condition[]>;
    const reason = (rule: Rule, context: EvaluationContext) =>
      (evaluate(makeFlag([rule]), segments, context) as { reason: string }).reason;
    const both: Rule = { segments: ['europe', 'premium'], variant: 'on' };
    t.equal(reason(both, { country: 'fr', plan: 'premium', seats: 10 }), 'TARGETING_MATCH');
    t.equal(reason(both, { country: 'us', plan: 'premium', seats: 10 }), 'DEFAULT', 'first segment fails');
    t.equal(
      reason(both, { country: 'fr', plan: 'premium', seats: 9 }),
      'DEFAULT',
      'one condition of a segment fails',
    );
    t.equal(reason(both, { country: 'fr' }), 'DEFAULT');
    for (const context of [{}, { targetingKey: 'u1' }, { country: 'fr', plan: 'premium', seats: 10 }]) {
      t.equal(
        reason({ segments: ['empty'], variant: 'on' }, context),
        'DEFAULT',
        `a segment without conditions holds no one: ${JSON.stringify(context)}`,
      );
    }
    t.equal(
      reason({ segments: ['europe', 'empty'], variant: 'on' }, { country: 'fr' }),
      'DEFAULT',
      'an empty segment beside one that matches',
    );
    t.equal(
      reason({ segments: ['ghost'], variant: 'on' }, { country: 'fr' }),
      'DEFAULT',
      'an unknown segment',
    );
    t.equal(reason({ segments: ['europe', 'ghost'], variant: 'on' }, { country: 'fr' }), 'DEFAULT');
    for (const inherited of ['constructor', 'toString', '__proto__']) {
      t.equal(
        reason({ segments: [inherited], variant: 'on' }, {}),
        'DEFAULT',
        `segment '${inherited}' is not inherited`,
      );
    }
    const withConditions: Rule = {
      conditions: [{ attribute: 'beta', operator: 'equals', value: true }],
      segments: ['europe'],
      variant: 'on',
    };
    t.equal(reason(withConditions, { country: 'de', beta: true }), 'TARGETING_MATCH');
    t.equal(reason(withConditions, { country: 'de', beta: false }), 'DEFAULT');
    t.equal(reason(withConditions, { country: 'us', beta: true }), 'DEFAULT');
    t.equal(reason({ segments: ['europe'], variant: 'on' }, { country: 'fr' }), 'TARGETING_MATCH');
    t.equal((evaluate(makeFlag([both]), {}, { country: 'fr' }) as { reason: string }).reason, 'DEFAULT');
  },
);

t.test('a rule without conditions or segments matches everyone', async (t) => {
  const contexts: EvaluationContext[] = [{}, { targetingKey: 'u' }, { country: 'fr', n: 1 }];
  for (const rule of [{ variant: 'on' }, { conditions: [], segments: [], variant: 'on' }]) {
    for (const context of contexts) {
      t.same(evaluate(makeFlag([rule]), NO_SEGMENTS, context), {
        value: 'ON',
        variant: 'on',
        reason: 'TARGETING_MATCH',
      });
    }
  }
});

t.test('a rule that cannot be served is a GENERAL error, not an exception', async (t) => {
  const general = (rules: Rule[]) => evaluate(makeFlag(rules), NO_SEGMENTS, { targetingKey: 'user-1' });
  t.same(general([{ variant: 'ghost' }]), {
    errorCode: 'GENERAL',
    errorDetails:
      "flag new-checkout rules[0].variant serves variant 'ghost', which the flag does not define (its variants: 'control', 'on', 'off', 'a', 'b', 'c')",
  });
  t.same(evaluate(makeFlag([{ variant: 'on' }], { variants: {} }), NO_SEGMENTS, {}), {
    errorCode: 'GENERAL',
    errorDetails:
      "flag new-checkout rules[0].variant serves variant 'on', which the flag does not define (it has no variants)",
  });
  t.match(general([{ variant: 'constructor' }]), { errorCode: 'GENERAL', errorDetails: /'constructor'/ });
  t.match(general([{ conditions: [], variant: 'nope' }, { variant: 'on' }]), { errorCode: 'GENERAL' });
  t.match(general([{ split: [{ variant: 'ghost', weight: 10_000 }] }]), {
    errorCode: 'GENERAL',
    errorDetails: /^flag new-checkout rules\[0\]\.split serves variant 'ghost'/,
  });
  t.same(general([{ split: [{ variant: 'a', weight: 0 }] }]), {
    errorCode: 'GENERAL',
    errorDetails: 'flag new-checkout rules[0].split has no variant with a weight above 0',
  });
  t.match(general([{ split: [] }]), { errorCode: 'GENERAL' });
  t.same(general([{ description: 'nothing' }]), {
    errorCode: 'GENERAL',
    errorDetails: 'flag new-checkout rules[0] has neither a variant nor a split, so it cannot be served',
  });
  t.same(general([{ variant: 'a', split: [{ variant: 'b', weight: 10_000 }] }]), {
    errorCode: 'GENERAL',
    errorDetails: 'flag new-checkout rules[0] has both a variant and a split, so it cannot be served',
  });
  const broken = { ...makeFlag([]), rules: [null] } as unknown as EvaluableFlag;
  t.match(evaluate(broken, NO_SEGMENTS, {}), {
    errorCode: 'GENERAL',
    errorDetails: /^flag new-checkout could not be/,
  });
});

const halves: Rule = {
  split: [
    { variant: 'a', weight: 5000 },
    { variant: 'b', weight: 5000 },
  ],
};

t.test('a split with no bucketing value serves the default variant, as flagd does', async (t) => {
  const flag = makeFlag([halves]);
  const fallback = { value: 'fallback', variant: 'control', reason: 'DEFAULT' };
  const contexts: EvaluationContext[] = [
    {},
    { userId: 'u-1' },
    { targetingKey: '' },
    { targetingKey: undefined },
    { targetingKey: null },
    { targetingKey: 42 },
    { targetingKey: 0 },
    { targetingKey: true },
    { targetingKey: ['u-1'] },
    { targetingKey: { id: 'u-1' } },
  ];
  for (const context of contexts)
    t.same(evaluate(flag, NO_SEGMENTS, context), fallback, show(context.targetingKey));
  t.equal((evaluate(flag, NO_SEGMENTS, { targetingKey: ' ' }) as { reason: string }).reason, 'SPLIT');
  t.same(
    evaluate(makeFlag([halves], { defaultVariant: null }), NO_SEGMENTS, {}),
    { reason: 'DEFAULT' },
    'no default variant: the code default',
  );

  const byCompany = makeFlag([{ ...halves, bucketBy: 'companyId' }]);
  for (const companyId of [undefined, null, '', 42, true, ['acme']]) {
    t.same(
      evaluate(byCompany, NO_SEGMENTS, { targetingKey: 'u-1', companyId }),
      fallback,
      `bucketBy companyId ${show(companyId)}: not a string, no bucketing value (the targetingKey is not used)`,
    );
  }
  t.equal((evaluate(byCompany, NO_SEGMENTS, { companyId: 'acme' }) as { reason: string }).reason, 'SPLIT');

  const gated = makeFlag([
    { conditions: [{ attribute: 'beta', operator: 'equals', value: true }], ...halves },
    { variant: 'on' },
  ]);
  t.same(evaluate(gated, NO_SEGMENTS, { beta: true }), fallback, 'a matched split rule decides: the default');
  t.equal((evaluate(gated, NO_SEGMENTS, { beta: false }) as { variant: string }).variant, 'on');
});

t.test('bucketBy and seed: what is hashed is seed + value', async (t) => {
  const split = (extra: Partial<Rule>) => makeFlag([{ ...halves, ...extra }], { key: 'checkout' });
  const variantOf = (flag: EvaluableFlag, context: EvaluationContext) =>
    (evaluate(flag, NO_SEGMENTS, context) as { variant: string }).variant;
  const expected = (text: string) => (bucket(text, 10_000) < 5000 ? 'a' : 'b');
  let checked = 0;
  for (let i = 0; i < 500; i++) {
    const user = userKey(i);
    const company = `company-${i % 37}`;
    checked += Number(variantOf(split({}), { targetingKey: user }) === expected(`checkout${user}`));
    checked += Number(
      variantOf(split({ bucketBy: 'companyId' }), { targetingKey: user, companyId: company }) ===
        expected(`checkout${company}`),
    );
    checked += Number(
      variantOf(split({ seed: 'group-1' }), { targetingKey: user }) === expected(`group-1${user}`),
    );
    checked += Number(
      variantOf(split({ seed: 'group-1', bucketBy: 'companyId' }), { companyId: company }) ===
        expected(`group-1${company}`),
    );
  }
  t.equal(checked, 2000, "the flag key and targetingKey by default, else the rule's seed and attribute");

  // Flags sharing a seed (and weights) put every user in the same variant.
  const first = makeFlag([{ ...halves, seed: 'group-1' }], { key: 'first' });
  const second = makeFlag([{ ...halves, seed: 'group-1' }], { key: 'second' });
  let same = 0;
  for (let i = 0; i < 1000; i++) {
    const context = { targetingKey: userKey(i) };
    same += Number(variantOf(first, context) === variantOf(second, context));
  }
  t.equal(same, 1000, 'a shared seed: the same variant on both flags for 1000 of 1000 users');
});

t.test('splits are sticky: the same targetingKey always gets the same variant', async (t) => {
  const split: Rule = {
    split: [
      { variant: 'a', weight: 3333 },
      { variant: 'b', weight: 3333 },
      { variant: 'c', weight: 3334 },
    ],
  };
  const first = makeFlag([split]);
  const second = makeFlag([structuredClone(split)], { variants: structuredClone(VARIANTS) });
  for (const targetingKey of ['user-1', 'user-2', 'Zoë', '用户-42', '😀', userKey(0)]) {
    const expected = evaluate(first, NO_SEGMENTS, { targetingKey });
    t.equal((expected as { reason: string }).reason, 'SPLIT');
    let same = 0;
    for (let i = 0; i < 1000; i++) {
      const context = { targetingKey, other: i };
      const result = evaluate(i % 2 === 0 ? first : second, i % 3 === 0 ? NO_SEGMENTS : { s: [] }, context);
      if ((result as { variant: string }).variant === (expected as { variant: string }).variant) same++;
    }
    t.equal(same, 1000, `${targetingKey}: 1000 of 1000 on two separately built flags`);
  }
});

t.test('the split serves the entry whose running weight first exceeds the bucket', async (t) => {
  const wanted = new Set([0, 1999, 2000, 2999, 3000, 4999, 5000, 5999, 6000, 9999]);
  const keyFor = new Map<number, string>();
  for (let i = 0; keyFor.size < wanted.size; i++) {
    const b = bucket(`new-checkoutuser-${i}`, 10_000);
    if (wanted.has(b) && !keyFor.has(b)) keyFor.set(b, `user-${i}`);
  }
  const variantAt = (split: Rule['split'], at: number) => {
    const result = evaluate(makeFlag([{ split }]), NO_SEGMENTS, { targetingKey: keyFor.get(at)! });
    return (result as { variant: string }).variant;
  };
  const split = (...weights: number[]) =>
    weights.map((weight, i) => ({ variant: ['a', 'b', 'c'][i]!, weight }));

  t.equal(variantAt(split(3000, 7000), 0), 'a');
  t.equal(variantAt(split(3000, 7000), 2999), 'a');
  t.equal(variantAt(split(3000, 7000), 3000), 'b');
  t.equal(variantAt(split(3000, 7000), 9999), 'b');
  t.equal(variantAt(split(2000, 3000, 5000), 1999), 'a');
  t.equal(variantAt(split(2000, 3000, 5000), 2000), 'b');
  t.equal(variantAt(split(2000, 3000, 5000), 4999), 'b');
  t.equal(variantAt(split(2000, 3000, 5000), 5000), 'c');
  t.equal(variantAt(split(0, 10_000), 0), 'b', 'a weight of 0 never wins, even bucket 0');
  t.equal(variantAt(split(10_000, 0), 9999), 'a');
  t.equal(variantAt(split(0, 10_000, 0), 9999), 'b');
  t.equal(variantAt(split(10_000), 9999), 'a');
  // Weights in other units: 1 and 1 halve the same users as 5000 and 5000.
  t.equal(variantAt(split(1, 1), 4999), 'a', 'the bucket scales with the total');
  t.equal(variantAt(split(1, 1), 5000), 'b');

  t.match(
    evaluate(makeFlag([{ split: split(0, 0) }]), NO_SEGMENTS, { targetingKey: 'u' }),
    { errorCode: 'GENERAL' },
    'weights all 0 cannot be saved; evaluation says so rather than guess',
  );
});

/** An independent MurmurHash3 x86 32-bit, written from the reference algorithm, to check the library against. */
function referenceMurmur3(bytes: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length - (bytes.length % 4);
  const mix = (k: number) => Math.imul(((Math.imul(k, c1) << 15) | (Math.imul(k, c1) >>> 17)) >>> 0, c2);
  for (let i = 0; i < blocks; i += 4) {
    const k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    h ^= mix(k);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const tail = bytes.length % 4;
  if (tail === 3) k ^= bytes[blocks + 2]! << 16;
  if (tail >= 2) k ^= bytes[blocks + 1]! << 8;
  if (tail >= 1) {
    k ^= bytes[blocks]!;
    h ^= mix(k);
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

t.test('bucket: (murmur3 of the UTF-8 bytes × total) >> 32, exactly', async (t) => {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  t.equal(
    referenceMurmur3(utf8('The quick brown fox jumps over the lazy dog')),
    0x2e4ff723,
    'the reference is right',
  );
  t.equal(referenceMurmur3(utf8('hello')), 0x248bfa47);
  t.equal(referenceMurmur3(utf8('')), 0);
  t.equal(hash('hello'), 0x248bfa47, 'the hash is murmur3 x86 32, seed 0');
  t.equal(hash('The quick brown fox jumps over the lazy dog'), 0x2e4ff723);
  // "ü" is C3 BC in UTF-8, 00FC in UTF-16 and FC in Latin-1: the UTF-8 bytes are hashed.
  t.equal(hash('ü'), referenceMurmur3(Uint8Array.of(0xc3, 0xbc)), 'non-ASCII: its UTF-8 bytes');
  t.not(hash('ü'), referenceMurmur3(Uint8Array.of(0xfc)), 'not Latin-1');
  t.not(hash('ü'), referenceMurmur3(Uint8Array.of(0xfc, 0x00)), 'not UTF-16');

  const exact = (text: string, total: number) =>
    Number((BigInt(referenceMurmur3(utf8(text))) * BigInt(total)) >> 32n);
  t.equal(bucket('hello', 10_000), Math.floor((0x248bfa47 / 2 ** 32) * 10_000));
  t.equal(
    bucket('hello', 2_147_483_647),
    exact('hello', 2_147_483_647),
    'the largest total, without rounding',
  );

  const alphabet = ['a', 'Z', '0', '-', ':', 'é', 'ß', 'ж', '中', '😀', '\u0000', ' '];
  const totals = [1, 2, 3, 7, 100, 10_000, 1_000_003, 2 ** 31 - 1, 2 ** 30 + 12_345];
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  let agreed = 0;
  for (let n = 0; n < 2000; n++) {
    let key = '';
    const length = Math.floor(random() * 40);
    for (let i = 0; i < length; i++) key += alphabet[Math.floor(random() * alphabet.length)];
    const total = totals[n % totals.length]!;
    if (bucket(`flag${key}`, total) === exact(`flag${key}`, total)) agreed++;
  }
  t.equal(agreed, 2000, 'agrees with BigInt arithmetic on 2000 random keys, every script and total');
  t.equal(hash('\ud800'), hash('\ufffd'), 'a lone surrogate hashes as U+FFFD, without throwing');
  for (const length of [338, 339, 340, 341, 342, 1000, 100_000]) {
    const key = 'é😀x'.repeat(length).slice(0, length);
    t.equal(hash(key), referenceMurmur3(utf8(key)), `a key of ${length} UTF-16 units`);
  }
  t.equal(hash('hello'), 0x248bfa47, 'a long key leaves no trace on the next one');
});

function shares(flag: EvaluableFlag, users: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < users; i++) {
    const result = evaluate(flag, NO_SEGMENTS, { targetingKey: userKey(i) });
    const variant = (result as Extract<Evaluation, { reason: string }>).variant ?? 'none';
    counts.set(variant, (counts.get(variant) ?? 0) + 1);
  }
  return new Map(
    [...counts].map(([variant, count]) => [variant, Math.round((count / users) * 10_000) / 100]),
  );
}

t.test('distribution: 20,000 users split 30/70 within 1.5 points', async (t) => {
  const flag = makeFlag([
    {
      split: [
        { variant: 'a', weight: 3000 },
        { variant: 'b', weight: 7000 },
      ],
    },
  ]);
  const percent = shares(flag, 20_000);
  t.same([...percent.keys()].sort(), ['a', 'b']);
  t.ok(Math.abs(percent.get('a')! - 30) <= 1.5, `a: ${percent.get('a')} %`);
  t.ok(Math.abs(percent.get('b')! - 70) <= 1.5, `b: ${percent.get('b')} %`);
});

t.test('distribution: a 3-way split 20/30/50 is proportional', async (t) => {
  const flag = makeFlag([
    {
      split: [
        { variant: 'a', weight: 2000 },
        { variant: 'b', weight: 3000 },
        { variant: 'c', weight: 5000 },
      ],
    },
  ]);
  const percent = shares(flag, 20_000);
  for (const [variant, expected] of [
    ['a', 20],
    ['b', 30],
    ['c', 50],
  ] as const) {
    t.ok(
      Math.abs(percent.get(variant)! - expected) <= 1.5,
      `${variant}: ${percent.get(variant)} % (want ${expected})`,
    );
  }
});

t.test('distribution: two flags split the same users independently', async (t) => {
  const both = new Map<string, number>();
  const first = makeFlag([halves], { key: 'first-flag' });
  const second = makeFlag([halves], { key: 'second-flag' });
  const users = 20_000;
  for (let i = 0; i < users; i++) {
    const context = { targetingKey: userKey(i) };
    const pair = `${(evaluate(first, NO_SEGMENTS, context) as { variant: string }).variant}${(evaluate(second, NO_SEGMENTS, context) as { variant: string }).variant}`;
    both.set(pair, (both.get(pair) ?? 0) + 1);
  }
  for (const pair of ['aa', 'ab', 'ba', 'bb']) {
    const percent = Math.round(((both.get(pair) ?? 0) / users) * 10_000) / 100;
    t.ok(Math.abs(percent - 25) <= 1.5, `${pair}: ${percent} %`);
  }
});

t.test('one frozen answer per flag, reason and variant, whatever the context', (t) => {
  const plan = (value: string): Rule => ({
    conditions: [{ attribute: 'plan', operator: 'equals', value }],
    variant: 'on',
  });
  const flag = makeFlag([plan('premium')]);
  const first = evaluate(flag, NO_SEGMENTS, { plan: 'premium', targetingKey: 'u1' });
  t.equal(evaluate(flag, NO_SEGMENTS, { plan: 'premium', targetingKey: 'u2' }), first, 'the same object');
  t.ok(Object.isFrozen(first), 'which no caller can change');
  t.not(evaluate(flag, NO_SEGMENTS, { plan: 'free' }), first, 'another outcome, another answer');
  const other = makeFlag([plan('premium')]);
  t.not(
    evaluate(other, NO_SEGMENTS, { plan: 'premium' }),
    first,
    'another flag (or version), another answer',
  );
  t.same(evaluate(other, NO_SEGMENTS, { plan: 'premium' }), first, 'equal in content');
  t.end();
});
