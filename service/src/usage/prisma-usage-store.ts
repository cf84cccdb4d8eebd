// Usage on PostgreSQL. A flush is two statements in one transaction: the hourly counts added to
// their rows (INSERT … ON CONFLICT DO UPDATE, one row per environment, flag, variant and hour) and
// each flag's activity. Rows go in key order, so two instances flushing at once lock them in the
// same order and never deadlock. Every read is a range of a primary key, bounded by its arguments.
import type { Db } from '../db/database.ts';
import type { StaleCandidate, UsageStore } from './usage-store.ts';

/** Rows per statement: a flush of many flags goes in several. */
const CHUNK = 1000;

const byKey = <T extends { environment: string; flag: string }>(a: T, b: T) =>
  a.environment < b.environment
    ? -1
    : a.environment > b.environment
      ? 1
      : a.flag < b.flag
        ? -1
        : a.flag > b.flag
          ? 1
          : 0;

const chunks = <T>(rows: T[]) =>
  Array.from({ length: Math.ceil(rows.length / CHUNK) }, (_, i) => rows.slice(i * CHUNK, (i + 1) * CHUNK));

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function createPrismaUsageStore(db: Db): UsageStore {
  return {
    async add(rows, activity) {
      const sortedRows = [...rows].sort(
        (a, b) => byKey(a, b) || a.bucket.getTime() - b.bucket.getTime() || (a.variant < b.variant ? -1 : 1),
      );
      const sortedActivity = [...activity].sort(byKey);
      await db.$transaction(async (tx) => {
        for (const part of chunks(sortedRows)) {
          await tx.$executeRaw`
            INSERT INTO flag_usage (environment_key, flag_key, bucket, variant, count)
            SELECT e, f, b::timestamp(3), v, c::bigint
            FROM unnest(${part.map((r) => r.environment)}::text[], ${part.map((r) => r.flag)}::text[],
                        ${part.map((r) => r.bucket.toISOString())}::text[], ${part.map((r) => r.variant)}::text[],
                        ${part.map((r) => String(r.count))}::text[]) WITH ORDINALITY AS u(e, f, b, v, c, n)
            ORDER BY n
            ON CONFLICT (environment_key, flag_key, bucket, variant)
            DO UPDATE SET count = flag_usage.count + excluded.count`;
        }
        for (const part of chunks(sortedActivity)) {
          // The one variant a flag served keeps its start while each flush sees that variant alone;
          // a flush that saw only reads (no variant) changes nothing but the time.
          await tx.$executeRaw`
            INSERT INTO flag_activity (environment_key, flag_key, last_evaluated_at, only_variant, only_variant_since)
            SELECT e, f, t::timestamp(3), v, s::timestamp(3)
            FROM unnest(${part.map((r) => r.environment)}::text[], ${part.map((r) => r.flag)}::text[],
                        ${part.map((r) => r.at.toISOString())}::text[], ${part.map((r) => r.onlyVariant)}::text[],
                        ${part.map((r) => iso(r.onlyVariantSince))}::text[]) WITH ORDINALITY AS u(e, f, t, v, s, n)
            ORDER BY n
            ON CONFLICT (environment_key, flag_key) DO UPDATE SET
              last_evaluated_at = greatest(flag_activity.last_evaluated_at, excluded.last_evaluated_at),
              only_variant = CASE WHEN excluded.only_variant_since IS NULL THEN flag_activity.only_variant
                                  ELSE excluded.only_variant END,
              only_variant_since = CASE
                WHEN excluded.only_variant_since IS NULL THEN flag_activity.only_variant_since
                WHEN excluded.only_variant IS NOT NULL AND flag_activity.only_variant = excluded.only_variant
                  THEN least(flag_activity.only_variant_since, excluded.only_variant_since)
                ELSE excluded.only_variant_since END`;
        }
      });
    },

    async lastEvaluated(environment, flags) {
      if (flags.length === 0) return new Map();
      const rows = await db.$queryRaw<{ flag: string; at: Date }[]>`
        SELECT flag_key AS flag, last_evaluated_at AS at FROM flag_activity
        WHERE environment_key = ${environment} AND flag_key = ANY(${flags}::text[])`;
      return new Map(rows.map((row) => [row.flag, row.at]));
    },

    async series(environment, flag, from, to, unit) {
      const rows = await db.$queryRaw<{ bucket: Date; variant: string; count: bigint }[]>`
        SELECT date_trunc(${unit}, bucket) AS bucket, variant, sum(count)::bigint AS count
        FROM flag_usage
        WHERE environment_key = ${environment} AND flag_key = ${flag}
          AND bucket >= ${from.toISOString()}::timestamp(3) AND bucket < ${to.toISOString()}::timestamp(3)
        GROUP BY 1, 2 ORDER BY 1, 2`;
      return rows.map((row) => ({ bucket: row.bucket, variant: row.variant, count: Number(row.count) }));
    },

    prune: (before) =>
      db.$executeRaw`DELETE FROM flag_usage WHERE bucket < ${before.toISOString()}::timestamp(3)`,

    async candidates(environment, after, limit) {
      return db.$queryRaw<StaleCandidate[]>`
        SELECT f.key, f.enabled, jsonb_array_length(f.rules) > 0 AS "hasRules",
               f.created_at AS "createdAt", f.updated_at AS "updatedAt",
               a.last_evaluated_at AS "lastEvaluatedAt", a.only_variant AS "onlyVariant",
               a.only_variant_since AS "onlyVariantSince"
        FROM flags f
        LEFT JOIN flag_activity a ON a.environment_key = f.environment_key AND a.flag_key = f.key
        WHERE f.environment_key = ${environment} AND f.archived_at IS NULL AND f.key > ${after ?? ''}
        ORDER BY f.key
        LIMIT ${limit}`;
    },
  };
}
