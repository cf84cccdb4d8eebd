// Flagstone's evaluator against flagd's own (@openfeature/flagd-core): the same flag, written by
// hand as a flagd flag definition, must give every user the same variant. Splits are flagd's
// `fractional`, context versions flagd's `sem_ver`.
import { FlagdCore } from '@openfeature/flagd-core';
import t from 'tap';
import { type EvaluableFlag, evaluate, hash } from '../../src/evaluation/evaluate.ts';
import type { Operator, Rule } from '../../src/flags/rule-schemas.ts';

const VARIANTS = { a: 'A', b: 'B', c: 'C', fallback: 'F' };

/** A fixed sequence of ASCII keys of every printable character and length 1..40. */
function asciiKeys(count: number, seed: number): string[] {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const keys: string[] = [];
  for (let n = 0; n < count; n++) {
    let key = '';
    const length = 1 + Math.floor(random() * 40);
    for (let i = 0; i < length; i++) key += String.fromCharCode(32 + Math.floor(random() * 95));
    keys.push(key);
  }
  return keys;
}

interface SplitCase {
  key: string;
  weights: number[];
  bucketBy?: string;
  seed?: string;
}

const SPLITS: SplitCase[] = [
  { key: 'halves', weights: [5000, 5000] },
  { key: 'uneven', weights: [100, 9900] },
  { key: 'three-way', weights: [2000, 3000, 5000] },
  { key: 'three-way-odd', weights: [1, 1, 1] },
  { key: 'total-seven', weights: [3, 0, 4] },
  { key: 'total-prime', weights: [333_334, 333_333, 333_336] },
  { key: 'largest-total', weights: [1_000_000_000, 147_483_647, 1_000_000_000] },
  { key: 'by-company', weights: [7000, 3000], bucketBy: 'companyId' },
  { key: 'shared-seed-1', weights: [5000, 5000], seed: 'experiment-group' },
  { key: 'shared-seed-2', weights: [5000, 5000], seed: 'experiment-group' },
  { key: 'seed-and-company', weights: [1, 2, 3], seed: 'tenants', bucketBy: 'companyId' },
];

const NAMES = ['a', 'b', 'c'];

function flagstoneFlag(split: SplitCase): EvaluableFlag {
  const rule: Rule = { split: split.weights.map((weight, i) => ({ variant: NAMES[i]!, weight })) };
  if (split.bucketBy !== undefined) rule.bucketBy = split.bucketBy;
  if (split.seed !== undefined) rule.seed = split.seed;
  return {
    key: split.key,
    enabled: true,
    defaultVariant: 'fallback',
    offVariant: null,
    variants: VARIANTS,
    rules: [rule],
  };
}

/** The flagd definition of the same split: `fractional`, with an explicit bucketing string when the rule names a seed or attribute. */
function flagdFlag(split: SplitCase) {
  const entries = split.weights.map((weight, i) => [NAMES[i], weight]);
  const named = split.bucketBy !== undefined || split.seed !== undefined;
  const bucketing = { cat: [split.seed ?? split.key, { var: split.bucketBy ?? 'targetingKey' }] };
  return {
    state: 'ENABLED',
    variants: VARIANTS,
    defaultVariant: 'fallback',
    targeting: { fractional: named ? [bucketing, ...entries] : entries },
  };
}

function flagd(flags: Record<string, unknown>): FlagdCore {
  const core = new FlagdCore();
  core.setConfigurations(JSON.stringify({ flags }));
  return core;
}

t.test('splits: the same variant as flagd-core for every ASCII key, weight and total', async (t) => {
  const core = flagd(Object.fromEntries(SPLITS.map((split) => [split.key, flagdFlag(split)])));
  const keys = asciiKeys(3000, 2026);
  const companies = asciiKeys(300, 7);
  for (const split of SPLITS) {
    const flag = flagstoneFlag(split);
    let same = 0;
    const seen = new Set<string>();
    for (let i = 0; i < keys.length; i++) {
      const context = { targetingKey: keys[i]!, companyId: companies[i % companies.length]! };
      const ours = evaluate(flag, {}, context) as { variant?: string; reason: string };
      const theirs = core.resolveStringEvaluation(split.key, 'code-default', context);
      if (ours.reason === 'SPLIT' && ours.variant === theirs.variant) same++;
      if (ours.variant !== undefined) seen.add(ours.variant);
    }
    t.equal(same, keys.length, `${split.key}: ${same} of ${keys.length} keys agree`);
    const expected = NAMES.filter((_, i) => (split.weights[i] ?? 0) > 0).length;
    t.equal(seen.size, expected, `${split.key}: every variant with a weight is served`);
  }
});

