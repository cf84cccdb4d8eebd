// POST /api/admin/flagd/import: what the export writes comes back exactly (an environment imported
// from another's export answers every context as the original does, and exports the same flags);
// a hand-written document's common constructs import into the rules they mean, and flagd's own
// evaluator agrees with Flagstone on them; what Flagstone cannot hold is refused by flag, construct
// and path, with nothing written.

import { FlagdCore } from '@openfeature/flagd-core';
import t from 'tap';
import { DOCUMENT_LIMIT_BYTES } from '../../src/flagd/admin-routes.ts';
import {
  admin,
  bearer,
  buildTestApp,
  createFlag,
  createSegment,
  mintToken,
  twoInstances,
  within,
} from '../helpers/app.ts';
import {
  type Answer,
  bulkAnswers,
  CORPUS_FLAGS,
  corpusContexts,
  type FlagType,
  flagdAnswer,
  sameAnswer,
  seedCorpus,
} from '../helpers/flagd-corpus.ts';
import { findRedis, NO_REDIS } from '../helpers/redis.ts';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

const importUrl = (environment: string, dryRun = false) =>
  `/api/admin/flagd/import?environment=${environment}${dryRun ? '&dryRun=true' : ''}`;

const importDocument = (app: App, environment: string, document: unknown, dryRun = false, headers = admin) =>
  app.inject({ method: 'POST', url: importUrl(environment, dryRun), headers, payload: document as object });

const exported = async (app: App, environment: string) => {
  const res = await app.inject({ url: `/api/config/flagd?environment=${environment}`, headers: admin });
  if (res.statusCode !== 200) throw new Error(`export: ${res.statusCode} ${res.body}`);
  return res.json();
};

const revisionOf = async (app: App, environment: string) => {
  const res = await app.inject({ url: `/api/config/flags?environment=${environment}`, headers: admin });
  return res.json().revision as number;
};

const adminFlags = async (app: App, environment: string) =>
  (await app.inject({ url: `/api/admin/flags?environment=${environment}&limit=200`, headers: admin })).json()
    .flags;

const bulk = (app: App, environment: string, context: object) => bulkAnswers(app, environment, context);

const answer = (entry: Answer | undefined) =>
  JSON.stringify([entry?.value, entry?.variant, entry?.errorCode]);

t.test('an export imports into another environment and answers every context the same', async (t) => {
  const { app } = await buildTestApp(t);
  await seedCorpus(app, 'development');
  const first = await exported(app, 'development');
  const body = JSON.stringify(first);
  t.ok(
    Buffer.byteLength(body) < 64 * 1024,
    `the corpus export (${body.length} bytes) fits the admin body limit`,
  );

  const before = await revisionOf(app, 'staging');
  const dry = await importDocument(app, 'staging', first, true);
  t.equal(dry.statusCode, 200, dry.body);
  const plan = dry.json();
  t.match(plan, {
    environment: 'staging',
    dryRun: true,
    revision: null,
    changes: [],
    unchanged: [],
    refusals: [],
    notes: [],
  });
  t.same(
    plan.creates
      .filter((c: { kind: string }) => c.kind === 'flag')
      .map((c: { key: string }) => c.key)
      .sort(),
    CORPUS_FLAGS.map((f) => f.key).sort(),
    'every flag is a create',
  );
  t.same(
    plan.creates.filter((c: { kind: string }) => c.kind === 'segment').map((c: { key: string }) => c.key),
    Object.keys(first.$evaluators),
    'every evaluator is a segment, listed first',
  );
  t.equal(await revisionOf(app, 'staging'), before, 'a dry run writes nothing');
  t.same(await adminFlags(app, 'staging'), [], 'no flag either');

  const applied = await importDocument(app, 'staging', first);
  t.equal(applied.statusCode, 200, applied.body);
  t.equal(applied.json().revision, before + 1, 'one revision for the whole import');
  t.equal(await revisionOf(app, 'staging'), before + 1);
  t.match(applied.json().message, /does not mention are left as they are/);

  const again = (await importDocument(app, 'staging', first, true)).json();
  t.same([again.creates, again.changes], [[], []], 'a second dry run: nothing to do');
  t.equal(again.unchanged.length, plan.creates.length, 'everything unchanged');

  const second = await exported(app, 'staging');
  t.same(second.flags, first.flags, "the re-export's flags are the first export's");
  t.same(second.$evaluators, first.$evaluators, 'and its evaluators');

  const mismatches: string[] = [];
  let compared = 0;
  for (const context of corpusContexts(400)) {
    const [ours, theirs] = await Promise.all([
      bulk(app, 'development', context),
      bulk(app, 'staging', context),
    ]);
    for (const [key, entry] of ours) {
      compared++;
      if (answer(entry) !== answer(theirs.get(key)) && mismatches.length < 10) {
        mismatches.push(`${key} ${JSON.stringify(context)}: ${answer(entry)} vs ${answer(theirs.get(key))}`);
      }
    }
  }
  t.same(mismatches, [], `${compared} evaluations agree on value and variant`);

  const events = (
    await app.inject({ url: '/api/admin/audit?environment=staging&limit=200', headers: admin })
  ).json().events as { revision: number; action: string; actor: string }[];
  const imported = events.filter((e) => e.revision === before + 1);
  t.equal(imported.length, plan.creates.length, 'an audit event per create, all of that revision');
  t.ok(imported.every((e) => e.action.endsWith('.created')));
});

