// Usage and staleness. Every instance counts its evaluations in memory (usage-counter.ts) and
// flushes them about once a minute, off the request path: the counts are added to hourly rows
// shared by every instance, and each flag's last evaluation and the one variant it has served are
// kept beside them. A failed flush keeps its rows for the next (up to a bound) and is reported,
// never thrown at a caller. Staleness is judged from those rows and the flag's own times.
import { errors } from '../errors.ts';
import { queryInstant } from '../query-time.ts';
import { CODE_DEFAULT, type CountedInterval, READ, type UsageCounter } from './usage-counter.ts';
import type { ActivityRow, StaleCandidate, UsageRow, UsageStore } from './usage-store.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Rows a failed flush keeps for the next; past it the oldest hours are dropped (and reported). */
export const MAX_PENDING_ROWS = 50_000;
/** How long hourly counts are kept: the longest series the API gives (by day). */
export const RETENTION_DAYS = 400;
/** Flags a page of the stale listing looks at, whatever it finds: a page costs the same for any number of flags. */
export const STALE_SCAN = 500;
/** The longest series of each granularity, and the default span. */
const SPANS = {
  hour: { maxMs: 31 * DAY_MS, defaultMs: 7 * DAY_MS },
  day: { maxMs: 400 * DAY_MS, defaultMs: 30 * DAY_MS },
} as const;
export type Granularity = keyof typeof SPANS;

export interface StaleRules {
  unevaluatedDays: number;
  unchangedDays: number;
}

export interface StaleReason {
  code: 'unevaluated' | 'unchanged';
  /** Since when the reason holds. */
  since: string;
  message: string;
}

export interface FlushReport {
  rows: number;
  failed: boolean;
  dropped: number;
}

export interface UsageServiceDeps {
  counter: UsageCounter;
  store: UsageStore;
  rules: StaleRules;
  now?: () => Date;
  /** Told of a flush that failed (its rows are kept) or of counts dropped past the bound. */
  onFlushError?: (err: unknown, report: FlushReport) => void;
  /** Told when deleting the hours past the retention failed (tried again at the next flush). */
  onPruneError?: (err: unknown) => void;
}

const UNIT_MS: Record<Granularity, number> = { hour: HOUR_MS, day: DAY_MS };
/** The start of the hour or day (UTC) `date` is in. */
const startOf = (date: Date, unit: Granularity) =>
  new Date(Math.floor(date.getTime() / UNIT_MS[unit]) * UNIT_MS[unit]);
const daysBetween = (from: Date, to: Date) => Math.floor((to.getTime() - from.getTime()) / DAY_MS);
const shown = (variant: string) => (variant === CODE_DEFAULT ? 'the code default' : `'${variant}'`);

/** The rows of one counted interval: its counts in the hour it began, and each flag's activity. */
export function rowsOf({ counts, from, to }: CountedInterval) {
  const bucket = startOf(from, 'hour');
  const rows: UsageRow[] = [];
  const activity: ActivityRow[] = [];
  for (const [environment, flags] of counts) {
    for (const [flag, variants] of flags) {
      let served = 0;
      let only: string | null = null;
      for (const [variant, count] of variants) {
        rows.push({ environment, flag, variant, bucket, count });
        if (variant === READ) continue;
        served += 1;
        only = variant;
      }
      activity.push({
        environment,
        flag,
        at: to,
        onlyVariant: served === 1 ? only : null,
        onlyVariantSince: served === 0 ? null : served === 1 ? from : to,
      });
    }
  }
  return { rows, activity };
}

/** Activity of a later interval laid over an earlier one's, as the database lays it over a stored row. */
function laterActivity(older: ActivityRow, newer: ActivityRow): ActivityRow {
  if (newer.onlyVariantSince === null) return { ...older, at: newer.at };
  if (
    older.onlyVariantSince !== null &&
    older.onlyVariant !== null &&
    older.onlyVariant === newer.onlyVariant
  ) {
    return { ...newer, onlyVariantSince: older.onlyVariantSince };
  }
  return newer;
}

