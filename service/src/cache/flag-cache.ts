// The cache port in front of the flag store. Entries carry a version (a flag's version, an
// environment's revision); a write never replaces the same or a newer version, so a reader
// holding an old row cannot overwrite a change committed after it.

export interface Versioned {
  version: number;
}

/** `brief` entries (a key that does not exist) live shorter than the rest. */
export type Lifetime = 'normal' | 'brief';

export interface FlagCache {
  /** The in-process entry, synchronously: the hot path. */
  peek<T extends Versioned>(key: string): T | undefined;
  /** The shared (Redis) entry, which then fills the in-process layer; never throws. */
  fetch<T extends Versioned>(key: string): Promise<T | undefined>;
  /** Stores the entry in every layer that does not hold the same or a newer version; never throws. */
  setIfNewer(key: string, entry: Versioned, lifetime?: Lifetime): Promise<void>;
  /** Another instance committed `version` of `key`: replace the in-process entry, or drop it. */
  refresh(key: string, version: number): Promise<void>;
  /** The last entry this instance held, even expired: what to serve when the store fails. */
  stale<T extends Versioned>(key: string): T | undefined;
  /** How many entries the in-process layer holds, expired ones included. */
  readonly size: number;
}

export const flagCacheKey = (environment: string, key: string) => `flag:${environment}:${key}`;
export const listCacheKey = (environment: string) => `flags:${environment}`;
