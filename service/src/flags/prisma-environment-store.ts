// The environment store on PostgreSQL through Prisma: environments, and the whole of one read
// from one snapshot of the database (its revision, live flags and segments agree).
import { recordAudit } from '../db/audit.ts';
import type { Db } from '../db/database.ts';
import { errors } from '../errors.ts';
import type { EnvironmentStore } from './environment-store.ts';
import type { Flag } from './flag-schemas.ts';
import { isUniqueViolation, SNAPSHOT_READ, toEnvironment, toFlag, toSegment } from './prisma-rows.ts';

const LOAD_PAGE = 1000;

export function createPrismaEnvironmentStore(db: Db): EnvironmentStore {
  return {
    async listEnvironments() {
      return (await db.environment.findMany({ orderBy: { key: 'asc' } })).map(toEnvironment);
    },

    createEnvironment: (key, actor) =>
      db.$transaction(async (tx) => {
        const row = await tx.environment.create({ data: { key } }).catch((err: unknown) => {
          throw isUniqueViolation(err) ? errors.environmentExists(key) : err;
        });
        const env = toEnvironment(row);
        await recordAudit(tx, { actor, action: 'environment.created', environment: key, after: env });
        return env;
      }),

    async loadEnvironment(environment) {
      // Revision, flags and segments from one snapshot of the database, or the revision could name a state they are not.
      return db.$transaction(async (tx) => {
        const env = await tx.environment.findUnique({ where: { key: environment } });
        if (!env) return null;
        // In pages, so a large environment never holds all its rows and their copies at once.
        const flags: (readonly [string, Flag])[] = [];
        for (let after: string | undefined; ; ) {
          const page = await tx.flag.findMany({
            where: {
              environmentKey: environment,
              archivedAt: null,
              ...(after ? { key: { gt: after } } : {}),
            },
            orderBy: { key: 'asc' },
            take: LOAD_PAGE,
          });
          for (const row of page) flags.push([row.key, toFlag(row)]);
          if (page.length < LOAD_PAGE) break;
          after = page.at(-1)!.key;
        }
        const segments = await tx.segment.findMany({ where: { environmentKey: environment } });
        return {
          revision: env.revision,
          flags,
          segments: segments.map((row) => [row.key, toSegment(row)] as const),
        };
      }, SNAPSHOT_READ);
    },
  };
}
