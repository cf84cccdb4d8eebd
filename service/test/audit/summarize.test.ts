// Every kind of audit event in words, from before and after shaped as the stores record them:
// what changed is said, the fields the service keeps for itself (ids, versions, times, the
// derived defaultValue, revisions) never are.
import t, { type Test } from 'tap';
import { type Summarizable, summarize } from '../../src/audit/summarize.ts';

const BOOKKEEPING = /\b(updatedAt|createdAt|version|revision|defaultValue|archivedAt|lastUsedAt|id)\b/;
const AT = '2026-12-07T10:00:00.000Z';

/** A flag as the store's toFlag shows it. */
const flag = (fields: Record<string, unknown> = {}) => ({
  key: 'checkout',
  environment: 'production',
  enabled: false,
  description: '',
  type: 'boolean',
  defaultValue: true,
  defaultVariant: 'on',
  offVariant: 'off',
  variants: { on: true, off: false },
  rules: [],
  version: 1,
  createdAt: AT,
  updatedAt: AT,
  archivedAt: null,
  ...fields,
});
const later = (before: Record<string, unknown>, fields: Record<string, unknown>) => ({
  ...before,
  version: (before.version as number) + 1,
  updatedAt: '2026-12-07T11:00:00.000Z',
  ...fields,
});
const segment = (fields: Record<string, unknown> = {}) => ({
  key: 'beta',
  environment: 'production',
  description: '',
  conditions: [
    { attribute: 'plan', operator: 'equals', value: 'gold' },
    { attribute: 'country', operator: 'in', value: ['DE', 'FR'] },
  ],
  version: 1,
  createdAt: AT,
  updatedAt: AT,
  ...fields,
});
const token = (fields: Record<string, unknown> = {}) => ({
  id: '7b0c3f7e-3a55-4c1e-9d55-0a8f1b2c3d4e',
  name: 'ci',
  scope: 'read',
  environment: 'staging',
  createdAt: AT,
  lastUsedAt: null,
  revokedAt: null,
  ...fields,
});
const schedule = (fields: Record<string, unknown> = {}) => ({
  id: '0f5e8c1a-2b3c-4d5e-8f90-1a2b3c4d5e6f',
  environment: 'production',
  flag: 'checkout',
  change: { enabled: true },
  applyAt: '2026-12-24T18:00:00.000Z',
  state: 'pending',
  flagVersion: 3,
  createdBy: 'Ada Lovelace',
  createdAt: AT,
  appliedAt: null,
  resolvedAt: null,
  reason: null,
  ...fields,
});
const request = (fields: Record<string, unknown> = {}) => ({
  id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
  environment: 'production',
  kind: 'flag.update',
  target: 'checkout',
  change: { enabled: true },
  before: flag(),
  after: later(flag(), { enabled: true }),
  baseVersions: { flags: { checkout: 1 }, segments: {} },
  state: 'open',
  proposedBy: { kind: 'person', name: 'Ada Lovelace', subject: 'ada', email: 'ada@example.com' },
  createdAt: AT,
  decidedBy: null,
  decidedAt: null,
  comment: null,
  ...fields,
});

/** The summary of one event; every sentence is checked free of bookkeeping. */
function says(t: Test, event: Summarizable, expected: string[], what: string) {
  const summary = summarize({ environment: 'production', ...event });
  t.same(summary, expected, what);
  for (const sentence of summary) t.notMatch(sentence, BOOKKEEPING, `no bookkeeping in "${sentence}"`);
}

t.test('flags: created, switched, archived, restored', async (t) => {
  says(t, { action: 'flag.created', after: flag() }, ['created in production, off'], 'a plain switch');
  says(
    t,
    {
      action: 'flag.created',
      after: flag({
        type: 'string',
        enabled: true,
        variants: { classic: 'bm25', learned: 'ltr-v2' },
        defaultVariant: 'classic',
        offVariant: null,
        defaultValue: 'bm25',
        rules: [{ description: 'staff', segments: ['staff'], variant: 'learned' }],
        description: 'Ranking model',
      }),
    },
    [
      'created in production, on',
      "a string flag with variants 'classic' and 'learned'",
      "default variant 'classic'",
      'no off variant',
      "rule 'staff' serving 'learned', when in segment 'staff'",
      'described as "Ranking model"',
    ],
    'a flag with variants and a rule',
  );
  const off = flag();
  says(
    t,
    { action: 'flag.updated', before: off, after: later(off, { enabled: true }) },
    ['turned on in production'],
    'on',
  );
  says(
    t,
    {
      action: 'flag.updated',
      environment: 'staging',
      before: flag({ enabled: true }),
      after: later(flag(), {}),
    },
    ['turned off in staging'],
    'off, in its environment',
  );
  says(t, { action: 'flag.archived', before: off }, ['archived in production'], 'archived');
  says(
    t,
    { action: 'flag.restored', before: flag({ archivedAt: AT }), after: later(off, { enabled: true }) },
    ['restored in production, on'],
    'restored',
  );
});

