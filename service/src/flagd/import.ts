// A flagd flag-definition document (open-feature/flagd-schemas, flags.json) as Flagstone's flags
// and segments: the inverse of export.ts. Pure: a document in, the flags and segments it holds
// out, with every construct Flagstone cannot hold listed as a refusal (flag, construct, JSON
// path, why) rather than guessed at. What export.ts writes is read back exactly, its type guards
// recognised as part of the condition they protect; what people commonly write by hand is read
// too, and where JSON Logic coerces (`==`, `<` with a string) but Flagstone compares strictly,
// the flag carries a note saying which contexts are answered differently.
import { isDeepStrictEqual } from 'node:util';
import semver from 'semver';
import Type, { type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { KEY_PATTERN } from '../config.ts';
import { conditionProblem } from '../evaluation/validate-rules.ts';
import { checkContent } from '../flags/flag-content.ts';
import type { FlagContent, FlagType, SegmentContent } from '../flags/flag-schemas.ts';
import { segmentsUsedBy } from '../flags/flag-store.ts';
import {
  type Condition,
  ConditionSchema,
  MAX_TOTAL_WEIGHT,
  type Operator,
  type Rule,
  RulesSchema,
  VARIANT_PATTERN,
} from '../flags/rule-schemas.ts';
import { Nullable, Strict } from '../schema.ts';
import { conditionLogic, splitGuard } from './export.ts';

/** The most rules one `or` may become: each alternative is a rule of its own. */
export const MAX_OR_ALTERNATIVES = 20;

const FlagdFlagFields = {
  state: Type.Enum(['ENABLED', 'DISABLED'], { description: 'DISABLED: off, serving no value' }),
  variants: Type.Record(Type.String(), Type.Unknown(), { description: 'variant name → value' }),
  defaultVariant: Type.Optional(Nullable(Type.String())),
  targeting: Type.Optional(Type.Unknown({ description: 'JSON Logic choosing a variant' })),
  metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
};

const FlagdFlagSchema = Strict(FlagdFlagFields);

/** The outer shape of flagd's flags.json; the JSON Logic inside is read by `translateFlagd`. */
export const FlagdDocumentBody = Strict(
  {
    $schema: Type.Optional(Type.String()),
    flags: Type.Union([
      Type.Record(Type.String(), FlagdFlagSchema),
      Type.Array(Strict({ key: Type.String(), ...FlagdFlagFields })),
    ]),
    $evaluators: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'shared conditions, referred to by $ref' }),
    ),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { description: 'a flagd flag-definition document (https://flagd.dev/schema/v0/flags.json)' },
);
export type FlagdDocumentBody = Static<typeof FlagdDocumentBody>;
type FlagdFlag = Static<typeof FlagdFlagSchema>;

export const RefusalSchema = Type.Object({
  flag: Type.String({ description: 'the flag, or the $evaluators entry, holding the construct' }),
  construct: Type.String({ description: 'what Flagstone cannot hold, e.g. "+" or "var $flagd.timestamp"' }),
  path: Type.String({ description: 'where it is in the document, e.g. $.flags["x"].targeting.if[0]' }),
  message: Type.String(),
});
export type Refusal = Static<typeof RefusalSchema>;
export const NoteSchema = Type.Object({ flag: Type.String(), message: Type.String() });
export type Note = Static<typeof NoteSchema>;

/** A flag as the document gives it; `keep` names what a document cannot say, kept from the flag it replaces. */
export interface ImportedFlag {
  key: string;
  /** Where the document has it, for a refusal the environment makes (an archived flag's key). */
  path: string;
  content: FlagContent;
  keep: ('description' | 'offVariant')[];
}
export interface ImportedSegment {
  key: string;
  content: SegmentContent;
  keep: 'description'[];
}
export interface Translation {
  flags: ImportedFlag[];
  segments: ImportedSegment[];
  refusals: Refusal[];
  notes: Note[];
}

type Logic = unknown;

/** `.name` or `["name"]`: a JSON path step. */
const step = (name: string | number) =>
  typeof name === 'number'
    ? `[${name}]`
    : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)
      ? `.${name}`
      : `[${JSON.stringify(name)}]`;

