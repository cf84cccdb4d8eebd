// A corpus of flags and contexts for comparing Flagstone's evaluation with flagd's: every
// operator, segments (one, two, an empty one, a dotted attribute), splits (by targetingKey, by an
// attribute, with a shared seed, uneven, three-way, a zero weight), off with and without an off
// variant, no default variant, and contexts with wrong types, missing attributes, odd versions and
// missing targeting keys. The contexts are a fixed pseudo-random sequence: runs are repeatable.
import type { FlagdCore } from '@openfeature/flagd-core';
import type { CreateFlagInput, SegmentContent } from '../../src/flags/flag-schemas.ts';
import { admin, createFlag } from './app.ts';

type App = { inject: (options: object) => PromiseLike<{ statusCode: number; body: string }> };

export const CORPUS_SEGMENTS: ({ key: string } & SegmentContent)[] = [
  {
    key: 'beta-customers',
    description: 'customers on a beta plan',
    conditions: [{ attribute: 'plan', operator: 'in', value: ['beta', 'enterprise'] }],
  },
  {
    key: 'europe',
    description: 'European countries',
    conditions: [
      { attribute: 'country', operator: 'in', value: ['DE', 'FR', 'NL'] },
      { attribute: 'age', operator: 'gte', value: 18 },
    ],
  },
  { key: 'nobody', description: 'no conditions: no one', conditions: [] },
  {
    key: 'dotted',
    description: 'an attribute whose name holds a dot',
    conditions: [{ attribute: 'org.tier', operator: 'equals', value: 'gold' }],
  },
];

const BOOLEAN = { on: true, off: false };
const COLOURS = { red: 'red', green: 'green', blue: 'blue' };

/** A boolean flag that is on for one condition. */
const when = (key: string, attribute: string, operator: string, value?: unknown): CreateFlagInput => ({
  key,
  type: 'boolean',
  enabled: true,
  variants: BOOLEAN,
  defaultVariant: 'off',
  rules: [
    {
      conditions: [
        value === undefined
          ? { attribute, operator: operator as never }
          : { attribute, operator: operator as never, value },
      ],
      variant: 'on',
    },
  ],
});

const split = (weights: number[], extra: object = {}, names = Object.keys(COLOURS)) => ({
  split: weights.map((weight, i) => ({ variant: names[i]!, weight })),
  ...extra,
});

