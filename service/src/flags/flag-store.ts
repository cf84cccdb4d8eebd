// The port to where flags are kept, and the change types every store of the flag domain shares.
// Every write is one transaction that bumps the environment's revision, changes one flag (or, in a
// batch, the flags and the segments they use), and appends the audit event that records that
// revision: the environment's change log (change-log-store.ts). Segments, environments and the
// change log have their own stores (segment-store.ts, environment-store.ts, change-log-store.ts).
// Nothing in a write reads or rewrites the rest of the environment, so its cost does not grow
// with the number of flags.
import type { ActorRef } from '../access/authorization.ts';
import type { AdminFlagQuery, Flag, FlagContent, FlagPage, SegmentContent } from './flag-schemas.ts';
import type { Condition, Rule, Segment } from './rule-schemas.ts';
import type { SnapshotChanges } from './snapshot.ts';

/** Segment key → its conditions. */
export type SegmentConditions = Record<string, Condition[]>;

/** One committed change: the flag or segment as it now is (null: archived or deleted), and the revision. */
export type FlagChange = { kind: 'flag'; key: string; revision: number; flag: Flag | null };
export type SegmentChange = { kind: 'segment'; key: string; revision: number; segment: Segment | null };
export type Change = FlagChange | SegmentChange;
/** A change that leaves the flag or segment in place (not archived or deleted). */
export type Kept<C extends Change> = C & (C extends FlagChange ? { flag: Flag } : { segment: Segment });

/** As a batch a snapshot applies. */
export const asChanges = (change: Change): SnapshotChanges => ({
  revision: change.revision,
  flags: change.kind === 'flag' ? [[change.key, change.flag]] : [],
  segments: change.kind === 'segment' ? [[change.key, change.segment]] : [],
});

/** An update that would change nothing: the flag as it is, and nothing written. */
export interface Unchanged {
  unchanged: Flag;
}

/** The flags (live or archived) and segments of an environment a batch names, as they are now. */
export interface BatchState {
  revision: number;
  flags: ReadonlyMap<string, Flag>;
  segments: ReadonlyMap<string, Segment>;
}
/** The keys a batch names. */
export interface BatchKeys {
  flags: string[];
  segments: string[];
}
/** What a batch writes: each flag and segment is created, or updated when it exists. */
export interface BatchWrites {
  segments: { key: string; content: SegmentContent }[];
  flags: { key: string; content: FlagContent }[];
}
/** A committed batch: every flag and segment it wrote, as it now is, under one revision (none written: the revision as it is). */
export interface BatchChange {
  revision: number;
  flags: (readonly [string, Flag])[];
  segments: (readonly [string, Segment])[];
}

/** What a flag's content is checked against when it is written: which segments it names exist. */
export type CheckSegments = (content: FlagContent, existing: ReadonlySet<string>) => void;

export interface FlagStore {
  /** The flag, live or archived; throws FLAG_NOT_FOUND or ENVIRONMENT_NOT_FOUND. */
  getFlag(environment: string, key: string): Promise<Flag>;
  /** A page of the environment's flags in key order; null when the environment does not exist. */
  pageFlags(environment: string, query: Omit<AdminFlagQuery, 'environment'>): Promise<FlagPage | null>;
  /** Creates the flag at version 1; throws FLAG_EXISTS for a live key, FLAG_ARCHIVED for an archived one. */
  createFlag(
    environment: string,
    key: string,
    content: FlagContent,
    check: CheckSegments,
    actor: ActorRef,
  ): Promise<Kept<FlagChange>>;
  /**
   * Applies `change` to the live flag under the environment's write lock; `change` may throw to
   * abort, or return undefined when nothing changes: then nothing is written, not even the revision.
   */
  updateFlag(
    environment: string,
    key: string,
    change: (current: Flag) => FlagContent | undefined,
    check: CheckSegments,
    actor: ActorRef,
  ): Promise<Kept<FlagChange> | Unchanged>;
  archiveFlag(environment: string, key: string, actor: ActorRef): Promise<FlagChange>;
  /**
   * Brings an archived flag back as it was, at its next version (so every cache prefers it to the
   * archived state); throws FLAG_NOT_FOUND, or FLAG_NOT_ARCHIVED for a live flag.
   */
  restoreFlag(
    environment: string,
    key: string,
    check: CheckSegments,
    actor: ActorRef,
  ): Promise<Kept<FlagChange>>;

  /** The flags and segments `keys` names, as they are; null when the environment does not exist. */
  readBatch(environment: string, keys: BatchKeys): Promise<BatchState | null>;
  /**
   * Writes what `plan` makes of the current state of `keys`, segments first, in one transaction
   * under one revision, each write with its audit event. `plan` may throw to abort; when it
   * writes nothing, neither is the revision bumped. A live flag is updated; an archived one
   * throws FLAG_ARCHIVED.
   */
  writeBatch(
    environment: string,
    keys: BatchKeys,
    plan: (current: BatchState) => BatchWrites,
    check: CheckSegments,
    actor: ActorRef,
  ): Promise<BatchChange>;
}

/** The segment keys a flag's rules refer to. */
export const segmentsUsedBy = (rules: readonly Rule[]) => [
  ...new Set(rules.flatMap((r) => r.segments ?? [])),
];
