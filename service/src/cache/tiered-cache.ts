// The FlagCache the service uses: the in-process layer, then Redis when configured. Redis is
// an optimization: every call to it goes through the breaker, and a failure is counted and
// treated as a miss, never raised.
import { bind, type Metrics } from '../metrics.ts';
import type { Breaker } from './breaker.ts';
import type { FlagCache, Lifetime, Versioned } from './flag-cache.ts';
import type { MemoryCache } from './memory-cache.ts';
import type { RedisCache } from './redis-cache.ts';

export interface TieredCacheDeps {
  /** Absent when the in-process layer is turned off. */
  memory?: MemoryCache;
  /** Absent when Redis is not configured. */
  redis?: { cache: RedisCache; breaker: Breaker };
  metrics: Pick<Metrics, 'cacheLookups' | 'redisErrors'>;
  onRedisError?: (err: unknown, operation: string) => void;
}

export function createTieredCache({
  memory,
  redis,
  metrics,
  onRedisError = () => {},
}: TieredCacheDeps): FlagCache {
  const lookups = (layer: string, result: string) => bind(metrics.cacheLookups, { layer, result });
  const memoryHit = lookups('memory', 'hit');
  const memoryMiss = lookups('memory', 'miss');
  const redisHit = lookups('redis', 'hit');
  const redisMiss = lookups('redis', 'miss');

  async function remote<T>(
    operation: string,
    work: (cache: RedisCache) => Promise<T>,
  ): Promise<T | undefined> {
    if (!redis) return undefined;
    try {
      return await redis.breaker.run(() => work(redis.cache));
    } catch (err) {
      metrics.redisErrors.inc({ operation });
      onRedisError(err, operation);
      return undefined;
    }
  }

  return {
    peek<T extends Versioned>(key: string) {
      if (!memory) return undefined;
      const entry = memory.get<T>(key);
      (entry ? memoryHit : memoryMiss).inc();
      return entry;
    },

    held<T extends Versioned, U extends T>(key: string, usable: (entry: T) => entry is U) {
      const entry = memory?.get<T>(key);
      if (!entry || !usable(entry)) return undefined;
      memoryHit.inc();
      return entry;
    },

    async fetch<T extends Versioned>(key: string) {
      if (!redis) return undefined;
      const entry = await remote('get', (cache) => cache.get<T>(key));
      (entry ? redisHit : redisMiss).inc();
      if (entry) memory?.setIfNewer(key, entry);
      return entry;
    },

    async setIfNewer(key: string, entry: Versioned, lifetime?: Lifetime) {
      memory?.setIfNewer(key, entry);
      if (!redis) return true;
      return (await remote('set', (cache) => cache.setIfNewer(key, entry, lifetime))) !== undefined;
    },

    async refresh(key: string, version: number) {
      if (!memory) return;
      const entry = await remote('get', (cache) => cache.get(key));
      if (entry && entry.version >= version) memory.setIfNewer(key, entry);
      else memory.delete(key);
    },

    stale: <T extends Versioned>(key: string) => memory?.stale<T>(key),

    get size() {
      return memory?.size ?? 0;
    },
  };
}
