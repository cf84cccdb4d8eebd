// The upgrade that added offVariant changes no answer: a database at the migration before it,
// holding flags of every shape the previous release could store, is upgraded, and every flag,
// on and off, evaluates exactly as the previous release evaluated it. The previous release served
// `default_value` when a flag was off or no rule matched, under its default variant's name, or
// under the name "default" when it had none.
import pg from 'pg';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { applyMigrations, readMigrations } from '../../src/db/migrations.ts';
import { ADMIN_TOKEN, admin } from '../helpers/app.ts';
import { createEmptyDatabase } from '../helpers/database.ts';

const UPGRADE = 'off_variant';
t.test('an upgraded database serves every flag as before, on and off', async (t) => {
  const database = await createEmptyDatabase();
  if (!database) {
    if (process.env.CI) t.fail('needs PostgreSQL (none at DATABASE_URL, 127.0.0.1:5432 or Docker)');
    else t.skip('needs PostgreSQL (none at DATABASE_URL, 127.0.0.1:5432 or Docker)', () => {});
    return;
  }
  t.teardown(() => database.drop());
  await upgradeTest(t, database.url);
});

interface Old {
  key: string;
  type: 'boolean' | 'string' | 'number' | 'json';
  defaultValue: unknown;
  defaultVariant: string | null;
  variants: Record<string, unknown>;
  rules?: unknown[];
  archived?: boolean;
}

/** What the previous release answered, by context: [context, value, variant, reason when on]. */
type Answer = [context: object, value: unknown, variant: string, reasonWhenOn: string];

const GOLD = [{ conditions: [{ attribute: 'plan', operator: 'equals', value: 'gold' }], variant: 'gold' }];
const gold = { targetingKey: 'u1', plan: 'gold' };
const free = { targetingKey: 'u1', plan: 'free' };

const shapes: [Old, Answer[]][] = [
  [
    { key: 'bool-plain', type: 'boolean', defaultValue: false, defaultVariant: null, variants: {} },
    [[{}, false, 'default', 'STATIC']],
  ],
  [
    { key: 'number-plain', type: 'number', defaultValue: 10, defaultVariant: null, variants: {} },
    [[{}, 10, 'default', 'STATIC']],
  ],
  [
    { key: 'string-plain', type: 'string', defaultValue: 'x', defaultVariant: null, variants: {} },
    [[{}, 'x', 'default', 'STATIC']],
  ],
  [
    { key: 'json-plain', type: 'json', defaultValue: { a: [1] }, defaultVariant: null, variants: {} },
    [[{}, { a: [1] }, 'default', 'STATIC']],
  ],
  [
    {
      key: 'unnamed-default-with-rules',
      type: 'string',
      defaultValue: 'basic',
      defaultVariant: null,
      variants: { gold: 'shiny' },
      rules: GOLD,
    },
    [
      [free, 'basic', 'default', 'DEFAULT'],
      [gold, 'shiny', 'gold', 'TARGETING_MATCH'],
    ],
  ],
  [
    {
      key: 'value-equal-to-a-variant',
      type: 'boolean',
      defaultValue: false,
      defaultVariant: null,
      variants: { on: true, off: false },
      rules: [{ conditions: GOLD[0]!.conditions, variant: 'on' }],
    },
    [
      [free, false, 'default', 'DEFAULT'],
      [gold, true, 'on', 'TARGETING_MATCH'],
    ],
  ],
  [
    {
      key: 'default-name-same-value',
      type: 'number',
      defaultValue: 1,
      defaultVariant: null,
      variants: { default: 1, two: 2 },
    },
    [[{}, 1, 'default', 'STATIC']],
  ],
  [
    {
      key: 'default-name-taken',
      type: 'string',
      defaultValue: 'mine',
      defaultVariant: null,
      variants: { default: 'theirs' },
      rules: [{ conditions: GOLD[0]!.conditions, variant: 'default' }],
    },
    // The name "default" belonged to another value: the default value keeps its value under a new name.
    [
      [free, 'mine', 'default-value', 'DEFAULT'],
      [gold, 'theirs', 'default', 'TARGETING_MATCH'],
    ],
  ],
  [
    {
      key: 'both-names-taken',
      type: 'string',
      defaultValue: 'mine',
      defaultVariant: null,
      variants: { default: 'a', 'default-value': 'b' },
    },
    [[{}, 'mine', 'default-*', 'STATIC']],
  ],
  [
    {
      key: 'named-default',
      type: 'string',
      defaultValue: 'blue',
      defaultVariant: 'control',
      variants: { control: 'blue', treatment: 'green' },
      rules: [{ conditions: GOLD[0]!.conditions, variant: 'treatment' }],
    },
    [
      [free, 'blue', 'control', 'DEFAULT'],
      [gold, 'green', 'treatment', 'TARGETING_MATCH'],
    ],
  ],
];