const keyPattern = new RegExp(KEY_PATTERN);
const variantPattern = new RegExp(VARIANT_PATTERN);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', 'min', 'max']);
const COLLECTIONS = new Set(['map', 'filter', 'all', 'none', 'some', 'reduce', 'merge', 'substr', 'cat']);
const NUMBER_OPERATORS = { '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' } as const;
const FLIPPED = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const;
const SEMVER_OPERATORS: Record<string, Operator[]> = {
  '<': ['semver_lt'],
  '<=': ['semver_lte'],
  '>': ['semver_gt'],
  '>=': ['semver_gte'],
  '=': ['semver_gte', 'semver_lte'],
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The operation of a JSON Logic expression and its arguments (a lone argument as a list of one). */
function operation(logic: Logic): [string, unknown[]] | undefined {
  if (!isObject(logic)) return undefined;
  const names = Object.keys(logic);
  if (names.length !== 1) return undefined;
  const name = names[0]!;
  const args = logic[name];
  return [name, Array.isArray(args) ? args : [args]];
}

const isVar = (logic: Logic) => operation(logic)?.[0] === 'var';
const isScalar = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** One flag's or evaluator's reading: where its refusals and notes go. */
class Reading {
  readonly name: string;
  readonly refusals: Refusal[] = [];
  readonly notes = new Set<string>();
  constructor(name: string) {
    this.name = name;
  }
  refuse(construct: string, path: string, message: string): undefined {
    this.refusals.push({ flag: this.name, construct, path, message });
    return undefined;
  }
  note(path: string, message: string) {
    this.notes.add(`${path}: ${message}`);
  }
}

/** What one conjunction of a rule's condition requires. */
interface Requirements {
  conditions: Condition[];
  segments: string[];
  /** It can never hold (`false`, an empty `!`): the rule is never chosen. */
  never: boolean;
}
const nothing = (): Requirements => ({ conditions: [], segments: [], never: false });

/**
 * The attribute a `var` reads: its name with export.ts's escapes undone. A path (an unescaped
 * dot) walks into objects, which Flagstone does not; `$flagd.…` is flagd's own data.
 */
function attributeOf(logic: Logic, path: string, reading: Reading): string | undefined {
  const [, args] = operation(logic)!;
  const varPath = `${path}.var`;
  if (args.length !== 1 || typeof args[0] !== 'string') {
    return reading.refuse(
      'var with a default',
      varPath,
      'a var with a default value (or not naming an attribute) cannot be held: Flagstone treats a missing attribute as no match. Write {"var": "<attribute>"}.',
    );
  }
  const raw = args[0];
  if (raw.startsWith('$flagd.')) {
    return reading.refuse(
      `var ${raw}`,
      varPath,
      `${raw} is flagd's own evaluation data (the time or the flag key), which Flagstone's rules cannot test.`,
    );
  }
  let name = '';
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i]!;
    if (char === '\\' && i + 1 < raw.length) name += raw[++i];
    else if (char === '.') {
      return reading.refuse(
        'var path',
        varPath,
        `"${raw}" reads a path into an object; Flagstone reads top-level context attributes only. If the attribute's own name holds the dot, escape it: "${raw.replaceAll('.', '\\\\.')}".`,
      );
    } else name += char;
  }
  if (name.length === 0 || name.length > 128) {
    return reading.refuse('var', varPath, 'a var must name an attribute of 1 to 128 characters.');
  }
  return name;
}

/** Refuses an operation Flagstone has no place for, naming it. */
function refuseOperation(name: string, path: string, reading: Reading, where: string): undefined {
  if (ARITHMETIC.has(name)) {
    return reading.refuse(
      name,
      path,
      `arithmetic (${name}) ${where} cannot be held: Flagstone compares attributes with fixed values.`,
    );
  }
  if (COLLECTIONS.has(name)) {
    return reading.refuse(
      name,
      path,
      `${name} ${where} cannot be held: Flagstone compares attributes with fixed values, without list or string operations.`,
    );
  }
  return reading.refuse(name, path, `${name} ${where} is not something Flagstone can hold.`);
}

/** A comparison's attribute and literal, either way round; refuses two attributes or two literals. */
function sides(
  name: string,
  args: unknown[],
  path: string,
  reading: Reading,
): { attribute: string; literal: unknown; flipped: boolean } | undefined {
  if (args.length !== 2) {
    return reading.refuse(name, path, `${name} takes two arguments here: an attribute and a value.`);
  }
  const [left, right] = args;
  if (isVar(left) && isVar(right)) {
    return reading.refuse(
      `${name} of two attributes`,
      path,
      'comparing two attributes cannot be held: a Flagstone condition compares one attribute with a fixed value.',
    );
  }
  const flipped = !isVar(left) && isVar(right);
  const variable = flipped ? right : left;
  const literal = flipped ? left : right;
  for (const [i, side] of args.entries()) {
    const inner = operation(side)?.[0];
    if (inner !== undefined && inner !== 'var') {
      return refuseOperation(inner, `${path}[${i}]${step(inner)}`, reading, 'in a comparison');
    }
  }
  if (!isVar(variable)) {
    return reading.refuse(name, path, `${name} must compare an attribute ({"var": …}) with a fixed value.`);
  }
  if (operation(literal) !== undefined || (isObject(literal) && Object.keys(literal).length > 0)) {
    return reading.refuse(
      name,
      path,
      `${name} compares with a computed value; Flagstone compares an attribute with a fixed value.`,
    );
  }
  const attribute = attributeOf(variable, `${path}[${flipped ? 1 : 0}]`, reading);
  return attribute === undefined ? undefined : { attribute, literal, flipped };
}

/** A number a rule compares with; a numeric string becomes its number, with a note. */
function numberLiteral(value: unknown, path: string, reading: Reading): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    reading.note(path, `the string "${value}" is compared as the number ${Number(value)}.`);
    return Number(value);
  }
  return reading.refuse(
    'number comparison',
    path,
    `a number comparison needs a number to compare with, got ${JSON.stringify(value)}.`,
  );
}

