// Checks a flag's targeting when an admin saves it, beyond what the JSON schema can say: that the
// variants, segments and split weights a rule names fit together, and that each condition's value
// has the shape its operator needs. Each problem is one sentence naming the exact place and the fix.
import semver from 'semver';
import {
  type Condition,
  MAX_TOTAL_WEIGHT,
  OPERATORS,
  type Operator,
  type Rule,
} from '../flags/rule-schemas.ts';

/** The most values an `in` or `not_in` condition may list. */
export const MAX_LIST_VALUES = 1000;

const OPERATOR_NAMES: ReadonlySet<string> = new Set(OPERATORS);

export interface TargetedFlag {
  type: 'boolean' | 'string' | 'number' | 'json';
  variants: Record<string, unknown>;
  defaultVariant: string | null;
  offVariant: string | null;
  rules: Rule[];
}

/**
 * The first problem with a flag's targeting, as a sentence a person can act on; undefined when it
 * is valid. `segmentKeys` are the segments that exist; null leaves that to a later check.
 */
export function ruleProblem(flag: TargetedFlag, segmentKeys: ReadonlySet<string> | null): string | undefined {
  const { variants, rules } = flag;
  for (const field of ['defaultVariant', 'offVariant'] as const) {
    const name = flag[field];
    if (name !== null && name !== undefined && !Object.hasOwn(variants, name)) {
      return `${field} '${name}' ${notAVariant(variants)}`;
    }
  }
  for (let i = 0; i < rules.length; i++) {
    const problem = oneRuleProblem(rules[i]!, `rules[${i}]`, variants, segmentKeys);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * The first problem with a list of conditions (for segments and rules). `where` names the list,
 * e.g. "rules[2].conditions", and each message starts with the condition's place, e.g.
 * "rules[2].conditions[0].value must be …".
 */
export function conditionProblem(conditions: readonly Condition[], where: string): string | undefined {
  if (!Array.isArray(conditions)) return `${where} must be a list of conditions.`;
  for (let i = 0; i < conditions.length; i++) {
    const problem = oneConditionProblem(conditions[i]!, `${where}[${i}]`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function oneRuleProblem(
  rule: Rule,
  at: string,
  variants: Record<string, unknown>,
  segmentKeys: ReadonlySet<string> | null,
): string | undefined {
  if (rule.conditions !== undefined) {
    const problem = conditionProblem(rule.conditions, `${at}.conditions`);
    if (problem !== undefined) return problem;
  }
  const segments = rule.segments ?? [];
  for (let j = 0; j < segments.length; j++) {
    const key = segments[j]!;
    if (segmentKeys && !segmentKeys.has(key)) {
      return `${at}.segments[${j}] '${key}' is not a segment of this environment; create the segment first, or fix the key.`;
    }
  }
  const { variant, split } = rule;
  for (const field of ['bucketBy', 'seed'] as const) {
    if (rule[field] !== undefined && split === undefined) {
      return `${at}.${field} is set, but the rule has no split: ${field} only chooses how a split buckets users. Remove it, or give the rule a split.`;
    }
  }
  if (variant !== undefined && split !== undefined) {
    return `${at} has both a variant and a split; keep one: a variant serves everyone the rule matches, a split divides them between variants by percentage.`;
  }
  if (variant !== undefined) {
    return Object.hasOwn(variants, variant)
      ? undefined
      : `${at}.variant '${variant}' ${notAVariant(variants)}`;
  }
  if (split === undefined) {
    return `${at} serves nothing; give it a variant to serve, or a split to divide the users it matches between variants.`;
  }
  return splitProblem(split, `${at}.split`, variants);
}

function splitProblem(
  split: NonNullable<Rule['split']>,
  at: string,
  variants: Record<string, unknown>,
): string | undefined {
  if (!Array.isArray(split) || split.length === 0) {
    return `${at} is empty; list the variants to split between, each with a whole-number weight (for example 50 and 50, or basis points adding up to 10000).`;
  }
  const seen = new Map<string, number>();
  let sum = 0;
  for (let j = 0; j < split.length; j++) {
    const { variant, weight } = split[j]!;
    if (!Object.hasOwn(variants, variant)) return `${at}[${j}].variant '${variant}' ${notAVariant(variants)}`;
    const earlier = seen.get(variant);
    if (earlier !== undefined) {
      return `${at}[${j}] repeats variant '${variant}' of ${at}[${earlier}]; merge the two entries into one by adding their weights.`;
    }
    seen.set(variant, j);
    if (!Number.isInteger(weight) || weight < 0) {
      return `${at}[${j}].weight must be a whole number of 0 or more (a variant's share is its weight over the total), got ${describe(weight)}.`;
    }
    sum += weight;
  }
  if (sum === 0) {
    return `${at} weights are all 0, so no variant can be served; give at least one variant a weight above 0.`;
  }
  if (sum > MAX_TOTAL_WEIGHT) {
    return `${at} weights add up to ${sum}, past the largest total ${MAX_TOTAL_WEIGHT}; use smaller weights in the same proportions (for example basis points adding up to 10000).`;
  }
  return undefined;
}

/** The end of a sentence saying a name is not one of the flag's variants, listing those it has. */
function notAVariant(variants: Record<string, unknown>): string {
  const names = Object.keys(variants);
  if (names.length === 0) return 'is not a variant: the flag has no variants; add it to variants first.';
  const shown = names
    .slice(0, 20)
    .map((name) => `'${name}'`)
    .join(', ');
  const more = names.length > 20 ? ` and ${names.length - 20} more` : '';
  return `is not one of the flag's variants (${shown}${more}); use one of them, or add it to variants.`;
}

function oneConditionProblem(condition: Condition, at: string): string | undefined {
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) {
    return `${at} must be a condition: an object with an attribute, an operator and (except for exists) a value.`;
  }
  const { attribute, operator, value } = condition;
  if (typeof attribute !== 'string' || attribute.length === 0) {
    return `${at}.attribute must name a context attribute, such as "country" or "targetingKey".`;
  }
  if (!OPERATOR_NAMES.has(operator)) {
    const name = typeof operator === 'string' ? `'${operator}'` : describe(operator);
    return `${at}.operator ${name} is not an operator; use one of ${OPERATORS.join(', ')}.`;
  }
  const problem = valueProblem(operator, value);
  return problem === undefined ? undefined : `${at}${problem}`;
}

/** What is wrong with a condition's value for its operator, starting with ".value" or similar. */
function valueProblem(operator: Operator, value: unknown): string | undefined {
  const got = `for operator ${operator}, got ${describe(value)}`;
  switch (operator) {
    case 'equals':
    case 'not_equals':
      if (typeof value === 'string' || typeof value === 'boolean' || isFiniteNumber(value)) return undefined;
      return `.value must be a string, number or boolean ${got}.`;
    case 'in':
    case 'not_in': {
      if (!Array.isArray(value)) {
        const hint =
          typeof value === 'string' || isFiniteNumber(value)
            ? ` Write it as a list: [${JSON.stringify(value)}].`
            : '';
        return `.value must be a list of strings or numbers ${got}.${hint}`;
      }
      if (value.length === 0) {
        return `.value is an empty list; operator ${operator} needs at least one value to compare the attribute with.`;
      }
      if (value.length > MAX_LIST_VALUES) {
        return `.value lists ${value.length} values, but operator ${operator} takes at most ${MAX_LIST_VALUES}; shorten the list, for example by targeting a broader attribute.`;
      }
      for (let k = 0; k < value.length; k++) {
        const item: unknown = value[k];
        if (typeof item !== 'string' && !isFiniteNumber(item)) {
          return `.value[${k}] must be a string or number, got ${describe(item)}.`;
        }
      }
      return undefined;
    }
    case 'starts_with':
    case 'ends_with':
    case 'contains':
      return typeof value === 'string' ? undefined : `.value must be a string ${got}.`;
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      if (isFiniteNumber(value)) return undefined;
      const hint =
        typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
          ? ` Write it without quotes: ${Number(value)}.`
          : '';
      return `.value must be a number ${got}.${hint}`;
    }
    case 'semver_lt':
    case 'semver_lte':
    case 'semver_gt':
    case 'semver_gte': {
      if (typeof value === 'string' && semver.valid(value) !== null) return undefined;
      const coerced =
        typeof value === 'string' || isFiniteNumber(value)
          ? semver.coerce(String(value))?.version
          : undefined;
      const hint = coerced === undefined ? '' : ` Did you mean "${coerced}"?`;
      return `.value must be a full version such as "1.2.3" ${got}.${hint} A rule's version is written in full; contexts may send "2", "2.1" or "v2.1.0", read as 2.0.0, 2.1.0 and 2.1.0.`;
    }
    case 'exists':
      return value === undefined
        ? undefined
        : ` has a value, but operator exists takes none: it checks that the attribute is present and not null. Remove the value.`;
  }
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A value as a phrase in a message, e.g. `the string "1.2"` or `a list`. */
function describe(value: unknown): string {
  if (value === undefined) return 'no value';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}