export const CORPUS_FLAGS: CreateFlagInput[] = [
  when('equals-string', 'plan', 'equals', 'beta'),
  when('equals-number', 'age', 'equals', 30),
  when('equals-boolean', 'admin', 'equals', true),
  when('not-equals-string', 'plan', 'not_equals', 'free'),
  when('not-equals-number', 'age', 'not_equals', 30),
  when('not-equals-boolean', 'admin', 'not_equals', false),
  when('in-strings', 'country', 'in', ['DE', 'FR']),
  when('in-mixed', 'plan', 'in', ['beta', 42]),
  when('not-in-strings', 'country', 'not_in', ['DE', 'FR']),
  when('not-in-numbers', 'age', 'not_in', [30, 40]),
  when('not-in-mixed', 'plan', 'not_in', ['free', 7]),
  when('starts-with', 'email', 'starts_with', 'admin@'),
  when('ends-with', 'email', 'ends_with', '@example.com'),
  when('contains', 'email', 'contains', 'example'),
  when('lt', 'age', 'lt', 18),
  when('lte', 'age', 'lte', 18),
  when('gt', 'age', 'gt', 64.5),
  when('gte', 'age', 'gte', 65),
  when('semver-lt', 'version', 'semver_lt', '2.0.0'),
  when('semver-lte', 'version', 'semver_lte', '2.0.0'),
  when('semver-gt', 'version', 'semver_gt', '1.2.3'),
  when('semver-gte', 'version', 'semver_gte', '2.0.0-beta.1'),
  when('exists', 'email', 'exists'),
  when('dotted-attribute', 'org.tier', 'equals', 'gold'),
  {
    key: 'segments',
    type: 'string',
    enabled: true,
    variants: COLOURS,
    defaultVariant: 'blue',
    rules: [
      { segments: ['beta-customers', 'europe'], variant: 'red' },
      { segments: ['nobody'], variant: 'green' },
      {
        segments: ['dotted'],
        conditions: [{ attribute: 'age', operator: 'lt', value: 30 }],
        variant: 'green',
      },
    ],
  },
  {
    key: 'ordered-rules',
    type: 'number',
    enabled: true,
    variants: { low: 1, middle: 2.5, high: 100 },
    defaultVariant: 'middle',
    rules: [
      { conditions: [{ attribute: 'age', operator: 'lt', value: 18 }], variant: 'low' },
      {
        conditions: [{ attribute: 'country', operator: 'equals', value: 'DE' }],
        ...split([1, 1], {}, ['low', 'high']),
      },
      { variant: 'high' },
      { conditions: [{ attribute: 'plan', operator: 'exists' }], variant: 'low' },
    ],
  },
  {
    key: 'split-halves',
    type: 'string',
    enabled: true,
    variants: COLOURS,
    defaultVariant: 'blue',
    rules: [split([5000, 5000])],
  },
  {
    key: 'split-uneven',
    type: 'string',
    enabled: true,
    variants: COLOURS,
    defaultVariant: 'blue',
    rules: [split([100, 9900])],
  },
  {
    key: 'split-three-way',
    type: 'string',
    enabled: true,
    variants: COLOURS,
    defaultVariant: 'red',
    rules: [split([3, 0, 4])],
  },
  {
    key: 'split-by-company',
    type: 'string',
    enabled: true,
    variants: COLOURS,
    defaultVariant: 'blue',
    rules: [split([2000, 3000, 5000], { bucketBy: 'companyId' })],
  },
  {
    key: 'split-seed-one',
    type: 'string',
    enabled: true,
    variants: COLOURS,
    defaultVariant: 'blue',
    rules: [split([1, 1], { seed: 'checkout-experiment' })],
  },
  {
    key: 'split-seed-two',
    type: 'string',
    enabled: true,
    variants: COLOURS,
    defaultVariant: 'blue',
    rules: [split([1, 1], { seed: 'checkout-experiment', bucketBy: 'companyId' })],
  },
  {
    key: 'split-no-default',
    type: 'string',
    enabled: true,
    variants: COLOURS,
    defaultVariant: null,
    rules: [{ conditions: [{ attribute: 'plan', operator: 'exists' }], ...split([1, 2, 3]) }],
  },
  {
    key: 'off-with-off-variant',
    type: 'string',
    enabled: false,
    variants: COLOURS,
    defaultVariant: 'green',
    offVariant: 'red',
    rules: [{ variant: 'blue' }],
  },
  {
    key: 'off-without-off-variant',
    type: 'boolean',
    enabled: false,
    variants: BOOLEAN,
    defaultVariant: 'on',
  },
  {
    key: 'no-default-variant',
    type: 'json',
    enabled: true,
    variants: { dark: { background: '#000' }, light: { background: '#fff', contrast: [1, 2] } },
    defaultVariant: null,
    rules: [{ conditions: [{ attribute: 'theme', operator: 'equals', value: 'dark' }], variant: 'dark' }],
  },
  {
    key: 'static',
    type: 'number',
    enabled: true,
    variants: { ten: 10 },
    defaultVariant: 'ten',
  },
  {
    key: 'nothing-at-all',
    type: 'boolean',
    enabled: true,
    variants: BOOLEAN,
    defaultVariant: null,
  },
];

/**
 * Flags with prerequisites on the corpus's flags, in an order they can be created in: a chain three
 * long, prerequisites that are off, split (each with its own seed or bucketing attribute), ruled,
 * without a default, and dependents with and without an off variant, rules and splits of their own.
 */
