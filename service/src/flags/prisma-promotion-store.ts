// What promotion reads from PostgreSQL: one flag in every environment at once, and the state of
// the flags and segments a promotion writes (the flag store's own batch read).
import type { Db } from '../db/database.ts';
import { createPrismaFlagStore, toFlag } from './prisma-flag-store.ts';
import type { PromotionStore } from './promotion.ts';

export function createPrismaPromotionStore(db: Db): PromotionStore {
  const { readBatch } = createPrismaFlagStore(db);
  return {
    readBatch,
    async flagAcrossEnvironments(key) {
      // Every environment with its row for this key, if any: one round of queries however many environments.
      const rows = await db.environment.findMany({
        orderBy: { key: 'asc' },
        include: { flags: { where: { key } } },
      });
      return rows.map(({ flags, ...env }) => ({
        environment: {
          key: env.key,
          revision: env.revision,
          protected: env.protected,
          createdAt: env.createdAt.toISOString(),
        },
        flag: flags[0] ? toFlag(flags[0]) : null,
      }));
    },
  };
}