/** A version as flagd reads a rule's: a leading v dropped, `1` and `1.2` completed. */
function versionLiteral(value: unknown, path: string, reading: Reading): string | undefined {
  if (typeof value === 'string' || typeof value === 'number') {
    const bare = String(value).replace(/^[vV]/, '');
    const parsed = semver.parse(bare) ?? (/^\d+(\.\d+)?$/.test(bare) ? semver.coerce(bare) : null);
    if (parsed) return parsed.version;
  }
  return reading.refuse('sem_ver', path, `${JSON.stringify(value)} is not a version such as "1.2.3".`);
}

const COERCION_NOTES = {
  equalsLoose:
    'flagd compares with == (loosely): it also matches a list holding just that string; Flagstone matches the string itself only.',
  notEquals:
    'flagd also holds when the attribute is missing or of another type; Flagstone does not match those.',
  contains:
    'flagd also holds when the attribute is a list with that item; Flagstone matches strings that contain it only.',
  notIn:
    'flagd also holds when the attribute is missing or of another type than the list; Flagstone does not match those.',
  numbers:
    'flagd converts strings and null before comparing numbers ("17" counts as 17, null as 0); Flagstone matches number attributes only.',
  versions: 'flagd also reads numbers as versions (2 as 2.0.0); Flagstone matches string attributes only.',
  truthy:
    'flagd\'s !! is false for "", 0, false and []; Flagstone\'s exists holds for any value that is not null.',
};

/**
 * One comparison, as written by hand: the conditions it is (two for a between or a sem_ver `=`),
 * or undefined when refused. Differences in what JSON Logic coerces are noted.
 */
