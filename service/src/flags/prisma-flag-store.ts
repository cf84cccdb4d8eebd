// The flag store on PostgreSQL through Prisma. Every write goes through writeChange
// (prisma-change-write.ts); `putFlag` is the one checked create-or-update of a flag with its audit
// event, used by the single writes and by a batch, which writes its segments with the segment
// store's `putSegment`.
import type { ActorRef } from '../access/authorization.ts';
import type { Db } from '../db/database.ts';
import { errors } from '../errors.ts';
import type { Flag, FlagContent } from './flag-schemas.ts';
import {
  type BatchKeys,
  type BatchState,
  type CheckSegments,
  type FlagStore,
  segmentsUsedBy,
} from './flag-store.ts';
import { checkPrerequisites, needsPrerequisiteCheck, nodeOf, prerequisiteKeys } from './prerequisites.ts';
import { type ChangeWrite, type Tx, writeChange } from './prisma-change-write.ts';
import { flagData, SNAPSHOT_READ, toFlag, toSegment } from './prisma-rows.ts';
import { putSegment } from './prisma-segment-store.ts';
import type { Prerequisite, Segment } from './rule-schemas.ts';

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
  const rows = await tx.$queryRaw<
    { key: string; variants: Record<string, unknown>; prerequisites: Prerequisite[] }[]
  >`
    SELECT key, variants, prerequisites FROM flags
    WHERE environment_key = ${environment} AND archived_at IS NULL
      AND (prerequisites <> '[]'::jsonb OR key = ANY(${prerequisiteKeys(content)}))`;
  const graph = new Map(rows.map((row) => [row.key, nodeOf(row)]));
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

/**
 * Creates flag `key` (no `before`) or updates it, once its segments exist and its prerequisites
 * hold in the environment as this transaction sees it, and records the event.
 */
async function putFlag(
  { tx, environment, record }: ChangeWrite,
  key: string,
  content: FlagContent,
  before: Flag | null,
  check: CheckSegments,
  actor: ActorRef,
): Promise<Flag> {
  check(content, await existingSegments(tx, environment, segmentsUsedBy(content.rules)));
  await prerequisitesHold(tx, environment, key, content, before);
  const flag = toFlag(
    before
      ? await tx.flag.update({
          where: { environmentKey_key: { environmentKey: environment, key } },
          data: { ...flagData(content), version: { increment: 1 } },
        })
      : await tx.flag.create({ data: { ...flagData(content), environmentKey: environment, key } }),
  );
  await record({
    actor,
    action: before ? 'flag.updated' : 'flag.created',
    flagKey: key,
    before,
    after: flag,
    version: flag.version,
  });
  return flag;
}

export function createPrismaFlagStore(db: Db): FlagStore {
  const findRow = (tx: Tx, environment: string, key: string) =>
    tx.flag.findUnique({ where: { environmentKey_key: { environmentKey: environment, key } } });

  const findLive = async (tx: Tx, environment: string, key: string) => {
    const row = await findRow(tx, environment, key);
    if (!row || row.archivedAt) throw errors.flagNotFound(environment, key);
    return row;
  };

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

  return {
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
      writeChange(db, environment, async (change) => {
        const existing = await findRow(change.tx, environment, key);
        if (existing) {
          throw existing.archivedAt
            ? errors.flagArchived(environment, key)
            : errors.flagExists(environment, key);
        }
        const flag = await putFlag(change, key, content, null, check, actor);
        return flagChange(key, change.revision, flag);
      }),

    updateFlag: (environment, key, update, check, actor) =>
      writeChange(db, environment, async (change) => {
        const before = toFlag(await findLive(change.tx, environment, key));
        const content = update(before);
        if (content === undefined) throw new NothingToChange(before);
        const flag = await putFlag(change, key, content, before, check, actor);
        return flagChange(key, change.revision, flag);
      }).catch((err: unknown) => {
        if (err instanceof NothingToChange) return { unchanged: err.flag };
        throw err;
      }),

    archiveFlag: (environment, key, actor) =>
      writeChange(db, environment, async ({ tx, revision, record }) => {
        const before = toFlag(await findLive(tx, environment, key));
        const requirers = await requirersOf(tx, environment, key);
        if (requirers.length > 0) throw errors.flagRequired(key, requirers);
        const row = await tx.flag.update({
          where: { environmentKey_key: { environmentKey: environment, key } },
          data: { archivedAt: new Date(), version: { increment: 1 } },
        });
        await record({ actor, action: 'flag.archived', flagKey: key, before, version: row.version });
        return flagChange(key, revision, null);
      }),

    restoreFlag: (environment, key, check, actor) =>
      writeChange(db, environment, async ({ tx, revision, record }) => {
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
        await record({
          actor,
          action: 'flag.restored',
          flagKey: key,
          before,
          after: flag,
          version: flag.version,
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
      writeChange(db, environment, async (change) => {
        const { revision } = change;
        const current = await batchState(change.tx, environment, keys, revision - 1);
        const writes = plan(current);
        if (writes.segments.length === 0 && writes.flags.length === 0) throw new NothingWritten(revision - 1);
        const segments: [string, Segment][] = [];
        for (const { key, content } of writes.segments) {
          const before = current.segments.get(key) ?? null;
          segments.push([key, await putSegment(change, key, content, before, actor)]);
        }
        const flags: [string, Flag][] = [];
        for (const { key, content } of writes.flags) {
          const before = current.flags.get(key) ?? null;
          if (before?.archivedAt) throw errors.flagArchived(environment, key);
          flags.push([key, await putFlag(change, key, content, before, check, actor)]);
        }
        return { revision, flags, segments };
      }).catch((err: unknown) => {
        if (err instanceof NothingWritten) return { revision: err.revision, flags: [], segments: [] };
        throw err;
      }),
  };
}
