// Splits stored by earlier releases (weights in basis points summing to 10000) need no migration:
// on a database holding them, they read back as they were, stay valid to edit, and now bucket
// users as flagd's `fractional` does (checked against flagd's own evaluator).
import { FlagdCore } from '@openfeature/flagd-core';
import pg from 'pg';
import t from 'tap';
import { applyMigrations, readMigrations } from '../../src/db/migrations.ts';
import { admin, buildTestApp } from '../helpers/app.ts';
import { createEmptyDatabase } from '../helpers/database.ts';

const NEEDS = 'needs PostgreSQL (none at DATABASE_URL, 127.0.0.1:5432 or Docker)';

t.test('a split stored before flagd bucketing stays valid and buckets as flagd does', async (t) => {
  const database = await createEmptyDatabase();
  if (!database) {
    if (process.env.CI) t.fail(NEEDS);
    else t.skip(NEEDS, () => {});
    return;
  }
  t.teardown(() => database.drop());
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  t.teardown(() => client.end());
  await applyMigrations(
    {
      exec: (sql: string) => client.query(sql),
      query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    },
    await readMigrations(),
  );
  const variants = { control: 'blue', treatment: 'green' };
  const rules = [
    {
      description: '30 % see green',
      split: [
        { variant: 'control', weight: 7000 },
        { variant: 'treatment', weight: 3000 },
      ],
    },
  ];
  await client.query(
    `INSERT INTO flags (id, environment_key, key, enabled, type, default_value, default_variant, off_variant, variants, rules, updated_at)
     VALUES (gen_random_uuid(), 'production', 'checkout', true, 'string', '"blue"', 'control', 'control', $1, $2, now())`,
    [JSON.stringify(variants), JSON.stringify(rules)],
  );

  const { app } = await buildTestApp(t, { database });
  const url = '/api/admin/flags/checkout?environment=production';
  t.same((await app.inject({ url, headers: admin })).json().rules, rules, 'read back as stored');

  const core = new FlagdCore();
  core.setConfigurations(
    JSON.stringify({
      flags: {
        checkout: {
          state: 'ENABLED',
          variants,
          defaultVariant: 'control',
          targeting: {
            fractional: [
              ['control', 7000],
              ['treatment', 3000],
            ],
          },
        },
      },
    }),
  );
  const evaluate = async (context: Record<string, string>) =>
    (
      await app.inject({
        method: 'POST',
        url: '/ofrep/v1/evaluate/flags/checkout?environment=production',
        headers: admin,
        payload: { context },
      })
    ).json() as { variant: string; reason: string };
  let same = 0;
  for (let i = 0; i < 200; i++) {
    const context = { targetingKey: `user-${i}` };
    const ours = await evaluate(context);
    if (
      ours.reason === 'SPLIT' &&
      ours.variant === core.resolveStringEvaluation('checkout', 'x', context).variant
    )
      same++;
  }
  t.equal(same, 200, 'every user gets the variant flagd gives');

  const edited = await app.inject({
    method: 'PATCH',
    url,
    headers: admin,
    payload: { rules: [{ ...rules[0], bucketBy: 'companyId', seed: 'pricing' }] },
  });
  t.equal(edited.statusCode, 200, 'the stored split is valid to edit, with a bucketing attribute and seed');
  t.match(
    await evaluate({ targetingKey: 'user-1' }),
    { variant: 'control', reason: 'DEFAULT' },
    'no companyId',
  );
  t.match(await evaluate({ companyId: 'acme' }), { reason: 'SPLIT' });
});