/** What people write for flagd by hand: every construct the import reads, in realistic flags. */
const HAND_WRITTEN = {
  $schema: 'https://flagd.dev/schema/v0/flags.json',
  metadata: { flagSetId: 'shop' },
  $evaluators: {
    'eu-adults': {
      and: [{ in: [{ var: 'country' }, ['DE', 'FR', 'NL']] }, { '>=': [{ var: 'age' }, 18] }],
    },
    'beta-plans': { in: [{ var: 'plan' }, ['beta', 'enterprise']] },
  },
  flags: {
    'checkout-redesign': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      metadata: { description: 'the new checkout' },
      targeting: {
        if: [
          { in: [{ var: 'country' }, ['DE', 'FR']] },
          'on',
          { and: [{ '===': [{ var: 'plan' }, 'enterprise'] }, { '>=': [{ var: 'age' }, 18] }] },
          'on',
          'off',
        ],
      },
    },
    'banner-color': {
      state: 'ENABLED',
      variants: { red: 'red', green: 'green', blue: 'blue' },
      defaultVariant: 'blue',
      targeting: {
        if: [
          {
            or: [
              { starts_with: [{ var: 'email' }, 'admin@'] },
              { ends_with: [{ var: 'email' }, '@example.com'] },
            ],
          },
          'red',
          { in: ['example', { var: 'email' }] },
          'green',
          null,
        ],
      },
    },
    'support-tier': {
      state: 'ENABLED',
      variants: { gold: 'gold', silver: 'silver', bronze: 'bronze' },
      defaultVariant: 'bronze',
      targeting: {
        if: [{ '==': [{ var: 'plan' }, 'beta'] }, 'gold', { '!=': [{ var: 'plan' }, 'free'] }, 'silver'],
      },
    },
    'outside-north-america': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ '!': { in: [{ var: 'country' }, ['US', 'CA']] } }, 'on'] },
    },
    'age-band': {
      state: 'ENABLED',
      variants: { child: 1, teen: 2, adult: 3 },
      defaultVariant: null,
      targeting: {
        if: [
          { '<': [{ var: 'age' }, 13] },
          'child',
          { '<=': [13, { var: 'age' }, 17] },
          'teen',
          { '>': [{ var: 'age' }, 17] },
          'adult',
        ],
      },
    },
    'mobile-sync': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        if: [
          { sem_ver: [{ var: 'version' }, '>=', '2.0.0'] },
          'on',
          { sem_ver: [{ var: 'version' }, '=', 'v1.2'] },
          'on',
          'off',
        ],
      },
    },
    'contact-form': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        if: [{ and: [{ '!=': [{ var: 'email' }, null] }, { '!!': { var: 'companyId' } }] }, 'on', 'off'],
      },
    },
    'theme-rollout': {
      state: 'ENABLED',
      variants: { red: 'red', green: 'green', blue: 'blue' },
      defaultVariant: 'blue',
      targeting: { fractional: [['red', 25], ['green', 25], ['blue']] },
    },
    'company-rollout': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        if: [
          { '===': [{ var: 'admin' }, true] },
          'on',
          {
            fractional: [{ cat: ['company-rollout-2026', { var: 'companyId' }] }, ['on', 50], ['off', 50]],
          },
        ],
      },
    },
    'eu-offer': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ and: [{ $ref: 'eu-adults' }, { $ref: 'beta-plans' }] }, 'on', null] },
    },
    'kill-switch': {
      state: 'DISABLED',
      variants: { on: true, off: false },
      defaultVariant: 'on',
    },
    greeting: {
      state: 'ENABLED',
      variants: { formal: 'Good day', casual: 'Hi' },
      defaultVariant: 'formal',
      targeting: {},
    },
  },
};

