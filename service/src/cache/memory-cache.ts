// The in-process layer: a bounded LRU whose entries are fresh for `ttlMs`. Expired entries
// stay (until evicted) so they can be served when the database fails.
import { LRUCache } from 'lru-cache';
import type { Versioned } from './flag-cache.ts';

export function createMemoryCache({ ttlMs, max = 50_000 }: { ttlMs: number; max?: number }) {
  const lru = new LRUCache<string, Versioned>({ max, ttl: ttlMs, noDeleteOnStaleGet: true });
  return {
    get: <T extends Versioned>(key: string) => lru.get(key) as T | undefined,

    /** Keeps the newest version; the same version only replaces an expired copy (a refill). */
    setIfNewer(key: string, entry: Versioned) {
      const current = lru.get(key, { allowStale: true });
      if (current && (entry.version < current.version || (entry.version === current.version && lru.get(key))))
        return;
      lru.set(key, entry);
    },

    delete: (key: string) => void lru.delete(key),
    stale: <T extends Versioned>(key: string) => lru.get(key, { allowStale: true }) as T | undefined,
    get size() {
      return lru.size;
    },
  };
}

export type MemoryCache = ReturnType<typeof createMemoryCache>;