function comparison(logic: Logic, path: string, reading: Reading): Condition[] | undefined {
  const [name, args] = operation(logic)!;
  const at = `${path}${step(name)}`;
  const condition = (attribute: string, operator: Operator, value?: unknown): Condition =>
    value === undefined ? { attribute, operator } : { attribute, operator, value };
  switch (name) {
    case '===':
    case '!==':
    case '==':
    case '!=': {
      const found = sides(name, args, at, reading);
      if (!found) return undefined;
      const { attribute, literal } = found;
      const negated = name.startsWith('!');
      if (literal === null) {
        if (negated) return [condition(attribute, 'exists')];
        return reading.refuse(
          `${name} null`,
          at,
          'testing that an attribute is missing cannot be held: Flagstone conditions match attributes that are present.',
        );
      }
      if (!isScalar(literal)) {
        return reading.refuse(name, at, `${name} compares with a string, number or boolean only.`);
      }
      const strict = name.length === 3;
      if (
        !strict &&
        (typeof literal !== 'string' || literal.trim() === '' || Number.isFinite(Number(literal)))
      ) {
        return reading.refuse(
          name,
          at,
          `${name} with ${JSON.stringify(literal)} coerces (0 == "" == false) in ways Flagstone cannot hold; write ${name}= for a strict comparison.`,
        );
      }
      if (!strict) reading.note(at, negated ? COERCION_NOTES.notEquals : COERCION_NOTES.equalsLoose);
      else if (negated) reading.note(at, COERCION_NOTES.notEquals);
      return [condition(attribute, negated ? 'not_equals' : 'equals', literal)];
    }
    case 'in': {
      for (const [i, side] of args.entries()) {
        const inner = operation(side)?.[0];
        if (inner !== undefined && inner !== 'var') {
          return refuseOperation(inner, `${at}[${i}]${step(inner)}`, reading, 'in a comparison');
        }
      }
      if (args.length === 2 && isVar(args[0]) && Array.isArray(args[1])) {
        const attribute = attributeOf(args[0], `${at}[0]`, reading);
        const list = args[1];
        if (attribute === undefined) return undefined;
        if (!list.every((item) => typeof item === 'string' || typeof item === 'number')) {
          return reading.refuse('in', `${at}[1]`, 'an in list may hold strings and numbers only.');
        }
        return [condition(attribute, 'in', list)];
      }
      if (args.length === 2 && typeof args[0] === 'string' && isVar(args[1])) {
        const attribute = attributeOf(args[1], `${at}[1]`, reading);
        if (attribute === undefined) return undefined;
        reading.note(at, COERCION_NOTES.contains);
        return [condition(attribute, 'contains', args[0])];
      }
      if (args.length === 2 && isVar(args[0]) && isVar(args[1])) {
        return reading.refuse(
          'in of two attributes',
          at,
          'comparing two attributes cannot be held: a Flagstone condition compares one attribute with a fixed value.',
        );
      }
      return reading.refuse(
        'in',
        at,
        'in must test an attribute against a list ({"in": [{"var": "a"}, ["x", "y"]]}) or a string in an attribute ({"in": ["x", {"var": "a"}]}).',
      );
    }
    case 'starts_with':
    case 'ends_with': {
      const found = sides(name, args, at, reading);
      if (!found) return undefined;
      if (found.flipped || typeof found.literal !== 'string') {
        return reading.refuse(name, at, `${name} must test an attribute against a fixed string.`);
      }
      return [condition(found.attribute, name, found.literal)];
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (args.length === 3 && (name === '<' || name === '<=') && isVar(args[1])) {
        if (isVar(args[0]) || isVar(args[2])) {
          return reading.refuse(
            `${name} of two attributes`,
            at,
            'comparing two attributes cannot be held: a Flagstone condition compares one attribute with a fixed value.',
          );
        }
        const attribute = attributeOf(args[1], `${at}[1]`, reading);
        const low = numberLiteral(args[0], `${at}[0]`, reading);
        const high = numberLiteral(args[2], `${at}[2]`, reading);
        if (attribute === undefined || low === undefined || high === undefined) return undefined;
        reading.note(at, COERCION_NOTES.numbers);
        return [
          condition(attribute, name === '<' ? 'gt' : 'gte', low),
          condition(attribute, NUMBER_OPERATORS[name], high),
        ];
      }
      const found = sides(name, args, at, reading);
      if (!found) return undefined;
      const value = numberLiteral(found.literal, at, reading);
      if (value === undefined) return undefined;
      reading.note(at, COERCION_NOTES.numbers);
      const symbol = found.flipped ? FLIPPED[name] : name;
      return [condition(found.attribute, NUMBER_OPERATORS[symbol], value)];
    }
    case 'sem_ver': {
      if (args.length !== 3 || !isVar(args[0])) {
        return reading.refuse(
          'sem_ver',
          at,
          'sem_ver must compare an attribute with a fixed version: {"sem_ver": [{"var": "version"}, ">=", "1.2.3"]}.',
        );
      }
      const symbol = args[1];
      const operators = typeof symbol === 'string' ? SEMVER_OPERATORS[symbol] : undefined;
      if (!operators) {
        return reading.refuse(
          `sem_ver ${String(symbol)}`,
          `${at}[1]`,
          `sem_ver ${JSON.stringify(symbol)} cannot be held: Flagstone compares versions with <, <=, >, >= and = only.`,
        );
      }
      if (isVar(args[2])) {
        return reading.refuse(
          'sem_ver of two attributes',
          at,
          'comparing two attributes cannot be held: a Flagstone condition compares one attribute with a fixed value.',
        );
      }
      const attribute = attributeOf(args[0], `${at}[0]`, reading);
      const version = versionLiteral(args[2], `${at}[2]`, reading);
      if (attribute === undefined || version === undefined) return undefined;
      reading.note(at, COERCION_NOTES.versions);
      return operators.map((operator) => condition(attribute, operator, version));
    }
    case '!!': {
      if (args.length !== 1 || !isVar(args[0])) {
        return reading.refuse('!!', at, '!! must test an attribute: {"!!": [{"var": "a"}]}.');
      }
      const attribute = attributeOf(args[0], `${at}[0]`, reading);
      if (attribute === undefined) return undefined;
      reading.note(at, COERCION_NOTES.truthy);
      return [condition(attribute, 'exists')];
    }
    case '!': {
      const inner = operation(args[0]);
      if (args.length === 1 && inner?.[0] === 'in' && isVar(inner[1][0]) && Array.isArray(inner[1][1])) {
        const found = comparison(args[0], `${at}[0]`, reading);
        if (!found) return undefined;
        reading.note(at, COERCION_NOTES.notIn);
        return [{ ...found[0]!, operator: 'not_in' }];
      }
      return reading.refuse(
        '!',
        at,
        'a negation can be held only as "not in a list" ({"!": {"in": [{"var": "a"}, ["x"]]}}) or as !== / != with a value.',
      );
    }
    case 'var':
      return reading.refuse(
        'var as a condition',
        at,
        'an attribute on its own tests its truthiness, which Flagstone cannot hold; compare it: {"===": [{"var": "a"}, true]}, or {"!!": [{"var": "a"}]} for present.',
      );
    case 'if':
      return reading.refuse('if', at, 'an if inside a condition cannot be held: write each case as a rule.');
    case 'or':
      return reading.refuse(
        'or',
        at,
        'an or inside an and cannot be expanded into rules: put the or at the top of the condition, or write each alternative as a rule.',
      );
    case '$flagd':
      return reading.refuse(name, at, 'flagd data cannot be tested.');
    default:
      return refuseOperation(name, at, reading, 'in a condition');
  }
}

/** The condition export.ts wrote `logic` as, when it is exactly that (guards included); else undefined. */
function exported(logic: Logic): Condition | undefined {
  const op = operation(logic);
  if (!op) return undefined;
  const [name, args] = op;
  const last = name === 'and' && args.length === 2 ? args[1] : logic;
  if (operation(last) === undefined) return undefined;
  // Read quietly: only an exact match counts, so nothing of this reading is reported.
  const quiet = new Reading('');
  const conditions = comparison(last, '', quiet);
  if (conditions?.length !== 1) return undefined;
  const [candidate] = conditions;
  return isDeepStrictEqual(conditionLogic(candidate!), logic) ? candidate : undefined;
}