/** The rules each hand-written flag is expected to become. */
const EXPECTED_RULES: Record<string, unknown[]> = {
  'checkout-redesign': [
    { conditions: [{ attribute: 'country', operator: 'in', value: ['DE', 'FR'] }], variant: 'on' },
    {
      conditions: [
        { attribute: 'plan', operator: 'equals', value: 'enterprise' },
        { attribute: 'age', operator: 'gte', value: 18 },
      ],
      variant: 'on',
    },
    { variant: 'off' },
  ],
  'banner-color': [
    { conditions: [{ attribute: 'email', operator: 'starts_with', value: 'admin@' }], variant: 'red' },
    { conditions: [{ attribute: 'email', operator: 'ends_with', value: '@example.com' }], variant: 'red' },
    { conditions: [{ attribute: 'email', operator: 'contains', value: 'example' }], variant: 'green' },
  ],
  'support-tier': [
    { conditions: [{ attribute: 'plan', operator: 'equals', value: 'beta' }], variant: 'gold' },
    { conditions: [{ attribute: 'plan', operator: 'not_equals', value: 'free' }], variant: 'silver' },
  ],
  'outside-north-america': [
    { conditions: [{ attribute: 'country', operator: 'not_in', value: ['US', 'CA'] }], variant: 'on' },
  ],
  'age-band': [
    { conditions: [{ attribute: 'age', operator: 'lt', value: 13 }], variant: 'child' },
    {
      conditions: [
        { attribute: 'age', operator: 'gte', value: 13 },
        { attribute: 'age', operator: 'lte', value: 17 },
      ],
      variant: 'teen',
    },
    { conditions: [{ attribute: 'age', operator: 'gt', value: 17 }], variant: 'adult' },
  ],
  'mobile-sync': [
    { conditions: [{ attribute: 'version', operator: 'semver_gte', value: '2.0.0' }], variant: 'on' },
    {
      conditions: [
        { attribute: 'version', operator: 'semver_gte', value: '1.2.0' },
        { attribute: 'version', operator: 'semver_lte', value: '1.2.0' },
      ],
      variant: 'on',
    },
    { variant: 'off' },
  ],
  'contact-form': [
    {
      conditions: [
        { attribute: 'email', operator: 'exists' },
        { attribute: 'companyId', operator: 'exists' },
      ],
      variant: 'on',
    },
    { variant: 'off' },
  ],
  'theme-rollout': [
    {
      split: [
        { variant: 'red', weight: 25 },
        { variant: 'green', weight: 25 },
        { variant: 'blue', weight: 1 },
      ],
    },
  ],
  'company-rollout': [
    { conditions: [{ attribute: 'admin', operator: 'equals', value: true }], variant: 'on' },
    {
      split: [
        { variant: 'on', weight: 50 },
        { variant: 'off', weight: 50 },
      ],
      bucketBy: 'companyId',
      seed: 'company-rollout-2026',
    },
  ],
  'eu-offer': [{ segments: ['eu-adults', 'beta-plans'], variant: 'on' }],
  'kill-switch': [],
  greeting: [],
};

const TYPES: Record<string, FlagType> = {
  'checkout-redesign': 'boolean',
  'banner-color': 'string',
  'support-tier': 'string',
  'outside-north-america': 'boolean',
  'age-band': 'number',
  'mobile-sync': 'boolean',
  'contact-form': 'boolean',
  'theme-rollout': 'string',
  'company-rollout': 'boolean',
  'eu-offer': 'boolean',
  'kill-switch': 'boolean',
  greeting: 'string',
};

/**
 * The context with every attribute present and of the type the rules compare it as (missing or
 * mistyped ones replaced): where JSON Logic's coercions have nothing to coerce.
 */
