// Requests per key (a token) over fixed windows, for the per-token rate limits. Without Redis,
// counting is in process and exact. With Redis, instances lease the budget of a window in
// chunks: one Lua call grants a chunk of what is left (never more), and the instance spends it
// locally, so a request costs no Redis round trip until its chunk runs out, and all instances
// together never admit more than the limit. A single instance leases every chunk itself and so
// never refuses below the limit; with several, a chunk one holds unspent is not available to the
// others until the window ends (at most a chunk each: a fiftieth of the limit). A lease that
// fails grants the instance one chunk of its own and no more: a lease that timed out has most
// often run in Redis all the same (a busy event loop, not a lost Redis), and that chunk is then
// exactly what Redis recorded. While Redis stays down, each instance goes on a chunk at a time
// and limits with its own counts. It is the store of @fastify/rate-limit (incr, child) and
// answers the fast paths (take).
import type { Redis } from 'ioredis';

/**
 * Grants up to ARGV[1] of the ARGV[2] a window allows, opening the window (ARGV[3] ms) when it is
 * new: the grant, what had been granted before it, and the milliseconds left.
 */
const LEASE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local grant = math.min(tonumber(ARGV[1]), tonumber(ARGV[2]) - used)
if grant < 0 then grant = 0 end
if grant > 0 then
  redis.call('INCRBY', KEYS[1], grant)
  if used == 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
end
return {grant, used, redis.call('PTTL', KEYS[1])}`;

type WithScript = Redis & {
  flagstoneLease(key: string, want: number, max: number, windowMs: number): Promise<[number, number, number]>;
};

interface Window {
  /** Requests admitted here in this window. */
  count: number;
  /** Of the budget leased from Redis, what is left to admit here (without Redis: unused). */
  leased: number;
  /** The budget was spent when it was last asked for: refuse without asking until the window ends. */
  exhausted: boolean;
  /** Of the window's budget, what this instance has leased in all. */
  granted: number;
  /** What the other instances had leased at this instance's last lease (for the limit headers). */
  others: number;
  endsAt: number;
  /** A lease under way: requests arriving meanwhile wait for it. */
  leasing?: Promise<void>;
}

export interface WindowCount {
  current: number;
  ttl: number;
}

export interface WindowCounterOptions {
  max: number;
  windowMs: number;
  /** Shares the budget when set: keys are `prefix + key`. */
  redis?: { client: Redis; prefix: string };
  onRedisError?: (err: unknown) => void;
  /** The clock windows are measured by (tests move it). */
  now?: () => number;
}

/** How many of a window's requests one lease grants at most. */
export const chunkOf = (max: number) => Math.max(1, Math.ceil(max / 50));

/** Counts requests per key; see the top of this file. */
export function createWindowCounter({
  max,
  windowMs,
  redis,
  onRedisError = () => {},
  now: clock = Date.now,
}: WindowCounterOptions) {
  const windows = new Map<string, Window>();
  const chunk = chunkOf(max);
  redis?.client.defineCommand('flagstoneLease', { numberOfKeys: 1, lua: LEASE });
  let sweptAt = clock();

  /** Forgets ended windows now and then, so keys seen once do not stay. */
  function sweep(now: number) {
    if (now - sweptAt < windowMs) return;
    sweptAt = now;
    for (const [key, window] of windows) if (window.endsAt <= now) windows.delete(key);
  }

  function windowOf(key: string, now: number): Window {
    let window = windows.get(key);
    if (!window || window.endsAt <= now) {
      sweep(now);
      window = { count: 0, leased: 0, exhausted: false, granted: 0, others: 0, endsAt: now + windowMs };
      windows.set(key, window);
    }
    return window;
  }

  /** Asks Redis for a chunk; on failure, this instance goes on with a budget of its own. */
  async function lease(key: string, window: Window): Promise<void> {
    const { client, prefix } = redis!;
    try {
      const [grant, used, ttl] = await (client as WithScript).flagstoneLease(
        prefix + key,
        chunk,
        max,
        windowMs,
      );
      window.others = used - window.granted;
      window.granted += grant;
      window.leased += grant;
      window.exhausted = grant === 0;
      if (ttl > 0) window.endsAt = clock() + ttl;
    } catch (err) {
      onRedisError(err);
      window.leased = Math.max(0, Math.min(chunk, max - window.count));
      window.exhausted = window.leased === 0;
    }
  }

  /** Admits one request of a window that has budget here; false when it has none left here. */
  function admit(window: Window): boolean {
    if (!redis) {
      window.count++;
      return window.count <= max;
    }
    if (window.leased === 0) return false;
    window.leased--;
    window.count++;
    return true;
  }

  const answer = (window: Window, admitted: boolean, now: number): WindowCount => ({
    // Over the limit when refused; otherwise how many the window has admitted as far as known.
    current: admitted ? Math.min(max, window.others + window.count) : max + 1,
    ttl: Math.max(0, window.endsAt - now),
  });

  const counter = {
    max,

    /** Counts a request and returns true when this instance has budget for it at once; false leaves it to `incr`. */
    take(key: string): boolean {
      const window = windows.get(key);
      if (!window || window.endsAt <= clock() || window.leasing) return false;
      if (redis ? window.leased === 0 : window.count >= max) return false;
      return admit(window);
    },

    /** Counts a request: the store interface of @fastify/rate-limit. */
    incr(key: string, done: (err: Error | null, count: WindowCount) => void): void {
      const now = clock();
      const window = windowOf(key, now);
      if (!redis || window.leased > 0 || window.exhausted) {
        const admitted = !window.exhausted && admit(window);
        done(null, answer(window, admitted, now));
        return;
      }
      window.leasing ??= lease(key, window).finally(() => {
        window.leasing = undefined;
      });
      void window.leasing.then(() => {
        // Requests that waited for the same lease share it; one finding it spent asks again.
        if (window.leased === 0 && !window.exhausted) return counter.incr(key, done);
        done(null, answer(window, !window.exhausted && admit(window), clock()));
      });
    },

    /** A route-specific limit would get a store of its own; these limits are per token, for all routes. */
    child: () => counter,
  };
  return counter;
}

export type WindowCounter = ReturnType<typeof createWindowCounter>;