/** Adds what one part of an `and` requires to `into`. */
function conjunct(
  logic: Logic,
  path: string,
  reading: Reading,
  into: Requirements,
  evaluators: ReadonlySet<string>,
): boolean {
  if (logic === true) return true;
  if (logic === false) {
    into.never = true;
    return true;
  }
  const op = operation(logic);
  if (!op) {
    reading.refuse(
      'literal condition',
      path,
      `a condition must be an operation such as {"===": [{"var": "a"}, "x"]}, not ${JSON.stringify(logic)}.`,
    );
    return false;
  }
  const found = exported(logic);
  if (found) {
    into.conditions.push(found);
    return true;
  }
  const [name, args] = op;
  if (name === 'and') {
    let ok = true;
    args.forEach((part, i) => {
      ok = conjunct(part, `${path}.and[${i}]`, reading, into, evaluators) && ok;
    });
    return ok;
  }
  if (name === '$ref') {
    const key = args[0];
    if (typeof key !== 'string' || !evaluators.has(key)) {
      reading.refuse(
        '$ref',
        `${path}.$ref`,
        `$ref ${JSON.stringify(key)} names no entry of $evaluators; add it there, or fix the name.`,
      );
      return false;
    }
    into.segments.push(key);
    return true;
  }
  if (name === '!' && args.length === 1 && args[0] === true) {
    into.never = true;
    return true;
  }
  const conditions = comparison(logic, path, reading);
  if (!conditions) return false;
  into.conditions.push(...conditions);
  return true;
}

/** A rule's condition as the alternatives it holds: one, or one per branch of a top-level `or`. */
function alternatives(
  logic: Logic,
  path: string,
  reading: Reading,
  evaluators: ReadonlySet<string>,
): Requirements[] | undefined {
  const op = operation(logic);
  if (op?.[0] === 'or') {
    const found: Requirements[] = [];
    let ok = true;
    op[1].forEach((branch, i) => {
      const more = alternatives(branch, `${path}.or[${i}]`, reading, evaluators);
      if (more) found.push(...more);
      else ok = false;
    });
    if (!ok) return undefined;
    if (found.length > MAX_OR_ALTERNATIVES) {
      return reading.refuse(
        'or',
        `${path}.or`,
        `an or of ${found.length} alternatives would become ${found.length} rules, more than ${MAX_OR_ALTERNATIVES}; use an in list, or a segment.`,
      );
    }
    return found;
  }
  const requirements = nothing();
  return conjunct(logic, path, reading, requirements, evaluators) ? [requirements] : undefined;
}

/** What a matched rule serves: a variant, a split, or null (the default). */
type Served = { variant: string } | Pick<Rule, 'split' | 'bucketBy' | 'seed'> | null;

interface FlagScope {
  key: string;
  variants: Record<string, unknown>;
  reading: Reading;
  evaluators: ReadonlySet<string>;
}

function variantNamed(name: unknown, path: string, scope: FlagScope): string | undefined {
  if (typeof name === 'string' && Object.hasOwn(scope.variants, name)) return name;
  if (typeof name === 'string') {
    return scope.reading.refuse(
      'unknown variant',
      path,
      `"${name}" is not one of the flag's variants (${Object.keys(scope.variants).join(', ')}).`,
    );
  }
  return scope.reading.refuse(
    'computed variant',
    path,
    `a variant must be named by a string, got ${JSON.stringify(name)}.`,
  );
}

/** The split guard export.ts writes around a split: the attribute it guards, when `logic` is one. */
function guardedSplit(logic: Logic): { value: Logic; fractional: Logic } | undefined {
  const op = operation(logic);
  if (op?.[0] !== 'if' || op[1].length !== 3 || op[1][2] !== null) return undefined;
  const [guard, fractional] = op[1];
  const value = (operation(guard)?.[1][1] as { '!==': unknown[] } | undefined)?.['!==']?.[0];
  if (!isVar(value) || !isDeepStrictEqual(splitGuard(value), guard)) return undefined;
  if (operation(fractional)?.[0] !== 'fractional') return undefined;
  return { value, fractional };
}

