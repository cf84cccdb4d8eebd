import t from 'tap';
import { conditionProblem, ruleProblem, type TargetedFlag } from '../../src/evaluation/validate-rules.ts';
import type { Condition, Rule } from '../../src/flags/rule-schemas.ts';

const SEGMENTS: ReadonlySet<string> = new Set(['europe', 'beta-testers']);

function flagWith(rules: Rule[], overrides: Partial<TargetedFlag> = {}): TargetedFlag {
  return {
    type: 'string',
    variants: { control: 'blue', green: 'green', red: 'red' },
    defaultVariant: 'control',
    offVariant: null,
    rules,
    ...overrides,
  };
}

const problemOf = (rules: Rule[], overrides: Partial<TargetedFlag> = {}) =>
  ruleProblem(flagWith(rules, overrides), SEGMENTS);

/** The problem with one condition, placed first in a rule that is otherwise valid. */
const conditionIn = (condition: Condition) => problemOf([{ conditions: [condition], variant: 'green' }]);

const KNOWN =
  "is not one of the flag's variants ('control', 'green', 'red'); use one of them, or add it to variants.";

t.test('a valid, complex flag has no problem', async (t) => {
  const rules: Rule[] = [
    {
      description: 'staff always see the new colour',
      conditions: [
        { attribute: 'email', operator: 'ends_with', value: '@example.com' },
        { attribute: 'email', operator: 'starts_with', value: '' },
        { attribute: 'role', operator: 'contains', value: 'admin' },
      ],
      variant: 'green',
    },
    {
      conditions: [
        { attribute: 'country', operator: 'in', value: ['fr', 'de', 'it'] },
        { attribute: 'userId', operator: 'not_in', value: [1, 2, '3'] },
        { attribute: 'plan', operator: 'equals', value: 'premium' },
        { attribute: 'trial', operator: 'not_equals', value: true },
        { attribute: 'seats', operator: 'not_equals', value: 0 },
        { attribute: 'age', operator: 'gte', value: 18 },
        { attribute: 'age', operator: 'lt', value: 65.5 },
        { attribute: 'score', operator: 'lte', value: -1 },
        { attribute: 'score', operator: 'gt', value: -100 },
        { attribute: 'appVersion', operator: 'semver_gte', value: '2.0.0' },
        { attribute: 'appVersion', operator: 'semver_lt', value: 'v3.0.0-beta.1' },
        { attribute: 'osVersion', operator: 'semver_lte', value: '17.4.1+build.7' },
        { attribute: 'osVersion', operator: 'semver_gt', value: '1.0.0-rc.1' },
        { attribute: 'targetingKey', operator: 'exists' },
      ],
      segments: ['europe', 'beta-testers'],
      split: [
        { variant: 'control', weight: 3333 },
        { variant: 'green', weight: 3333 },
        { variant: 'red', weight: 3334 },
      ],
    },
    { segments: ['europe'], split: [{ variant: 'red', weight: 10_000 }] },
    {
      split: [
        { variant: 'green', weight: 0 },
        { variant: 'red', weight: 10_000 },
      ],
    },
    { conditions: [], segments: [], variant: 'control' },
    { variant: 'red' },
  ];
  t.equal(problemOf(rules), undefined);
  t.equal(problemOf([]), undefined, 'no rules');
  t.equal(problemOf([], { defaultVariant: null }), undefined, 'no default variant');
  t.equal(problemOf([], { variants: {}, defaultVariant: null }), undefined, 'no variants at all');
  t.equal(
    problemOf([
      { conditions: [{ attribute: 'x', operator: 'in', value: Array(1000).fill('v') }], variant: 'red' },
    ]),
    undefined,
  );
  t.equal(conditionProblem([], 'conditions'), undefined);
});

