// The shared layer in Redis. A key holds a hash { v: version, d: entry as JSON }, and every
// write is a compare-and-set in one Lua script: an older version never replaces a newer one,
// whatever order the writes arrive in. Keys carry the format of the entries they hold, so
// instances of two releases whose entries differ in shape never read each other's.
import type { Redis } from 'ioredis';

export interface Versioned {
  version: number;
}

const SET_IF_NEWER = `
local current = tonumber(redis.call('HGET', KEYS[1], 'v'))
if current and current >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/**
 * The shape of cached entries: a new one when a release changes it (v2: flags with offVariant;
 * v3: one change per flag or segment, versioned by the environment revision that made it).
 */
export const ENTRY_FORMAT = 'v3:';

type WithScript = Redis & {
  flagstoneSetIfNewer(key: string, version: number, data: string, ttlMs: number): Promise<number>;
};

export interface RedisCacheOptions {
  redis: Redis;
  prefix: string;
  ttlMs: number;
}

export function createRedisCache({ redis, prefix: given, ttlMs }: RedisCacheOptions) {
  const prefix = given + ENTRY_FORMAT;
  redis.defineCommand('flagstoneSetIfNewer', { numberOfKeys: 1, lua: SET_IF_NEWER });
  const scripted = redis as WithScript;
  return {
    async get<T extends Versioned>(key: string): Promise<T | undefined> {
      const data = await redis.hget(prefix + key, 'd');
      return data ? (JSON.parse(data) as T) : undefined;
    },

    /** True when the entry was stored, false when Redis held the same or a newer version. */
    async setIfNewer(key: string, entry: Versioned): Promise<boolean> {
      return (
        (await scripted.flagstoneSetIfNewer(prefix + key, entry.version, JSON.stringify(entry), ttlMs)) === 1
      );
    },
  };
}

export type RedisCache = ReturnType<typeof createRedisCache>;
