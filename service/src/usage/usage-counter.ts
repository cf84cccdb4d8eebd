// Evaluations counted in memory, per environment, flag and variant: all the read path does for
// usage. An increment is three map lookups and an addition (no allocation once a flag's variant
// has been seen since the last flush, no promise, no I/O); a bulk evaluation, one lookup. The
// flush takes the whole map at once.
import type { Evaluation } from '../flags/rule-schemas.ts';

/** The name an answer without a variant counts under: the caller's code default applied. */
export const CODE_DEFAULT = '(default)';
/** The name a read of the flag through the read API counts under: the caller decides what it serves. */
export const READ = '(read)';

/** Counts by environment, then flag, then variant. */
export type Counts = Map<string, Map<string, Map<string, number>>>;

/** What was counted between two instants. */
export interface CountedInterval {
  counts: Counts;
  from: Date;
  to: Date;
}

export interface UsageCounter {
  readonly enabled: boolean;
  /** One answer: its variant, or none (the code default). */
  count(environment: string, flag: string, variant: string | undefined): void;
  /** One read of the flag through the read API. */
  read(environment: string, flag: string): void;
  /**
   * Every success of a bulk evaluation: `results[i]` is the answer for `flags[i]`. The same
   * `results` array (a shared bulk answer) must always come with the same environment and flags.
   */
  countAll(environment: string, flags: readonly { key: string }[], results: readonly Evaluation[]): void;
  /** What was counted since the last take, and the count starts again from nothing. */
  take(): CountedInterval;
}

const nothing = () => {};

/** Distinct bulk answers held between flushes before they are added up early. */
export const MAX_HELD_BULKS = 10_000;

export function createUsageCounter({
  enabled,
  now = () => new Date(),
}: {
  enabled: boolean;
  now?: () => Date;
}): UsageCounter {
  let counts: Counts = new Map();
  let from = now();
  // A bulk answer is shared by every request of its revision and context (flag-reader.ts): such a
  // request adds one to its answer's tally here, and the flags are counted from the tally at the
  // flush, so a bulk costs the same however many flags it holds.
  let bulks = new Map<
    readonly Evaluation[],
    { environment: string; flags: readonly { key: string }[]; times: number }
  >();

  function add(environment: string, flag: string, variant: string | undefined, times: number) {
    let flags = counts.get(environment);
    if (flags === undefined) {
      flags = new Map();
      counts.set(environment, flags);
    }
    let variants = flags.get(flag);
    if (variants === undefined) {
      variants = new Map();
      flags.set(flag, variants);
    }
    const name = variant ?? CODE_DEFAULT;
    variants.set(name, (variants.get(name) ?? 0) + times);
  }

  /** Adds the held bulk tallies to the counts. */
  function spill() {
    for (const [results, { environment, flags, times }] of bulks) {
      for (let i = 0; i < results.length; i++) {
        const result = results[i]!;
        if (!('errorCode' in result)) add(environment, flags[i]!.key, result.variant, times);
      }
    }
    bulks = new Map();
  }

  return {
    enabled,
    count: enabled ? (environment, flag, variant) => add(environment, flag, variant, 1) : nothing,
    read: enabled ? (environment, flag) => add(environment, flag, READ, 1) : nothing,
    countAll: enabled
      ? (environment, flags, results) => {
          const held = bulks.get(results);
          if (held !== undefined) {
            held.times += 1;
            return;
          }
          if (bulks.size >= MAX_HELD_BULKS) spill();
          bulks.set(results, { environment, flags, times: 1 });
        }
      : nothing,
    take() {
      spill();
      const taken = { counts, from, to: now() };
      counts = new Map();
      from = taken.to;
      return taken;
    },
  };
}