t.test('flags: variants, default and off variants, type, description', async (t) => {
  const before = flag({
    type: 'string',
    variants: { red: '#f00', green: '#0f0' },
    defaultVariant: 'red',
    offVariant: 'red',
  });
  says(
    t,
    {
      action: 'flag.updated',
      before,
      after: later(before, { variants: { red: '#f00', green: '#0f0', blue: '#00f' } }),
    },
    ['added variant \'blue\' ("#00f")'],
    'a variant added',
  );
  says(
    t,
    { action: 'flag.updated', before, after: later(before, { variants: { red: '#e00', green: '#0f0' } }) },
    ['changed variant \'red\' from "#f00" to "#e00"'],
    'a value changed',
  );
  says(
    t,
    { action: 'flag.updated', before, after: later(before, { variants: { red: '#f00' } }) },
    ["removed variant 'green'"],
    'a variant removed',
  );
  says(
    t,
    { action: 'flag.updated', before, after: later(before, { variants: { green: '#0f0', red: '#f00' } }) },
    ['reordered the variants'],
    'reordered',
  );
  const sw = flag();
  says(
    t,
    { action: 'flag.updated', before: sw, after: later(sw, { defaultVariant: 'off', defaultValue: false }) },
    ["changed the default variant from 'on' to 'off'"],
    'the default variant, and not its derived value',
  );
  says(
    t,
    { action: 'flag.updated', before: sw, after: later(sw, { offVariant: null }) },
    ["removed the off variant (the caller's default applies when off)"],
    'the off variant removed',
  );
  says(
    t,
    { action: 'flag.updated', before: flag({ defaultVariant: null }), after: flag({ defaultVariant: 'on' }) },
    ["set the default variant to 'on'"],
    'a default variant set',
  );
  says(
    t,
    { action: 'flag.updated', before: sw, after: later(sw, { description: 'Kill switch for checkout' }) },
    ['changed the description to "Kill switch for checkout"'],
    'the description',
  );
  says(
    t,
    { action: 'flag.updated', before: flag({ description: 'old' }), after: flag({ description: '' }) },
    ['cleared the description'],
    'the description cleared',
  );
  says(
    t,
    {
      action: 'flag.updated',
      before: sw,
      after: later(sw, {
        type: 'number',
        variants: { small: 10 },
        defaultVariant: 'small',
        offVariant: 'small',
      }),
    },
    [
      'changed the type from boolean to number',
      "removed variant 'on'",
      "removed variant 'off'",
      "added variant 'small' (10)",
      "changed the default variant from 'on' to 'small'",
      "changed the off variant from 'off' to 'small'",
    ],
    'a new type with new variants',
  );
  says(
    t,
    { action: 'flag.updated', before: sw, after: later(sw, {}) },
    ['saved without a visible change'],
    'nothing visible',
  );
  says(
    t,
    { action: 'flag.updated', before: sw, after: later(sw, { owner: 'payments' }) },
    ['changed owner'],
    'a field this version does not know, by its name',
  );
});