function wellTyped(context: Record<string, unknown>, n: number): Record<string, unknown> {
  const pick = <T>(items: readonly T[]) => items[n % items.length]!;
  const fill: Record<string, [(v: unknown) => boolean, () => unknown]> = {
    targetingKey: [(v) => typeof v === 'string' && v !== '', () => `user-${n}`],
    plan: [
      (v) => typeof v === 'string' && v !== '',
      () => pick(['beta', 'enterprise', 'free', 'pro', 'team']),
    ],
    country: [(v) => typeof v === 'string', () => pick(['DE', 'FR', 'NL', 'US', 'CA', 'JP'])],
    age: [(v) => typeof v === 'number', () => pick([7, 13, 15, 17, 18, 30, 65])],
    admin: [(v) => typeof v === 'boolean', () => n % 3 === 0],
    email: [
      (v) => typeof v === 'string' && v !== '',
      () => pick(['admin@example.com', 'bob@example.org', 'carol@example.com', 'dave@mail.test']),
    ],
    version: [(v) => typeof v === 'string', () => pick(['1.2.0', 'v1.2', '2.0.0', '1.9.9', '2', '0.9'])],
    companyId: [(v) => typeof v === 'string' && v !== '', () => `company-${n % 50}`],
  };
  const complete: Record<string, unknown> = {};
  for (const [name, [valid, make]] of Object.entries(fill)) {
    complete[name] = valid(context[name]) ? context[name] : make();
  }
  return complete;
}

t.test('a hand-written document imports into the rules it means, and answers as flagd does', async (t) => {
  const { app } = await buildTestApp(t);
  const dry = await importDocument(app, 'development', HAND_WRITTEN, true);
  t.equal(dry.statusCode, 200, dry.body);
  t.same(dry.json().refusals, [], 'nothing refused');
  const applied = await importDocument(app, 'development', HAND_WRITTEN);
  t.equal(applied.statusCode, 200, applied.body);
  const { notes } = applied.json() as { notes: { flag: string; message: string }[] };
  const noted = new Set(notes.map((n) => n.flag));
  t.same(
    [...noted].sort(),
    [
      'age-band',
      'checkout-redesign',
      'company-rollout',
      'contact-form',
      'eu-adults',
      'eu-offer',
      'mobile-sync',
      'outside-north-america',
      'support-tier',
      'banner-color',
    ].sort(),
    'each coercing construct is noted on its flag (or evaluator)',
  );
  t.match(notes.find((n) => n.flag === 'support-tier')?.message, /==/);
  t.match(
    notes.find((n) => n.flag === 'eu-offer')?.message,
    /evaluator "eu-adults"/,
    "a flag inherits its segments' notes",
  );

  const flags = new Map(
    ((await adminFlags(app, 'development')) as { key: string }[]).map((flag) => [flag.key, flag]),
  );
  for (const [key, rules] of Object.entries(EXPECTED_RULES)) {
    t.same((flags.get(key) as { rules?: unknown })?.rules, rules, `${key}: its rules`);
  }
  t.match(
    flags.get('kill-switch'),
    { enabled: false, offVariant: null, defaultVariant: 'on' },
    'DISABLED: off, serving nothing',
  );
  t.match(flags.get('age-band'), { type: 'number', defaultVariant: null });
  t.match(flags.get('checkout-redesign'), {
    description: 'the new checkout',
    enabled: true,
    offVariant: null,
  });
  const segments = (
    await app.inject({ url: '/api/admin/segments?environment=development', headers: admin })
  ).json().segments as { key: string; conditions: unknown }[];
  t.same(
    segments.map((s) => [s.key, s.conditions]),
    [
      ['beta-plans', [{ attribute: 'plan', operator: 'in', value: ['beta', 'enterprise'] }]],
      [
        'eu-adults',
        [
          { attribute: 'country', operator: 'in', value: ['DE', 'FR', 'NL'] },
          { attribute: 'age', operator: 'gte', value: 18 },
        ],
      ],
    ],
  );

  const core = new FlagdCore();
  core.setConfigurations(JSON.stringify(HAND_WRITTEN));
  const mismatches: string[] = [];
  const counted = { all: 0, wellTyped: 0 };
  const reasons = new Map<string, number>();
  const compare = async (context: Record<string, unknown>, keys: (key: string) => boolean) => {
    const ours = await bulk(app, 'development', context);
    for (const [key, entry] of ours) {
      if (!keys(key)) continue;
      const type = TYPES[key]!;
      const theirs = flagdAnswer(core, type, key, context);
      reasons.set(entry.reason ?? 'ERROR', (reasons.get(entry.reason ?? 'ERROR') ?? 0) + 1);
      const same = sameAnswer(entry, theirs, type);
      if (!same && mismatches.length < 10) {
        mismatches.push(
          `${key} ${JSON.stringify(context)}: ${JSON.stringify(entry)} vs ${JSON.stringify(theirs)}`,
        );
      }
    }
  };
  for (const [n, context] of corpusContexts(600, 7).entries()) {
    // Any context, for the flags nothing was noted on; well-typed ones for every flag.
    await compare(context, (key) => !noted.has(key));
    counted.all++;
    await compare(wellTyped(context, n), () => true);
    counted.wellTyped++;
  }
  t.same(
    mismatches,
    [],
    `${counted.all} corpus contexts and ${counted.wellTyped} well-typed ones agree with flagd`,
  );
  for (const reason of ['TARGETING_MATCH', 'SPLIT', 'DEFAULT', 'STATIC', 'DISABLED']) {
    t.ok((reasons.get(reason) ?? 0) > 0, `the comparison reaches ${reason}`);
  }
});