/** A `fractional`'s split; `guarded`: the attribute export.ts's guard has checked already. */
function split(logic: Logic, path: string, scope: FlagScope, guarded?: Logic): Served | undefined {
  const { reading } = scope;
  const args = operation(logic)![1];
  const at = `${path}.fractional`;
  const rule: Pick<Rule, 'split' | 'bucketBy' | 'seed'> = {};
  let entries = args;
  let ok = true;
  if (!Array.isArray(args[0])) {
    entries = args.slice(1);
    const bucketing = operation(args[0]);
    const parts = bucketing?.[0] === 'cat' ? bucketing[1] : undefined;
    if (bucketing?.[0] === 'var') {
      return reading.refuse(
        'fractional by var',
        `${at}[0]`,
        'a fractional bucketing by an attribute alone cannot be held: Flagstone always hashes a seed followed by the value, and a seed cannot be empty. Bucket by {"cat": ["<seed>", {"var": "<attribute>"}]}, which moves users between variants once.',
      );
    }
    if (parts?.length !== 2 || !isVar(parts[1])) {
      return reading.refuse(
        'fractional bucketing',
        `${at}[0]`,
        'a fractional bucketing expression must be {"cat": ["<seed>", {"var": "<attribute>"}]}, or absent (the flag key and targetingKey).',
      );
    }
    const [seed, value] = parts;
    const flagKeySeed = isDeepStrictEqual(seed, { var: '$flagd.flagKey' });
    if (!flagKeySeed && (typeof seed !== 'string' || seed.length === 0)) {
      return reading.refuse(
        'fractional seed',
        `${at}[0].cat[0]`,
        'the seed of a fractional bucketing must be a non-empty string (or {"var": "$flagd.flagKey"}).',
      );
    }
    const attribute = attributeOf(value, `${at}[0].cat[1]`, reading);
    if (attribute === undefined) return undefined;
    if (guarded !== undefined && !isDeepStrictEqual(guarded, value)) {
      return reading.refuse(
        'if',
        path,
        'the guard before this fractional tests another attribute than the one it buckets by.',
      );
    }
    if (guarded === undefined) {
      reading.note(
        at,
        `when ${attribute} is missing or not a non-empty string, Flagstone serves the default variant; flagd buckets the seed alone.`,
      );
    }
    if (attribute !== 'targetingKey') rule.bucketBy = attribute;
    if (!flagKeySeed && seed !== scope.key) rule.seed = seed as string;
  }
  const seen = new Set<string>();
  let total = 0;
  const weights: { variant: string; weight: number }[] = [];
  entries.forEach((entry, i) => {
    const entryPath = `${at}[${i + args.length - entries.length}]`;
    if (!Array.isArray(entry) || entry.length < 1 || entry.length > 2) {
      reading.refuse('fractional', entryPath, 'each fractional entry must be ["variant", weight].');
      ok = false;
      return;
    }
    const variant = variantNamed(entry[0], `${entryPath}[0]`, scope);
    const weight = entry.length === 2 ? entry[1] : 1;
    if (!Number.isInteger(weight) || (weight as number) < 0) {
      reading.refuse(
        'fractional weight',
        `${entryPath}[1]`,
        `a weight must be a whole number of 0 or more, got ${JSON.stringify(weight)}.`,
      );
      ok = false;
      return;
    }
    if (variant === undefined) {
      ok = false;
      return;
    }
    if (seen.has(variant)) {
      reading.refuse(
        'fractional',
        entryPath,
        `variant "${variant}" is listed twice; merge its entries into one (this moves users between variants).`,
      );
      ok = false;
      return;
    }
    seen.add(variant);
    total += weight as number;
    weights.push({ variant, weight: weight as number });
  });
  if (!ok) return undefined;
  if (total === 0 || total > MAX_TOTAL_WEIGHT) {
    return reading.refuse(
      'fractional',
      at,
      `the weights add up to ${total}; they must add up to between 1 and ${MAX_TOTAL_WEIGHT}.`,
    );
  }
  rule.split = weights;
  return rule;
}

/** What a branch of an `if` serves. */
function served(logic: Logic, path: string, scope: FlagScope): Served | undefined {
  if (logic === null) return null;
  if (typeof logic === 'string') {
    const variant = variantNamed(logic, path, scope);
    return variant === undefined ? undefined : { variant };
  }
  const guarded = guardedSplit(logic);
  if (guarded) return split(guarded.fractional, `${path}.if[1]`, scope, guarded.value);
  const op = operation(logic);
  if (op?.[0] === 'fractional') return split(logic, path, scope);
  if (op?.[0] === 'if') {
    return scope.reading.refuse(
      'nested if',
      path,
      'an if inside a branch cannot be held: Flagstone rules are one list, tried in order. Join the conditions with and, one rule per case.',
    );
  }
  if (op?.[0] === 'var') {
    return scope.reading.refuse(
      'computed variant',
      path,
      'a variant computed from the context cannot be held: a rule serves a named variant.',
    );
  }
  if (op && (ARITHMETIC.has(op[0]) || COLLECTIONS.has(op[0]))) {
    return refuseOperation(op[0], `${path}${step(op[0])}`, scope.reading, 'computing a variant');
  }
  return scope.reading.refuse(
    'computed variant',
    path,
    `a branch must name a variant (a string) or serve the default (null), got ${JSON.stringify(logic).slice(0, 80)}.`,
  );
}

/** A rule being read; `served: null` serves the default (flagd's null). */
type Draft = { requirements: Requirements; served: Served; path: string };

