// Requests per key (a token) over fixed windows, for the per-token rate limits. Counting is in
// process; with Redis, counts are shared in batches, so a request costs no Redis round trip
// while its token is well within the limit. The last tenth of a limit is counted in Redis
// request by request, as is the first request of a window, so instances agree where it matters:
// across instances a token can overshoot only by what it sends in one sync interval while
// crossing into that last tenth. When Redis fails, each instance goes on limiting with its own
// counts. It is the store of @fastify/rate-limit (incr, child) and answers the fast paths (take).
import type { Redis } from 'ioredis';

/** INCRBY, a new key expiring after the window: the count and the milliseconds left. */
const COUNT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {count, redis.call('PTTL', KEYS[1])}`;

type WithScript = Redis & {
  flagstoneCountWindow(key: string, by: number, windowMs: number): Promise<[number, number]>;
};

interface Window {
  /** Requests in this window as far as this instance knows: all instances' at the last sync, plus its own since. */
  count: number;
  /** Requests counted here and not yet added in Redis. */
  unsynced: number;
  endsAt: number;
}

export interface WindowCount {
  current: number;
  ttl: number;
}

export interface WindowCounterOptions {
  max: number;
  windowMs: number;
  /** Shares counts when set: keys are `prefix + key`. */
  redis?: { client: Redis; prefix: string; syncMs: number };
  onRedisError?: (err: unknown) => void;
}

/** Counts requests per key; see the top of this file. */
export function createWindowCounter({ max, windowMs, redis, onRedisError = () => {} }: WindowCounterOptions) {
  const windows = new Map<string, Window>();
  // Counts below this are counted here alone; from it on each request is counted in Redis.
  const localBelow = redis ? max - Math.ceil(max / 10) : max;
  redis?.client.defineCommand('flagstoneCountWindow', { numberOfKeys: 1, lua: COUNT });
  let timer: NodeJS.Timeout | undefined;

  function countHere(window: Window) {
    window.count++;
    if (!redis) return;
    window.unsynced++;
    timer ??= setTimeout(() => void flush(), redis.syncMs).unref();
  }

  /** Adds the unsynced requests and `extra` more in Redis, and learns every instance's count. */
  async function sync(key: string, window: Window, extra: number): Promise<void> {
    const { client, prefix } = redis!;
    const by = window.unsynced + extra;
    window.unsynced = 0;
    try {
      const [count, ttl] = await (client as WithScript).flagstoneCountWindow(prefix + key, by, windowMs);
      // What was counted here while the call was under way is not in Redis's count yet.
      window.count = count + window.unsynced;
      if (ttl > 0) window.endsAt = Date.now() + ttl;
    } catch (err) {
      onRedisError(err);
    }
  }

  /** Adds what was counted here to Redis; resolves when that is done or has failed. */
  async function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const now = Date.now();
    const syncs: Promise<void>[] = [];
    for (const [key, window] of windows) {
      if (window.unsynced > 0) syncs.push(sync(key, window, 0));
      else if (window.endsAt <= now) windows.delete(key);
    }
    await Promise.all(syncs);
  }

  const counter = {
    max,
    flush,

    /**
     * Counts a request and returns true when the key is in a window this instance knows and well
     * within the limit; otherwise returns false and counts nothing (`incr` decides those).
     */
    take(key: string): boolean {
      const window = windows.get(key);
      if (!window || window.endsAt <= Date.now() || window.count >= localBelow) return false;
      countHere(window);
      return true;
    },

    /** Counts a request: the store interface of @fastify/rate-limit. */
    incr(key: string, done: (err: Error | null, count: WindowCount) => void): void {
      const now = Date.now();
      const known = windows.get(key);
      const opens = !known || known.endsAt <= now;
      const window = opens ? { count: 0, unsynced: 0, endsAt: now + windowMs } : known;
      if (opens) windows.set(key, window);
      // Without Redis every request is counted here; with it, a window's first request and those
      // in the last tenth are counted in Redis.
      if (!redis || (!opens && window.count < localBelow)) {
        countHere(window);
        done(null, { current: window.count, ttl: window.endsAt - now });
        return;
      }
      window.count++;
      void sync(key, window, 1).then(() =>
        done(null, { current: window.count, ttl: Math.max(0, window.endsAt - Date.now()) }),
      );
    },

    /** A route-specific limit would get a store of its own; these limits are per token, for all routes. */
    child: () => counter,
  };
  return counter;
}

export type WindowCounter = ReturnType<typeof createWindowCounter>;
