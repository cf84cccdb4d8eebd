// The flag store on PostgreSQL through Prisma.
import { listAudit, recordAudit } from '../db/audit.ts';
import type { Db } from '../db/database.ts';
import { currentGuard } from '../db/write-guard.ts';
import { errors } from '../errors.ts';
import { type Flag as FlagRow, Prisma, type Segment as SegmentRow } from '../generated/prisma/client.ts';
import { defaultValueOf } from './flag-content.ts';
import type { Environment, Flag, FlagContent } from './flag-schemas.ts';
import { type BatchKeys, type BatchState, type FlagStore, segmentsUsedBy } from './flag-store.ts';
import {
  checkPrerequisites,
  needsPrerequisiteCheck,
  type PrerequisiteNode,
  prerequisiteKeys,
} from './prerequisites.ts';
import type { Condition, Prerequisite, Segment } from './rule-schemas.ts';

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
    prerequisites: row.prerequisites as Flag['prerequisites'],
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    archivedAt: row.archivedAt?.toISOString() ?? null,
  };
};

/** Thrown inside a batch's transaction to roll back its revision when it writes nothing. */
class NothingWritten extends Error {
  readonly revision: number;
  constructor(revision: number) {
    super('nothing written');
    this.revision = revision;
  }
}

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

const toEnvironment = (row: {
  key: string;
  revision: number;
  protected: boolean;
  createdAt: Date;
}): Environment => ({
  key: row.key,
  revision: row.revision,
  protected: row.protected,
  createdAt: row.createdAt.toISOString(),
});

const data = (content: FlagContent) => ({
  ...content,
  defaultValue: (defaultValueOf(content) ?? Prisma.DbNull) as Prisma.InputJsonValue,
  variants: content.variants as Prisma.InputJsonValue,
  rules: content.rules as Prisma.InputJsonValue,
  prerequisites: content.prerequisites as Prisma.InputJsonValue,
});

/** Which of `keys` are segments of the environment: the only segments a flag write reads. */
async function existingSegments(tx: Tx, environment: string, keys: string[]): Promise<ReadonlySet<string>> {
  if (keys.length === 0) return new Set();
  const rows = await tx.segment.findMany({
    where: { environmentKey: environment, key: { in: keys } },
    select: { key: true },
  });
  return new Set(rows.map((r) => r.key));
}

/**
 * Checks a flag's prerequisites against the environment as this transaction sees it (after the
 * environment's row is locked): the live flags that have prerequisites, and those `content` names.
 * Read only when the write can break one, so most writes read nothing more.
 */
async function prerequisitesHold(
  tx: Tx,
  environment: string,
  key: string,
  content: FlagContent,
  before: Flag | null,
) {
  if (!needsPrerequisiteCheck(content, before)) return;
  const rows = await tx.$queryRaw<{ key: string; variants: object; prerequisites: Prerequisite[] }[]>`
    SELECT key, variants, prerequisites FROM flags
    WHERE environment_key = ${environment} AND archived_at IS NULL
      AND (prerequisites <> '[]'::jsonb OR key = ANY(${prerequisiteKeys(content)}))`;
  const graph = new Map<string, PrerequisiteNode>(
    rows.map((row) => [row.key, { variants: Object.keys(row.variants), prerequisites: row.prerequisites }]),
  );
  checkPrerequisites(environment, key, content, before, graph);
}

/** The live flags that require flag `key`: a containment query on the indexed prerequisites. */
const requirersOf = async (tx: Tx | Db, environment: string, key: string, limit = 20) =>
  (
    await tx.$queryRaw<{ key: string }[]>`
      SELECT key FROM flags
      WHERE environment_key = ${environment} AND archived_at IS NULL AND key <> ${key}
        AND prerequisites @> ${JSON.stringify([{ flag: key }])}::jsonb
      ORDER BY key LIMIT ${limit}`
  ).map((r) => r.key);