t.test('defaultVariant must name a variant', async (t) => {
  t.equal(problemOf([], { defaultVariant: 'blue' }), `defaultVariant 'blue' ${KNOWN}`);
  t.equal(
    problemOf([], { defaultVariant: 'blue', variants: {} }),
    "defaultVariant 'blue' is not a variant: the flag has no variants; add it to variants first.",
  );
  t.equal(problemOf([], { defaultVariant: 'constructor' }), `defaultVariant 'constructor' ${KNOWN}`);
  t.equal(
    problemOf([{ variant: 'nope' }], { defaultVariant: 'blue' }),
    `defaultVariant 'blue' ${KNOWN}`,
    'reported before the rules',
  );
});

t.test('offVariant must name a variant', async (t) => {
  t.equal(problemOf([], { offVariant: 'blue' }), `offVariant 'blue' ${KNOWN}`);
  t.equal(problemOf([], { offVariant: 'red' }), undefined);
  t.equal(problemOf([], { offVariant: null, defaultVariant: null }), undefined, 'neither: code defaults');
});

t.test('each rule serves exactly one of a variant or a split', async (t) => {
  t.equal(
    problemOf([{ variant: 'green' }, { conditions: [{ attribute: 'x', operator: 'exists' }] }]),
    'rules[1] serves nothing; give it a variant to serve, or a split to divide the users it matches between variants.',
  );
  t.equal(
    problemOf([{ variant: 'green', split: [{ variant: 'red', weight: 10_000 }] }]),
    'rules[0] has both a variant and a split; keep one: a variant serves everyone the rule matches, a split divides them between variants by percentage.',
  );
});

t.test('a rule variant must exist, and the message lists the variants', async (t) => {
  t.equal(problemOf([{ variant: 'green' }, { variant: 'blue' }]), `rules[1].variant 'blue' ${KNOWN}`);
  t.equal(problemOf([{ variant: 'Green' }]), `rules[0].variant 'Green' ${KNOWN}`, 'names are case-sensitive');
  t.equal(problemOf([{ variant: 'toString' }]), `rules[0].variant 'toString' ${KNOWN}`);
  t.equal(
    problemOf([{ variant: 'on' }], { variants: {}, defaultVariant: null }),
    "rules[0].variant 'on' is not a variant: the flag has no variants; add it to variants first.",
  );
  const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`v${i}`, i]));
  const problem = problemOf([{ variant: 'v99' }], { variants: many, defaultVariant: null });
  t.match(
    problem,
    /^rules\[0\]\.variant 'v99' is not one of the flag's variants \('v0', 'v1', .*'v19' and 5 more\)/,
  );
});

t.test('split entries must name existing variants, once each', async (t) => {
  t.equal(
    problemOf([
      {
        split: [
          { variant: 'green', weight: 5000 },
          { variant: 'blue', weight: 5000 },
        ],
      },
    ]),
    `rules[0].split[1].variant 'blue' ${KNOWN}`,
  );
  t.equal(
    problemOf([
      { variant: 'red' },
      {
        split: [
          { variant: 'green', weight: 4000 },
          { variant: 'red', weight: 2000 },
          { variant: 'green', weight: 4000 },
        ],
      },
    ]),
    "rules[1].split[2] repeats variant 'green' of rules[1].split[0]; merge the two entries into one by adding their weights.",
  );
});

t.test('split weights are whole numbers of any total, at least one above 0', async (t) => {
  const split = (...weights: number[]) => [
    { split: weights.map((weight, i) => ({ variant: ['control', 'green', 'red'][i]!, weight })) },
  ];
  for (const weights of [[3000, 7000], [1, 1, 1], [30, 70], [0, 3], [1_000_003], [2_147_483_646, 1]]) {
    t.equal(problemOf(split(...weights)), undefined, `weights ${weights.join(', ')}`);
  }
  t.equal(
    problemOf(split(0, 0)),
    'rules[0].split weights are all 0, so no variant can be served; give at least one variant a weight above 0.',
  );
  t.equal(
    problemOf(split(2_147_483_647, 1)),
    'rules[0].split weights add up to 2147483648, past the largest total 2147483647; use smaller weights in the same proportions (for example basis points adding up to 10000).',
  );
  const whole = "must be a whole number of 0 or more (a variant's share is its weight over the total)";
  t.equal(problemOf(split(3000.5, 6999.5)), `rules[0].split[0].weight ${whole}, got the number 3000.5.`);
  t.equal(problemOf(split(10_000, -1, 1)), `rules[0].split[1].weight ${whole}, got the number -1.`);
  const stringWeight = [{ split: [{ variant: 'red', weight: '10000' as unknown as number }] }];
  t.equal(problemOf(stringWeight), `rules[0].split[0].weight ${whole}, got the string "10000".`);
  t.equal(
    problemOf([{ split: [] }]),
    'rules[0].split is empty; list the variants to split between, each with a whole-number weight (for example 50 and 50, or basis points adding up to 10000).',
  );
});

