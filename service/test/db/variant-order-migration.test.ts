// The upgrade that keeps variants in the order given (json instead of jsonb) keeps every flag and
// audit event as it was: a database at the migration before it, holding flags and their history,
// is upgraded; each flag reads back with the same content, the history too, and from then on the
// order a change gives is the order every read answers.
import pg from 'pg';
import t from 'tap';
import { applyMigrations, readMigrations } from '../../src/db/migrations.ts';
import { admin, buildTestApp } from '../helpers/app.ts';
import { createEmptyDatabase } from '../helpers/database.ts';

const UPGRADE = 'variant_order';
const NEEDS = 'needs PostgreSQL (none at DATABASE_URL, 127.0.0.1:5432 or Docker)';

t.test(
  'an upgraded database keeps every flag and audit event, and the order of changes after it',
  async (t) => {
    const database = await createEmptyDatabase();
    if (!database) {
      if (process.env.CI) t.fail(NEEDS);
      else t.skip(NEEDS, () => {});
      return;
    }
    t.teardown(() => database.drop());
    const migrations = await readMigrations();
    const at = migrations.findIndex((m) => m.name.endsWith(UPGRADE));
    t.ok(at > 0, 'the upgrade is among the migrations');
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    t.teardown(() => client.end());
    const runner = {
      exec: (sql: string) => client.query(sql),
      query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    };
    await applyMigrations(runner, migrations.slice(0, at));

    const variants = { zebra: { n: 1, nested: { b: 2, a: 1 } }, apple: { n: 2 }, kiwi: { n: 3 } };
    await client.query(
      `INSERT INTO flags (id, environment_key, key, enabled, type, default_value, default_variant, variants, rules, updated_at)
     VALUES (gen_random_uuid(), 'production', 'fruit', true, 'json', $1, 'apple', $2, '[]', now())`,
      [JSON.stringify(variants.apple), JSON.stringify(variants)],
    );
    await client.query(
      `INSERT INTO audit_events (actor, action, environment_key, flag_key, after, version, revision)
     VALUES ('old-release', 'flag.created', 'production', 'fruit', $1, 1, 1)`,
      [JSON.stringify({ key: 'fruit', variants })],
    );
    const before = (await client.query(`SELECT variants::text AS v FROM flags WHERE key = 'fruit'`)).rows[0]
      .v as string;

    t.same(
      await applyMigrations(runner),
      migrations.slice(at).map((m) => m.name),
    );
    const types = await client.query(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
     WHERE (table_name, column_name) IN (('flags', 'variants'), ('audit_events', 'before'), ('audit_events', 'after'))
     ORDER BY table_name, column_name`,
    );
    t.same(
      types.rows.map((r) => r.data_type),
      ['json', 'json', 'json'],
    );
    const after = (await client.query(`SELECT variants::text AS v FROM flags WHERE key = 'fruit'`)).rows[0]
      .v as string;
    t.equal(after, before, 'the stored variants are the same text as before the upgrade');

    const { app } = await buildTestApp(t, { database });
    const read = await app.inject({ url: '/api/admin/flags/fruit?environment=production', headers: admin });
    t.same(read.json().variants, variants, 'the same content');
    t.match(read.json(), { version: 1, defaultVariant: 'apple', defaultValue: { n: 2 } });
    const history = await app.inject({
      url: '/api/admin/flags/fruit/history?environment=production',
      headers: admin,
    });
    t.same(history.json().events[0].after.variants, variants, 'the history too');

    const order = ['kiwi', 'zebra', 'apple'];
    const patched = await app.inject({
      method: 'PATCH',
      url: '/api/admin/flags/fruit?environment=production',
      headers: admin,
      payload: { variants: Object.fromEntries(order.map((name) => [name, variants[name as 'kiwi']])) },
    });
    t.equal(patched.statusCode, 200);
    const reread = await app.inject({ url: '/api/admin/flags/fruit?environment=production', headers: admin });
    t.same(Object.keys(reread.json().variants), order, 'a change after the upgrade keeps its order');
    t.same(
      Object.keys(reread.json().variants.zebra.nested),
      ['b', 'a'],
      'and so do the values of json flags',
    );
  },
);