const LOAD_PAGE = 1000;
const SNAPSHOT_READ = { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead };

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
      await currentGuard()?.(tx, environment);
      return work(tx, env.revision);
    });

  const findRow = (tx: Tx, environment: string, key: string) =>
    tx.flag.findUnique({ where: { environmentKey_key: { environmentKey: environment, key } } });

  const findLive = async (tx: Tx, environment: string, key: string) => {
    const row = await findRow(tx, environment, key);
    if (!row || row.archivedAt) throw errors.flagNotFound(environment, key);
    return row;
  };

  const findSegmentRow = async (tx: Tx, environment: string, key: string) => {
    const row = await tx.segment.findUnique({
      where: { environmentKey_key: { environmentKey: environment, key } },
    });
    if (!row) throw errors.segmentNotFound(environment, key);
    return row;
  };

  /** The live flags whose rules refer to segment `key`: a containment query on the indexed rules. */
  const usersOf = async (tx: Tx | Db, environment: string, key: string, limit = 20) =>
    (
      await tx.$queryRaw<{ key: string }[]>`
        SELECT key FROM flags
        WHERE environment_key = ${environment} AND archived_at IS NULL
          AND rules @> ${JSON.stringify([{ segments: [key] }])}::jsonb
        ORDER BY key LIMIT ${limit}`
    ).map((r) => r.key);

  const batchState = async (tx: Tx, environment: string, keys: BatchKeys, revision: number) => {
    const [flags, segments] = await Promise.all([
      tx.flag.findMany({ where: { environmentKey: environment, key: { in: keys.flags } } }),
      tx.segment.findMany({ where: { environmentKey: environment, key: { in: keys.segments } } }),
    ]);
    return {
      revision,
      flags: new Map(flags.map((row) => [row.key, toFlag(row)])),
      segments: new Map(segments.map((row) => [row.key, toSegment(row)])),
    } satisfies BatchState;
  };

  const flagChange = <F extends Flag | null>(key: string, revision: number, flag: F) =>
    ({ kind: 'flag', key, revision, flag }) as const;
  const segmentChange = <S extends Segment | null>(key: string, revision: number, segment: S) =>
    ({ kind: 'segment', key, revision, segment }) as const;

  return {
    async environmentRevisions() {
      return db.environment.findMany({ select: { key: true, revision: true } });
    },

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

    createFlag: (environment, key, content, check, actor) =>
      write(environment, async (tx, revision) => {
        const existing = await findRow(tx, environment, key);
        if (existing) {
          throw existing.archivedAt
            ? errors.flagArchived(environment, key)
            : errors.flagExists(environment, key);
        }
        check(content, await existingSegments(tx, environment, segmentsUsedBy(content.rules)));
        await prerequisitesHold(tx, environment, key, content, null);
        const row = await tx.flag.create({ data: { ...data(content), environmentKey: environment, key } });
        const flag = toFlag(row);
        await recordAudit(tx, {
          actor,
          action: 'flag.created',
          environment,
          flagKey: key,
          after: flag,
          version: flag.version,
          revision,
        });
        return flagChange(key, revision, flag);
      }),

    updateFlag: (environment, key, change, check, actor) =>
      write(environment, async (tx, revision) => {
        const before = toFlag(await findLive(tx, environment, key));
        const content = change(before);
        if (content === undefined) throw new NothingToChange(before);
        check(content, await existingSegments(tx, environment, segmentsUsedBy(content.rules)));
        await prerequisitesHold(tx, environment, key, content, before);
        const row = await tx.flag.update({
          where: { environmentKey_key: { environmentKey: environment, key } },
          data: { ...data(content), version: { increment: 1 } },
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
          revision,
        });
        return flagChange(key, revision, flag);
      }).catch((err: unknown) => {
        if (err instanceof NothingToChange) return { unchanged: err.flag };
        throw err;
      }),

    archiveFlag: (environment, key, actor) =>
      write(environment, async (tx, revision) => {
        const before = toFlag(await findLive(tx, environment, key));
        const requirers = await requirersOf(tx, environment, key);
        if (requirers.length > 0) throw errors.flagRequired(key, requirers);
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
          revision,
        });
        return flagChange(key, revision, null);
      }),

    restoreFlag: (environment, key, check, actor) =>
      write(environment, async (tx, revision) => {
        const row = await findRow(tx, environment, key);
        if (!row) throw errors.flagNotFound(environment, key);
        if (!row.archivedAt) throw errors.flagNotArchived(environment, key);
        const before = toFlag(row);
        // A segment its rules name may have been deleted while it was archived.
        check(before, await existingSegments(tx, environment, segmentsUsedBy(before.rules)));
        // Its chains may have grown while it was archived.
        await prerequisitesHold(tx, environment, key, before, before);
        const flag = toFlag(
          await tx.flag.update({
            where: { id: row.id },
            data: { archivedAt: null, version: { increment: 1 } },
          }),
        );
        await recordAudit(tx, {
          actor,
          action: 'flag.restored',
          environment,
          flagKey: key,
          before,
          after: flag,
          version: flag.version,
          revision,
        });
        return flagChange(key, revision, flag);
      }),

    async readBatch(environment, keys) {
      return db.$transaction(async (tx) => {
        const env = await tx.environment.findUnique({ where: { key: environment } });
        return env && batchState(tx, environment, keys, env.revision);
      }, SNAPSHOT_READ);
    },

    writeBatch: (environment, keys, plan, check, actor) =>
      write(environment, async (tx, revision) => {
        const current = await batchState(tx, environment, keys, revision - 1);
        const writes = plan(current);
        if (writes.segments.length === 0 && writes.flags.length === 0) throw new NothingWritten(revision - 1);
        const segments: [string, Segment][] = [];
        for (const { key, content } of writes.segments) {
          const before = current.segments.get(key);
          const values = {
            description: content.description,
            conditions: content.conditions as Prisma.InputJsonValue,
          };
          const segment = toSegment(
            before
              ? await tx.segment.update({
                  where: { environmentKey_key: { environmentKey: environment, key } },
                  data: { ...values, version: { increment: 1 } },
                })
              : await tx.segment.create({ data: { ...values, environmentKey: environment, key } }),
          );
          await recordAudit(tx, {
            actor,
            action: before ? 'segment.updated' : 'segment.created',
            environment,
            segmentKey: key,
            before,
            after: segment,
            version: segment.version,
            revision,
          });
          segments.push([key, segment]);
        }
        const flags: [string, Flag][] = [];
        for (const { key, content } of writes.flags) {
          const before = current.flags.get(key);
          if (before?.archivedAt) throw errors.flagArchived(environment, key);
          check(content, await existingSegments(tx, environment, segmentsUsedBy(content.rules)));
          await prerequisitesHold(tx, environment, key, content, before ?? null);
          const flag = toFlag(
            before
              ? await tx.flag.update({
                  where: { environmentKey_key: { environmentKey: environment, key } },
                  data: { ...data(content), version: { increment: 1 } },
                })
              : await tx.flag.create({ data: { ...data(content), environmentKey: environment, key } }),
          );
          await recordAudit(tx, {
            actor,
            action: before ? 'flag.updated' : 'flag.created',
            environment,
            flagKey: key,
            before,
            after: flag,
            version: flag.version,
            revision,
          });
          flags.push([key, flag]);
        }
        return { revision, flags, segments };
      }).catch((err: unknown) => {
        if (err instanceof NothingWritten) return { revision: err.revision, flags: [], segments: [] };
        throw err;
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

    segmentUsers: (environment, key, limit) => usersOf(db, environment, key, limit),

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
        await recordAudit(tx, {
          actor,
          action: 'segment.created',
          environment,
          segmentKey: key,
          after: segment,
          version: 1,
          revision,
        });
        return segmentChange(key, revision, segment);
      }),

    // One row, one revision: flags refer to segments by key, so none of them changes.
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
          segmentKey: key,
          before,
          after: segment,
          version: segment.version,
          revision,
        });
        return segmentChange(key, revision, segment);
      }),

    deleteSegment: (environment, key, actor) =>
      write(environment, async (tx, revision) => {
        const before = toSegment(await findSegmentRow(tx, environment, key));
        const users = await usersOf(tx, environment, key);
        if (users.length > 0) throw errors.segmentInUse(key, users);
        await tx.segment.delete({ where: { environmentKey_key: { environmentKey: environment, key } } });
        await recordAudit(tx, {
          actor,
          action: 'segment.deleted',
          environment,
          segmentKey: key,
          before,
          revision,
        });
        return segmentChange(key, revision, null);
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