async function upgradeTest(t: Test, url: string) {
  const migrations = await readMigrations();
  const at = migrations.findIndex((m) => m.name.endsWith(UPGRADE));
  t.ok(at > 0, 'the upgrade is among the migrations');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const runner = {
    exec: (sql: string) => client.query(sql),
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
  };
  await applyMigrations(runner, migrations.slice(0, at));

  // Each shape twice, on and off, stored as the previous release stored it; and one archived.
  for (const [old] of shapes) {
    for (const enabled of [true, false]) {
      await client.query(
        `INSERT INTO flags (id, environment_key, key, enabled, type, default_value, default_variant, variants, rules, updated_at)
         VALUES (gen_random_uuid(), 'production', $1, $2, $3, $4, $5, $6, $7, now())`,
        [
          `${old.key}-${enabled ? 'on' : 'off'}`,
          enabled,
          old.type,
          JSON.stringify(old.defaultValue),
          old.defaultVariant,
          JSON.stringify(old.variants),
          JSON.stringify(old.rules ?? []),
        ],
      );
    }
  }
  await client.query(
    `INSERT INTO flags (id, environment_key, key, enabled, type, default_value, variants, archived_at, version, updated_at)
     VALUES (gen_random_uuid(), 'production', 'archived', true, 'number', '3', '{}', now(), 2, now())`,
  );

  t.same(await applyMigrations(runner), [
    migrations[at]!.name,
    ...migrations.slice(at + 1).map((m) => m.name),
  ]);
  await client.end();

  const app = await buildApp(
    loadConfig({ LOG_LEVEL: 'silent', ADMIN_TOKEN, MAX_EVENT_LOOP_DELAY_MS: '0', DATABASE_URL: url }),
  );
  t.teardown(() => app.close());

  const evaluate = async (key: string, context: object) => {
    const res = await app.inject({
      method: 'POST',
      url: `/ofrep/v1/evaluate/flags/${key}?environment=production`,
      headers: admin,
      payload: { context },
    });
    return res.json();
  };

  for (const [old, answers] of shapes) {
    t.test(old.key, async (t) => {
      for (const [context, value, variant, reasonWhenOn] of answers) {
        const on = await evaluate(`${old.key}-on`, context);
        const off = await evaluate(`${old.key}-off`, context);
        const served = { key: String, value, variant: matchVariant(variant), metadata: {} };
        t.match(on, { ...served, reason: reasonWhenOn }, `on, ${JSON.stringify(context)}`);
        t.same(on.value, value, 'the same value when on');
        const [, offValue, offVariant] = answers[0]!;
        t.match(off, { value: offValue, variant: matchVariant(offVariant), reason: 'DISABLED' }, 'off');
        t.same(off.value, offValue, 'the same value when off');
      }
      const read = await app.inject({
        url: `/api/admin/flags/${old.key}-on?environment=production`,
        headers: admin,
      });
      t.same(read.json().defaultValue, old.defaultValue, 'defaultValue reads as before');
      t.equal(read.json().offVariant, read.json().defaultVariant, 'off serves what the default was');
      t.equal(read.json().version, 1, 'the upgrade is not a change: versions stay');
    });
  }

  t.test('an archived flag stays archived, and is upgraded too', async (t) => {
    const res = await app.inject({ url: '/api/admin/flags/archived?environment=production', headers: admin });
    t.match(res.json(), {
      archivedAt: String,
      defaultVariant: 'default',
      variants: { default: 3 },
      version: 2,
    });
  });
}

/** The variant a name stands for; "default-*" is the generated name when both usual ones are taken. */
const matchVariant = (name: string) => (name === 'default-*' ? /^default-[0-9a-f]{32}$/ : name);