/** Why a flag is stale at `now` (nothing when it is not). */
export function staleReasons(flag: StaleCandidate, now: Date, rules: StaleRules): StaleReason[] {
  const reasons: StaleReason[] = [];
  const seen = flag.lastEvaluatedAt ?? flag.createdAt;
  const idle = daysBetween(seen, now);
  if (idle >= rules.unevaluatedDays) {
    reasons.push({
      code: 'unevaluated',
      since: seen.toISOString(),
      message: flag.lastEvaluatedAt
        ? `Not evaluated for ${idle} days (last on ${seen.toISOString().slice(0, 10)}).`
        : `Never evaluated since it was created ${idle} days ago.`,
    });
  }
  const unchanged = daysBetween(flag.updatedAt, now);
  if (unchanged >= rules.unchangedDays) {
    const since = flag.updatedAt.toISOString();
    if (!flag.enabled) {
      reasons.push({
        code: 'unchanged',
        since,
        message: `Off and unchanged for ${unchanged} days: everyone gets its off answer.`,
      });
    } else if (!flag.hasRules) {
      reasons.push({
        code: 'unchanged',
        since,
        message: `On without rules and unchanged for ${unchanged} days: everyone gets its default answer.`,
      });
    } else if (
      flag.onlyVariant !== null &&
      flag.onlyVariantSince !== null &&
      daysBetween(flag.onlyVariantSince, now) >= rules.unchangedDays
    ) {
      const from = flag.onlyVariantSince > flag.updatedAt ? flag.onlyVariantSince : flag.updatedAt;
      reasons.push({
        code: 'unchanged',
        since: from.toISOString(),
        message: `Served only ${shown(flag.onlyVariant)} for ${daysBetween(flag.onlyVariantSince, now)} days, its rules unchanged for ${unchanged} days.`,
      });
    }
  }
  return reasons;
}