/** The rules of `if` arguments, and of the `if`s they continue with. */
function chain(args: unknown[], path: string, scope: FlagScope, into: Draft[]): boolean {
  if (args.length < 2) {
    scope.reading.refuse('if', path, 'an if needs a condition and a branch.');
    return false;
  }
  let ok = true;
  let i = 0;
  for (; i + 1 < args.length; i += 2) {
    const found = alternatives(args[i], `${path}.if[${i}]`, scope.reading, scope.evaluators);
    const what = served(args[i + 1], `${path}.if[${i + 1}]`, scope);
    if (!found || what === undefined) {
      ok = false;
      continue;
    }
    for (const requirements of found) into.push({ requirements, served: what, path: `${path}.if[${i}]` });
  }
  if (i < args.length) ok = rest(args[i], `${path}.if[${i}]`, scope, into) && ok;
  return ok;
}

/** What follows when no earlier rule matched: nothing (null), a last variant or split, or more rules. */
function rest(logic: Logic, path: string, scope: FlagScope, into: Draft[]): boolean {
  if (logic === null) return true;
  const op = operation(logic);
  if (op?.[0] === 'if' && !guardedSplit(logic)) return chain(op[1], path, scope, into);
  const what = served(logic, path, scope);
  if (what === undefined) return false;
  into.push({ requirements: nothing(), served: what, path });
  return true;
}

/** A flag's targeting as rules; undefined when something in it is refused. */
function rulesOf(
  targeting: Logic,
  path: string,
  scope: FlagScope,
  defaultVariant: string | null,
): Rule[] | undefined {
  if (targeting === undefined || (isObject(targeting) && Object.keys(targeting).length === 0)) return [];
  if (!isObject(targeting)) {
    return scope.reading.refuse('targeting', path, 'targeting must be a JSON Logic object.');
  }
  const drafts: Draft[] = [];
  if (!rest(targeting, path, scope, drafts)) return undefined;
  const kept = drafts.filter((draft) => !draft.requirements.never);
  // Trailing rules serving the default change nothing: no match serves it too.
  while (kept.length > 0 && kept.at(-1)!.served === null) kept.pop();
  const rules: Rule[] = [];
  for (const { requirements, served: what, path: at } of kept) {
    const rule: Rule = {};
    if (requirements.conditions.length > 0) rule.conditions = requirements.conditions;
    if (requirements.segments.length > 0) rule.segments = [...new Set(requirements.segments)];
    if (what === null) {
      if (defaultVariant === null) {
        return scope.reading.refuse(
          'null branch',
          at,
          'this branch serves no value (null) before later rules, and the flag has no default variant: a Flagstone rule always serves a variant. Move the case last, or give the flag a defaultVariant.',
        );
      }
      scope.reading.note(
        at,
        `the branch serving null is a rule serving the default variant "${defaultVariant}".`,
      );
      rule.variant = defaultVariant;
    } else Object.assign(rule, what);
    rules.push(rule);
  }
  return rules;
}

/** The type all of a flag's variants share; undefined (refused) when they are of several. */
function typeOfVariants(
  variants: Record<string, unknown>,
  path: string,
  reading: Reading,
): FlagType | undefined {
  const types = new Set(
    Object.values(variants).map((value) =>
      value === null ? 'null' : typeof value === 'object' ? 'json' : typeof value,
    ),
  );
  if (types.size === 0) {
    return reading.refuse('variants', path, 'a flag needs at least one variant.');
  }
  const [type] = types;
  if (types.size > 1 || !['boolean', 'string', 'number', 'json'].includes(type!)) {
    return reading.refuse(
      'variants of mixed types',
      path,
      `a flag's variants must all be booleans, strings, numbers or JSON objects/lists; these are ${[...types].join(', ')}.`,
    );
  }
  return type as FlagType;
}

/** A segment's conditions from its evaluator: an `and` of conditions, one, or none (no one). */
function segmentOf(key: string, logic: Logic, reading: Reading): Condition[] | undefined {
  const path = `$.$evaluators${step(key)}`;
  if (!keyPattern.test(key)) {
    return reading.refuse(
      'evaluator key',
      path,
      `"${key}" cannot be a segment key: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, at most 128 characters.`,
    );
  }
  const requirements = nothing();
  const op = operation(logic);
  if (op?.[0] === 'or') {
    return reading.refuse(
      'or',
      `${path}.or`,
      'an or in an evaluator cannot be held: a segment is a set of conditions that must all hold. Make one evaluator per alternative.',
    );
  }
  if (!conjunct(logic, path, reading, requirements, new Set())) return undefined;
  if (requirements.segments.length > 0) {
    return reading.refuse(
      '$ref',
      path,
      'an evaluator referring to another cannot be held; repeat its conditions.',
    );
  }
  if (requirements.never) return [];
  const problem = conditionProblem(requirements.conditions, 'conditions');
  if (problem) return reading.refuse('evaluator', path, problem);
  if (requirements.conditions.length === 0) {
    return reading.refuse(
      'evaluator',
      path,
      'an evaluator that holds for everyone cannot be a segment: a segment without conditions holds no one.',
    );
  }
  return requirements.conditions;
}

