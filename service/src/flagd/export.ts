// An environment as a flagd flag-definition document (open-feature/flagd-schemas, flags.json):
// what flagd's in-process providers evaluate, in any language, and what the flagd daemon and a
// provider's offline file read. It must give every user the value and variant Flagstone's own
// evaluation gives (evaluation/evaluate.ts), so each construct is written the way JSON Logic
// cannot misread it:
// - conditions compare strictly (`===`), behind a type guard wherever JSON Logic would coerce or
//   throw (`<` reads "5" as 5 and throws on arrays; `sem_ver` reads 2 as "2");
// - attribute names have their dots and backslashes escaped: Flagstone reads top-level
//   attributes only, JSON Logic's `var` walks paths;
// - a split buckets `seed + value` explicitly, behind a guard that the value is a non-empty
//   string (flagd in Go hashes an empty targetingKey; Flagstone serves the default then).
// Flagd has no state "off, serving a variant": such a flag is ENABLED with its off variant as
// its default and no targeting. Flagd has no prerequisites either: a flag that has some is
// targeted `if (every prerequisite met) its own choice, else its off variant`, where a
// prerequisite's being met is that flag's own targeting (its rules, segments and split seeds,
// and its own prerequisites, inlined) giving one of the variants named. Such a flag's flagd
// default is null and its own default variant is written into its targeting, so "off variant:
// none" means the caller's default there too. The document is built once per revision and shared.
import type { Flag, FlagList } from '../flags/flag-schemas.ts';
import type { Condition, Prerequisite, Rule } from '../flags/rule-schemas.ts';
import { MAX_PREREQUISITE_DEPTH } from '../flags/rule-schemas.ts';
import type { Snapshot } from '../flags/snapshot.ts';

export const FLAGD_SCHEMA_URL = 'https://flagd.dev/schema/v0/flags.json';

/** A JSON Logic expression. */
type Logic = unknown;

export interface FlagdFlag {
  state: 'ENABLED' | 'DISABLED';
  variants: Record<string, unknown>;
  defaultVariant: string | null;
  targeting?: Record<string, Logic>;
  metadata: { version: number };
}

export interface FlagdDocument {
  $schema: string;
  metadata: { flagSetId: string; version: string };
  $evaluators?: Record<string, Logic>;
  flags: Record<string, FlagdFlag>;
}

/** The JSON of each revision's document, keyed by the revision's flag list (one per revision). */
const documents = new WeakMap<FlagList, string>();

/** The environment's document as JSON, built once per revision. */
export function flagdJson(snapshot: Snapshot): string {
  const list = snapshot.list;
  let json = documents.get(list);
  if (json === undefined) {
    json = JSON.stringify(flagdDocument(list, snapshot.conditions));
    documents.set(list, json);
  }
  return json;
}

export function flagdDocument(
  list: FlagList,
  segments: Readonly<Record<string, readonly Condition[]>>,
): FlagdDocument {
  const document: FlagdDocument = {
    $schema: FLAGD_SCHEMA_URL,
    metadata: { flagSetId: list.environment, version: String(list.revision) },
    flags: {},
  };
  const evaluators = Object.entries(segments);
  if (evaluators.length > 0) {
    document.$evaluators = Object.fromEntries(
      evaluators.map(([key, conditions]) => [key, segmentLogic(conditions)]),
    );
  }
  const byKey = new Map(list.flags.map((flag) => [flag.key, flag]));
  const flags = (key: string) => byKey.get(key);
  for (const flag of list.flags) document.flags[flag.key] = flagdFlag(flag, segments, flags);
  return document;
}

/**
 * One flag. Its metadata names its own version: providers merge the flag set's metadata into each
 * flag's and tell their application which flags changed by comparing the results, so without it
 * the set's version (the revision) would make every flag look changed at every revision.
 */
export function flagdFlag(
  flag: Flag,
  segments: Readonly<Record<string, unknown>>,
  flags: (key: string) => Flag | undefined = () => undefined,
): FlagdFlag {
  const { variants } = flag;
  const metadata = { version: flag.version };
  if (!flag.enabled) {
    if (flag.offVariant === null)
      return { state: 'DISABLED', variants, defaultVariant: flag.defaultVariant, metadata };
    return { state: 'ENABLED', variants, defaultVariant: flag.offVariant, metadata };
  }
  if (flag.prerequisites.length > 0) {
    return {
      state: 'ENABLED',
      variants,
      defaultVariant: null,
      targeting: {
        if: [
          prerequisitesLogic(flag.prerequisites, segments, flags, 0),
          choiceLogic(flag, segments),
          flag.offVariant,
        ],
      },
      metadata,
    };
  }
  const exported: FlagdFlag = { state: 'ENABLED', variants, defaultVariant: flag.defaultVariant, metadata };
  if (flag.rules.length > 0) exported.targeting = rulesLogic(flag.key, flag.rules, segments);
  return exported;
}

/** The variant an enabled flag's own rules choose, its default variant when none does (null: none). */
function choiceLogic(flag: Flag, segments: Readonly<Record<string, unknown>>): Logic {
  return flag.rules.length > 0
    ? rulesLogic(flag.key, flag.rules, segments, flag.defaultVariant)
    : flag.defaultVariant;
}

/**
 * True when every prerequisite is met: its flag is live and on, its own prerequisites are met, and
 * its choice is one of the variants named. Beyond the depth evaluation follows, none is met.
 */
