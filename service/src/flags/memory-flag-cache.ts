// The in-process cache: a bounded LRU whose entries expire after `ttlMs`, which bounds how
// stale another instance's change can look when nothing else tells this one about it.
import { LRUCache } from 'lru-cache';
import type { FlagCache, Versioned } from './flag-cache.ts';

export function createMemoryFlagCache({ ttlMs, max = 50_000 }: { ttlMs: number; max?: number }): FlagCache {
  const lru = new LRUCache<string, Versioned>({ max, ttl: ttlMs });
  return {
    get: async <T extends Versioned>(key: string) => lru.get(key) as T | undefined,
    async setIfNewer(key, entry) {
      const current = lru.get(key);
      if (!current || entry.version > current.version) lru.set(key, entry);
    },
    async delete(key) {
      lru.delete(key);
    },
  };
}
