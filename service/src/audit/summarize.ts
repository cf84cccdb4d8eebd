// An audit event in words: what a person changed, without the fields the store keeps for itself
// (ids, versions, times, revisions, the derived defaultValue). Pure: the history and audit APIs
// send these sentences with every event, and the diff of before and after only on request.

/** What a summary is made from: an audit event's action, environment and the two states. */
export interface Summarizable {
  action: string;
  environment?: string | null;
  flagKey?: string | null;
  segmentKey?: string | null;
  before?: unknown;
  after?: unknown;
}

type Json = Record<string, unknown>;

/** Fields the store writes by itself: never a reason for a sentence. */
const BOOKKEEPING = new Set([
  'id',
  'key',
  'environment',
  'version',
  'revision',
  'createdAt',
  'updatedAt',
  'archivedAt',
  'lastUsedAt',
  'defaultValue',
  'secretHash',
]);

const record = (value: unknown): Json | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const quote = (name: string) => `'${name}'`;
const SHORT = 60;
const short = (value: unknown) => {
  const shown = JSON.stringify(value) ?? 'nothing';
  return shown.length > SHORT ? `${shown.slice(0, SHORT - 1)}…` : shown;
};

/** 'a', 'a' and 'b', 'a', 'b' and 'c'. */
function joined(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const inEnvironment = (environment: string | null | undefined) => (environment ? ` in ${environment}` : '');

const OPERATOR_WORDS: Record<string, string> = {
  equals: 'is',
  not_equals: 'is not',
  in: 'is one of',
  not_in: 'is none of',
  starts_with: 'starts with',
  ends_with: 'ends with',
  contains: 'contains',
  lt: '<',
  lte: '≤',
  gt: '>',
  gte: '≥',
  semver_lt: 'is a release before',
  semver_lte: 'is a release up to',
  semver_gt: 'is a release after',
  semver_gte: 'is a release from',
  exists: 'is present',
};

/** One condition as a person reads it: `country is one of DE, FR`. */
function conditionText(condition: unknown): string {
  const c = record(condition) ?? {};
  const operator = text(c.operator) ?? '?';
  const words = OPERATOR_WORDS[operator] ?? operator;
  if (operator === 'exists') return `${text(c.attribute)} ${words}`;
  const value = Array.isArray(c.value) ? c.value.map((v) => short(v)).join(', ') : short(c.value);
  return `${text(c.attribute)} ${words} ${value}`;
}

const percent = (weight: number, total: number) => {
  const share = (weight * 100) / total;
  return Number.isInteger(share) ? String(share) : share.toFixed(1).replace(/\.0$/, '');
};

/** `a 70/30 split between 'blue' and 'green'`, weights shown as percentages of their total. */
function splitText(split: unknown): string {
  const entries = list(split).map((e) => record(e) ?? {});
  const weights = entries.map((e) => (typeof e.weight === 'number' ? e.weight : 0));
  const total = weights.reduce((a, b) => a + b, 0);
  const shares = total > 0 ? weights.map((w) => percent(w, total)).join('/') : weights.join('/');
  return `a ${shares} split between ${joined(entries.map((e) => quote(text(e.variant) ?? '?')))}`;
}

/** What a rule serves and to whom: `with a 70/30 split between 'a' and 'b', when country is DE`. */
function ruleBody(rule: Json): string {
  const serves = rule.split
    ? `with ${splitText(rule.split)}${rule.bucketBy ? ` by ${text(rule.bucketBy)}` : ''}`
    : rule.variant
      ? `serving ${quote(String(rule.variant))}`
      : 'serving nothing';
  const when = [
    ...list(rule.conditions).map(conditionText),
    ...list(rule.segments).map((s) => `in segment ${quote(String(s))}`),
  ];
  return when.length > 0 ? `${serves}, when ${joined(when)}` : `${serves}, for everyone`;
}

const ruleName = (rule: Json, position: number) =>
  text(rule.description) ? `rule ${quote(text(rule.description)!)}` : `rule ${position + 1}`;

/** What changed inside one rule, in a clause each. */
function ruleChanges(before: Json, after: Json): string[] {
  const out: string[] = [];
  if (!same(before.split, after.split) || !same(before.variant, after.variant)) {
    out.push(
      after.split
        ? `now ${splitText(after.split)}`
        : `now serving ${after.variant ? quote(String(after.variant)) : 'nothing'}`,
    );
  }
  if (!same(before.conditions, after.conditions) || !same(before.segments, after.segments)) {
    const when = [
      ...list(after.conditions).map(conditionText),
      ...list(after.segments).map((s) => `in segment ${quote(String(s))}`),
    ];
    out.push(when.length > 0 ? `now when ${joined(when)}` : 'now for everyone');
  }
  if (!same(before.bucketBy, after.bucketBy))
    out.push(`buckets by ${text(after.bucketBy) ?? 'targetingKey'}`);
  if (!same(before.seed, after.seed))
    out.push(after.seed ? `seed ${quote(String(after.seed))}` : 'default seed');
  if (!same(before.description, after.description) && text(before.description)) {
    out.push(`renamed to ${text(after.description) ? quote(text(after.description)!) : 'nothing'}`);
  }
  return out;
}

/**
 * The rules before and after, paired: by description where it names a rule, then equal rules,
 * then what is left in the same place. Unpaired rules were added or removed.
 */
function rulesSentences(beforeRules: unknown, afterRules: unknown): string[] {
  const before = list(beforeRules).map((r) => record(r) ?? {});
  const after = list(afterRules).map((r) => record(r) ?? {});
  const pairOf = new Map<number, number>(); // after index → before index
  const taken = new Set<number>();
  const pair = (matches: (b: Json, a: Json, bi: number, ai: number) => boolean) => {
    after.forEach((a, ai) => {
      if (pairOf.has(ai)) return;
      const bi = before.findIndex((b, i) => !taken.has(i) && matches(b, a, i, ai));
      if (bi >= 0) {
        pairOf.set(ai, bi);
        taken.add(bi);
      }
    });
  };
  pair((b, a) => text(a.description) !== undefined && b.description === a.description);
  pair((b, a) => same(b, a));
  pair((_b, _a, bi, ai) => bi === ai); // in the same place: changed there, or renamed

  const out: string[] = [];
  before.forEach((b, bi) => {
    if (!taken.has(bi)) out.push(`removed ${ruleName(b, bi)}`);
  });
  after.forEach((a, ai) => {
    const bi = pairOf.get(ai);
    if (bi === undefined) {
      out.push(`added ${ruleName(a, ai)} ${ruleBody(a)}`);
      return;
    }
    const changes = ruleChanges(before[bi]!, a);
    if (changes.length > 0) out.push(`changed ${ruleName(before[bi]!, bi)}: ${changes.join('; ')}`);
  });
  const order = [...pairOf.entries()].sort(([a], [b]) => a - b).map(([, bi]) => bi);
  if (order.some((bi, i) => i > 0 && bi < order[i - 1]!)) out.push('reordered the rules');
  return out;
}

function variantSentences(beforeVariants: unknown, afterVariants: unknown): string[] {
  const before = record(beforeVariants) ?? {};
  const after = record(afterVariants) ?? {};
  const out: string[] = [];
  for (const name of Object.keys(before)) {
    if (!(name in after)) out.push(`removed variant ${quote(name)}`);
  }
  for (const [name, value] of Object.entries(after)) {
    if (!(name in before)) out.push(`added variant ${quote(name)} (${short(value)})`);
    else if (!same(before[name], value)) {
      out.push(`changed variant ${quote(name)} from ${short(before[name])} to ${short(value)}`);
    }
  }
  const kept = (names: string[], other: Json) => names.filter((n) => n in other);
  if (out.length === 0 && !same(kept(Object.keys(before), after), kept(Object.keys(after), before))) {
    out.push('reordered the variants');
  }
  return out;
}

const variantChoice = (what: string, before: unknown, after: unknown, note: string): string[] => {
  if (same(before ?? null, after ?? null)) return [];
  if (after == null) return [`removed the ${what} (${note})`];
  if (before == null) return [`set the ${what} to ${quote(String(after))}`];
  return [`changed the ${what} from ${quote(String(before))} to ${quote(String(after))}`];
};

const descriptionSentence = (before: unknown, after: unknown, of = '') => {
  if (same(before ?? '', after ?? '')) return [];
  if (!text(after)) return [`cleared the description${of}`];
  return [`changed the description${of} to ${short(after)}`];
};

/** What changed between two states of a flag, field by field; bookkeeping fields say nothing. */
function flagChanges(beforeFlag: unknown, afterFlag: unknown, environment?: string | null): string[] {
  const before = record(beforeFlag) ?? {};
  const after = record(afterFlag) ?? {};
  const out: string[] = [];
  if (before.enabled !== after.enabled && typeof after.enabled === 'boolean') {
    out.push(`turned ${after.enabled ? 'on' : 'off'}${inEnvironment(environment)}`);
  }
  if (!same(before.type, after.type))
    out.push(`changed the type from ${text(before.type)} to ${text(after.type)}`);
  out.push(...variantSentences(before.variants, after.variants));
  out.push(
    ...variantChoice(
      'default variant',
      before.defaultVariant,
      after.defaultVariant,
      "the caller's default applies",
    ),
    ...variantChoice(
      'off variant',
      before.offVariant,
      after.offVariant,
      "the caller's default applies when off",
    ),
  );
  out.push(...rulesSentences(before.rules, after.rules));
  out.push(...descriptionSentence(before.description, after.description));
  if (!same(before.prerequisites ?? [], after.prerequisites ?? [])) out.push('changed the prerequisites');
  out.push(...fieldChanges(omit(before, FLAG_FIELDS), omit(after, FLAG_FIELDS)));
  return out;
}

/** The flag fields said in words above; any other that changes is named by fieldChanges. */
const FLAG_FIELDS = [
  'enabled',
  'type',
  'variants',
  'defaultVariant',
  'offVariant',
  'rules',
  'description',
  'prerequisites',
];
const omit = (value: Json, fields: string[]) =>
  Object.fromEntries(Object.entries(value).filter(([field]) => !fields.includes(field)));

const SWITCH = { on: true, off: false };

/** A new flag: its state, and what it holds beyond the plain on/off switch. */
function createdFlag(flag: Json, environment?: string | null): string[] {
  const out = [`created${inEnvironment(environment)}, ${flag.enabled ? 'on' : 'off'}`];
  const plainSwitch =
    same(flag.variants, SWITCH) && flag.defaultVariant === 'on' && flag.offVariant === 'off';
  if (!plainSwitch) {
    const names = Object.keys(record(flag.variants) ?? {}).map(quote);
    const variants = names.length === 0 ? 'no variants' : `variants ${joined(names)}`;
    out.push(`a ${text(flag.type) ?? 'new'} flag with ${variants}`);
    out.push(
      flag.defaultVariant ? `default variant ${quote(String(flag.defaultVariant))}` : 'no default variant',
      flag.offVariant ? `off variant ${quote(String(flag.offVariant))}` : 'no off variant',
    );
  }
  list(flag.rules).forEach((rule, i) => {
    const r = record(rule) ?? {};
    out.push(`${ruleName(r, i)} ${ruleBody(r)}`);
  });
  if (text(flag.description)) out.push(`described as ${short(flag.description)}`);
  return out;
}

function segmentChanges(beforeSegment: unknown, afterSegment: unknown, name: string): string[] {
  const before = record(beforeSegment) ?? {};
  const after = record(afterSegment) ?? {};
  const was = list(before.conditions);
  const now = list(after.conditions);
  const segment = `segment ${quote(name)}`;
  const out: string[] = [];
  for (const c of was) {
    if (!now.some((n) => same(n, c))) out.push(`removed condition ${conditionText(c)} from ${segment}`);
  }
  for (const c of now) {
    if (!was.some((w) => same(w, c))) out.push(`added condition ${conditionText(c)} to ${segment}`);
  }
  if (out.length === 0 && !same(was, now)) out.push(`reordered the conditions of ${segment}`);
  out.push(...descriptionSentence(before.description, after.description, ` of ${segment}`));
  return out;
}

const tokenText = (token: Json) =>
  `${text(token.scope) ?? ''} token ${quote(text(token.name) ?? '?')}`.trim();
const tokenReach = (token: Json) =>
  token.environment ? `for ${text(token.environment)}` : 'for all environments';

const REQUEST_VERBS: Record<string, string> = {
  'flag.create': 'create flag',
  'flag.update': 'change flag',
  'flag.archive': 'archive flag',
  'flag.restore': 'restore flag',
  'segment.create': 'create segment',
  'segment.update': 'change segment',
  'segment.delete': 'delete segment',
};

/** What a change request's change does, in the words of the event it becomes when approved. */
function requestedChanges(request: Json): string[] {
  const kind = text(request.kind) ?? '';
  const environment = text(request.environment);
  const target = text(request.target) ?? '?';
  switch (kind) {
    case 'flag.create':
      return createdFlag(record(request.after) ?? {}, environment);
    case 'flag.update':
      return flagChanges(request.before, request.after, environment);
    case 'segment.create':
      return [segmentCreated(record(request.after) ?? {}, target)];
    case 'segment.update':
      return segmentChanges(request.before, request.after, target);
    default:
      return [];
  }
}

const requestSubject = (request: Json) => {
  const verb = REQUEST_VERBS[text(request.kind) ?? ''] ?? 'change';
  return `${verb} ${quote(text(request.target) ?? '?')}`;
};
const proposer = (request: Json) => text(record(request.proposedBy)?.name) ?? 'someone';
const withComment = (sentence: string, comment: unknown) =>
  text(comment) ? `${sentence}: ${short(comment)}` : sentence;

const segmentCreated = (segment: Json, name: string) =>
  `created segment ${quote(name)} with ${plural(list(segment.conditions).length, 'condition')}`;

/** The change a scheduled change makes, a flag PATCH body, in words. */
function patchText(change: unknown): string {
  const patch = record(change) ?? {};
  const parts: string[] = [];
  if (typeof patch.enabled === 'boolean') parts.push(patch.enabled ? 'turn on' : 'turn off');
  if ('defaultVariant' in patch) {
    parts.push(
      patch.defaultVariant
        ? `serve ${quote(String(patch.defaultVariant))} by default`
        : 'remove the default variant',
    );
  }
  if ('defaultValue' in patch) parts.push(`serve ${short(patch.defaultValue)} by default`);
  if ('offVariant' in patch) {
    parts.push(
      patch.offVariant ? `serve ${quote(String(patch.offVariant))} when off` : 'remove the off variant',
    );
  }
  if ('variants' in patch)
    parts.push(`set the variants to ${joined(Object.keys(record(patch.variants) ?? {}).map(quote))}`);
  if ('rules' in patch) parts.push(`set ${plural(list(patch.rules).length, 'rule')}`);
  if ('type' in patch) parts.push(`make it a ${text(patch.type)} flag`);
  if ('description' in patch) parts.push('change the description');
  return parts.length > 0 ? joined(parts) : 'change nothing';
}

const when = (iso: unknown) => {
  const date = text(iso) ? new Date(text(iso)!) : undefined;
  return date && !Number.isNaN(date.getTime())
    ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`
    : 'later';
};

/** Any other change: the fields that differ, by name, so a new kind of event still reads. */
function fieldChanges(before: unknown, after: unknown): string[] {
  const was = record(before) ?? {};
  const now = record(after) ?? {};
  const fields = [...new Set([...Object.keys(was), ...Object.keys(now)])].filter(
    (f) => !BOOKKEEPING.has(f) && !same(was[f], now[f]),
  );
  return fields.length > 0 ? [`changed ${joined(fields)}`] : [];
}

/** The sentences that tell what an audit event did, most important first; never empty. */
export function summarize(event: Summarizable): string[] {
  const { action, environment } = event;
  const before = record(event.before);
  const after = record(event.after);
  const segmentKey = event.segmentKey ?? text(after?.key) ?? text(before?.key) ?? '?';
  switch (action) {
    case 'flag.created':
      return createdFlag(after ?? {}, environment);
    case 'flag.updated': {
      const changes = flagChanges(before, after, environment);
      return changes.length > 0 ? changes : ['saved without a visible change'];
    }
    case 'flag.archived':
      return [`archived${inEnvironment(environment)}`];
    case 'flag.restored':
      return [`restored${inEnvironment(environment)}${after?.enabled ? ', on' : ''}`];
    case 'segment.created':
      return [
        segmentCreated(after ?? {}, segmentKey),
        ...(text(after?.description) ? [`described as ${short(after?.description)}`] : []),
      ];
    case 'segment.updated': {
      const changes = segmentChanges(before, after, segmentKey);
      return changes.length > 0 ? changes : [`saved segment ${quote(segmentKey)} without a visible change`];
    }
    case 'segment.deleted':
      return [`deleted segment ${quote(segmentKey)}`];
    case 'environment.created':
      return [`created environment ${quote(environment ?? text(after?.key) ?? '?')}`];
    case 'environment.protected':
      return [`protected ${environment}: changes there now need another person's approval`];
    case 'environment.unprotected':
      return [`lifted the protection of ${environment}: changes there apply at once`];
    case 'token.created':
      return [`minted ${tokenText(after ?? {})} ${tokenReach(after ?? {})}`];
    case 'token.revoked':
      return [`revoked ${tokenText(after ?? before ?? {})} ${tokenReach(after ?? before ?? {})}`];
    case 'token.rotated':
      return [`rotated the secret of ${tokenText(after ?? {})}`];
    case 'schedule.created':
      return [`scheduled for ${when(after?.applyAt)}: ${patchText(after?.change)}`];
    case 'schedule.cancelled':
      return [`cancelled the change scheduled for ${when(after?.applyAt)} (${patchText(after?.change)})`];
    case 'schedule.applied':
      return [`applied the change scheduled for ${when(after?.applyAt)}: ${patchText(after?.change)}`];
    case 'schedule.skipped':
      return [
        withComment(
          `skipped the change scheduled for ${when(after?.applyAt)} (${patchText(after?.change)})`,
          after?.reason,
        ),
      ];
    case 'request.created':
      return [
        `proposed to ${requestSubject(after ?? {})}${inEnvironment(environment)}`,
        ...requestedChanges(after ?? {}).map((s) => `proposed: ${s}`),
      ];
    case 'request.approved':
      return [
        withComment(
          `approved ${proposer(after ?? {})}'s request to ${requestSubject(after ?? {})}`,
          after?.comment,
        ),
      ];
    case 'request.rejected':
      return [
        withComment(
          `rejected ${proposer(after ?? {})}'s request to ${requestSubject(after ?? {})}`,
          after?.comment,
        ),
      ];
    case 'request.stale':
      return [
        `could not apply ${proposer(after ?? {})}'s request to ${requestSubject(after ?? {})}: what it was made against changed since`,
      ];
    default:
      return [action.replace(/\./g, ' '), ...fieldChanges(before, after)];
  }
}
