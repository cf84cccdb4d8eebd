// An in-memory FlagStore with the same rules as the PostgreSQL one (prisma-flag-store.ts), on the
// shared fake tables: versions, revisions, archiving, prerequisites and batches. `putFlag` is the
// one checked create-or-update of a flag with its audit event, used by the single writes and by a
// batch, which writes its segments with the fake segment store's `putSegment`.
import type { ActorRef } from '../../src/access/authorization.ts';
import { errors } from '../../src/errors.ts';
import type { Flag, FlagContent } from '../../src/flags/flag-schemas.ts';
import {
  type BatchKeys,
  type CheckSegments,
  type FlagStore,
  segmentsUsedBy,
} from '../../src/flags/flag-store.ts';
import {
  checkPrerequisites,
  needsPrerequisiteCheck,
  nodeOf,
  type PrerequisiteNode,
  requirersOf,
} from '../../src/flags/prerequisites.ts';
import type { FakeChange, FakeFlagData } from './fake-flag-data.ts';
import { putSegment } from './fake-segment-store.ts';

/** The live flags of `environment`, as prerequisites see them. */
const liveFlags = (data: FakeFlagData, environment: string) => {
  const graph = new Map<string, PrerequisiteNode>();
  for (const r of data.rows.values()) {
    if (!r.archived && r.flag.environment === environment) graph.set(r.flag.key, nodeOf(r.flag));
  }
  return graph;
};

const prerequisitesHold = (
  data: FakeFlagData,
  environment: string,
  key: string,
  content: FlagContent,
  before: Flag | null,
) => {
  if (needsPrerequisiteCheck(content, before)) {
    checkPrerequisites(environment, key, content, before, liveFlags(data, environment));
  }
};

/** Which of `keys` are segments of the environment. */
const existing = (data: FakeFlagData, environment: string, keys: string[]) =>
  new Set(keys.filter((k) => data.segments.has(data.id(environment, k))));

/**
 * Creates flag `key` (no `before`) or updates it, once its segments exist and its prerequisites
 * hold in the environment as it is, and records the event.
 */
export function putFlag(
  data: FakeFlagData,
  { environment, record }: FakeChange,
  key: string,
  content: FlagContent,
  before: Flag | null,
  check: CheckSegments,
  actor: ActorRef,
): Flag {
  check(content, existing(data, environment, segmentsUsedBy(content.rules)));
  prerequisitesHold(data, environment, key, content, before);
  const now = data.now();
  const flag = before
    ? data.shown({ ...before, ...content, version: before.version + 1, updatedAt: now })
    : data.shown({
        ...content,
        key,
        environment,
        version: 1,
        createdAt: now,
        updatedAt: now,
        archivedAt: null,
      });
  data.rows.set(data.id(environment, key), { flag, archived: false });
  record({
    actor,
    action: before ? 'flag.updated' : 'flag.created',
    flagKey: key,
    before,
    after: flag,
    version: flag.version,
  });
  return flag;
}

