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
  /**
   * Like peek, for a caller that hands anything it cannot use on to a read (which counts the
   * lookup): returns and counts the entry only when `usable` accepts it.
   */
  held<T extends Versioned, U extends T>(key: string, usable: (entry: T) => entry is U): U | undefined;
  /** The shared (Redis) entry, which then fills the in-process layer; never throws. */
  fetch<T extends Versioned>(key: string): Promise<T | undefined>;
  /**
   * Stores the entry in every layer that does not hold the same or a newer version; never throws.
   * False when the shared layer could not be asked (Redis failed): it may hold an older version.
   */
  setIfNewer(key: string, entry: Versioned, lifetime?: Lifetime): Promise<boolean>;
  /** Another instance committed `version` of `key`: replace the in-process entry, or drop it. */
  refresh(key: string, version: number): Promise<void>;
  /** The last entry this instance held, even expired: what to serve when the store fails. */
  stale<T extends Versioned>(key: string): T | undefined;
  /** How many entries the in-process layer holds, expired ones included. */
  readonly size: number;
}

const flagKeys = new Map<string, Map<string, string>>();
const MAX_KEYS = 10_000;

/**
 * `flag:{environment}:{key}`, built once per pair and then reused: a new concatenation on every
 * read would be flattened and hashed again by each map it is looked up in.
 */
export function flagCacheKey(environment: string, key: string) {
  let keys = flagKeys.get(environment);
  if (!keys) {
    if (flagKeys.size >= MAX_KEYS) flagKeys.clear();
    keys = new Map();
    flagKeys.set(environment, keys);
  }
  let cacheKey = keys.get(key);
  if (cacheKey === undefined) {
    if (keys.size >= MAX_KEYS) keys.clear();
    cacheKey = `flag:${environment}:${key}`;
    keys.set(key, cacheKey);
  }
  return cacheKey;
}

export const listCacheKey = (environment: string) => `flags:${environment}`;
