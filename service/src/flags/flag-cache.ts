// The port in front of the flag store. Entries carry a version; a write never replaces a
// newer entry, so a reader holding an old row cannot overwrite a change committed after it.

export interface Versioned {
  version: number;
}

export interface FlagCache {
  get<T extends Versioned>(key: string): Promise<T | undefined>;
  /** Stores `entry` unless the cache already holds the same or a newer version. */
  setIfNewer(key: string, entry: Versioned): Promise<void>;
  delete(key: string): Promise<void>;
}

export const flagCacheKey = (environment: string, key: string) => `flag:${environment}:${key}`;
export const listCacheKey = (environment: string) => `flags:${environment}`;