t.test('flags: rules added, changed, removed, reordered', async (t) => {
  const eu = {
    description: 'EU',
    conditions: [{ attribute: 'country', operator: 'in', value: ['DE', 'FR'] }],
    split: [
      { variant: 'on', weight: 70 },
      { variant: 'off', weight: 30 },
    ],
  };
  const staff = { segments: ['staff'], variant: 'on' };
  const before = flag({ rules: [staff] });
  says(
    t,
    { action: 'flag.updated', before, after: later(before, { rules: [staff, eu] }) },
    ["added rule 'EU' with a 70/30 split between 'on' and 'off', when country is one of \"DE\", \"FR\""],
    'a rule with a split',
  );
  const withEu = flag({ rules: [staff, eu] });
  says(
    t,
    {
      action: 'flag.updated',
      before: withEu,
      after: later(withEu, {
        rules: [
          staff,
          {
            ...eu,
            split: [
              { variant: 'on', weight: 5000 },
              { variant: 'off', weight: 5000 },
            ],
          },
        ],
      }),
    },
    ["changed rule 'EU': now a 50/50 split between 'on' and 'off'"],
    'weights as shares of their total',
  );
  says(
    t,
    {
      action: 'flag.updated',
      before: withEu,
      after: later(withEu, { rules: [{ ...staff, variant: 'off' }, eu] }),
    },
    ["changed rule 1: now serving 'off'"],
    'an unnamed rule by its position',
  );
  says(
    t,
    {
      action: 'flag.updated',
      before: withEu,
      after: later(withEu, {
        rules: [
          staff,
          { ...eu, conditions: [{ attribute: 'email', operator: 'ends_with', value: '@example.com' }] },
        ],
      }),
    },
    ['changed rule \'EU\': now when email ends with "@example.com"'],
    'new conditions',
  );
  says(
    t,
    { action: 'flag.updated', before: withEu, after: later(withEu, { rules: [eu] }) },
    ['removed rule 1'],
    'a rule removed',
  );
  says(
    t,
    { action: 'flag.updated', before: withEu, after: later(withEu, { rules: [eu, staff] }) },
    ['reordered the rules'],
    'reordered',
  );
  says(
    t,
    {
      action: 'flag.updated',
      before: withEu,
      after: later(withEu, { rules: [staff, { ...eu, bucketBy: 'accountId', seed: 'checkout-2026' }] }),
    },
    ["changed rule 'EU': buckets by accountId; seed 'checkout-2026'"],
    'bucketing',
  );
  says(
    t,
    {
      action: 'flag.updated',
      before: withEu,
      after: later(withEu, { rules: [staff, { ...eu, description: 'Europe' }] }),
    },
    ["changed rule 'EU': renamed to 'Europe'"],
    'a rule renamed in its place',
  );
  says(
    t,
    {
      action: 'flag.updated',
      before: flag(),
      after: flag({ rules: [{ conditions: [{ attribute: 'beta', operator: 'exists' }], variant: 'on' }] }),
    },
    ["added rule 1 serving 'on', when beta is present"],
    'an exists condition',
  );
});

t.test('segments', async (t) => {
  says(
    t,
    { action: 'segment.created', segmentKey: 'beta', after: segment() },
    ["created segment 'beta' with 2 conditions"],
    'created',
  );
  const before = segment();
  says(
    t,
    {
      action: 'segment.updated',
      segmentKey: 'beta',
      before,
      after: later(before, {
        conditions: [
          before.conditions[0],
          { attribute: 'appVersion', operator: 'semver_gte', value: '2.0.0' },
        ],
        description: 'Beta testers',
      }),
    },
    [
      'removed condition country is one of "DE", "FR" from segment \'beta\'',
      'added condition appVersion is a release from "2.0.0" to segment \'beta\'',
      'changed the description of segment \'beta\' to "Beta testers"',
    ],
    'updated',
  );
  says(t, { action: 'segment.deleted', segmentKey: 'beta', before }, ["deleted segment 'beta'"], 'deleted');
});

t.test('environments, tokens', async (t) => {
  says(
    t,
    {
      action: 'environment.created',
      environment: 'qa',
      after: { key: 'qa', revision: 0, protected: false, createdAt: AT },
    },
    ["created environment 'qa'"],
    'an environment',
  );
  says(
    t,
    { action: 'environment.protected', before: { protected: false }, after: { protected: true } },
    ["protected production: changes there now need another person's approval"],
    'protected',
  );
  says(
    t,
    { action: 'environment.unprotected', before: { protected: true }, after: { protected: false } },
    ['lifted the protection of production: changes there apply at once'],
    'unprotected',
  );
  says(
    t,
    { action: 'token.created', environment: 'staging', after: token() },
    ["minted read token 'ci' for staging"],
    'minted',
  );
  says(
    t,
    { action: 'token.created', environment: null, after: token({ scope: 'admin', environment: null }) },
    ["minted admin token 'ci' for all environments"],
    'minted for every environment',
  );
  says(
    t,
    { action: 'token.revoked', environment: 'staging', before: token(), after: token({ revokedAt: AT }) },
    ["revoked read token 'ci' for staging"],
    'revoked',
  );
  says(
    t,
    {
      action: 'token.rotated',
      environment: null,
      after: token({ name: 'bootstrap', scope: 'admin', environment: null }),
    },
    ["rotated the secret of admin token 'bootstrap'"],
    'rotated',
  );
});