export const PREREQUISITE_FLAGS: CreateFlagInput[] = [
  {
    key: 'requires-split',
    type: 'string',
    enabled: true,
    variants: COLOURS,
    defaultVariant: 'green',
    offVariant: 'red',
    prerequisites: [{ flag: 'split-halves', variants: ['red'] }],
  },
  {
    key: 'requires-off',
    type: 'boolean',
    enabled: true,
    variants: BOOLEAN,
    defaultVariant: 'on',
    offVariant: 'off',
    prerequisites: [{ flag: 'off-with-off-variant', variants: ['red', 'green', 'blue'] }],
  },
  {
    key: 'requires-rules',
    type: 'string',
    enabled: true,
    variants: COLOURS,
    defaultVariant: 'blue',
    offVariant: 'green',
    prerequisites: [
      { flag: 'in-strings', variants: ['on'] },
      { flag: 'ordered-rules', variants: ['high', 'low'] },
    ],
    rules: [{ segments: ['beta-customers'], variant: 'red' }, split([1, 1, 1], { bucketBy: 'companyId' })],
  },
  {
    key: 'chain-one',
    type: 'boolean',
    enabled: true,
    variants: BOOLEAN,
    defaultVariant: 'on',
    offVariant: 'off',
    prerequisites: [{ flag: 'requires-split', variants: ['green'] }],
    rules: [{ conditions: [{ attribute: 'admin', operator: 'equals', value: true }], variant: 'off' }],
  },
  {
    key: 'chain-two',
    type: 'number',
    enabled: true,
    variants: { one: 1, two: 2 },
    defaultVariant: 'two',
    offVariant: null,
    prerequisites: [{ flag: 'chain-one', variants: ['on'] }],
  },
  {
    key: 'chain-three',
    type: 'string',
    enabled: true,
    variants: COLOURS,
    defaultVariant: null,
    offVariant: 'blue',
    prerequisites: [
      { flag: 'chain-two', variants: ['two'] },
      { flag: 'split-seed-two', variants: ['red'] },
    ],
    rules: [split([3, 1, 0], { seed: 'checkout-experiment' })],
  },
  {
    key: 'requires-no-default',
    type: 'boolean',
    enabled: true,
    variants: BOOLEAN,
    defaultVariant: 'on',
    offVariant: null,
    prerequisites: [{ flag: 'split-no-default', variants: ['red', 'green'] }],
  },
  {
    key: 'requires-disabled',
    type: 'boolean',
    enabled: true,
    variants: BOOLEAN,
    defaultVariant: 'on',
    offVariant: 'off',
    prerequisites: [{ flag: 'off-without-off-variant', variants: ['on', 'off'] }],
  },
  {
    key: 'off-with-prerequisites',
    type: 'boolean',
    enabled: false,
    variants: BOOLEAN,
    defaultVariant: 'on',
    offVariant: 'off',
    prerequisites: [{ flag: 'static', variants: ['ten'] }],
  },
];

/** Creates the corpus's segments and flags in an environment through the admin API. */
export async function seedCorpus(app: App, environment: string, { prerequisites = false } = {}) {
  for (const segment of CORPUS_SEGMENTS) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/admin/segments',
      headers: admin,
      payload: { environment, ...segment },
    });
    if (res.statusCode !== 201) throw new Error(`segment ${segment.key}: ${res.statusCode} ${res.body}`);
  }
  for (const flag of CORPUS_FLAGS) await createFlag(app as never, { environment, ...flag });
  if (prerequisites) {
    for (const flag of PREREQUISITE_FLAGS) await createFlag(app as never, { environment, ...flag });
  }
}

/** The OpenFeature resolver each flag type is read with. */
export const RESOLVERS = {
  boolean: 'resolveBooleanEvaluation',
  string: 'resolveStringEvaluation',
  number: 'resolveNumberEvaluation',
  json: 'resolveObjectEvaluation',
} as const;