t.test('bucketBy and seed belong to a split', async (t) => {
  const halves = [
    { variant: 'control', weight: 1 },
    { variant: 'green', weight: 1 },
  ];
  t.equal(problemOf([{ split: halves, bucketBy: 'companyId', seed: 'group-1' }]), undefined);
  for (const field of ['bucketBy', 'seed'] as const) {
    t.equal(
      problemOf([{ variant: 'green', [field]: 'x' }]),
      `rules[0].${field} is set, but the rule has no split: ${field} only chooses how a split buckets users. Remove it, or give the rule a split.`,
    );
  }
});

t.test('segments must exist in the environment', async (t) => {
  t.equal(
    problemOf([{ segments: ['europe', 'asia'], variant: 'red' }]),
    "rules[0].segments[1] 'asia' is not a segment of this environment; create the segment first, or fix the key.",
  );
  t.equal(
    ruleProblem(flagWith([{ segments: ['europe'], variant: 'red' }]), new Set()),
    "rules[0].segments[0] 'europe' is not a segment of this environment; create the segment first, or fix the key.",
  );
});

t.test('problems are reported in order: conditions, segments, then what the rule serves', async (t) => {
  const rule: Rule = {
    conditions: [{ attribute: 'age', operator: 'gt', value: 'old' }],
    segments: ['asia'],
    variant: 'blue',
  };
  t.match(problemOf([{ variant: 'red' }, rule]), /^rules\[1\]\.conditions\[0\]\.value/);
  t.match(problemOf([{ ...rule, conditions: [] }]), /^rules\[0\]\.segments\[0\]/);
  t.match(problemOf([{ ...rule, conditions: [], segments: [] }]), /^rules\[0\]\.variant/);
  t.match(
    problemOf([{ variant: 'blue' }, { variant: 'red', split: [] }]),
    /^rules\[0\]\.variant/,
    'the first rule first',
  );
});

t.test('equals and not_equals need a string, number or boolean', async (t) => {
  for (const operator of ['equals', 'not_equals'] as const) {
    for (const value of ['', 'gold', 0, -1.5, true, false]) {
      t.equal(
        conditionIn({ attribute: 'x', operator, value }),
        undefined,
        `${operator} ${JSON.stringify(value)}`,
      );
    }
    const wrong: Array<[unknown, string]> = [
      [undefined, 'no value'],
      [null, 'null'],
      [['gold'], 'a list'],
      [{ gold: true }, 'an object'],
      [Number.NaN, 'the number NaN'],
      [Number.POSITIVE_INFINITY, 'the number Infinity'],
    ];
    for (const [value, got] of wrong) {
      t.equal(
        conditionIn({ attribute: 'x', operator, value }),
        `rules[0].conditions[0].value must be a string, number or boolean for operator ${operator}, got ${got}.`,
      );
    }
  }
});

