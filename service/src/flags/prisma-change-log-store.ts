// The change log on PostgreSQL through Prisma: environment revisions, what changed after one (from
// the audit events that carry revisions), and the audit events themselves (db/audit.ts). Writes
// append to it through prisma-change-write.ts.
import { listAudit } from '../db/audit.ts';
import type { Db } from '../db/database.ts';
import type { ChangeLogStore } from './change-log-store.ts';
import { SNAPSHOT_READ, toFlag, toSegment } from './prisma-rows.ts';

export function createPrismaChangeLogStore(db: Db): ChangeLogStore {
  return {
    async environmentRevisions() {
      return db.environment.findMany({ select: { key: true, revision: true } });
    },

    async changesSince(environment, revision) {
      return db.$transaction(async (tx) => {
        const env = await tx.environment.findUnique({ where: { key: environment } });
        if (!env) return null;
        if (env.revision <= revision) return { revision: env.revision, flags: [], segments: [] };
        const changed = await tx.auditEvent.findMany({
          where: { environmentKey: environment, revision: { gt: revision } },
          select: { flagKey: true, segmentKey: true },
          distinct: ['flagKey', 'segmentKey'],
        });
        const flagKeys = changed.flatMap((c) => (c.flagKey ? [c.flagKey] : []));
        const segmentKeys = changed.flatMap((c) => (c.segmentKey ? [c.segmentKey] : []));
        const flags = new Map(
          (await tx.flag.findMany({ where: { environmentKey: environment, key: { in: flagKeys } } })).map(
            (row) => [row.key, row.archivedAt ? null : toFlag(row)],
          ),
        );
        const segments = new Map(
          (
            await tx.segment.findMany({ where: { environmentKey: environment, key: { in: segmentKeys } } })
          ).map((row) => [row.key, toSegment(row)]),
        );
        return {
          revision: env.revision,
          flags: flagKeys.map((key) => [key, flags.get(key) ?? null] as const),
          segments: segmentKeys.map((key) => [key, segments.get(key) ?? null] as const),
        };
      }, SNAPSHOT_READ);
    },

    listAudit: (query) => listAudit(db, query),
  };
}
