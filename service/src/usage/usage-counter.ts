// Evaluations counted in memory, per environment, flag and variant: all the read path does for
// usage. An increment is three map lookups and an addition (no allocation once a flag's variant
// has been seen since the last flush, no promise, no I/O); the flush takes the whole map at once.
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
  /** Every success of a bulk evaluation: `results[i]` is the answer for `flags[i]`. */
  countAll(environment: string, flags: readonly { key: string }[], results: readonly Evaluation[]): void;
  /** What was counted since the last take, and the count starts again from nothing. */
  take(): CountedInterval;
}

const nothing = () => {};

export function createUsageCounter({
  enabled,
  now = () => new Date(),
}: {
  enabled: boolean;
  now?: () => Date;
}): UsageCounter {
  let counts: Counts = new Map();
  let from = now();

  function count(environment: string, flag: string, variant: string | undefined) {
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
    variants.set(name, (variants.get(name) ?? 0) + 1);
  }

  return {
    enabled,
    count: enabled ? count : nothing,
    read: enabled ? (environment, flag) => count(environment, flag, READ) : nothing,
    countAll: enabled
      ? (environment, flags, results) => {
          for (let i = 0; i < results.length; i++) {
            const result = results[i]!;
            if (!('errorCode' in result)) count(environment, flags[i]!.key, result.variant);
          }
        }
      : nothing,
    take() {
      const taken = { counts, from, to: now() };
      counts = new Map();
      from = taken.to;
      return taken;
    },
  };
}