const firstError = (schema: TSchema, value: unknown) => {
  const [error] = Value.Errors(schema, value);
  return error ? `${error.instancePath || 'the value'} ${error.message}` : 'is invalid';
};

function flagOf(
  key: string,
  flag: FlagdFlag,
  path: string,
  reading: Reading,
  evaluators: ReadonlySet<string>,
): ImportedFlag | undefined {
  if (!keyPattern.test(key)) {
    return reading.refuse(
      'flag key',
      path,
      `"${key}" cannot be a flag key: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, at most 128 characters.`,
    );
  }
  const { variants } = flag;
  const badNames = Object.keys(variants).filter((name) => !variantPattern.test(name));
  for (const name of badNames) {
    reading.refuse(
      'variant name',
      `${path}.variants${step(name)}`,
      `"${name}" cannot be a variant name: letters, digits, ".", "_" or "-", at most 64 characters.`,
    );
  }
  const type = typeOfVariants(variants, `${path}.variants`, reading);
  const defaultVariant = flag.defaultVariant ?? null;
  if (defaultVariant !== null && !Object.hasOwn(variants, defaultVariant)) {
    reading.refuse(
      'unknown variant',
      `${path}.defaultVariant`,
      `defaultVariant "${defaultVariant}" is not one of the flag's variants.`,
    );
  }
  const scope = { key, variants, reading, evaluators };
  const rules = rulesOf(flag.targeting, `${path}.targeting`, scope, defaultVariant);
  if (reading.refusals.length > 0 || type === undefined || rules === undefined) return undefined;
  if (!Value.Check(RulesSchema, rules)) {
    return reading.refuse(
      'targeting',
      `${path}.targeting`,
      `the rules it makes cannot be held: ${firstError(RulesSchema, rules)}.`,
    );
  }
  const description = flag.metadata?.description;
  const describes = typeof description === 'string' && description.length <= 1000;
  const content: FlagContent = {
    enabled: flag.state === 'ENABLED',
    description: describes ? description : '',
    type,
    defaultVariant,
    offVariant: null,
    variants,
    rules,
    // flagd has no prerequisites: the document says all the flag does.
    prerequisites: [],
  };
  try {
    checkContent(content, evaluators);
  } catch (err) {
    return reading.refuse('flag', path, err instanceof Error ? err.message : String(err));
  }
  // Disabled is flagd's "off, serving no value"; enabled says nothing of what the flag serves when off.
  const keep: ImportedFlag['keep'] = describes ? [] : ['description'];
  if (content.enabled) keep.push('offVariant');
  return { key, path, content, keep };
}

/** The document's flags and segments in Flagstone's shapes, or what is refused and why. */
export function translateFlagd(document: FlagdDocumentBody): Translation {
  const refusals: Refusal[] = [];
  const notes: Note[] = [];
  const report = (reading: Reading) => {
    refusals.push(...reading.refusals);
    for (const message of reading.notes) notes.push({ flag: reading.name, message });
  };

  const segments: ImportedSegment[] = [];
  const evaluators = Object.entries(document.$evaluators ?? {});
  for (const [key, logic] of evaluators) {
    const reading = new Reading(key);
    const conditions = segmentOf(key, logic, reading);
    if (conditions && !Value.Check(Type.Array(ConditionSchema, { maxItems: 50 }), conditions)) {
      reading.refuse('evaluator', `$.$evaluators${step(key)}`, 'a segment holds at most 50 conditions.');
    } else if (conditions)
      segments.push({ key, content: { description: '', conditions }, keep: ['description'] });
    report(reading);
  }
  const known = new Set(evaluators.map(([key]) => key));

  const flags: ImportedFlag[] = [];
  const listed: [string, FlagdFlag, string][] = Array.isArray(document.flags)
    ? document.flags.map((flag, i) => [flag.key, flag, `$.flags[${i}]`])
    : Object.entries(document.flags).map(([key, flag]) => [key, flag, `$.flags${step(key)}`]);
  const seen = new Set<string>();
  for (const [key, flag, path] of listed) {
    const reading = new Reading(key);
    if (seen.has(key)) reading.refuse('flag key', path, `flag "${key}" is listed twice.`);
    seen.add(key);
    const imported = reading.refusals.length === 0 ? flagOf(key, flag, path, reading, known) : undefined;
    if (imported) flags.push(imported);
    report(reading);
  }
  // A flag answers as the segments it uses do: their notes are its notes too.
  const notedSegments = new Set(notes.filter((n) => known.has(n.flag)).map((n) => n.flag));
  for (const { key, content } of flags) {
    for (const segment of segmentsUsedBy(content.rules).filter((s) => notedSegments.has(s))) {
      notes.push({ flag: key, message: `it uses evaluator "${segment}", which has notes of its own.` });
    }
  }
  return { flags, segments, refusals, notes };
}

/** The refusal of a flag whose key an archived flag holds. */
export const archivedRefusal = ({ key, path }: ImportedFlag, message: string): Refusal => ({
  flag: key,
  construct: 'archived flag',
  path,
  message,
});
