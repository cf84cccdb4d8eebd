// The segment store on PostgreSQL through Prisma. `putSegment` is the one create-or-update of a
// segment with its audit event, used by a single segment write and by a flag store batch alike.
import type { ActorRef } from '../access/authorization.ts';
import type { Db } from '../db/database.ts';
import { errors } from '../errors.ts';
import type { SegmentContent } from './flag-schemas.ts';
import { type ChangeWrite, type Tx, writeChange } from './prisma-change-write.ts';
import { isUniqueViolation, segmentData, toSegment } from './prisma-rows.ts';
import type { Segment } from './rule-schemas.ts';
import type { SegmentStore } from './segment-store.ts';

/** Creates segment `key` (no `before`; throws SEGMENT_EXISTS) or updates it, and records the event. */
export async function putSegment(
  { tx, environment, record }: ChangeWrite,
  key: string,
  content: SegmentContent,
  before: Segment | null,
  actor: ActorRef,
): Promise<Segment> {
  const segment = toSegment(
    before
      ? await tx.segment.update({
          where: { environmentKey_key: { environmentKey: environment, key } },
          data: { ...segmentData(content), version: { increment: 1 } },
        })
      : await tx.segment
          .create({ data: { ...segmentData(content), environmentKey: environment, key } })
          .catch((err: unknown) => {
            throw isUniqueViolation(err) ? errors.segmentExists(environment, key) : err;
          }),
  );
  await record({
    actor,
    action: before ? 'segment.updated' : 'segment.created',
    segmentKey: key,
    before,
    after: segment,
    version: segment.version,
  });
  return segment;
}

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

const segmentChange = <S extends Segment | null>(key: string, revision: number, segment: S) =>
  ({ kind: 'segment', key, revision, segment }) as const;

export function createPrismaSegmentStore(db: Db): SegmentStore {
  return {
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
      writeChange(db, environment, async (change) =>
        segmentChange(key, change.revision, await putSegment(change, key, content, null, actor)),
      ),

    // One row, one revision: flags refer to segments by key, so none of them changes.
    updateSegment: (environment, key, update, actor) =>
      writeChange(db, environment, async (change) => {
        const before = toSegment(await findSegmentRow(change.tx, environment, key));
        const segment = await putSegment(change, key, update(before), before, actor);
        return segmentChange(key, change.revision, segment);
      }),

    deleteSegment: (environment, key, actor) =>
      writeChange(db, environment, async ({ tx, revision, record }) => {
        const before = toSegment(await findSegmentRow(tx, environment, key));
        const users = await usersOf(tx, environment, key);
        if (users.length > 0) throw errors.segmentInUse(key, users);
        await tx.segment.delete({ where: { environmentKey_key: { environmentKey: environment, key } } });
        await record({ actor, action: 'segment.deleted', segmentKey: key, before });
        return segmentChange(key, revision, null);
      }),
  };
}