t.test('in and not_in need a non-empty list of at most 1000 strings or numbers', async (t) => {
  for (const operator of ['in', 'not_in'] as const) {
    const at = 'rules[0].conditions[0]';
    t.equal(conditionIn({ attribute: 'x', operator, value: ['fr', 2, '3', 4.5] }), undefined);
    t.equal(
      conditionIn({ attribute: 'x', operator, value: 'fr' }),
      `${at}.value must be a list of strings or numbers for operator ${operator}, got the string "fr". Write it as a list: ["fr"].`,
    );
    t.equal(
      conditionIn({ attribute: 'x', operator, value: 7 }),
      `${at}.value must be a list of strings or numbers for operator ${operator}, got the number 7. Write it as a list: [7].`,
    );
    t.equal(
      conditionIn({ attribute: 'x', operator }),
      `${at}.value must be a list of strings or numbers for operator ${operator}, got no value.`,
    );
    t.equal(
      conditionIn({ attribute: 'x', operator, value: { fr: 1 } }),
      `${at}.value must be a list of strings or numbers for operator ${operator}, got an object.`,
    );
    t.equal(
      conditionIn({ attribute: 'x', operator, value: [] }),
      `${at}.value is an empty list; operator ${operator} needs at least one value to compare the attribute with.`,
    );
    t.equal(
      conditionIn({ attribute: 'x', operator, value: Array.from({ length: 1001 }, (_, i) => i) }),
      `${at}.value lists 1001 values, but operator ${operator} takes at most 1000; shorten the list, for example by targeting a broader attribute.`,
    );
    const items: Array<[unknown, string]> = [
      [null, 'null'],
      [true, 'true'],
      [['fr'], 'a list'],
      [{ a: 1 }, 'an object'],
      [Number.NaN, 'the number NaN'],
    ];
    for (const [item, got] of items) {
      t.equal(
        conditionIn({ attribute: 'x', operator, value: ['fr', 'de', item] }),
        `${at}.value[2] must be a string or number, got ${got}.`,
      );
    }
  }
});

t.test('starts_with, ends_with and contains need a string', async (t) => {
  for (const operator of ['starts_with', 'ends_with', 'contains'] as const) {
    t.equal(conditionIn({ attribute: 'x', operator, value: 'abc' }), undefined);
    t.equal(conditionIn({ attribute: 'x', operator, value: '' }), undefined);
    for (const [value, got] of [
      [1, 'the number 1'],
      [null, 'null'],
      [undefined, 'no value'],
      [['a'], 'a list'],
      [false, 'false'],
    ] as const) {
      t.equal(
        conditionIn({ attribute: 'x', operator, value }),
        `rules[0].conditions[0].value must be a string for operator ${operator}, got ${got}.`,
      );
    }
  }
});

t.test('lt, lte, gt and gte need a finite number', async (t) => {
  for (const operator of ['lt', 'lte', 'gt', 'gte'] as const) {
    const at = 'rules[0].conditions[0].value';
    for (const value of [0, 18, -2.5, 1e9])
      t.equal(conditionIn({ attribute: 'x', operator, value }), undefined);
    t.equal(
      conditionIn({ attribute: 'x', operator, value: '18' }),
      `${at} must be a number for operator ${operator}, got the string "18". Write it without quotes: 18.`,
    );
    t.equal(
      conditionIn({ attribute: 'x', operator, value: ' 2.50 ' }),
      `${at} must be a number for operator ${operator}, got the string " 2.50 ". Write it without quotes: 2.5.`,
    );
    t.equal(
      conditionIn({ attribute: 'x', operator, value: 'eighteen' }),
      `${at} must be a number for operator ${operator}, got the string "eighteen".`,
    );
    t.equal(
      conditionIn({ attribute: 'x', operator, value: '' }),
      `${at} must be a number for operator ${operator}, got the string "".`,
    );
    for (const [value, got] of [
      [undefined, 'no value'],
      [null, 'null'],
      [true, 'true'],
      [[18], 'a list'],
      [Number.NaN, 'the number NaN'],
      [Number.NEGATIVE_INFINITY, 'the number -Infinity'],
    ] as const) {
      t.equal(
        conditionIn({ attribute: 'x', operator, value }),
        `${at} must be a number for operator ${operator}, got ${got}.`,
      );
    }
  }
});

