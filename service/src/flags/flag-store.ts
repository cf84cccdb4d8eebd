// The port between the flag service and its storage. Every write is one transaction that
// changes the flag, bumps its version and the environment revision, and records the audit event.
import type { AuditPage, AuditQuery, Environment, Flag, FlagContent, FlagList } from './flag-schemas.ts';

/**
 * What a lookup of one key found: the flag, or why there is none. `version` orders lookups of
 * the same key (0 when no row ever existed; an archived flag keeps its last version).
 */
export type FlagLookup = { version: number; flag: Flag } | { version: number; flag: null; missing: Missing };
export type Missing = 'flag' | 'environment';

export interface FlagWrite {
  flag: Flag;
  revision: number;
}

export interface ArchiveWrite {
  version: number;
  revision: number;
}

export interface FlagStore {
  findFlag(environment: string, key: string): Promise<FlagLookup>;
  /** The live flags of an environment and its revision, read from one snapshot; null if it does not exist. */
  listFlags(environment: string): Promise<FlagList | null>;
  /** Creates the flag at version 1, or revives an archived one at its next version. */
  createFlag(environment: string, key: string, content: FlagContent, actor: string): Promise<FlagWrite>;
  /** Applies `change` to the live flag under the environment's write lock; `change` may throw to abort. */
  updateFlag(
    environment: string,
    key: string,
    change: (current: Flag) => FlagContent,
    actor: string,
  ): Promise<FlagWrite>;
  archiveFlag(environment: string, key: string, actor: string): Promise<ArchiveWrite>;
  listEnvironments(): Promise<Environment[]>;
  createEnvironment(key: string, actor: string): Promise<Environment>;
  listAudit(query: AuditQuery): Promise<AuditPage>;
}
