// The flag store on PostgreSQL through Prisma.
import { listAudit, recordAudit } from '../db/audit.ts';
import type { Db } from '../db/database.ts';
import { errors } from '../errors.ts';
import { type Flag as FlagRow, Prisma, type Segment as SegmentRow } from '../generated/prisma/client.ts';
import { defaultValueOf } from './flag-content.ts';
import type { Environment, Flag, FlagContent } from './flag-schemas.ts';
import { type FlagStore, type FlagWrite, type SegmentConditions, segmentsUsedBy } from './flag-store.ts';
import type { Condition, Segment } from './rule-schemas.ts';

type Tx = Prisma.TransactionClient;

const isUniqueViolation = (err: unknown) =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

export const toFlag = (row: FlagRow): Flag => {
  const variants = row.variants as Flag['variants'];
  return {
    key: row.key,
    environment: row.environmentKey,
    enabled: row.enabled,
    description: row.description,
    type: row.type,
    defaultValue: defaultValueOf({ defaultVariant: row.defaultVariant, variants }),
    defaultVariant: row.defaultVariant,
    offVariant: row.offVariant,
    variants,
    rules: row.rules as Flag['rules'],
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    archivedAt: row.archivedAt?.toISOString() ?? null,
  };
};

/** Thrown inside an update's transaction to roll it back when it would change nothing. */
class NothingToChange extends Error {
  readonly flag: Flag;
  constructor(flag: Flag) {
    super('nothing to change');
    this.flag = flag;
  }
}

/** Text for Prisma's `contains`, which is a LIKE: `%`, `_` and `\` escaped to stand for themselves. */
const literally = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const toSegment = (row: SegmentRow): Segment => ({
  key: row.key,
  environment: row.environmentKey,
  description: row.description,
  conditions: row.conditions as Condition[],
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
  defaultValue: (defaultValueOf(content) ?? Prisma.DbNull) as Prisma.InputJsonValue,
  variants: content.variants as Prisma.InputJsonValue,
  rules: content.rules as Prisma.InputJsonValue,
});

const conditionsOf = (rows: Pick<SegmentRow, 'key' | 'conditions'>[]): SegmentConditions =>
  Object.fromEntries(rows.map((r) => [r.key, r.conditions as Condition[]]));

/** The conditions of the segments `flag`'s rules use. */
async function segmentsOf(tx: Tx, flag: Flag): Promise<SegmentConditions> {
  const keys = segmentsUsedBy(flag.rules);
  if (keys.length === 0) return {};
  const rows = await tx.segment.findMany({
    where: { environmentKey: flag.environment, key: { in: keys } },
    select: { key: true, conditions: true },
  });
  return conditionsOf(rows);
}

