// What the usage service needs of the database: add counts, and read them back.

/** Evaluations of one variant of a flag in one hour, to add to what is stored. */
export interface UsageRow {
  environment: string;
  flag: string;
  variant: string;
  /** The start of the hour, UTC. */
  bucket: Date;
  count: number;
}

/**
 * A flag evaluated in a flushed interval: when, and what it served. `onlyVariant` is the one
 * variant it served then and `onlyVariantSince` when that began; `onlyVariant` null with a time:
 * several variants; both null: nothing known (it was only read).
 */
export interface ActivityRow {
  environment: string;
  flag: string;
  at: Date;
  onlyVariant: string | null;
  onlyVariantSince: Date | null;
}

/** A live flag as staleness is judged: its times, whether it can serve only one variant, its activity. */
export interface StaleCandidate {
  key: string;
  enabled: boolean;
  hasRules: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastEvaluatedAt: Date | null;
  onlyVariant: string | null;
  onlyVariantSince: Date | null;
}

/** Evaluations of one variant in one bucket of a series. */
export interface SeriesRow {
  bucket: Date;
  variant: string;
  count: number;
}

export interface UsageStore {
  /** Adds the counts and the activity, in one transaction: all of it or none. */
  add(rows: UsageRow[], activity: ActivityRow[]): Promise<void>;
  /** When each of `flags` was last evaluated; flags never evaluated are absent. */
  lastEvaluated(environment: string, flags: string[]): Promise<Map<string, Date>>;
  /** The flag's counts in [from, to), summed per hour or day and variant. */
  series(environment: string, flag: string, from: Date, to: Date, unit: 'hour' | 'day'): Promise<SeriesRow[]>;
  /** Deletes the counts of hours before `before`; how many rows. */
  prune(before: Date): Promise<number>;
  /** The next `limit` live flags after `after` in key order, with their activity. */
  candidates(environment: string, after: string | undefined, limit: number): Promise<StaleCandidate[]>;
}