t.test("flagd's array form of flags, and an existing flag changed", async (t) => {
  const { app } = await buildTestApp(t);
  await createFlag(app, {
    environment: 'development',
    key: 'greeting',
    type: 'string',
    enabled: true,
    description: 'kept: the document has none',
    variants: { formal: 'Good day', casual: 'Hi', off: '' },
    defaultVariant: 'formal',
    offVariant: 'off',
  });
  await createSegment(app, {
    environment: 'development',
    key: 'adults',
    description: 'kept too',
    conditions: [{ attribute: 'age', operator: 'gte', value: 21 }],
  });
  await createSegment(app, {
    environment: 'development',
    key: 'same',
    conditions: [{ attribute: 'plan', operator: 'equals', value: 'x' }],
  });
  const document = {
    $evaluators: {
      adults: { and: [{ '>=': [{ var: 'age' }, 18] }] },
      same: { '===': [{ var: 'plan' }, 'x'] },
    },
    flags: [
      {
        key: 'greeting',
        state: 'ENABLED',
        variants: { formal: 'Good day', casual: 'Hi', off: '' },
        defaultVariant: 'casual',
      },
      { key: 'brand-new', state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    ],
  };
  const dry = (await importDocument(app, 'development', document, true)).json();
  t.same(dry.creates, [{ kind: 'flag', key: 'brand-new' }]);
  t.same(dry.unchanged, [{ kind: 'segment', key: 'same' }]);
  t.match(dry.changes, [
    {
      kind: 'segment',
      key: 'adults',
      before: { description: 'kept too', conditions: [{ value: 21 }] },
      after: { description: 'kept too', conditions: [{ attribute: 'age', operator: 'gte', value: 18 }] },
    },
    {
      kind: 'flag',
      key: 'greeting',
      before: { defaultVariant: 'formal', offVariant: 'off', description: 'kept: the document has none' },
      after: { defaultVariant: 'casual', offVariant: 'off', description: 'kept: the document has none' },
    },
  ]);
  const applied = await importDocument(app, 'development', document);
  t.equal(applied.statusCode, 200, applied.body);
  const greeting = (
    await app.inject({ url: '/api/admin/flags/greeting?environment=development', headers: admin })
  ).json();
  t.match(greeting, {
    version: 2,
    defaultVariant: 'casual',
    offVariant: 'off',
    description: 'kept: the document has none',
  });
  const history = (
    await app.inject({ url: '/api/admin/flags/greeting/history?environment=development', headers: admin })
  ).json().events;
  t.match(history[0], {
    action: 'flag.updated',
    actor: String,
    revision: applied.json().revision,
    before: { version: 1 },
    after: { version: 2 },
  });
});

const BOOLEAN = { on: true, off: false };
/** A flag whose targeting is `targeting`. */
const flagWith = (targeting: unknown, variants: Record<string, unknown> = BOOLEAN) => ({
  state: 'ENABLED',
  variants,
  defaultVariant: Object.keys(variants)[0],
  targeting,
});
const when = (condition: unknown) => flagWith({ if: [condition, 'on', 'off'] });
const age = { var: 'age' };

/** Documents holding one construct Flagstone cannot hold each: [what, document, construct, path]. */
const REFUSED: [string, object, string | RegExp, string][] = [
  [
    'arithmetic',
    { flags: { f: when({ '>': [{ '+': [age, 1] }, 18] }) } },
    '+',
    '$.flags.f.targeting.if[0][">"][0]["+"]',
  ],
  [
    '$flagd.timestamp',
    { flags: { f: when({ '>': [{ var: '$flagd.timestamp' }, 1] }) } },
    'var $flagd.timestamp',
    '$.flags.f.targeting.if[0][">"][0].var',
  ],
  [
    '$flagd.flagKey',
    { flags: { f: when({ '===': [{ var: '$flagd.flagKey' }, 'f'] }) } },
    'var $flagd.flagKey',
    '$.flags.f.targeting.if[0]["==="][0].var',
  ],
  [
    'a variant from the context',
    { flags: { f: flagWith({ if: [true, { var: 'plan' }, null] }) } },
    'computed variant',
    '$.flags.f.targeting.if[1]',
  ],
  ['a variant by cat', { flags: { f: flagWith({ cat: ['o', 'n'] }) } }, 'cat', '$.flags.f.targeting.cat'],
  [
    'two attributes',
    { flags: { f: when({ '===': [{ var: 'a' }, { var: 'b' }] }) } },
    '=== of two attributes',
    '$.flags.f.targeting.if[0]["==="]',
  ],
  [
    'some',
    { flags: { f: when({ some: [{ var: 'tags' }, { '===': [{ var: '' }, 'x'] }] }) } },
    'some',
    '$.flags.f.targeting.if[0].some',
  ],
  [
    'map',
    { flags: { f: when({ in: ['x', { map: [{ var: 'tags' }, { var: '' }] }] }) } },
    'map',
    '$.flags.f.targeting.if[0].in[1].map',
  ],
  [
    'a nested if',
    { flags: { f: flagWith({ if: [true, { if: [{ '===': [age, 1] }, 'on', 'off'] }, null] }) } },
    'nested if',
    '$.flags.f.targeting.if[1]',
  ],
  [
    'an or inside and',
    {
      flags: {
        f: when({
          and: [{ or: [{ '===': [age, 1] }, { '===': [age, 2] }] }, { '===': [{ var: 'p' }, 'x'] }],
        }),
      },
    },
    'or',
    '$.flags.f.targeting.if[0].and[0].or',
  ],
  [
    'an or too wide',
    { flags: { f: when({ or: Array.from({ length: 21 }, (_, i) => ({ '===': [age, i] })) }) } },
    'or',
    '$.flags.f.targeting.if[0].or',
  ],
  [
    'a variant name',
    { flags: { f: flagWith(undefined, { 'has space': true, off: false }) } },
    'variant name',
    '$.flags.f.variants["has space"]',
  ],
  ['a flag key', { flags: { Bad_Key: flagWith(undefined) } }, 'flag key', '$.flags.Bad_Key'],
  [
    'an evaluator key',
    { $evaluators: { EU: { '===': [{ var: 'c' }, 'DE'] } }, flags: {} },
    'evaluator key',
    '$.$evaluators.EU',
  ],
  [
    'mixed variants',
    { flags: { f: flagWith(undefined, { a: 'x', b: 2 }) } },
    'variants of mixed types',
    '$.flags.f.variants',
  ],
  [
    'an unknown variant',
    { flags: { f: flagWith({ if: [true, 'maybe', null] }) } },
    'unknown variant',
    '$.flags.f.targeting.if[1]',
  ],
  ['an unknown $ref', { flags: { f: when({ $ref: 'nowhere' }) } }, '$ref', '$.flags.f.targeting.if[0].$ref'],
  [
    'an unknown operation',
    { flags: { f: when({ regex_match: [{ var: 'e' }, '.*'] }) } },
    'regex_match',
    '$.flags.f.targeting.if[0].regex_match',
  ],
  [
    'fractional by a var',
    { flags: { f: flagWith({ fractional: [{ var: 'companyId' }, ['on', 1], ['off', 1]] }) } },
    'fractional by var',
    '$.flags.f.targeting.fractional[0]',
  ],
  [
    'sem_ver ^',
    { flags: { f: when({ sem_ver: [{ var: 'v' }, '^', '1.0.0'] }) } },
    'sem_ver ^',
    '$.flags.f.targeting.if[0].sem_ver[1]',
  ],
  ['== with a number', { flags: { f: when({ '==': [age, 18] }) } }, '==', '$.flags.f.targeting.if[0]["=="]'],
  [
    'a var path',
    { flags: { f: when({ '===': [{ var: 'user.plan' }, 'x'] }) } },
    'var path',
    '$.flags.f.targeting.if[0]["==="][0].var',
  ],
];

t.test('what Flagstone cannot hold is refused by flag, construct and path; nothing is written', async (t) => {
  const { app } = await buildTestApp(t);
  await createFlag(app, { environment: 'development', key: 'bystander', enabled: true });
  const revision = await revisionOf(app, 'development');
  const flags = await adminFlags(app, 'development');
  const fine = { state: 'ENABLED', variants: BOOLEAN, defaultVariant: 'on' };
  for (const [what, document, construct, path] of REFUSED) {
    // A flag that could be imported travels with each, so a partial write would show.
    const withFine = {
      ...document,
      flags: { ...(document as { flags: object }).flags, 'would-be-fine': fine },
    };
    const res = await importDocument(app, 'development', withFine);
    t.equal(res.statusCode, 400, `${what}: 400`);
    const body = res.json();
    t.equal(body.code, 'FLAGD_IMPORT_REFUSED', what);
    t.match(body.refusals[0], { construct, path }, `${what}: names ${construct} at ${path}`);
    t.match(body.message, new RegExp(`'${body.refusals[0].flag}'`), `${what}: the message names the flag`);
    const dry = await importDocument(app, 'development', withFine, true);
    t.equal(dry.statusCode, 200, `${what}: a dry run lists it`);
    t.same(dry.json().refusals, body.refusals);
  }
  t.equal(await revisionOf(app, 'development'), revision, 'the revision did not move');
  t.same(await adminFlags(app, 'development'), flags, 'the flags are as they were');
});

t.test('every refusal is listed, not just the first', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await importDocument(app, 'development', {
    $evaluators: { broken: { '<': [{ '*': [age, 2] }, 10] } },
    flags: {
      one: when({ '>': [{ var: '$flagd.timestamp' }, 1] }),
      two: flagWith({ if: [{ '===': [{ var: 'a' }, { var: 'b' }] }, 'on', { var: 'x' }] }),
    },
  });
  t.equal(res.statusCode, 400);
  const { refusals, message } = res.json();
  t.same(
    refusals.map((r: { flag: string; construct: string }) => [r.flag, r.construct]),
    [
      ['broken', '*'],
      ['one', 'var $flagd.timestamp'],
      ['two', '=== of two attributes'],
      ['two', 'computed variant'],
    ],
  );
  t.match(message, /evaluator 'broken' holds \* .* and 3 more refusals/);
});