t.test('splits: no bucketing value serves the default variant, as in flagd-core', async (t) => {
  const cases = [SPLITS[0]!, SPLITS[7]!];
  const core = flagd(Object.fromEntries(cases.map((split) => [split.key, flagdFlag(split)])));
  const halves = flagstoneFlag(cases[0]!);
  for (const context of [{}, { targetingKey: '' }, { userId: 'u-1' }] as Record<string, string>[]) {
    const ours = evaluate(halves, {}, context) as { variant?: string; reason: string };
    const theirs = core.resolveStringEvaluation('halves', 'code-default', context);
    t.same([ours.variant, ours.reason], [theirs.variant, 'DEFAULT'], JSON.stringify(context));
  }
});

t.test(
  'non-ASCII keys: Flagstone hashes UTF-8 (as flagd in Go); flagd-core in JS hashes UTF-16',
  async (t) => {
    // murmur3 x86 32 (seed 0) of the bytes 68 61 6C 76 65 73 C3 BC: "halvesü" in UTF-8.
    t.equal(hash('halvesü'), 2_159_933_696, 'a non-ASCII key is hashed as its UTF-8 bytes');
    const core = flagd({ halves: flagdFlag(SPLITS[0]!) });
    const flag = flagstoneFlag(SPLITS[0]!);
    let differ = 0;
    const keys = asciiKeys(200, 99).map((key) => `${key}ü中😀`);
    for (const targetingKey of keys) {
      const ours = (evaluate(flag, {}, { targetingKey }) as { variant: string }).variant;
      if (core.resolveStringEvaluation('halves', 'x', { targetingKey }).variant !== ours) differ++;
    }
    t.ok(
      differ > 0,
      `flagd-core differs on ${differ} of ${keys.length} non-ASCII keys: its hash is not of UTF-8`,
    );
  },
);

const SEMVER_OPERATORS: [Operator, string][] = [
  ['semver_lt', '<'],
  ['semver_lte', '<='],
  ['semver_gt', '>'],
  ['semver_gte', '>='],
];
const TARGETS = ['2.0.0', '1.0.0', '2.1.0', '2.0.0-beta.1'];
const CONTEXT_VERSIONS = [
  '2',
  '2.1',
  'v1.0',
  'V2.1.0',
  'v2',
  'V2',
  '1.9.9',
  '2.0.0',
  '2.0.0-beta.1',
  '2.0.0-alpha',
  'v2.0.0+build.7',
  '1.10',
  '10',
  '02',
  '2.0.0.0',
  '2.x',
  'vv2.0.0',
  'v',
  '',
  'abc',
  'myVersion_2',
  ' 2.0.0 ',
];