function prerequisitesLogic(
  prerequisites: readonly Prerequisite[],
  segments: Readonly<Record<string, unknown>>,
  flags: (key: string) => Flag | undefined,
  depth: number,
): Logic {
  if (depth >= MAX_PREREQUISITE_DEPTH) return false;
  const parts: Logic[] = [];
  for (const { flag: key, variants } of prerequisites) {
    const required = flags(key);
    if (required === undefined || !required.enabled) return false;
    if (required.prerequisites.length > 0) {
      parts.push(prerequisitesLogic(required.prerequisites, segments, flags, depth + 1));
    }
    parts.push({ in: [choiceLogic(required, segments), variants] });
  }
  return parts.length === 1 ? parts[0] : { and: parts };
}

/**
 * Rules as nested three-argument `if`s: the first that matches serves; none: `otherwise` (null:
 * flagd's default variant).
 */
function rulesLogic(
  flagKey: string,
  rules: readonly Rule[],
  segments: Readonly<Record<string, unknown>>,
  fallback: string | null = null,
): Record<string, Logic> {
  let otherwise: Logic = fallback;
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]!;
    const condition = ruleCondition(rule, segments);
    if (condition === false) continue;
    otherwise = { if: [condition, served(flagKey, rule, fallback), otherwise] };
  }
  // Targeting must be an object: a flag whose rules can never match still gets an `if`.
  return typeof otherwise === 'object' && otherwise !== null
    ? (otherwise as Record<string, Logic>)
    : { if: [false, null, null] };
}

/** What a rule's match requires: true (always), false (never: an unknown segment) or an `and`. */
function ruleCondition(rule: Rule, segments: Readonly<Record<string, unknown>>): Logic {
  const parts: Logic[] = (rule.conditions ?? []).map(conditionLogic);
  for (const key of rule.segments ?? []) {
    if (!Object.hasOwn(segments, key)) return false;
    parts.push({ $ref: key });
  }
  if (parts.length === 0) return true;
  return parts.length === 1 ? parts[0] : { and: parts };
}

function served(flagKey: string, rule: Rule, fallback: string | null): Logic {
  if (rule.split === undefined) return rule.variant ?? null;
  const value = attribute(rule.bucketBy ?? 'targetingKey');
  const fractional = {
    fractional: [
      { cat: [rule.seed ?? flagKey, value] },
      ...rule.split.map(({ variant, weight }) => [variant, weight]),
    ],
  };
  return { if: [splitGuard(value), fractional, fallback] };
}

/** What a split needs before it buckets: a non-empty string to hash (flagd in Go hashes ''). */
export const splitGuard = (value: Logic) => ({ and: [isString(value), { '!==': [value, ''] }] });

/** A segment's conditions, all of which must hold; one with none holds no one. */
function segmentLogic(conditions: readonly Condition[]): Logic {
  if (conditions.length === 0) return { '!': [true] };
  return { and: conditions.map(conditionLogic) };
}

/** A context attribute by its whole name: `var` reads dots as a path unless escaped. */
export const attribute = (name: string) => ({ var: name.replace(/[\\.]/g, '\\$&') });

/** A string: flagd's `starts_with` holds for strings only. */
const isString = (value: Logic) => ({ starts_with: [value, ''] });
const isBoolean = (value: Logic) => ({ in: [value, [true, false]] });
/**
 * A number, in standard JSON Logic, without an operation that would coerce or throw: not null, a
 * string, a boolean, an array (merge flattens it, so it is not among its own items) or an object.
 */
const isNumber = (value: Logic) => ({
  and: [
    { '!==': [value, null] },
    { '!': [isString(value)] },
    { '!': [isBoolean(value)] },
    { in: [value, { merge: [value] }] },
    { '!==': [{ cat: [value] }, '[object Object]'] },
  ],
});

const typeGuard = (expected: unknown, value: Logic) =>
  typeof expected === 'string'
    ? isString(value)
    : typeof expected === 'number'
      ? isNumber(value)
      : isBoolean(value);

const SEMVER_SYMBOLS = { semver_lt: '<', semver_lte: '<=', semver_gt: '>', semver_gte: '>=' } as const;
const NUMBER_SYMBOLS = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

/** One condition, exactly as evaluate.ts's conditionMatches decides it. */
export function conditionLogic({ attribute: name, operator, value: expected }: Condition): Logic {
  const value = attribute(name);
  switch (operator) {
    case 'exists':
      return { '!==': [value, null] };
    case 'equals':
      return { '===': [value, expected] };
    case 'not_equals':
      return { and: [typeGuard(expected, value), { '!==': [value, expected] }] };
    case 'in':
      // Only strings and numbers are ever in a list's match; `in` compares strictly.
      return { in: [value, listed(expected)] };
    case 'not_in': {
      const list = listed(expected);
      const guards = [
        ...(list.some((item) => typeof item === 'string') ? [isString(value)] : []),
        ...(list.some((item) => typeof item === 'number') ? [isNumber(value)] : []),
      ];
      if (guards.length === 0) return false;
      return { and: [guards.length === 1 ? guards[0] : { or: guards }, { '!': [{ in: [value, list] }] }] };
    }
    case 'starts_with':
    case 'ends_with':
      return { [operator]: [value, expected] };
    case 'contains':
      return { and: [isString(value), { in: [expected, value] }] };
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return { and: [isNumber(value), { [NUMBER_SYMBOLS[operator]]: [value, expected] }] };
    case 'semver_lt':
    case 'semver_lte':
    case 'semver_gt':
    case 'semver_gte':
      return { and: [isString(value), { sem_ver: [value, SEMVER_SYMBOLS[operator], expected] }] };
    default:
      return false;
  }
}

const listed = (list: unknown): (string | number)[] =>
  Array.isArray(list) ? list.filter((item) => typeof item === 'string' || typeof item === 'number') : [];