t.test('semver operators need a full version', async (t) => {
  for (const operator of ['semver_lt', 'semver_lte', 'semver_gt', 'semver_gte'] as const) {
    const at = 'rules[0].conditions[0].value';
    for (const value of ['1.2.3', 'v1.2.3', '0.0.0', '1.2.3-beta.1', '1.2.3+build.5', '10.20.30-rc.1+x']) {
      t.equal(conditionIn({ attribute: 'v', operator, value }), undefined, `${operator} ${value}`);
    }
    const note =
      ' A rule\'s version is written in full; contexts may send "2", "2.1" or "v2.1.0", read as 2.0.0, 2.1.0 and 2.1.0.';
    const must = `${at} must be a full version such as "1.2.3" for operator ${operator}`;
    t.equal(
      conditionIn({ attribute: 'v', operator, value: '1.2' }),
      `${must}, got the string "1.2". Did you mean "1.2.0"?${note}`,
    );
    t.equal(
      conditionIn({ attribute: 'v', operator, value: 'v2' }),
      `${must}, got the string "v2". Did you mean "2.0.0"?${note}`,
    );
    t.equal(
      conditionIn({ attribute: 'v', operator, value: 1.2 }),
      `${must}, got the number 1.2. Did you mean "1.2.0"?${note}`,
    );
    t.equal(
      conditionIn({ attribute: 'v', operator, value: 'latest' }),
      `${must}, got the string "latest".${note}`,
    );
    t.equal(
      conditionIn({ attribute: 'v', operator, value: '>=1.2.3' }),
      `${must}, got the string ">=1.2.3". Did you mean "1.2.3"?${note}`,
    );
    t.equal(conditionIn({ attribute: 'v', operator }), `${must}, got no value.${note}`);
    t.equal(conditionIn({ attribute: 'v', operator, value: null }), `${must}, got null.${note}`);
    t.equal(conditionIn({ attribute: 'v', operator, value: ['1.2.3'] }), `${must}, got a list.${note}`);
  }
});

t.test('exists takes no value', async (t) => {
  t.equal(conditionIn({ attribute: 'x', operator: 'exists' }), undefined);
  for (const value of [true, null, 'x', 0, []]) {
    t.equal(
      conditionIn({ attribute: 'x', operator: 'exists', value }),
      'rules[0].conditions[0] has a value, but operator exists takes none: it checks that the attribute is present and not null. Remove the value.',
    );
  }
});

t.test('conditions need an attribute and a known operator', async (t) => {
  t.equal(
    conditionIn({ attribute: '', operator: 'exists' }),
    'rules[0].conditions[0].attribute must name a context attribute, such as "country" or "targetingKey".',
  );
  t.equal(
    conditionIn({ attribute: 'x', operator: 'matches' as Condition['operator'], value: '.*' }),
    "rules[0].conditions[0].operator 'matches' is not an operator; use one of equals, not_equals, in, not_in, starts_with, ends_with, contains, lt, lte, gt, gte, semver_lt, semver_lte, semver_gt, semver_gte, exists.",
  );
  t.equal(
    conditionProblem([null as unknown as Condition], 'conditions'),
    'conditions[0] must be a condition: an object with an attribute, an operator and (except for exists) a value.',
  );
});

t.test('conditionProblem names the place it is given, for rules and segments alike', async (t) => {
  const conditions: Condition[] = [
    { attribute: 'country', operator: 'in', value: ['fr'] },
    { attribute: 'plan', operator: 'equals', value: 'gold' },
    { attribute: 'age', operator: 'gte', value: '18' },
    { attribute: 'x', operator: 'lt', value: 'also wrong, but reported second' },
  ];
  t.equal(conditionProblem(conditions.slice(0, 2), 'conditions'), undefined);
  t.equal(
    conditionProblem(conditions, 'conditions'),
    'conditions[2].value must be a number for operator gte, got the string "18". Write it without quotes: 18.',
  );
  t.match(
    conditionProblem(conditions, "segment 'europe' conditions"),
    /^segment 'europe' conditions\[2\]\.value/,
  );
  t.match(
    problemOf([{ variant: 'red' }, { variant: 'red' }, { conditions, variant: 'red' }]),
    /^rules\[2\]\.conditions\[2\]\.value/,
  );
  t.equal(
    conditionProblem([{ attribute: 'x', operator: 'lt', value: 'y'.repeat(100) }], 'c'),
    `c[0].value must be a number for operator lt, got the string "${'y'.repeat(60)}…".`,
    'a long value is shortened in the message',
  );
});
