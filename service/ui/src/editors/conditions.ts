// Condition values as the user types them and as the API takes them: each operator has its
// kind of value (see ConditionSchema in service/src/flags/rule-schemas.ts).
import type { Condition, Operator } from '../types.ts';

export type ValueType = 'string' | 'number' | 'boolean';
export type ValueKind = 'typed' | 'list' | 'text' | 'number' | 'version' | 'none';

export function valueKind(operator: Operator): ValueKind {
  switch (operator) {
    case 'equals':
    case 'not_equals':
      return 'typed';
    case 'in':
    case 'not_in':
      return 'list';
    case 'starts_with':
    case 'ends_with':
    case 'contains':
      return 'text';
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return 'number';
    case 'exists':
      return 'none';
    default:
      return 'version';
  }
}

export const OPERATOR_LABELS: Record<Operator, string> = {
  equals: 'equals',
  not_equals: 'does not equal',
  in: 'is one of',
  not_in: 'is none of',
  starts_with: 'starts with',
  ends_with: 'ends with',
  contains: 'contains',
  lt: '<',
  lte: '≤',
  gt: '>',
  gte: '≥',
  semver_lt: 'version <',
  semver_lte: 'version ≤',
  semver_gt: 'version >',
  semver_gte: 'version ≥',
  exists: 'exists',
};

/** The type of a stored value (of a list's first item). */
export function inferType(value: unknown): ValueType {
  const sample = Array.isArray(value) ? value[0] : value;
  return typeof sample === 'number' ? 'number' : typeof sample === 'boolean' ? 'boolean' : 'string';
}

/** A stored value as editable text; lists are comma-separated. */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((item) => String(item)).join(', ');
  return String(value);
}

type Parsed = { value: unknown; error?: string };

function parseOne(text: string, type: ValueType): Parsed {
  const trimmed = text.trim();
  if (type === 'number') {
    const number = Number(trimmed);
    return trimmed !== '' && Number.isFinite(number)
      ? { value: number }
      : { value: text, error: `“${text}” is not a number` };
  }
  if (type === 'boolean') {
    return trimmed === 'true' || trimmed === 'false'
      ? { value: trimmed === 'true' }
      : { value: text, error: 'Use true or false' };
  }
  return { value: text };
}

/**
 * The API value for what the user typed. A value that does not parse is kept as typed, with
 * an error, so nothing typed is lost.
 */
export function parseValue(operator: Operator, type: ValueType, text: string): Parsed {
  switch (valueKind(operator)) {
    case 'none':
      return { value: undefined };
    case 'number':
      return parseOne(text, 'number');
    case 'version':
      return /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(text.trim())
        ? { value: text.trim() }
        : { value: text, error: 'Enter a version such as 1.2.3' };
    case 'text':
      return { value: text };
    case 'typed':
      return parseOne(text, type);
    case 'list': {
      const items = text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      if (items.length === 0) return { value: [], error: 'Enter one or more values, separated by commas' };
      const parsed = items.map((item) => parseOne(item, type));
      const failed = parsed.find((item) => item.error);
      return { value: parsed.map((item) => item.value), error: failed?.error };
    }
  }
}

/** The condition the API takes: no `value` key for `exists`. */
export function buildCondition(attribute: string, operator: Operator, value: unknown): Condition {
  return valueKind(operator) === 'none' ? { attribute, operator } : { attribute, operator, value };
}

export const emptyCondition = (): Condition => ({ attribute: '', operator: 'equals', value: '' });
