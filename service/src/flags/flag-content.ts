// What an admin may write into a flag, and the shorthands the API accepts: a create with no type
// and no variants is a plain on/off switch, one with only a defaultValue is of that value's type;
// `defaultValue` names the variant that has that value.
// Every rule here throws INVALID_FLAG with a sentence that says what to send instead.
import { isDeepStrictEqual } from 'node:util';
import { errors } from '../errors.ts';
import { ruleProblem } from '../evaluation/validate-rules.ts';
import {
  type CreateFlagInput,
  FLAG_TYPES,
  type Flag,
  type FlagContent,
  type FlagPatch,
  type FlagType,
  type SegmentContent,
} from './flag-schemas.ts';
import type { CheckSegments } from './flag-store.ts';

export type NewFlag = Omit<CreateFlagInput, 'environment'>;

/** The variants of a boolean flag created without any: the plain switch. */
const SWITCH = { variants: { on: true, off: false }, defaultVariant: 'on', offVariant: 'off' } as const;
/** The name `defaultValue` gives a value that none of the variants has. */
const DEFAULT_NAME = 'default';

const TYPE_CHECKS = {
  boolean: [(v: unknown) => typeof v === 'boolean', 'a boolean'],
  string: [(v: unknown) => typeof v === 'string', 'a string'],
  number: [(v: unknown) => typeof v === 'number' && Number.isFinite(v), 'a number'],
  json: [(v: unknown) => typeof v === 'object' && v !== null, 'a JSON object or array'],
} as const;

/** What was sent (null included), else the fallback. */
const sentOr = <T>(sent: T | undefined, fallback: T) => (sent === undefined ? fallback : sent);

/** The type a value is of; undefined for null, which no flag serves. */
function typeOfValue(value: unknown): FlagType | undefined {
  if (value === null) return undefined;
  if (typeof value === 'object') return 'json';
  return (FLAG_TYPES as readonly string[]).includes(typeof value) ? (typeof value as FlagType) : undefined;
}

/**
 * The content a create makes of what was sent. A create without a type takes it from its
 * defaultValue (a string makes a string flag), else it is a boolean: the plain switch.
 */
export function newContent({ key, ...input }: NewFlag): FlagContent {
  const inferred = input.type === undefined ? typeOfValue(input.defaultValue) : undefined;
  const type = input.type ?? inferred ?? 'boolean';
  const plainSwitch = type === 'boolean' && input.variants === undefined;
  if (!plainSwitch && input.variants === undefined && input.defaultValue === undefined) {
    throw errors.invalidFlag(
      `A ${type} flag needs the values it can serve: send variants (name → ${TYPE_CHECKS[type][1]}) with defaultVariant, or a defaultValue.`,
    );
  }
  const content: FlagContent = {
    enabled: input.enabled ?? false,
    description: input.description ?? '',
    type,
    variants: input.variants ?? (plainSwitch ? SWITCH.variants : {}),
    defaultVariant: sentOr(input.defaultVariant, plainSwitch ? SWITCH.defaultVariant : null),
    offVariant: sentOr(input.offVariant, plainSwitch ? SWITCH.offVariant : null),
    rules: input.rules ?? [],
    prerequisites: input.prerequisites ?? [],
  };
  const typeHint =
    input.type !== undefined
      ? ''
      : inferred !== undefined
        ? `; a flag sent without a type takes the type of its defaultValue (${type}), so send its type`
        : '; a flag sent without a type is a boolean, so send its type';
  return checkContent(withDefaultValue(content, input), null, typeHint);
}

/** The content a PATCH makes of the current flag: only what it names changes. */
export function patchedContent(current: Flag, patch: FlagPatch): FlagContent {
  const { defaultValue, ...named } = patch;
  const content: FlagContent = { ...contentOf(current), ...named };
  return checkContent(withDefaultValue(content, patch), null);
}

