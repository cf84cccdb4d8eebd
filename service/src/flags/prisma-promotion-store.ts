// What promotion reads from PostgreSQL: one flag in every environment, in one query, and the state
// of the flags and segments a promotion writes (the flag store's own batch read).
import type { Db } from '../db/database.ts';
import type { Flag as FlagRow } from '../generated/prisma/client.ts';
import { createPrismaFlagStore } from './prisma-flag-store.ts';
import { toFlag } from './prisma-rows.ts';
import type { PromotionStore } from './promotion.ts';

/** An environment, and the columns of its flag with the key asked for (all null when it has none). */
type Joined = { env: string; revision: number; protected: boolean; envCreatedAt: Date } & {
  [K in keyof FlagRow]: FlagRow[K] | null;
};

export function createPrismaPromotionStore(db: Db): PromotionStore {
  const { readBatch } = createPrismaFlagStore(db);
  return {
    readBatch,
    async flagAcrossEnvironments(key) {
      const rows = await db.$queryRaw<Joined[]>`
        SELECT e.key AS env, e.revision, e.protected, e.created_at AS "envCreatedAt",
          f.id, f.environment_key AS "environmentKey", f.key, f.enabled, f.description,
          f.type::text AS type, f.default_value AS "defaultValue", f.default_variant AS "defaultVariant",
          f.off_variant AS "offVariant", f.variants, f.rules, f.version, f.created_at AS "createdAt",
          f.updated_at AS "updatedAt", f.archived_at AS "archivedAt"
        FROM environments e LEFT JOIN flags f ON f.environment_key = e.key AND f.key = ${key}
        ORDER BY e.key`;
      return rows.map((row) => ({
        environment: {
          key: row.env,
          revision: row.revision,
          protected: row.protected,
          createdAt: row.envCreatedAt.toISOString(),
        },
        flag: row.key === null ? null : toFlag(row as FlagRow),
      }));
    },
  };
}
