// One environment as an instance holds it: its revision, every live flag and every segment.
// Reads and evaluations are answered from it; because it is complete, a key it does not hold is
// a 404 without a database query. It moves forward only: a change is applied when it is the next
// revision, a batch of changes (a catch-up) when it is newer; anything older is ignored. What is
// derived from it (the list, the segments' conditions) is built once per revision, when asked.
import type { Flag, FlagList } from './flag-schemas.ts';
import type { SegmentConditions } from './flag-store.ts';
import type { Segment } from './rule-schemas.ts';

/** Flags and segments as of a revision: a whole environment, or what changed (null: gone). */
export interface SnapshotChanges {
  revision: number;
  flags: Iterable<readonly [key: string, flag: Flag | null]>;
  segments: Iterable<readonly [key: string, segment: Segment | null]>;
}

export class Snapshot {
  readonly environment: string;
  #revision: number;
  readonly #flags = new Map<string, Flag>();
  readonly #segments = new Map<string, Segment>();
  #list: FlagList | undefined;
  #conditions: SegmentConditions | undefined;

  constructor(environment: string, state: SnapshotChanges) {
    this.environment = environment;
    this.#revision = state.revision;
    this.#put(state);
  }

  get revision() {
    return this.#revision;
  }

  get size() {
    return this.#flags.size;
  }

  /** A live flag by key; a function of its own, made once, as evaluation finds the flags prerequisites name. */
  readonly flag = (key: string): Flag | undefined => this.#flags.get(key);

  /** Segment key → conditions, for evaluation: the same object until a segment changes. */
  get conditions(): SegmentConditions {
    this.#conditions ??= Object.fromEntries([...this.#segments].map(([key, s]) => [key, s.conditions]));
    return this.#conditions;
  }

  /** The environment's live flags in key order, as the read API lists them: one object per revision. */
  get list(): FlagList {
    this.#list ??= {
      environment: this.environment,
      revision: this.#revision,
      flags: [...this.#flags.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    };
    return this.#list;
  }

  /**
   * Applies what changed up to `changes.revision`: true when it did, false when this snapshot is
   * already that new. A single change must be the next revision (`next`), else it is refused
   * too: the caller catches up from the change log instead.
   */
  apply(changes: SnapshotChanges, { next = false } = {}): boolean {
    if (changes.revision <= this.#revision) return false;
    if (next && changes.revision !== this.#revision + 1) return false;
    this.#put(changes);
    this.#revision = changes.revision;
    this.#list = undefined;
    return true;
  }

  #put({ flags, segments }: SnapshotChanges) {
    for (const [key, flag] of flags) {
      if (flag) this.#flags.set(key, flag);
      else this.#flags.delete(key);
    }
    let segmentsChanged = false;
    for (const [key, segment] of segments) {
      segmentsChanged = true;
      if (segment) this.#segments.set(key, segment);
      else this.#segments.delete(key);
    }
    if (segmentsChanged) this.#conditions = undefined;
  }
}