export function createUsageService({
  counter,
  store,
  rules,
  now = () => new Date(),
  onFlushError = () => {},
  onPruneError = () => {},
}: UsageServiceDeps) {
  let pendingRows: UsageRow[] = [];
  let prunedAt = 0;

  /** Once a day, after a flush: the hours past the retention go. */
  async function pruneDaily() {
    const at = now().getTime();
    if (at - prunedAt < DAY_MS) return;
    try {
      await store.prune(new Date(at - RETENTION_DAYS * DAY_MS));
      prunedAt = at;
    } catch (err) {
      onPruneError(err);
    }
  }
  let pendingActivity = new Map<string, ActivityRow>();
  let flushing: Promise<FlushReport> | undefined;

  async function flushOnce(): Promise<FlushReport> {
    const { rows, activity } = rowsOf(counter.take());
    const merged = new Map<string, UsageRow>();
    for (const row of [...pendingRows, ...rows]) {
      const id = `${row.environment}\n${row.flag}\n${row.variant}\n${row.bucket.getTime()}`;
      const held = merged.get(id);
      if (held) held.count += row.count;
      else merged.set(id, { ...row });
    }
    const flagActivity = new Map(pendingActivity);
    for (const row of activity) {
      const id = `${row.environment}\n${row.flag}`;
      const held = flagActivity.get(id);
      flagActivity.set(id, held ? laterActivity(held, row) : row);
    }
    const allRows = [...merged.values()];
    if (allRows.length === 0 && flagActivity.size === 0) return { rows: 0, failed: false, dropped: 0 };
    try {
      await store.add(allRows, [...flagActivity.values()]);
      pendingRows = [];
      pendingActivity = new Map();
      await pruneDaily();
      return { rows: allRows.length, failed: false, dropped: 0 };
    } catch (err) {
      // Kept for the next flush, newest hours first, up to the bound.
      allRows.sort((a, b) => b.bucket.getTime() - a.bucket.getTime());
      const kept = allRows.slice(0, MAX_PENDING_ROWS);
      const dropped = allRows.slice(MAX_PENDING_ROWS).reduce((sum, row) => sum + row.count, 0);
      pendingRows = kept;
      pendingActivity = flagActivity;
      const report = { rows: allRows.length, failed: true, dropped };
      onFlushError(err, report);
      return report;
    }
  }

  return {
    counter,

    /** Adds what was counted to the database; one flush at a time (a second call waits for the first). */
    async flush(): Promise<FlushReport> {
      while (flushing) await flushing;
      flushing = flushOnce().finally(() => {
        flushing = undefined;
      });
      return flushing;
    },

    /** Rows a failed flush holds for the next. */
    pending: () => pendingRows.length,

    /** When each of `flags` was last evaluated (as of the last flush). */
    lastEvaluated: (environment: string, flags: string[]) => store.lastEvaluated(environment, flags),

    /** A flag's evaluations over [from, to): totals per variant and a dense series of hours or days. */
    async usage(
      environment: string,
      flag: string,
      query: { from?: string; to?: string; granularity?: Granularity },
    ) {
      const granularity = query.granularity ?? 'hour';
      const span = SPANS[granularity];
      const to = query.to ? queryInstant('to', query.to, 'usage can be counted to') : now();
      const from = query.from
        ? queryInstant('from', query.from, 'usage can be counted from')
        : new Date(to.getTime() - span.defaultMs);
      if (!(from < to)) {
        throw errors.invalidInput(
          `'from' (${from.toISOString()}) must be before 'to' (${to.toISOString()}).`,
        );
      }
      if (to.getTime() - from.getTime() > span.maxMs) {
        throw errors.invalidInput(
          `A series by ${granularity} spans at most ${span.maxMs / DAY_MS} days; ask for a shorter period, or granularity=day.`,
        );
      }
      const start = startOf(from, granularity);
      const step = UNIT_MS[granularity];
      const [rows, last] = await Promise.all([
        store.series(environment, flag, start, to, granularity),
        store.lastEvaluated(environment, [flag]),
      ]);
      const totals = new Map<string, number>();
      const series: { start: string; count: number; variants: Record<string, number> }[] = [];
      const byStart = new Map<number, (typeof series)[number]>();
      for (let t = start.getTime(); t < to.getTime(); t += step) {
        const bucket = { start: new Date(t).toISOString(), count: 0, variants: {} };
        series.push(bucket);
        byStart.set(t, bucket);
      }
      for (const row of rows) {
        totals.set(row.variant, (totals.get(row.variant) ?? 0) + row.count);
        const bucket = byStart.get(row.bucket.getTime());
        if (!bucket) continue;
        bucket.count += row.count;
        bucket.variants[row.variant] = row.count;
      }
      return {
        environment,
        flag,
        granularity,
        from: start.toISOString(),
        to: to.toISOString(),
        lastEvaluatedAt: last.get(flag)?.toISOString() ?? null,
        total: [...totals.values()].reduce((sum, n) => sum + n, 0),
        variants: [...totals]
          .map(([variant, count]) => ({ variant, count }))
          .sort((a, b) => b.count - a.count),
        series,
      };
    },

    /**
     * A page of the environment's stale flags in key order, with their reasons. A page looks at
     * STALE_SCAN flags at most, so it may hold fewer than `limit` and still have a next one.
     */
    async stalePage(environment: string, { cursor, limit }: { cursor?: string; limit: number }) {
      const at = now();
      const scanned = await store.candidates(environment, cursor, STALE_SCAN);
      const stale: { key: string; lastEvaluatedAt: string | null; reasons: StaleReason[] }[] = [];
      for (const flag of scanned) {
        const reasons = staleReasons(flag, at, rules);
        if (reasons.length === 0) continue;
        stale.push({ key: flag.key, lastEvaluatedAt: flag.lastEvaluatedAt?.toISOString() ?? null, reasons });
        if (stale.length === limit) break;
      }
      const nextCursor =
        stale.length === limit
          ? stale.at(-1)!.key
          : scanned.length === STALE_SCAN
            ? scanned.at(-1)!.key
            : null;
      return { stale, nextCursor };
    },
  };
}

export type UsageService = ReturnType<typeof createUsageService>;
