// Evaluates a flag for one evaluation context. Pure and synchronous: it runs on every evaluation
// request, so the hot path walks rules and conditions with plain loops and allocates nothing (a
// successful answer is shared, see `answer`). Rules are tried in order; the first whose
// conditions and segments all match serves its variant, or splits users between variants exactly
// as flagd's `fractional` does, so a flagd provider evaluating the same flag in process gives every
// user the same variant. What a flag serves when it is off, or when no rule decides, is a variant
// it names (offVariant, defaultVariant), or no value at all: the caller's own code default (OFREP
// ADR-0006). A flag with prerequisites serves its off variant, as if it were off, while one of
// them is not met: the other flag is missing, off (or itself held off by its own prerequisites), or
// serves another variant for the same context.
import murmurhash from 'murmurhash';
import semver, { type SemVer } from 'semver';
import {
  type Condition,
  type Evaluation,
  type EvaluationContext,
  MAX_PREREQUISITE_DEPTH,
  MAX_TOTAL_WEIGHT,
  type Prerequisite,
  type Reason,
  type Rule,
  type Split,
} from '../flags/rule-schemas.ts';

export interface EvaluableFlag {
  key: string;
  enabled: boolean;
  /** Served when the flag is on and no rule matches; null: no value. */
  defaultVariant: string | null;
  /** Served when the flag is off; null: no value. */
  offVariant: string | null;
  variants: Record<string, unknown>;
  rules: Rule[];
  /** Other flags this one requires (absent: none). */
  prerequisites?: readonly Prerequisite[];
}

/** The flags of the same environment (the snapshot's), by key: where prerequisites are looked up. */
export type FlagLookup = (key: string) => EvaluableFlag | undefined;

const NO_FLAGS: FlagLookup = () => undefined;

const encoder = new TextEncoder();
const NO_ATTRIBUTES: Readonly<Record<string, unknown>> = Object.freeze({});
/** Reused for hashing: encoding into it is about 2.5 times faster than allocating with encode(). */
const hashInput = new Uint8Array(1024);

/** murmur3 x86 32-bit (seed 0) of a string's UTF-8 bytes, as flagd's Go evaluator hashes it. */
export function hash(text: string): number {
  // A UTF-16 code unit takes at most 3 bytes in UTF-8; longer keys get a buffer of their own.
  const bytes =
    text.length * 3 <= hashInput.length
      ? hashInput.subarray(0, encoder.encodeInto(text, hashInput).written)
      : encoder.encode(text);
  return murmurhash.v3(bytes, 0);
}

/**
 * The bucket 0..totalWeight-1 of a bucketing string, as flagd's `fractional` computes it:
 * (hash × totalWeight) >> 32. The product reaches 2^63, past a double's 53 exact bits, so it is
 * taken in two 16-bit halves of the hash, each product exact, without a BigInt per evaluation.
 */
export function bucket(text: string, totalWeight: number): number {
  const h = hash(text);
  const high = (h >>> 16) * totalWeight; // < 2^47
  const low = (h & 0xffff) * totalWeight; // < 2^47
  // h × total = high × 2^16 + low; split high into its multiples of 2^16 and the rest.
  const highRest = high % 65_536;
  return (high - highRest) / 65_536 + Math.floor((highRest * 65_536 + low) / 4_294_967_296);
}

/** Answers already worked out for one context, by flag key: a bulk evaluation shares them between flags. */
export type Answers = Map<string, Evaluation>;

/**
 * Pure: no I/O, never throws for any context (a bad context is a non-match, not an exception).
 * `flags` finds the flags prerequisites name; without it, every prerequisite is unmet. `depth` is
 * how far down a chain of prerequisites this flag is (0: the flag asked for). With `answers`, a
 * prerequisite evaluated for this context before is not evaluated again, and is kept there.
 */
export function evaluate(
  flag: EvaluableFlag,
  segments: Readonly<Record<string, readonly Condition[]>>,
  context: EvaluationContext,
  flags: FlagLookup = NO_FLAGS,
  depth = 0,
  answers?: Answers,
): Evaluation {
  try {
    if (!flag.enabled) return fallback(flag, flag.offVariant, 'DISABLED');
    const prerequisites = flag.prerequisites;
    if (
      prerequisites !== undefined &&
      prerequisites.length > 0 &&
      !prerequisitesMet(prerequisites, segments, context, flags, depth, answers)
    ) {
      // Held off: what the flag serves when off, with the reason it has then.
      return fallback(flag, flag.offVariant, 'DISABLED');
    }
    const rules = flag.rules;
    if (rules.length === 0) return fallback(flag, flag.defaultVariant, 'STATIC');
    const attributes: object = typeof context === 'object' && context !== null ? context : NO_ATTRIBUTES;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (ruleMatches(rule, segments, attributes)) return serve(flag, rule, i, attributes);
    }
    return fallback(flag, flag.defaultVariant, 'DEFAULT');
  } catch (error) {
    // Only a malformed flag can get here: contexts cannot make matching throw.
    const reason = error instanceof Error ? error.message : String(error);
    return { errorCode: 'GENERAL', errorDetails: `flag ${flag?.key} could not be evaluated: ${reason}` };
  }
}

