// The shared layer: Redis, through its breaker. Every call is an optimization: a failure is
// counted, reported and answered as a miss (or false), never raised.
import { bind, type Metrics } from '../metrics.ts';
import type { Breaker } from './breaker.ts';
import type { RedisCache, Versioned } from './redis-cache.ts';

export interface SharedEntriesDeps {
  cache: RedisCache;
  breaker: Breaker;
  metrics: Pick<Metrics, 'cacheLookups' | 'redisErrors'>;
  onRedisError?: (err: unknown, operation: string) => void;
}

export function createSharedEntries({ cache, breaker, metrics, onRedisError = () => {} }: SharedEntriesDeps) {
  const hit = bind(metrics.cacheLookups, { layer: 'redis', result: 'hit' });
  const miss = bind(metrics.cacheLookups, { layer: 'redis', result: 'miss' });

  async function remote<T>(operation: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await breaker.run(work);
    } catch (err) {
      metrics.redisErrors.inc({ operation });
      onRedisError(err, operation);
      return undefined;
    }
  }

  return {
    async get<T extends Versioned>(key: string): Promise<T | undefined> {
      const entry = await remote('get', () => cache.get<T>(key));
      (entry ? hit : miss).inc();
      return entry;
    },

    /** Stores the entry unless Redis holds the same or a newer version; false when Redis failed. */
    async setIfNewer(key: string, entry: Versioned): Promise<boolean> {
      return (await remote('set', () => cache.setIfNewer(key, entry))) !== undefined;
    },
  };
}

export type SharedEntries = ReturnType<typeof createSharedEntries>;