t.test('an archived flag keeps its key: refused, pointing at restore', async (t) => {
  const { app } = await buildTestApp(t);
  await createFlag(app, { environment: 'development', key: 'retired', enabled: true });
  const archived = await app.inject({
    method: 'DELETE',
    url: '/api/admin/flags/retired?environment=development',
    headers: admin,
  });
  t.equal(archived.statusCode, 204);
  const revision = await revisionOf(app, 'development');
  const document = {
    $evaluators: { someone: { '===': [{ var: 'plan' }, 'beta'] } },
    flags: { retired: flagWith(undefined), fresh: flagWith(undefined) },
  };
  const dry = (await importDocument(app, 'development', document, true)).json();
  t.match(dry.refusals, [
    {
      flag: 'retired',
      construct: 'archived flag',
      path: '$.flags.retired',
      message: /restore\?environment=development/,
    },
  ]);
  const res = await importDocument(app, 'development', document);
  t.equal(res.statusCode, 400);
  t.match(res.json(), { code: 'FLAGD_IMPORT_REFUSED', message: /'retired' holds archived flag/ });
  t.equal(
    await revisionOf(app, 'development'),
    revision,
    'nothing written: not the segment, not the other flag',
  );
  const segments = (
    await app.inject({ url: '/api/admin/segments?environment=development', headers: admin })
  ).json();
  t.same(segments.segments, []);
});