export function createPrismaFlagStore(db: Db): FlagStore {
  /**
   * Runs `work` in a transaction that first bumps the environment's revision. That update
   * locks the environment row, so writes to one environment are serialized and `work` reads
   * the latest committed state.
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

  const segmentKeys = async (tx: Tx, environment: string) =>
    new Set(
      (await tx.segment.findMany({ where: { environmentKey: environment }, select: { key: true } })).map(
        (s) => s.key,
      ),
    );

  const findSegmentRow = async (tx: Tx, environment: string, key: string) => {
    const row = await tx.segment.findUnique({
      where: { environmentKey_key: { environmentKey: environment, key } },
    });
    if (!row) throw errors.segmentNotFound(environment, key);
    return row;
  };

  /** The live flags whose rules refer to segment `key`. */
  const usersOf = async (tx: Tx, environment: string, key: string) =>
    (await tx.flag.findMany({ where: { environmentKey: environment, archivedAt: null } })).filter((row) =>
      segmentsUsedBy(toFlag(row).rules).includes(key),
    );

  const written = async (tx: Tx, row: FlagRow, revision: number): Promise<FlagWrite> => {
    const flag = toFlag(row);
    return { flag, segments: await segmentsOf(tx, flag), revision };
  };

  return {
    async findFlag(environment, key) {
      const row = await findRow(db, environment, key);
      if (row?.archivedAt) return { version: row.version, flag: null, missing: 'flag' };
      if (row) {
        const flag = toFlag(row);
        return { version: row.version, flag, segments: await segmentsOf(db, flag) };
      }
      const env = await db.environment.findUnique({ where: { key: environment }, select: { key: true } });
      return { version: 0, flag: null, missing: env ? 'flag' : 'environment' };
    },

    async listFlags(environment) {
      // Revision, flags and segments must come from one snapshot, or the ETag could name a state it does not describe.
      const [env, rows, segments] = await db.$transaction(
        [
          db.environment.findUnique({ where: { key: environment } }),
          db.flag.findMany({
            where: { environmentKey: environment, archivedAt: null },
            orderBy: { key: 'asc' },
          }),
          db.segment.findMany({
            where: { environmentKey: environment },
            select: { key: true, conditions: true },
          }),
        ],
        { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead },
      );
      if (!env) return null;
      return {
        list: { environment, revision: env.revision, flags: rows.map(toFlag) },
        segments: conditionsOf(segments),
      };
    },

    async getFlag(environment, key) {
      const row = await findRow(db, environment, key);
      if (row) return toFlag(row);
      const env = await db.environment.findUnique({ where: { key: environment }, select: { key: true } });
      throw env ? errors.flagNotFound(environment, key) : errors.environmentNotFound(environment);
    },

    async pageFlags(environment, { archived, q, cursor, limit }) {
      const env = await db.environment.findUnique({ where: { key: environment }, select: { key: true } });
      if (!env) return null;
      const text = q === undefined ? undefined : literally(q);
      const rows = await db.flag.findMany({
        where: {
          environmentKey: environment,
          archivedAt: archived ? { not: null } : null,
          ...(cursor === undefined ? {} : { key: { gt: cursor } }),
          ...(text === undefined
            ? {}
            : {
                OR: [
                  { key: { contains: text, mode: 'insensitive' } },
                  { description: { contains: text, mode: 'insensitive' } },
                ],
              }),
        },
        orderBy: { key: 'asc' },
        take: limit + 1,
      });
      const page = rows.slice(0, limit);
      return {
        flags: page.map(toFlag),
        nextCursor: rows.length > limit ? (page.at(-1)?.key ?? null) : null,
      };
    },

    createFlag: (environment, key, build, actor) =>
      write(environment, async (tx, revision) => {
        const existing = await findRow(tx, environment, key);
        if (existing && !existing.archivedAt) throw errors.flagExists(environment, key);
        const content = build(await segmentKeys(tx, environment));
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
        const result = await written(tx, row, revision);
        await recordAudit(tx, {
          actor,
          action: 'flag.created',
          environment,
          flagKey: key,
          after: result.flag,
          version: result.flag.version,
        });
        return result;
      }),

    updateFlag: (environment, key, change, actor) =>
      write(environment, async (tx, revision): Promise<FlagWrite> => {
        const before = toFlag(await findLive(tx, environment, key));
        const content = change(before, await segmentKeys(tx, environment));
        if (content === undefined) throw new NothingToChange(before);
        const row = await tx.flag.update({
          where: { environmentKey_key: { environmentKey: environment, key } },
          data: { ...data(content), version: { increment: 1 } },
        });
        const result = await written(tx, row, revision);
        await recordAudit(tx, {
          actor,
          action: 'flag.updated',
          environment,
          flagKey: key,
          before,
          after: result.flag,
          version: result.flag.version,
        });
        return result;
      }).catch((err: unknown) => {
        if (err instanceof NothingToChange) return { unchanged: err.flag };
        throw err;
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

    async listSegments(environment) {
      const env = await db.environment.findUnique({ where: { key: environment }, select: { key: true } });
      if (!env) return null;
      return (
        await db.segment.findMany({ where: { environmentKey: environment }, orderBy: { key: 'asc' } })
      ).map(toSegment);
    },

    async findSegment(environment, key) {
      const row = await db.segment.findUnique({
        where: { environmentKey_key: { environmentKey: environment, key } },
      });
      return row && toSegment(row);
    },

    createSegment: (environment, key, content, actor) =>
      write(environment, async (tx, revision) => {
        const row = await tx.segment
          .create({
            data: {
              environmentKey: environment,
              key,
              description: content.description,
              conditions: content.conditions as Prisma.InputJsonValue,
            },
          })
          .catch((err: unknown) => {
            throw isUniqueViolation(err) ? errors.segmentExists(environment, key) : err;
          });
        const segment = toSegment(row);
        await recordAudit(tx, { actor, action: 'segment.created', environment, after: segment, version: 1 });
        return { segment, revision };
      }),

    updateSegment: (environment, key, change, actor) =>
      write(environment, async (tx, revision) => {
        const before = toSegment(await findSegmentRow(tx, environment, key));
        const content = change(before);
        const segment = toSegment(
          await tx.segment.update({
            where: { environmentKey_key: { environmentKey: environment, key } },
            data: {
              description: content.description,
              conditions: content.conditions as Prisma.InputJsonValue,
              version: { increment: 1 },
            },
          }),
        );
        await recordAudit(tx, {
          actor,
          action: 'segment.updated',
          environment,
          before,
          after: segment,
          version: segment.version,
        });
        // Flags carry their segments' conditions in the caches: each user moves to its next version.
        const users = await usersOf(tx, environment, key);
        const flags: FlagWrite[] = [];
        for (const user of users) {
          const row = await tx.flag.update({ where: { id: user.id }, data: { version: { increment: 1 } } });
          flags.push(await written(tx, row, revision));
          await recordAudit(tx, {
            actor,
            action: 'flag.segment_changed',
            environment,
            flagKey: row.key,
            after: { segment: key, segmentVersion: segment.version },
            version: row.version,
          });
        }
        return { segment, revision, flags };
      }),

    deleteSegment: (environment, key, actor) =>
      write(environment, async (tx, revision) => {
        const before = toSegment(await findSegmentRow(tx, environment, key));
        const users = await usersOf(tx, environment, key);
        if (users.length > 0)
          throw errors.segmentInUse(
            key,
            users.map((row) => row.key),
          );
        await tx.segment.delete({ where: { environmentKey_key: { environmentKey: environment, key } } });
        await recordAudit(tx, { actor, action: 'segment.deleted', environment, before });
        return { revision };
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
