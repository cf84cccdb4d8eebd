// The flag domain. Reads go to the cache, then the store: concurrent misses of one key share
// one store query, and when the store fails the last cached copy is served (marked stale).
// Writes go through the store in one transaction; only after the commit does the cache get
// the new version and every other instance hear about it.

import { type FlagCache, flagCacheKey, listCacheKey, type Versioned } from '../cache/flag-cache.ts';
import { type Invalidation, type InvalidationBus, localBus } from '../cache/invalidation-bus.ts';
import { DomainError, errors } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import type { AuditQuery, CreateFlagInput, Flag, FlagContent, FlagList, FlagPatch } from './flag-schemas.ts';
import type { FlagLookup, FlagStore } from './flag-store.ts';

interface ListEntry {
  version: number;
  list: FlagList;
}

/** An answer, and whether it is a cached copy served because the store failed. */
export interface Read<T> {
  value: T;
  stale: boolean;
}

interface Loaded<T> {
  value: T;
  counter: { inc(): void };
}

export type NewFlag = Omit<CreateFlagInput, 'environment'>;
export type Page = Pick<AuditQuery, 'cursor' | 'limit'>;

export interface FlagServiceDeps {
  store: FlagStore;
  cache: FlagCache;
  bus?: InvalidationBus;
  metrics: Pick<Metrics, 'flagReads'>;
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
  const fromCache = metrics.flagReads.labels('cache');
  const fromStore = metrics.flagReads.labels('database');
  const fromStale = metrics.flagReads.labels('stale');
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

  async function read<T extends Versioned>(key: string, query: () => Promise<T>): Promise<Read<T>> {
    const cached = cache.peek<T>(key);
    if (cached) {
      fromCache.inc();
      return { value: cached, stale: false };
    }
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

  async function loadList(environment: string): Promise<ListEntry> {
    const list = await store.listFlags(environment);
    if (!list) throw errors.environmentNotFound(environment);
    const entry: ListEntry = { version: list.revision, list };
    await cache.setIfNewer(listCacheKey(environment), entry);
    return entry;
  }

  /** After a commit: the caches get the new flag and a list at least as new, then everyone hears. */
  async function committed(environment: string, key: string, entry: FlagLookup, revision: number) {
    await cache.setIfNewer(flagCacheKey(environment, key), entry);
    await loadList(environment).catch(onStoreError);
    await bus.publish({ type: 'flag', environment, key, version: entry.version, revision });
  }

  return {
    /** A cached flag comes back synchronously: the hot path makes no promise. */
    getFlag(environment: string, key: string): Read<Flag> | Promise<Read<Flag>> {
      const cached = cache.peek<FlagLookup>(flagCacheKey(environment, key));
      if (cached) {
        fromCache.inc();
        return present(cached, false, environment, key);
      }
      return lookup(environment, key).then(({ value, stale }) => present(value, stale, environment, key));
    },

    async listFlags(environment: string): Promise<Read<FlagList>> {
      const { value, stale } = await read(listCacheKey(environment), () => loadList(environment));
      return { value: value.list, stale };
    },

    async createFlag(environment: string, { key, ...fields }: NewFlag, actor: string): Promise<Flag> {
      const content = checkContent({ enabled: false, description: '', variants: {}, rules: [], ...fields });
      const { flag, revision } = await store.createFlag(environment, key, content, actor);
      await committed(environment, key, { version: flag.version, flag }, revision);
      return flag;
    },

    /** Applies `patch`; with `expectedVersion`, only if the flag is still at that version. */
    async updateFlag(
      environment: string,
      key: string,
      patch: FlagPatch,
      actor: string,
      expectedVersion?: number,
    ): Promise<Flag> {
      const { flag, revision } = await store.updateFlag(
        environment,
        key,
        (current) => {
          if (expectedVersion !== undefined && current.version !== expectedVersion) {
            throw errors.versionMismatch(key, expectedVersion, current.version);
          }
          return checkContent({ ...contentOf(current), ...patch });
        },
        actor,
      );
      await committed(environment, key, { version: flag.version, flag }, revision);
      return flag;
    },

    async archiveFlag(environment: string, key: string, actor: string): Promise<void> {
      const { version, revision } = await store.archiveFlag(environment, key, actor);
      await committed(environment, key, { version, flag: null, missing: 'flag' }, revision);
    },

    /** Another instance committed a change: take its version from the shared cache, or forget ours. */
    async applyInvalidation({
      environment,
      key,
      version,
      revision,
    }: Extract<Invalidation, { type: 'flag' }>) {
      await Promise.all([
        cache.refresh(flagCacheKey(environment, key), version),
        cache.refresh(listCacheKey(environment), revision),
      ]);
    },

    /** Loads every flag of `environments` into the caches, so the first reads are hits. */
    async warm(environments: string[]): Promise<number> {
      let count = 0;
      for (const environment of environments) {
        const { list } = await loadList(environment);
        for (const flag of list.flags) {
          const entry: FlagLookup = { version: flag.version, flag };
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

function present(found: FlagLookup, stale: boolean, environment: string, key: string): Read<Flag> {
  if (found.flag) return { value: found.flag, stale };
  throw found.missing === 'environment'
    ? errors.environmentNotFound(environment)
    : errors.flagNotFound(environment, key);
}

const contentOf = ({ enabled, description, type, defaultValue, variants, rules }: Flag): FlagContent => ({
  enabled,
  description,
  type,
  defaultValue,
  variants,
  rules,
});

const TYPE_CHECKS = {
  boolean: [(v: unknown) => typeof v === 'boolean', 'a boolean'],
  string: [(v: unknown) => typeof v === 'string', 'a string'],
  number: [(v: unknown) => typeof v === 'number' && Number.isFinite(v), 'a number'],
  json: [(v: unknown) => typeof v === 'object' && v !== null, 'a JSON object or array'],
} as const;

/** Every value a flag can serve must be of its type; throws INVALID_FLAG naming the first that is not. */
export function checkContent(content: FlagContent): FlagContent {
  const [isValid, expected] = TYPE_CHECKS[content.type];
  const because = `because the flag type is ${content.type}`;
  if (!isValid(content.defaultValue)) {
    throw errors.invalidFlag(`defaultValue must be ${expected}, ${because}.`);
  }
  for (const [name, value] of Object.entries(content.variants)) {
    if (!isValid(value)) throw errors.invalidFlag(`variant '${name}' must be ${expected}, ${because}.`);
  }
  return content;
}