t.test('access and input: scopes, environments, the body', async (t) => {
  const { app } = await buildTestApp(t);
  const document = { flags: { f: flagWith(undefined) } };
  const read = await mintToken(app, { name: 'reader', scope: 'read' });
  t.equal(
    (await importDocument(app, 'development', document, true, bearer(read.token))).statusCode,
    403,
    'a read token',
  );
  const staging = await mintToken(app, { name: 'staging-admin', scope: 'admin', environment: 'staging' });
  const other = await importDocument(app, 'development', document, false, bearer(staging.token));
  t.equal(other.statusCode, 403, 'an admin token of another environment');
  t.match(other.json().message, /staging/);
  t.equal(
    (await importDocument(app, 'staging', document, true, bearer(staging.token))).statusCode,
    200,
    'its own',
  );
  t.equal(
    (await app.inject({ method: 'POST', url: importUrl('development'), payload: document })).statusCode,
    401,
  );
  const unknown = await importDocument(app, 'nowhere', document);
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'ENVIRONMENT_NOT_FOUND');

  for (const [what, body] of [
    ['no flags', { $evaluators: {} }],
    ['flags of the wrong shape', { flags: 5 }],
    ['an unknown top-level field', { flags: {}, extra: true }],
    ['an unknown flag field', { flags: { f: { ...flagWith(undefined), colour: 'red' } } }],
    ['a state flagd does not have', { flags: { f: { ...flagWith(undefined), state: 'ON' } } }],
  ] as const) {
    const res = await importDocument(app, 'development', body);
    t.equal(res.statusCode, 400, what);
    t.equal(res.json().code, 'VALIDATION_ERROR', what);
  }
  const broken = await app.inject({
    method: 'POST',
    url: importUrl('development'),
    headers: { ...admin, 'content-type': 'application/json' },
    payload: '{"flags": {',
  });
  t.equal(broken.statusCode, 400, 'malformed JSON');
  const huge = {
    flags: { f: flagWith(undefined, { on: true, off: false }) },
    metadata: { padding: 'x'.repeat(DOCUMENT_LIMIT_BYTES) },
  };
  const tooLarge = await importDocument(app, 'development', huge);
  t.equal(tooLarge.statusCode, 413, 'over the body limit');
  t.equal(tooLarge.json().code, 'BODY_TOO_LARGE');
  t.same(await adminFlags(app, 'development'), [], 'nothing was written by any of them');
});

