// The port between the flag service and its storage. Every write is one transaction that
// bumps the environment revision, changes the flag (or segment) and its version, and records
// the audit event. Lookups carry the conditions of the segments a flag's rules use, so an
// evaluation needs nothing but the cached entry.
import type {
  AdminFlagQuery,
  AuditPage,
  AuditQuery,
  Environment,
  Flag,
  FlagContent,
  FlagList,
  FlagPage,
  SegmentContent,
} from './flag-schemas.ts';
import type { Condition, Rule, Segment } from './rule-schemas.ts';

/** Segment key → its conditions. */
export type SegmentConditions = Record<string, Condition[]>;

/**
 * What a lookup of one key found: the flag and its segments, or why there is none. `version`
 * orders lookups of the same key (0 when no row ever existed; an archived flag keeps its last).
 */
export type FlagLookup =
  | { version: number; flag: Flag; segments: SegmentConditions }
  | { version: number; flag: null; missing: Missing };
export type Missing = 'flag' | 'environment';

/** An environment's live flags and the segments they use, from one snapshot. */
export interface FlagSnapshot {
  list: FlagList;
  segments: SegmentConditions;
}

export interface FlagWrite {
  flag: Flag;
  segments: SegmentConditions;
  revision: number;
}

/** An update that would change nothing: the flag as it is, and nothing written. */
export interface Unchanged {
  unchanged: Flag;
}

export interface SegmentWrite {
  segment: Segment;
  revision: number;
  /** The live flags whose rules use the segment, each moved to its next version. */
  flags: FlagWrite[];
}

/** Given the keys of the environment's segments, the content to store; may throw to abort. */
export type BuildContent = (segmentKeys: ReadonlySet<string>) => FlagContent;

export interface FlagStore {
  findFlag(environment: string, key: string): Promise<FlagLookup>;
  /** Null when the environment does not exist. */
  listFlags(environment: string): Promise<FlagSnapshot | null>;
  /** The flag, live or archived; throws FLAG_NOT_FOUND or ENVIRONMENT_NOT_FOUND. */
  getFlag(environment: string, key: string): Promise<Flag>;
  /** A page of the environment's flags in key order; null when the environment does not exist. */
  pageFlags(environment: string, query: Omit<AdminFlagQuery, 'environment'>): Promise<FlagPage | null>;
  /** Creates the flag at version 1, or revives an archived one at its next version. */
  createFlag(environment: string, key: string, build: BuildContent, actor: string): Promise<FlagWrite>;
  /**
   * Applies `change` to the live flag under the environment's write lock; `change` may throw to
   * abort, or return undefined when nothing changes: then nothing is written, not even the revision.
   */
  updateFlag(
    environment: string,
    key: string,
    change: (current: Flag, segmentKeys: ReadonlySet<string>) => FlagContent | undefined,
    actor: string,
  ): Promise<FlagWrite | Unchanged>;
  archiveFlag(
    environment: string,
    key: string,
    actor: string,
  ): Promise<{ version: number; revision: number }>;

  listSegments(environment: string): Promise<Segment[] | null>;
  findSegment(environment: string, key: string): Promise<Segment | null>;
  createSegment(
    environment: string,
    key: string,
    content: SegmentContent,
    actor: string,
  ): Promise<{ segment: Segment; revision: number }>;
  /** Changes the segment and moves every live flag that uses it to its next version. */
  updateSegment(
    environment: string,
    key: string,
    change: (current: Segment) => SegmentContent,
    actor: string,
  ): Promise<SegmentWrite>;
  /** Throws SEGMENT_IN_USE while a live flag's rules refer to it. */
  deleteSegment(environment: string, key: string, actor: string): Promise<{ revision: number }>;

  listEnvironments(): Promise<Environment[]>;
  createEnvironment(key: string, actor: string): Promise<Environment>;
  listAudit(query: AuditQuery): Promise<AuditPage>;
}

/** The segment keys a flag's rules refer to. */
export const segmentsUsedBy = (rules: readonly Rule[]) => [
  ...new Set(rules.flatMap((r) => r.segments ?? [])),
];