/** What an admin writes: the flag without its identity, version, times and derived default value. */
export const contentOf = ({
  enabled,
  description,
  type,
  defaultVariant,
  offVariant,
  variants,
  rules,
  prerequisites,
}: Flag): FlagContent => ({
  enabled,
  description,
  type,
  defaultVariant,
  offVariant,
  variants,
  rules,
  prerequisites,
});

/** What an admin writes of a segment: without its identity, version and times. */
export const segmentContent = ({ description, conditions }: SegmentContent): SegmentContent => ({
  description,
  conditions,
});

/** The value of the default variant, which the API shows as `defaultValue`; null without one. */
export const defaultValueOf = ({
  defaultVariant,
  variants,
}: Pick<FlagContent, 'defaultVariant' | 'variants'>) =>
  defaultVariant !== null && Object.hasOwn(variants, defaultVariant) ? variants[defaultVariant] : null;

/**
 * `defaultValue` is shorthand for a default variant: the variant with that value; else, for a
 * value none has, a variant named "default" (made, or given the value while it is the default).
 * Sent with `defaultVariant`, both must agree.
 */
function withDefaultValue(
  content: FlagContent,
  given: { defaultValue?: unknown; defaultVariant?: string | null },
): FlagContent {
  const value = given.defaultValue;
  if (value === undefined) return content;
  const [isValid, expected] = TYPE_CHECKS[content.type];
  if (!isValid(value))
    throw errors.invalidFlag(`defaultValue must be ${expected}, ${because(content.type)}.`);
  const { variants } = content;
  if (given.defaultVariant !== undefined && given.defaultVariant !== null) {
    if (
      Object.hasOwn(variants, given.defaultVariant) &&
      !isDeepStrictEqual(variants[given.defaultVariant], value)
    ) {
      throw errors.invalidFlag(
        `defaultValue disagrees with defaultVariant '${given.defaultVariant}'. Send one of them: the variant's value is the default value.`,
      );
    }
    return content;
  }
  const named = Object.keys(variants).find((name) => isDeepStrictEqual(variants[name], value));
  if (named !== undefined) return { ...content, defaultVariant: named };
  if (Object.hasOwn(variants, DEFAULT_NAME) && content.defaultVariant !== DEFAULT_NAME) {
    throw errors.invalidFlag(
      `defaultValue is none of the variants' values, and the variant '${DEFAULT_NAME}' serves another value. Add the value to variants under a name of its own and send that name as defaultVariant.`,
    );
  }
  return { ...content, variants: { ...variants, [DEFAULT_NAME]: value }, defaultVariant: DEFAULT_NAME };
}

const because = (type: FlagType) => `because the flag type is ${type}`;

/**
 * Every value a flag can serve must be of its type, and its targeting must hold together; throws
 * INVALID_FLAG. `segmentKeys`: the segments that exist (null: checked later, by `checkSegments`).
 */
export function checkContent(
  content: FlagContent,
  segmentKeys: ReadonlySet<string> | null = new Set(),
  typeHint = '',
): FlagContent {
  const [isValid, expected] = TYPE_CHECKS[content.type];
  for (const [name, value] of Object.entries(content.variants)) {
    if (!isValid(value)) {
      throw errors.invalidFlag(`variant '${name}' must be ${expected}, ${because(content.type)}${typeHint}.`);
    }
  }
  const problem = ruleProblem(content, segmentKeys);
  if (problem) throw errors.invalidFlag(problem);
  return content;
}

/** The segments a flag's rules name must exist: the store calls this with those that do. */
export const checkSegments: CheckSegments = (content, existing) => void checkContent(content, existing);

/**
 * Whether `next` changes anything in `current`: a PATCH that does not is answered without a write.
 * The variants' order is kept as given, so the same variants in a new order are a change.
 */
export const changes = (current: Flag, next: FlagContent) =>
  !isDeepStrictEqual(contentOf(current), next) ||
  !isDeepStrictEqual(Object.keys(current.variants), Object.keys(next.variants));
