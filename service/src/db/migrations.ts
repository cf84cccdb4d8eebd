// Applies the checked-in Prisma migrations without Prisma's CLI, recording each one in
// `_prisma_migrations` exactly as `prisma migrate deploy` does, so both tools agree on what
// has run. Used for the embedded database and for test databases.
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/migrations/', import.meta.url));

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** The minimum a SQL connection must offer: run a script, and run one parameterized query. */
export interface SqlRunner {
  exec(sql: string): Promise<unknown>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

// The table Prisma Migrate keeps its history in (same definition as Prisma's own).
const HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

const APPLIED = `SELECT migration_name FROM "_prisma_migrations"
  WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;

/** Names of local migrations the database has not applied (throws if it has no history table). */
export async function pendingMigrations(sql: SqlRunner, migrations?: Migration[]): Promise<string[]> {
  const applied = new Set(
    (await sql.query<{ migration_name: string }>(APPLIED)).map((r) => r.migration_name),
  );
  return (migrations ?? (await readMigrations())).filter((m) => !applied.has(m.name)).map((m) => m.name);
}

/**
 * Applies every pending migration (of `migrations`, by default all checked in), each in its own
 * transaction. Returns the names applied.
 */
export async function applyMigrations(sql: SqlRunner, migrations?: Migration[]): Promise<string[]> {
  await sql.exec(HISTORY_TABLE);
  migrations ??= await readMigrations();
  const pending = new Set(await pendingMigrations(sql, migrations));
  const applied: string[] = [];
  for (const m of migrations.filter((m) => pending.has(m.name))) {
    await sql.exec('BEGIN');
    try {
      await sql.exec(m.sql);
      await sql.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), now(), 1)`,
        [randomUUID(), m.checksum, m.name],
      );
      await sql.exec('COMMIT');
    } catch (err) {
      await sql.exec('ROLLBACK');
      throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
    }
    applied.push(m.name);
  }
  return applied;
}