t.test('scheduled changes', async (t) => {
  says(
    t,
    { action: 'schedule.created', flagKey: 'checkout', after: schedule() },
    ['scheduled for 2026-12-24 18:00 UTC: turn on'],
    'scheduled',
  );
  says(
    t,
    {
      action: 'schedule.cancelled',
      before: schedule(),
      after: schedule({
        state: 'cancelled',
        resolvedAt: AT,
        change: { enabled: false, defaultVariant: 'off' },
      }),
    },
    ["cancelled the change scheduled for 2026-12-24 18:00 UTC (turn off and serve 'off' by default)"],
    'cancelled',
  );
  says(
    t,
    { action: 'schedule.applied', before: schedule(), after: schedule({ state: 'applied', appliedAt: AT }) },
    ['applied the change scheduled for 2026-12-24 18:00 UTC: turn on'],
    'applied',
  );
  says(
    t,
    {
      action: 'schedule.skipped',
      before: schedule(),
      after: schedule({ state: 'skipped', reason: 'the flag changed since it was scheduled' }),
    },
    [
      'skipped the change scheduled for 2026-12-24 18:00 UTC (turn on): "the flag changed since it was scheduled"',
    ],
    'skipped, and why',
  );
  says(
    t,
    {
      action: 'schedule.created',
      after: schedule({
        change: { variants: { a: 1, b: 2 }, rules: [], description: 'x', offVariant: null, type: 'number' },
      }),
    },
    [
      "scheduled for 2026-12-24 18:00 UTC: remove the off variant, set the variants to 'a' and 'b', set 0 rules, make it a number flag and change the description",
    ],
    'a change of many fields',
  );
});

t.test('change requests', async (t) => {
  says(
    t,
    { action: 'request.created', flagKey: 'checkout', after: request() },
    ["proposed to change flag 'checkout' in production", 'proposed: turned on in production'],
    'proposed, with what it changes',
  );
  says(
    t,
    {
      action: 'request.created',
      after: request({ kind: 'segment.create', target: 'beta', before: null, after: segment(), change: {} }),
    },
    ["proposed to create segment 'beta' in production", "proposed: created segment 'beta' with 2 conditions"],
    'a new segment proposed',
  );
  says(
    t,
    {
      action: 'request.created',
      after: request({ kind: 'flag.create', before: null, after: flag({ enabled: true }), change: {} }),
    },
    ["proposed to create flag 'checkout' in production", 'proposed: created in production, on'],
    'a new flag proposed',
  );
  says(
    t,
    {
      action: 'request.created',
      after: request({
        kind: 'segment.update',
        target: 'beta',
        before: segment(),
        after: segment({ description: 'Beta testers' }),
        change: { description: 'Beta testers' },
      }),
    },
    [
      "proposed to change segment 'beta' in production",
      'proposed: changed the description of segment \'beta\' to "Beta testers"',
    ],
    'a segment change proposed',
  );
  says(
    t,
    { action: 'request.created', after: request({ kind: 'flag.archive', after: null, change: null }) },
    ["proposed to archive flag 'checkout' in production"],
    'an archive proposed',
  );
  const decided = { decidedBy: { kind: 'person', name: 'Grace Hopper', subject: 'grace' }, decidedAt: AT };
  says(
    t,
    {
      action: 'request.approved',
      before: request(),
      after: request({ ...decided, state: 'approved', comment: 'ship it' }),
    },
    ["approved Ada Lovelace's request to change flag 'checkout': \"ship it\""],
    'approved, with the comment',
  );
  says(
    t,
    {
      action: 'request.rejected',
      before: request(),
      after: request({ ...decided, state: 'rejected', comment: 'not during the sale' }),
    },
    ["rejected Ada Lovelace's request to change flag 'checkout': \"not during the sale\""],
    'rejected',
  );
  says(
    t,
    { action: 'request.stale', before: request(), after: request({ ...decided, state: 'stale' }) },
    [
      "could not apply Ada Lovelace's request to change flag 'checkout': what it was made against changed since",
    ],
    'stale',
  );
});

t.test('an action this version does not know still reads, by the fields that changed', async (t) => {
  says(
    t,
    {
      action: 'webhook.updated',
      before: { id: 'w1', url: 'https://a.example', kinds: ['flag'], updatedAt: AT },
      after: { id: 'w1', url: 'https://b.example', kinds: ['flag'], updatedAt: '2026-12-08T00:00:00.000Z' },
    },
    ['webhook updated', 'changed url'],
    'named by its action',
  );
  says(t, { action: 'webhook.deleted' }, ['webhook deleted'], 'without states');
  t.same(
    summarize({ action: 'flag.updated', before: 'not an object', after: 3 }),
    ['saved without a visible change'],
    'odd states do not throw',
  );
});
