// The flag domain. Reads go to the cache, then the store: concurrent misses of one key share
// one store query, and when the store fails the last cached copy is served (marked stale).
// Writes go through the store in one transaction; only after the commit does the cache get
// the new version and every other instance hear about it.

import { type FlagCache, flagCacheKey, listCacheKey, type Versioned } from '../cache/flag-cache.ts';
import { type Invalidation, type InvalidationBus, localBus } from '../cache/invalidation-bus.ts';
import { DomainError, errors } from '../errors.ts';
import { evaluate } from '../evaluation/evaluate.ts';
import { conditionProblem } from '../evaluation/validate-rules.ts';
import { bind, type Metrics } from '../metrics.ts';
import { changes, type NewFlag, newContent, patchedContent } from './flag-content.ts';
import type {
  AdminFlagQuery,
  AuditQuery,
  Flag,
  FlagList,
  FlagPatch,
  SegmentContent,
} from './flag-schemas.ts';
import type { FlagLookup, FlagStore, FlagWrite, SegmentConditions } from './flag-store.ts';
import type { Evaluation, EvaluationContext, Segment } from './rule-schemas.ts';

interface ListEntry {
  version: number;
  list: FlagList;
  segments: SegmentConditions;
}

/** Committed changes of one environment not yet sent: the newest entry per flag key, and the newest revision. */
interface Unsent {
  changed: Map<string, FlagLookup>;
  revision: number;
}

export type KeyedEvaluation = { key: string } & Evaluation;

/** An answer, and whether it is a cached copy served because the store failed. */
export interface Read<T> {
  value: T;
  stale: boolean;
}

interface Loaded<T> {
  value: T;
  counter: { inc(): void };
}

export type Page = Pick<AuditQuery, 'cursor' | 'limit'>;

export interface FlagServiceDeps {
  store: FlagStore;
  cache: FlagCache;
  bus?: InvalidationBus;
  metrics: Pick<Metrics, 'flagReads' | 'unsentChanges'>;
  /** Told about store failures that a read survived or turned into a 503. */
  onStoreError?: (err: unknown) => void;
}