const ODD_VALUES: unknown[] = [
  null,
  '',
  'beta',
  'free',
  'DE',
  42,
  7,
  30,
  18,
  65,
  64.5,
  -1,
  0,
  true,
  false,
  [],
  ['DE'],
  [30],
  { a: 1 },
  '30',
  'true',
  '18',
];
const VERSIONS = [
  '2',
  '2.1',
  'v1.0',
  'V2.1.0',
  '1.2.3',
  '2.0.0-beta.1',
  '2.0.0',
  '10',
  'v',
  'abc',
  '2.x',
  2,
  2.1,
  null,
];
const EMAILS = ['admin@example.com', 'bob@example.org', 'example', '', 'ADMIN@EXAMPLE.COM'];

/** `count` contexts: every attribute sometimes missing, sometimes of a wrong type. */
export function corpusContexts(count: number, seed = 2026): Record<string, unknown>[] {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const sometimes = (context: Record<string, unknown>, name: string, value: () => unknown) => {
    const roll = random();
    if (roll < 0.2) return; // missing
    context[name] = roll < 0.35 ? pick(ODD_VALUES) : value();
  };
  const contexts: Record<string, unknown>[] = [];
  for (let n = 0; n < count; n++) {
    const context: Record<string, unknown> = {};
    const roll = random();
    if (roll < 0.85) context.targetingKey = `user-${Math.floor(random() * 1e9).toString(36)}`;
    else if (roll < 0.9) context.targetingKey = '';
    sometimes(context, 'plan', () => pick(['beta', 'enterprise', 'free', 'pro']));
    sometimes(context, 'country', () => pick(['DE', 'FR', 'NL', 'US', 'de']));
    sometimes(context, 'age', () => pick([17, 18, 19, 30, 40, 64.5, 65, 80]));
    sometimes(context, 'admin', () => random() < 0.5);
    sometimes(context, 'email', () => pick(EMAILS));
    sometimes(context, 'version', () => pick(VERSIONS));
    sometimes(context, 'companyId', () => `company-${Math.floor(random() * 50)}`);
    sometimes(context, 'theme', () => pick(['dark', 'light']));
    if (random() < 0.3) context['org.tier'] = pick(['gold', 'silver', 7]);
    if (random() < 0.1) context.org = { tier: 'gold' }; // a path JSON Logic would walk; Flagstone does not
    contexts.push(context);
  }
  return contexts;
}

/** One entry of an OFREP bulk answer, or a flagd resolution (which has no key). */
export interface Answer {
  key?: string;
  value?: unknown;
  variant?: string;
  reason?: string;
  errorCode?: string;
}

/** The code defaults the comparisons pass: no flag serves them. */
export const CODE_DEFAULTS = {
  boolean: false,
  string: 'code-default',
  number: -999,
  json: { code: 'default' },
};
export type FlagType = keyof typeof CODE_DEFAULTS;

/** Flagstone's OFREP bulk answer for `context`, by flag key. */
export async function bulkAnswers(app: App, environment: string, context: object) {
  const res = await app.inject({
    method: 'POST',
    url: `/ofrep/v1/evaluate/flags?environment=${environment}`,
    headers: admin,
    payload: { context },
  });
  if (res.statusCode !== 200) throw new Error(`bulk evaluation: ${res.statusCode} ${res.body}`);
  return new Map((JSON.parse(res.body).flags as Answer[]).map((entry) => [entry.key!, entry]));
}

/** flagd-core's resolution of a flag of `type`, with that type's code default. */
export function flagdAnswer(core: FlagdCore, type: FlagType, key: string, context: object): Answer {
  const resolve = core[RESOLVERS[type]] as unknown as (
    key: string,
    fallback: unknown,
    context: object,
  ) => Answer;
  return resolve.call(core, key, CODE_DEFAULTS[type], context);
}

/**
 * Whether Flagstone's answer and another evaluator's give the caller the same: the same variant,
 * and the same value (no value is the code default). Reasons may differ (flagd has no SPLIT).
 */
export const sameAnswer = (ours: Answer, theirs: Answer, type: FlagType) =>
  ours.errorCode === undefined &&
  ours.variant === theirs.variant &&
  JSON.stringify(ours.value ?? CODE_DEFAULTS[type]) === JSON.stringify(theirs.value);