t.test('versions: contexts are read as flagd-core reads them', async (t) => {
  const flags: Record<string, unknown> = {};
  const ours: Record<string, EvaluableFlag> = {};
  for (const [operator, symbol] of SEMVER_OPERATORS) {
    for (const target of TARGETS) {
      const key = `${operator}-${target}`;
      flags[key] = {
        state: 'ENABLED',
        variants: VARIANTS,
        defaultVariant: 'fallback',
        targeting: { if: [{ sem_ver: [{ var: 'version' }, symbol, target] }, 'a', null] },
      };
      ours[key] = {
        key,
        enabled: true,
        defaultVariant: 'fallback',
        offVariant: null,
        variants: VARIANTS,
        rules: [{ conditions: [{ attribute: 'version', operator, value: target }], variant: 'a' }],
      };
    }
  }
  const core = flagd(flags);
  let compared = 0;
  let matched = 0;
  for (const version of CONTEXT_VERSIONS) {
    for (const key of Object.keys(ours)) {
      const mine = (evaluate(ours[key]!, {}, { version }) as { variant: string }).variant;
      const theirs = core.resolveStringEvaluation(key, 'x', { version }).variant;
      t.equal(mine, theirs, `${JSON.stringify(version)} ${key}`);
      compared++;
      if (mine === 'a') matched++;
    }
  }
  t.ok(matched > compared / 5, `a fair share of comparisons hold (${matched} of ${compared})`);
  const lenient = (version: string) =>
    (evaluate(ours['semver_gte-2.0.0']!, {}, { version }) as { variant: string }).variant;
  t.equal(lenient('2'), 'a', '"2" is 2.0.0');
  t.equal(lenient('V2.1.0'), 'a', '"V2.1.0" is 2.1.0');
  t.equal(lenient('v1.0'), 'fallback', '"v1.0" is 1.0.0');
});

t.test('prerequisites: a chain on a split is met for the users flagd-core buckets the same', async (t) => {
  const experiment: EvaluableFlag = flagstoneFlag(SPLITS[2]!); // three-way: a, b, c
  const flags: Record<string, EvaluableFlag> = {
    'three-way': experiment,
    gate: {
      key: 'gate',
      enabled: true,
      defaultVariant: 'a',
      offVariant: 'fallback',
      variants: VARIANTS,
      rules: [],
      prerequisites: [{ flag: 'three-way', variants: ['b', 'c'] }],
    },
    top: {
      key: 'top',
      enabled: true,
      defaultVariant: 'b',
      offVariant: 'c',
      variants: VARIANTS,
      rules: [
        {
          split: [
            { variant: 'a', weight: 1 },
            { variant: 'b', weight: 1 },
          ],
        },
      ],
      prerequisites: [{ flag: 'gate', variants: ['a'] }],
    },
  };
  // The same by hand in flagd: each prerequisite is its flag's own targeting, inlined, with its
  // own bucketing seed written out (inlined in `gate`, flagd's default seed would be "gate").
  const entries = (flagdFlag(SPLITS[2]!).targeting.fractional as unknown[]).slice();
  const threeWay = { fractional: [{ cat: ['three-way', { var: 'targetingKey' }] }, ...entries] };
  const gateMet = { in: [threeWay, ['b', 'c']] };
  const core = flagd({
    'three-way': flagdFlag(SPLITS[2]!),
    gate: {
      state: 'ENABLED',
      variants: VARIANTS,
      defaultVariant: 'a',
      targeting: { if: [gateMet, 'a', 'fallback'] },
    },
    top: {
      state: 'ENABLED',
      variants: VARIANTS,
      defaultVariant: 'b',
      targeting: {
        if: [
          { and: [gateMet, { in: ['a', ['a']] }] },
          {
            fractional: [
              ['a', 1],
              ['b', 1],
            ],
          },
          'c',
        ],
      },
    },
  });
  const lookup = (key: string) => flags[key];
  const served = new Map<string, Set<string>>();
  for (const targetingKey of asciiKeys(2000, 11)) {
    for (const key of ['gate', 'top']) {
      const ours = evaluate(flags[key]!, {}, { targetingKey }, lookup) as {
        variant?: string;
        reason: string;
      };
      const theirs = core.resolveStringEvaluation(key, 'code-default', { targetingKey });
      t.equal(ours.variant, theirs.variant, `${key} ${JSON.stringify(targetingKey)}`);
      const seen = served.get(key) ?? new Set();
      seen.add(ours.reason);
      served.set(key, seen);
    }
  }
  t.same([...served.get('gate')!].sort(), ['DISABLED', 'STATIC'], 'gate is met and held off');
  t.same([...served.get('top')!].sort(), ['DISABLED', 'SPLIT'], 'top is met and held off, down the chain');
  t.equal(
    (evaluate(flags.top!, {}, { targetingKey: 'x' }) as { variant: string }).variant,
    'c',
    'without a lookup, no prerequisite is met',
  );
});