export function createFlagService({
  store,
  cache,
  bus = localBus,
  metrics,
  onStoreError = () => {},
}: FlagServiceDeps) {
  const fromCache = bind(metrics.flagReads, { source: 'cache' });
  const fromStore = bind(metrics.flagReads, { source: 'database' });
  const fromStale = bind(metrics.flagReads, { source: 'stale' });
  const inflight = new Map<string, Promise<Loaded<Versioned>>>();

  /** One shared-cache fetch, then at most one store query, per key at a time, however many requests miss it together. */
  function load<T extends Versioned>(key: string, query: () => Promise<T>): Promise<Loaded<T>> {
    let pending = inflight.get(key) as Promise<Loaded<T>> | undefined;
    if (!pending) {
      pending = (async (): Promise<Loaded<T>> => {
        const shared = await cache.fetch<T>(key);
        return shared ? { value: shared, counter: fromCache } : { value: await query(), counter: fromStore };
      })().finally(() => inflight.delete(key));
      inflight.set(key, pending);
    }
    return pending;
  }

  /** A read: synchronous when this instance holds the entry, so the hot path makes no promise. */
  function read<T extends Versioned>(key: string, query: () => Promise<T>): Read<T> | Promise<Read<T>> {
    const cached = cache.peek<T>(key);
    if (cached) {
      fromCache.inc();
      return { value: cached, stale: false };
    }
    return readThrough(key, query);
  }

  /** Past the in-process layer: the shared cache, then the store, else a stale copy. */
  async function readThrough<T extends Versioned>(key: string, query: () => Promise<T>): Promise<Read<T>> {
    try {
      const { value, counter } = await load(key, query);
      counter.inc();
      return { value, stale: false };
    } catch (err) {
      if (err instanceof DomainError) throw err;
      onStoreError(err);
      const stale = cache.stale<T>(key);
      if (!stale) throw errors.unavailable();
      fromStale.inc();
      return { value: stale, stale: true };
    }
  }

  const lookup = (environment: string, key: string) => {
    const cacheKey = flagCacheKey(environment, key);
    return read(cacheKey, async (): Promise<FlagLookup> => {
      const found = await store.findFlag(environment, key);
      await cache.setIfNewer(cacheKey, found, found.flag ? 'normal' : 'brief');
      return found;
    });
  };

  async function queryList(environment: string): Promise<ListEntry> {
    const snapshot = await store.listFlags(environment);
    if (!snapshot) throw errors.environmentNotFound(environment);
    return { version: snapshot.list.revision, ...snapshot };
  }

  async function loadList(environment: string): Promise<ListEntry> {
    const entry = await queryList(environment);
    await cache.setIfNewer(listCacheKey(environment), entry);
    return entry;
  }

  const readList = (environment: string) => read(listCacheKey(environment), () => loadList(environment));

  /**
   * Committed changes that did not reach Redis or the other instances (a write or a message
   * failed), per environment, newest version per key. Until they are sent, Redis can hold an
   * older version for CACHE_TTL_SECONDS, which other instances serve once their own copies
   * expire; so they are sent again with the next change, or by `resend` when Redis is back.
   */
  const unsent = new Map<string, Unsent>();
  /** Taken from `unsent` by a send that has not finished: still unsent for the gauge. */
  const sending = new Set<Unsent>();

  function remember(environment: string, changed: Iterable<[string, FlagLookup]>, revision: number) {
    const pending = unsent.get(environment) ?? { changed: new Map(), revision };
    pending.revision = Math.max(pending.revision, revision);
    for (const [key, entry] of changed) {
      const held = pending.changed.get(key);
      if (!held || held.version < entry.version) pending.changed.set(key, entry);
    }
    unsent.set(environment, pending);
    countUnsent();
  }

  /** A change without flags (an environment's) counts as one. */
  function countUnsent() {
    let changes = 0;
    for (const { changed } of [...unsent.values(), ...sending]) changes += Math.max(changed.size, 1);
    metrics.unsentChanges.set(changes);
  }

  /** After a commit: the caches get the new flags and a list at least as new, then everyone hears. */
  async function committed(environment: string, changed: Iterable<[string, FlagLookup]>, revision: number) {
    // What this environment still owes Redis goes along.
    remember(environment, changed, revision);
    await flush(environment);
  }

  /** Sends what `environment` owes Redis; true when all of it got there. */
  async function flush(environment: string): Promise<boolean> {
    const pending = unsent.get(environment);
    if (!pending) return true;
    unsent.delete(environment);
    sending.add(pending);
    const sent = await send(environment, pending);
    sending.delete(pending);
    if (sent) countUnsent();
    else remember(environment, pending.changed, pending.revision);
    return sent;
  }

  /** True when Redis took every entry and every message; each step is tried regardless. */
  async function send(environment: string, { changed, revision }: Unsent): Promise<boolean> {
    let sent = true;
    for (const [key, entry] of changed) {
      sent = (await cache.setIfNewer(flagCacheKey(environment, key), entry)) && sent;
    }
    try {
      sent = (await cache.setIfNewer(listCacheKey(environment), await queryList(environment))) && sent;
    } catch (err) {
      // An environment that is gone has no list to send.
      if (!(err instanceof DomainError)) {
        onStoreError(err);
        sent = false;
      }
    }
    for (const [key, { version }] of changed) {
      sent = (await bus.publish({ type: 'flag', environment, key, version, revision })) && sent;
    }
    if (changed.size === 0)
      sent = (await bus.publish({ type: 'environment', environment, revision })) && sent;
    return sent;
  }

  /** A live flag and its segments when this instance holds them in memory: a cache read, counted. */
  function held(environment: string, key: string): LiveLookup | undefined {
    const found = cache.held(flagCacheKey(environment, key), isLive);
    if (found) fromCache.inc();
    return found;
  }

  const live = ({ flag, segments }: FlagWrite): FlagLookup => ({ version: flag.version, flag, segments });

  return {
    getFlag(environment: string, key: string): Read<Flag> | Promise<Read<Flag>> {
      const found = lookup(environment, key);
      const present = ({ value, stale }: Read<FlagLookup>) => ({
        value: existing(value, environment, key).flag,
        stale,
      });
      return found instanceof Promise ? found.then(present) : present(found);
    },

    /** The flag when this instance holds it in memory, fresh; undefined for anything else. */
    heldFlag(environment: string, key: string): Flag | undefined {
      return held(environment, key)?.flag;
    },

    /** The evaluation of a flag this instance holds in memory, fresh; undefined when it holds none. */
    evaluateHeld(environment: string, key: string, context: EvaluationContext): Evaluation | undefined {
      const found = held(environment, key);
      return found && evaluate(found.flag, found.segments, context);
    },

    async listFlags(environment: string): Promise<Read<FlagList>> {
      const { value, stale } = await readList(environment);
      return { value: value.list, stale };
    },

    /** Evaluates one flag for `context` on its cached entry: no database or Redis round trip on a hit. */
    evaluateFlag(
      environment: string,
      key: string,
      context: EvaluationContext,
    ): Evaluation | Promise<Evaluation> {
      const found = lookup(environment, key);
      const run = ({ value }: Read<FlagLookup>) => {
        const { flag, segments } = existing(value, environment, key);
        return evaluate(flag, segments, context);
      };
      return found instanceof Promise ? found.then(run) : run(found);
    },

    /** Evaluates every live flag of the environment; the revision identifies what was evaluated. */
    async evaluateAll(environment: string, context: EvaluationContext) {
      const { value } = await readList(environment);
      const results: KeyedEvaluation[] = value.list.flags.map((flag) => ({
        key: flag.key,
        ...evaluate(flag, value.segments, context),
      }));
      return { revision: value.list.revision, results };
    },

    async createFlag(environment: string, input: NewFlag, actor: string): Promise<Flag> {
      const written = await store.createFlag(
        environment,
        input.key,
        (segmentKeys) => newContent(input, segmentKeys),
        actor,
      );
      await committed(environment, [[input.key, live(written)]], written.revision);
      return written.flag;
    },

    /** A flag as an admin sees it: live or archived. */
    getAdminFlag: (environment: string, key: string) => store.getFlag(environment, key),

    /** A page of an environment's flags, live or archived, optionally those whose key or description holds `q`. */
    async pageFlags(environment: string, query: Omit<AdminFlagQuery, 'environment'>) {
      const page = await store.pageFlags(environment, query);
      if (!page) throw errors.environmentNotFound(environment);
      return page;
    },

    /** Applies `patch`; with `expectedVersion`, only if the flag is still at that version. */
    async updateFlag(
      environment: string,
      key: string,
      patch: FlagPatch,
      actor: string,
      expectedVersion?: number,
    ): Promise<Flag> {
      const written = await store.updateFlag(
        environment,
        key,
        (current, segmentKeys) => {
          if (expectedVersion !== undefined && current.version !== expectedVersion) {
            throw errors.versionMismatch(key, expectedVersion, current.version);
          }
          const content = patchedContent(current, patch, segmentKeys);
          return changes(current, content) ? content : undefined;
        },
        actor,
      );
      // Nothing changed: no version, revision, audit event or message, so every ETag stays.
      if ('unchanged' in written) return written.unchanged;
      await committed(environment, [[key, live(written)]], written.revision);
      return written.flag;
    },

    async archiveFlag(environment: string, key: string, actor: string): Promise<void> {
      const { version, revision } = await store.archiveFlag(environment, key, actor);
      await committed(environment, [[key, { version, flag: null, missing: 'flag' }]], revision);
    },

    async listSegments(environment: string): Promise<Segment[]> {
      const segments = await store.listSegments(environment);
      if (!segments) throw errors.environmentNotFound(environment);
      return segments;
    },

    async getSegment(environment: string, key: string): Promise<Segment> {
      const segment = await store.findSegment(environment, key);
      if (segment) return segment;
      await this.listSegments(environment); // an unknown environment is its own 404
      throw errors.segmentNotFound(environment, key);
    },

    async createSegment(environment: string, key: string, input: Partial<SegmentContent>, actor: string) {
      const content = checkSegment({ description: '', conditions: [], ...input });
      const { segment, revision } = await store.createSegment(environment, key, content, actor);
      await committed(environment, [], revision);
      return segment;
    },

    /** Changes a segment; every flag that uses it moves to its next version, in every cache. */
    async updateSegment(environment: string, key: string, patch: Partial<SegmentContent>, actor: string) {
      const { segment, revision, flags } = await store.updateSegment(
        environment,
        key,
        (current) =>
          checkSegment({ description: current.description, conditions: current.conditions, ...patch }),
        actor,
      );
      await committed(
        environment,
        flags.map((w) => [w.flag.key, live(w)]),
        revision,
      );
      return segment;
    },

    async deleteSegment(environment: string, key: string, actor: string): Promise<void> {
      const { revision } = await store.deleteSegment(environment, key, actor);
      await committed(environment, [], revision);
    },

    /** Another instance committed a change: take its version from the shared cache, or forget ours. */
    async applyInvalidation(message: Extract<Invalidation, { type: 'flag' | 'environment' }>) {
      await Promise.all([
        message.type === 'flag' &&
          cache.refresh(flagCacheKey(message.environment, message.key), message.version),
        cache.refresh(listCacheKey(message.environment), message.revision),
      ]);
    },

    /**
     * Sends again the committed changes Redis missed (see `unsent`); call it when Redis is back,
     * and now and then. How many environments it sent; anything still failing stays for the next call.
     */
    async resend(): Promise<number> {
      let sent = 0;
      for (const environment of [...unsent.keys()]) {
        if (unsent.has(environment) && (await flush(environment))) sent++;
      }
      return sent;
    },

    /** Loads every flag of `environments` into the caches, so the first reads are hits. */
    async warm(environments: string[]): Promise<number> {
      let count = 0;
      for (const environment of environments) {
        const { list, segments } = await loadList(environment);
        for (const flag of list.flags) {
          const entry: FlagLookup = { version: flag.version, flag, segments };
          await cache.setIfNewer(flagCacheKey(environment, flag.key), entry);
        }
        count += list.flags.length;
      }
      return count;
    },

    /** The audit trail of one key, archived flags included. */
    async history(environment: string, key: string, page: Page) {
      const { value } = await lookup(environment, key);
      if (!value.flag && value.missing === 'environment') throw errors.environmentNotFound(environment);
      return store.listAudit({ ...page, environment, flagKey: key });
    },

    /** In-process cache entries (expired ones included): what could be served without the database. */
    cachedEntries: () => cache.size,

    listAudit: (query: AuditQuery) => store.listAudit(query),
    listEnvironments: () => store.listEnvironments(),
    createEnvironment: (key: string, actor: string) => store.createEnvironment(key, actor),
  };
}

export type FlagService = ReturnType<typeof createFlagService>;

type LiveLookup = Extract<FlagLookup, { flag: Flag }>;

const isLive = (found: FlagLookup): found is LiveLookup => found.flag !== null;

/** The lookup's flag and segments, or the 404 that says which of flag or environment is missing. */
function existing(found: FlagLookup, environment: string, key: string): LiveLookup {
  if (found.flag) return found;
  throw found.missing === 'environment'
    ? errors.environmentNotFound(environment)
    : errors.flagNotFound(environment, key);
}

function checkSegment(content: SegmentContent): SegmentContent {
  const problem = conditionProblem(content.conditions, 'conditions');
  if (problem) throw errors.invalidSegment(problem);
  return content;
}