export function createFakeFlagStore(data: FakeFlagData): FlagStore {
  const { rows, id, now } = data;
  function live(environment: string, key: string) {
    const row = rows.get(id(environment, key));
    if (!row || row.archived) throw errors.flagNotFound(environment, key);
    return row;
  }
  const batchState = (environment: string, keys: BatchKeys, revision: number) => ({
    revision,
    flags: new Map(
      keys.flags.flatMap((key) => {
        const row = rows.get(id(environment, key));
        return row ? [[key, row.flag] as const] : [];
      }),
    ),
    segments: new Map(
      keys.segments.flatMap((key) => {
        const segment = data.segments.get(id(environment, key));
        return segment ? [[key, segment] as const] : [];
      }),
    ),
  });

  return {
    async getFlag(environment, key) {
      const row = rows.get(id(environment, key));
      if (row) return row.flag;
      throw data.envs.has(environment)
        ? errors.flagNotFound(environment, key)
        : errors.environmentNotFound(environment);
    },
    async pageFlags(environment, { archived, q, cursor, limit }) {
      if (!data.envs.has(environment)) return null;
      const text = q?.toLowerCase();
      const matching = [...rows.values()]
        .filter(
          (r) =>
            r.flag.environment === environment &&
            r.archived === archived &&
            (cursor === undefined || r.flag.key > cursor) &&
            (text === undefined ||
              r.flag.key.includes(text) ||
              r.flag.description.toLowerCase().includes(text)),
        )
        .map((r) => r.flag)
        .sort((a, b) => (a.key < b.key ? -1 : 1));
      const flags = matching.slice(0, limit);
      return { flags, nextCursor: matching.length > limit ? (flags.at(-1)?.key ?? null) : null };
    },
    async createFlag(environment, key, content, check, actor) {
      data.down();
      return data.change(environment, (change) => {
        const row = rows.get(id(environment, key));
        if (row) {
          throw row.archived ? errors.flagArchived(environment, key) : errors.flagExists(environment, key);
        }
        const flag = putFlag(data, change, key, content, null, check, actor);
        return { kind: 'flag', key, revision: change.revision, flag };
      });
    },
    async updateFlag(environment, key, update, check, actor) {
      data.down();
      data.environment(environment);
      const before = live(environment, key).flag;
      const content = update(before);
      // Nothing to change: nothing written, not even the revision.
      if (content === undefined) return { unchanged: before };
      return data.change(environment, (change) => {
        const flag = putFlag(data, change, key, content, before, check, actor);
        return { kind: 'flag', key, revision: change.revision, flag };
      });
    },
    async archiveFlag(environment, key, actor) {
      data.down();
      return data.change(environment, ({ revision, record }) => {
        const before = live(environment, key).flag;
        const requirers = requirersOf(
          [...rows.values()]
            .filter((r) => !r.archived && r.flag.environment === environment)
            .map((r) => r.flag),
          key,
        );
        if (requirers.length > 0) throw errors.flagRequired(key, requirers);
        const flag = { ...before, version: before.version + 1, updatedAt: now(), archivedAt: now() };
        rows.set(id(environment, key), { flag, archived: true });
        record({ actor, action: 'flag.archived', flagKey: key, before, version: flag.version });
        return { kind: 'flag', key, revision, flag: null };
      });
    },
    async restoreFlag(environment, key, check, actor) {
      data.down();
      return data.change(environment, ({ revision, record }) => {
        const row = rows.get(id(environment, key));
        if (!row) throw errors.flagNotFound(environment, key);
        if (!row.archived) throw errors.flagNotArchived(environment, key);
        const before = row.flag;
        // A segment its rules name may have been deleted while it was archived.
        check(before, existing(data, environment, segmentsUsedBy(before.rules)));
        // Its chains may have grown while it was archived.
        prerequisitesHold(data, environment, key, before, before);
        const flag = { ...before, version: before.version + 1, updatedAt: now(), archivedAt: null };
        rows.set(id(environment, key), { flag, archived: false });
        record({
          actor,
          action: 'flag.restored',
          flagKey: key,
          before,
          after: flag,
          version: flag.version,
        });
        return { kind: 'flag', key, revision, flag };
      });
    },
    async readBatch(environment, keys) {
      data.down();
      const env = data.envs.get(environment);
      if (!env) return null;
      return batchState(environment, keys, env.revision);
    },
    async writeBatch(environment, keys, plan, check, actor) {
      data.down();
      const env = data.environment(environment);
      const current = batchState(environment, keys, env.revision);
      const writes = plan(current);
      // Nothing to write: nothing written, not even the revision.
      if (writes.segments.length === 0 && writes.flags.length === 0) {
        return { revision: env.revision, flags: [], segments: [] };
      }
      return data.change(environment, (change) => {
        const segments = writes.segments.map(({ key, content }) => {
          const before = current.segments.get(key) ?? null;
          return [key, putSegment(data, change, key, content, before, actor)] as const;
        });
        const flags = writes.flags.map(({ key, content }) => {
          const before = current.flags.get(key) ?? null;
          if (before?.archivedAt) throw errors.flagArchived(environment, key);
          return [key, putFlag(data, change, key, content, before, check, actor)] as const;
        });
        return { revision: change.revision, flags, segments };
      });
    },
  };
}