/**
 * Whether every prerequisite's flag is on and serves one of the variants it names for this
 * context. Writes refuse circles and long chains; the depth bound is the net under them.
 */
function prerequisitesMet(
  prerequisites: readonly Prerequisite[],
  segments: Readonly<Record<string, readonly Condition[]>>,
  context: EvaluationContext,
  flags: FlagLookup,
  depth: number,
  answers: Answers | undefined,
): boolean {
  if (depth >= MAX_PREREQUISITE_DEPTH) return false;
  for (let i = 0; i < prerequisites.length; i++) {
    const prerequisite = prerequisites[i]!;
    const required = flags(prerequisite.flag);
    if (required === undefined) return false;
    let result = answers?.get(prerequisite.flag);
    if (result === undefined) {
      result = evaluate(required, segments, context, flags, depth + 1, answers);
      answers?.set(prerequisite.flag, result);
    }
    if (!('reason' in result) || result.reason === 'DISABLED' || result.variant === undefined) return false;
    if (!prerequisite.variants.includes(result.variant)) return false;
  }
  return true;
}

type Answer = Extract<Evaluation, { reason: Reason }>;

/**
 * One answer object per flag, reason and variant, frozen and shared by every evaluation that
 * gives it: an evaluation allocates nothing, and a caller may keep what it derives from an
 * answer (its JSON) with the answer. An answer without a variant has neither `variant` nor
 * `value`: it tells the caller to use its code default.
 */
const answers = new WeakMap<EvaluableFlag, Partial<Record<Reason, Map<string | null, Answer>>>>();

function answer(flag: EvaluableFlag, value: unknown, variant: string | null, reason: Reason): Answer {
  let byReason = answers.get(flag);
  if (byReason === undefined) {
    byReason = {};
    answers.set(flag, byReason);
  }
  byReason[reason] ??= new Map();
  const byVariant = byReason[reason];
  let found = byVariant.get(variant);
  if (found === undefined) {
    found = Object.freeze(variant === null ? { reason } : { value, variant, reason });
    byVariant.set(variant, found);
  }
  return found;
}

/** The variant a flag names for when no rule decides, or no value when it names none. */
function fallback(flag: EvaluableFlag, variant: string | null, reason: Reason): Evaluation {
  if (variant === null) return answer(flag, undefined, null, reason);
  return served(flag, variant, reason, reason === 'DISABLED' ? 'offVariant' : 'defaultVariant');
}

function ruleMatches(
  rule: Rule,
  segments: Readonly<Record<string, readonly Condition[]>>,
  attributes: object,
): boolean {
  const conditions = rule.conditions;
  if (conditions !== undefined && !allMatch(conditions, attributes)) return false;
  const keys = rule.segments;
  if (keys !== undefined) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (!Object.hasOwn(segments, key)) return false;
      // A segment is a set of users: one with no conditions holds no one, rather than everyone.
      const segment = segments[key]!;
      if (segment.length === 0 || !allMatch(segment, attributes)) return false;
    }
  }
  return true;
}

function allMatch(conditions: readonly Condition[], attributes: object): boolean {
  for (let i = 0; i < conditions.length; i++) {
    if (!conditionMatches(conditions[i]!, attributes)) return false;
  }
  return true;
}

/** A context attribute: own, top-level properties only, so `constructor` or `__proto__` never match by accident. */
function attributeOf(attributes: object, name: string): unknown {
  try {
    return Object.hasOwn(attributes, name) ? (attributes as Record<string, unknown>)[name] : undefined;
  } catch {
    return undefined; // a getter or proxy trap that throws: treat the attribute as missing
  }
}

/** Whether one condition holds. A missing or null attribute, or any type mismatch, is a non-match. */
export function conditionMatches(condition: Condition, attributes: object): boolean {
  const actual = attributeOf(attributes, condition.attribute);
  if (actual === undefined || actual === null) return false;
  const expected = condition.value;
  switch (condition.operator) {
    case 'exists':
      return true;
    case 'equals':
      return isScalar(actual) && actual === expected;
    case 'not_equals':
      return isScalar(actual) && typeof actual === typeof expected && actual !== expected;
    case 'in':
      return (typeof actual === 'string' || typeof actual === 'number') && isListed(actual, expected);
    case 'not_in':
      return (typeof actual === 'string' || typeof actual === 'number') && isUnlisted(actual, expected);
    case 'starts_with':
      return typeof actual === 'string' && typeof expected === 'string' && actual.startsWith(expected);
    case 'ends_with':
      return typeof actual === 'string' && typeof expected === 'string' && actual.endsWith(expected);
    case 'contains':
      return typeof actual === 'string' && typeof expected === 'string' && actual.includes(expected);
    case 'lt':
      return isFiniteNumber(actual) && isFiniteNumber(expected) && actual < expected;
    case 'lte':
      return isFiniteNumber(actual) && isFiniteNumber(expected) && actual <= expected;
    case 'gt':
      return isFiniteNumber(actual) && isFiniteNumber(expected) && actual > expected;
    case 'gte':
      return isFiniteNumber(actual) && isFiniteNumber(expected) && actual >= expected;
    // versionOrder is NaN when either side is not a version, and every comparison with NaN is false.
    case 'semver_lt':
      return versionOrder(actual, expected) < 0;
    case 'semver_lte':
      return versionOrder(actual, expected) <= 0;
    case 'semver_gt':
      return versionOrder(actual, expected) > 0;
    case 'semver_gte':
      return versionOrder(actual, expected) >= 0;
    default:
      return false; // an operator this version does not know
  }
}