t.test('a flag of many rules nests deeper than other admin bodies may, and still imports', async (t) => {
  const { app } = await buildTestApp(t);
  await createFlag(app, {
    environment: 'development',
    key: 'many-rules',
    type: 'number',
    enabled: true,
    variants: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`v${i}`, i])),
    defaultVariant: 'v0',
    rules: Array.from({ length: 60 }, (_, i) => ({
      conditions: [{ attribute: 'age', operator: 'lt', value: i }],
      variant: `v${i}`,
    })),
  });
  const document = await exported(app, 'development');
  const res = await importDocument(app, 'staging', document);
  t.equal(res.statusCode, 200, res.body);
  t.same((await exported(app, 'staging')).flags, document.flags);
});

t.test('GET /api/admin/flagd/sync: what a provider needs to sync an environment', async (t) => {
  const { app } = await buildTestApp(t, { env: { SYNC_OPEN_ENVIRONMENTS: 'staging,development' } });
  const res = await app.inject({ url: '/api/admin/flagd/sync?environment=staging', headers: admin });
  t.equal(res.statusCode, 200);
  t.same(res.json(), {
    port: null,
    openEnvironments: ['staging', 'development'],
    selector: 'flagSetId=staging',
  });
  const { app: syncing } = await buildTestApp(t, { env: { SYNC_PORT: '0' } });
  const port = (await syncing.inject({ url: '/api/admin/flagd/sync', headers: admin })).json().port;
  t.ok(port > 0, `the port the sync service listens on, the one given for SYNC_PORT=0: ${port}`);
  t.equal(port, syncing.sync.port);
  const read = await mintToken(app, { name: 'viewer', scope: 'read', environment: 'staging' });
  t.equal(
    (await app.inject({ url: '/api/admin/flagd/sync?environment=staging', headers: bearer(read.token) }))
      .statusCode,
    200,
    'a read token may read it',
  );
  t.equal(
    (await app.inject({ url: '/api/admin/flagd/sync?environment=production', headers: bearer(read.token) }))
      .statusCode,
    403,
  );
  t.equal(
    (await app.inject({ url: '/api/admin/flagd/sync?environment=nowhere', headers: admin })).statusCode,
    404,
  );
});

const redisUrl = await findRedis();
t.test(
  'one import is one message: a second instance sees every imported flag',
  { skip: redisUrl ? false : NO_REDIS },
  async (t) => {
    const { a, b } = await twoInstances(t, redisUrl!);
    await seedCorpus(a, 'development');
    const document = await exported(a, 'development');
    const before = await revisionOf(b, 'staging'); // b holds staging from here on
    const applied = await importDocument(a, 'staging', document);
    t.equal(applied.statusCode, 200, applied.body);
    t.equal(applied.json().revision, before + 1);
    await within(5000, async () => (await revisionOf(b, 'staging')) === before + 1);
    const seen = ((await adminFlags(b, 'staging')) as { key: string }[]).map((f) => f.key).sort();
    t.same(seen, CORPUS_FLAGS.map((f) => f.key).sort(), 'b lists them');
    const context = { targetingKey: 'user-1', plan: 'beta', country: 'DE', age: 30 };
    const [onA, onB] = await Promise.all([bulk(a, 'staging', context), bulk(b, 'staging', context)]);
    t.same(
      [...onB].map(([k, e]) => [k, answer(e)]),
      [...onA].map(([k, e]) => [k, answer(e)]),
      'and answers as a does',
    );
  },
);
