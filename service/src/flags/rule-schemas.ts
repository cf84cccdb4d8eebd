// Targeting: the shapes of rules, conditions and segments, and what an evaluation returns.
// A flag's rules are ordered; the first whose conditions and segments all match decides,
// serving one variant or splitting users between variants by a sticky hash.
import Type, { type Static } from 'typebox';
import { Key, Strict, Timestamp } from '../schema.ts';
import { OPERATORS } from './operators.ts';

export { OPERATORS, type Operator } from './operators.ts';

export const VARIANT_PATTERN = '^[A-Za-z0-9_.-]{1,64}$';
export const VariantName = Type.String({
  pattern: VARIANT_PATTERN,
  description: 'a variant name: letters, digits, ".", "_" or "-"',
});

export const ConditionSchema = Strict({
  attribute: Type.String({
    minLength: 1,
    maxLength: 128,
    description: 'a context attribute, e.g. country or targetingKey',
  }),
  operator: Type.Enum(OPERATORS),
  value: Type.Optional(
    Type.Unknown({
      description:
        'equals/not_equals: a string, number or boolean; in/not_in: a list of them; starts_with/ends_with/contains: a string; lt/lte/gt/gte: a number; semver_*: a version such as 1.2.3; exists: none',
    }),
  ),
});
export type Condition = Static<typeof ConditionSchema>;

/** The largest total a split's weights may have: flagd's limit (a signed 32-bit integer). */
export const MAX_TOTAL_WEIGHT = 2_147_483_647;

export const SplitSchema = Type.Array(
  Strict({
    variant: VariantName,
    weight: Type.Integer({
      minimum: 0,
      maximum: MAX_TOTAL_WEIGHT,
      description: "a whole number; the variant's share is its weight over the split's total",
    }),
  }),
  {
    minItems: 1,
    maxItems: 100,
    description: `whole-number weights, any total up to ${MAX_TOTAL_WEIGHT}, at least one above 0 (e.g. basis points summing to 10000)`,
  },
);
export type Split = Static<typeof SplitSchema>;

export const RuleSchema = Strict({
  description: Type.Optional(Type.String({ maxLength: 500 })),
  conditions: Type.Optional(Type.Array(ConditionSchema, { maxItems: 50 })),
  segments: Type.Optional(Type.Array(Key('segment key'), { maxItems: 20 })),
  variant: Type.Optional(VariantName),
  split: Type.Optional(SplitSchema),
  bucketBy: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'with a split: the context attribute whose value buckets users; default targetingKey',
    }),
  ),
  seed: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      description:
        'with a split: hashed before the bucketing value; default the flag key. Flags sharing a seed put a user in the same bucket',
    }),
  ),
});
export type Rule = Static<typeof RuleSchema>;
export const RulesSchema = Type.Array(RuleSchema, { maxItems: 200 });

/** How many flags one flag may require directly. */
export const MAX_PREREQUISITES = 10;
/** How long a chain of prerequisites may be (A requires B requires C: 2): evaluation stays bounded. */
export const MAX_PREREQUISITE_DEPTH = 10;
/**
 * How many prerequisites one evaluation may check, following every chain (a flag required along two
 * chains counts twice): bounds evaluation and the flagd export, which inlines each chain.
 */
export const MAX_PREREQUISITE_CHECKS = 100;

export const PrerequisiteSchema = Strict(
  {
    flag: Key('the key of a flag of the same environment'),
    variants: Type.Array(VariantName, {
      minItems: 1,
      maxItems: 100,
      uniqueItems: true,
      description: 'met while that flag is on and serves one of these variants',
    }),
  },
  { description: 'a flag this one requires: on, and serving one of the variants named' },
);
export type Prerequisite = Static<typeof PrerequisiteSchema>;
export const PrerequisitesSchema = Type.Array(PrerequisiteSchema, {
  maxItems: MAX_PREREQUISITES,
  description: `flags of the same environment this flag requires (at most ${MAX_PREREQUISITES}); while one is not met, the flag serves its off variant`,
});

export const SegmentSchema = Type.Object({
  key: Key('segment key'),
  environment: Key('environment key'),
  description: Type.String(),
  conditions: Type.Array(ConditionSchema),
  version: Type.Integer({ minimum: 1 }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Segment = Static<typeof SegmentSchema>;

/** A single segment as its read answers it: with the flags that use it. */
export const SegmentDetailSchema = Type.Object({
  ...SegmentSchema.properties,
  usedBy: Type.Array(Type.String(), {
    description: 'the keys of the live flags whose rules use it (at most 1000)',
  }),
});
export type SegmentDetail = Static<typeof SegmentDetailSchema>;

/** The attributes an evaluation sees: OpenFeature's evaluation context. */
export type EvaluationContext = { targetingKey?: unknown } & Record<string, unknown>;

export const REASONS = ['STATIC', 'TARGETING_MATCH', 'SPLIT', 'DISABLED', 'DEFAULT'] as const;
export type Reason = (typeof REASONS)[number];

/** A success names its variant and value, or neither: then the caller's code default applies. */
export type Evaluation =
  | { value?: unknown; variant?: string; reason: Reason }
  | { errorCode: 'GENERAL'; errorDetails: string };