function isScalar(value: unknown): value is string | number | boolean {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean';
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isListed(actual: string | number, list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  for (let i = 0; i < list.length; i++) {
    if (list[i] === actual) return true;
  }
  return false;
}

/** Not in the list, and the list holds values of the attribute's type (else it is a type mismatch). */
function isUnlisted(actual: string | number, list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  const type = typeof actual;
  let comparable = false;
  for (let i = 0; i < list.length; i++) {
    const item: unknown = list[i];
    if (item === actual) return false;
    if (typeof item === type) comparable = true;
  }
  return comparable;
}

/**
 * Versions parsed lately, rules' and contexts' alike (false: not a version): parsing is most of a
 * comparison. Contexts can bring any number of distinct strings, so it starts over when full:
 * that costs parsing the versions in use again, and a plain map lookup costs a fraction of an LRU's.
 */
const versions = new Map<string, SemVer | false>();
const MAX_VERSIONS = 4096;
const PARTIAL_VERSION = /^\d+(\.\d+)?$/;

/**
 * A version read as flagd's `sem_ver` reads it: one leading `v` or `V` dropped, then a full
 * version, or a partial one (`2`, `2.1`) taken as `2.0.0`, `2.1.0`. Rules' versions are full ones
 * (checked when saved), so only contexts' use the leniency.
 */
function parseVersion(text: string): SemVer | false {
  let parsed = versions.get(text);
  if (parsed === undefined) {
    if (versions.size >= MAX_VERSIONS) versions.clear();
    const bare = text.replace(/^[vV]/, '');
    parsed = semver.parse(bare) ?? ((PARTIAL_VERSION.test(bare) && semver.coerce(bare)) || false);
    versions.set(text, parsed);
  }
  return parsed;
}

/** Negative, zero or positive as version a sorts before, with or after b; NaN when either is not a version. */
function versionOrder(a: unknown, b: unknown): number {
  if (typeof a !== 'string' || typeof b !== 'string') return Number.NaN;
  const left = parseVersion(a);
  if (left === false) return Number.NaN;
  const right = parseVersion(b);
  if (right === false) return Number.NaN;
  return left.compare(right);
}

function serve(flag: EvaluableFlag, rule: Rule, index: number, attributes: object): Evaluation {
  const { variant, split } = rule;
  if (variant !== undefined) {
    if (split !== undefined) {
      return general(
        `flag ${flag.key} rules[${index}] has both a variant and a split, so it cannot be served`,
      );
    }
    return served(flag, variant, 'TARGETING_MATCH', `rules[${index}].variant`);
  }
  if (split !== undefined) {
    // As flagd does: no bucketing value, no split; the flag's default is served.
    const value = attributeOf(attributes, rule.bucketBy ?? 'targetingKey');
    if (typeof value !== 'string' || value.length === 0)
      return fallback(flag, flag.defaultVariant, 'DEFAULT');
    const chosen = splitVariant(split, `${rule.seed ?? flag.key}${value}`);
    if (chosen === undefined) {
      return general(`flag ${flag.key} rules[${index}].split has no variant with a weight above 0`);
    }
    return served(flag, chosen, 'SPLIT', `rules[${index}].split`);
  }
  return general(
    `flag ${flag.key} rules[${index}] has neither a variant nor a split, so it cannot be served`,
  );
}

/** The first entry whose running weight exceeds the bucket of `text` among the split's total weight. */
function splitVariant(split: Split, text: string): string | undefined {
  let total = 0;
  for (let i = 0; i < split.length; i++) total += split[i]!.weight;
  if (!(total > 0 && total <= MAX_TOTAL_WEIGHT)) return undefined;
  const at = bucket(text, total);
  let running = 0;
  for (let i = 0; i < split.length; i++) {
    const entry = split[i]!;
    running += entry.weight;
    if (running > at) return entry.variant;
  }
  return undefined;
}

function served(flag: EvaluableFlag, variant: string, reason: Reason, where: string): Evaluation {
  if (Object.hasOwn(flag.variants, variant)) return answer(flag, flag.variants[variant], variant, reason);
  const known = Object.keys(flag.variants)
    .map((name) => `'${name}'`)
    .join(', ');
  return general(
    `flag ${flag.key} ${where} serves variant '${variant}', which the flag does not define (${known ? `its variants: ${known}` : 'it has no variants'})`,
  );
}

function general(errorDetails: string): Evaluation {
  return { errorCode: 'GENERAL', errorDetails };
}
