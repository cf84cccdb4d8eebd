// The flag domain. Reads are cache-aside through the FlagCache; writes go through the store
// in one transaction, and the cache learns about them only after the commit.
import { errors } from '../errors.ts';
import { type FlagCache, flagCacheKey, listCacheKey } from './flag-cache.ts';
import type { AuditQuery, CreateFlagInput, Flag, FlagContent, FlagList, FlagPatch } from './flag-schemas.ts';
import type { FlagLookup, FlagStore } from './flag-store.ts';

interface ListEntry {
  version: number;
  list: FlagList;
}

export type NewFlag = Omit<CreateFlagInput, 'environment'>;
export type Page = Pick<AuditQuery, 'cursor' | 'limit'>;

export function createFlagService({ store, cache }: { store: FlagStore; cache: FlagCache }) {
  async function lookup(environment: string, key: string): Promise<FlagLookup> {
    const cacheKey = flagCacheKey(environment, key);
    const cached = await cache.get<FlagLookup>(cacheKey);
    if (cached) return cached;
    const found = await store.findFlag(environment, key);
    await cache.setIfNewer(cacheKey, found);
    return found;
  }

  async function loadList(environment: string): Promise<FlagList> {
    const list = await store.listFlags(environment);
    if (!list) throw errors.environmentNotFound(environment);
    const entry: ListEntry = { version: list.revision, list };
    await cache.setIfNewer(listCacheKey(environment), entry);
    return list;
  }

  /** Runs after a commit: the cache gets the new flag and a list at least as new as the write. */
  async function committed(environment: string, key: string, entry: FlagLookup) {
    await cache.setIfNewer(flagCacheKey(environment, key), entry);
    await loadList(environment);
  }

  return {
    async getFlag(environment: string, key: string): Promise<Flag> {
      const found = await lookup(environment, key);
      if (found.flag) return found.flag;
      throw found.missing === 'environment'
        ? errors.environmentNotFound(environment)
        : errors.flagNotFound(environment, key);
    },

    async listFlags(environment: string): Promise<FlagList> {
      const cached = await cache.get<ListEntry>(listCacheKey(environment));
      return cached ? cached.list : loadList(environment);
    },

    async createFlag(environment: string, { key, ...fields }: NewFlag, actor: string): Promise<Flag> {
      const content = checkContent({ enabled: false, description: '', variants: {}, rules: [], ...fields });
      const { flag } = await store.createFlag(environment, key, content, actor);
      await committed(environment, key, { version: flag.version, flag });
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
      const { flag } = await store.updateFlag(
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
      await committed(environment, key, { version: flag.version, flag });
      return flag;
    },

    async archiveFlag(environment: string, key: string, actor: string): Promise<void> {
      const { version } = await store.archiveFlag(environment, key, actor);
      await committed(environment, key, { version, flag: null, missing: 'flag' });
    },

    /** The audit trail of one key, archived flags included. */
    async history(environment: string, key: string, page: Page) {
      const found = await lookup(environment, key);
      if (!found.flag && found.missing === 'environment') throw errors.environmentNotFound(environment);
      return store.listAudit({ ...page, environment, flagKey: key });
    },

    listAudit: (query: AuditQuery) => store.listAudit(query),
    listEnvironments: () => store.listEnvironments(),
    createEnvironment: (key: string, actor: string) => store.createEnvironment(key, actor),
  };
}

export type FlagService = ReturnType<typeof createFlagService>;

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
