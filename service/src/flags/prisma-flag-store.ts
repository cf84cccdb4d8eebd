// The flag store on PostgreSQL through Prisma.
import { listAudit, recordAudit } from '../db/audit.ts';
import type { Db } from '../db/database.ts';
import { errors } from '../errors.ts';
import { type Flag as FlagRow, Prisma } from '../generated/prisma/client.ts';
import type { Environment, Flag, FlagContent } from './flag-schemas.ts';
import type { FlagStore } from './flag-store.ts';

type Tx = Prisma.TransactionClient;

const isUniqueViolation = (err: unknown) =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

export const toFlag = (row: FlagRow): Flag => ({
  key: row.key,
  environment: row.environmentKey,
  enabled: row.enabled,
  description: row.description,
  type: row.type,
  defaultValue: row.defaultValue,
  variants: row.variants as Flag['variants'],
  rules: row.rules as Flag['rules'],
  version: row.version,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const toEnvironment = (row: { key: string; revision: number; createdAt: Date }): Environment => ({
  key: row.key,
  revision: row.revision,
  createdAt: row.createdAt.toISOString(),
});

const data = (content: FlagContent) => ({
  ...content,
  defaultValue: content.defaultValue as Prisma.InputJsonValue,
  variants: content.variants as Prisma.InputJsonValue,
  rules: content.rules as Prisma.InputJsonValue,
});

export function createPrismaFlagStore(db: Db): FlagStore {
  /**
   * Runs `work` in a transaction that first bumps the environment's revision. That update
   * locks the environment row, so writes to one environment are serialized and `work` reads
   * the latest committed flag.
   */
  const write = <T>(environment: string, work: (tx: Tx, revision: number) => Promise<T>) =>
    db.$transaction(async (tx) => {
      const [env] = await tx.$queryRaw<{ revision: number }[]>`
        UPDATE environments SET revision = revision + 1 WHERE key = ${environment} RETURNING revision`;
      if (!env) throw errors.environmentNotFound(environment);
      return work(tx, env.revision);
    });

  const findRow = (tx: Tx, environment: string, key: string) =>
    tx.flag.findUnique({ where: { environmentKey_key: { environmentKey: environment, key } } });

  const findLive = async (tx: Tx, environment: string, key: string) => {
    const row = await findRow(tx, environment, key);
    if (!row || row.archivedAt) throw errors.flagNotFound(environment, key);
    return row;
  };

  return {
    async findFlag(environment, key) {
      const row = await findRow(db, environment, key);
      if (row)
        return row.archivedAt
          ? { version: row.version, flag: null, missing: 'flag' }
          : { version: row.version, flag: toFlag(row) };
      const env = await db.environment.findUnique({ where: { key: environment }, select: { key: true } });
      return { version: 0, flag: null, missing: env ? 'flag' : 'environment' };
    },

    async listFlags(environment) {
      // Revision and flags must come from one snapshot, or the ETag could name a list it does not describe.
      const [env, rows] = await db.$transaction(
        [
          db.environment.findUnique({ where: { key: environment } }),
          db.flag.findMany({
            where: { environmentKey: environment, archivedAt: null },
            orderBy: { key: 'asc' },
          }),
        ],
        { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead },
      );
      return env ? { environment, revision: env.revision, flags: rows.map(toFlag) } : null;
    },

    createFlag: (environment, key, content, actor) =>
      write(environment, async (tx, revision) => {
        const existing = await findRow(tx, environment, key);
        if (existing && !existing.archivedAt) throw errors.flagExists(environment, key);
        // An archived key is revived at its next version, so caches holding the archived state yield to it.
        const row = existing
          ? await tx.flag.update({
              where: { id: existing.id },
              data: {
                ...data(content),
                version: existing.version + 1,
                archivedAt: null,
                createdAt: new Date(),
              },
            })
          : await tx.flag.create({ data: { ...data(content), environmentKey: environment, key } });
        const flag = toFlag(row);
        await recordAudit(tx, {
          actor,
          action: 'flag.created',
          environment,
          flagKey: key,
          after: flag,
          version: flag.version,
        });
        return { flag, revision };
      }),

    updateFlag: (environment, key, change, actor) =>
      write(environment, async (tx, revision) => {
        const before = toFlag(await findLive(tx, environment, key));
        const row = await tx.flag.update({
          where: { environmentKey_key: { environmentKey: environment, key } },
          data: { ...data(change(before)), version: { increment: 1 } },
        });
        const flag = toFlag(row);
        await recordAudit(tx, {
          actor,
          action: 'flag.updated',
          environment,
          flagKey: key,
          before,
          after: flag,
          version: flag.version,
        });
        return { flag, revision };
      }),

    archiveFlag: (environment, key, actor) =>
      write(environment, async (tx, revision) => {
        const before = toFlag(await findLive(tx, environment, key));
        const row = await tx.flag.update({
          where: { environmentKey_key: { environmentKey: environment, key } },
          data: { archivedAt: new Date(), version: { increment: 1 } },
        });
        await recordAudit(tx, {
          actor,
          action: 'flag.archived',
          environment,
          flagKey: key,
          before,
          version: row.version,
        });
        return { version: row.version, revision };
      }),

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

    listAudit: (query) => listAudit(db, query),
  };
}
