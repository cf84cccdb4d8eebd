// An in-memory FlagStore with the same rules as the PostgreSQL one: versions, revisions,
// archiving, segments, and an audit trail that is the change log. It counts calls, so tests can
// see what reached it, and `fail` makes every call reject, as an unreachable database would.
import { type ActorRef, asActor } from '../../src/access/authorization.ts';
import { errors } from '../../src/errors.ts';
import { defaultValueOf } from '../../src/flags/flag-content.ts';
import type {
  StoredAuditEvent as AuditEvent,
  Environment,
  Flag,
  FlagContent,
} from '../../src/flags/flag-schemas.ts';
import { type BatchKeys, type FlagStore, segmentsUsedBy } from '../../src/flags/flag-store.ts';
import {
  checkPrerequisites,
  needsPrerequisiteCheck,
  nodeOf,
  type PrerequisiteNode,
  requirersOf,
} from '../../src/flags/prerequisites.ts';
import type { Segment } from '../../src/flags/rule-schemas.ts';

interface Row {
  flag: Flag;
  archived: boolean;
}

export function createFakeFlagStore(environments = ['production', 'staging', 'development']) {
  const envs = new Map<string, Environment>(
    environments.map((key) => [
      key,
      { key, revision: 0, protected: false, createdAt: new Date(0).toISOString() },
    ]),
  );
  const rows = new Map<string, Row>();
  const segments = new Map<string, Segment>();
  const audit: AuditEvent[] = [];
  const calls = { loadEnvironment: 0, changesSince: 0, environmentRevisions: 0 };
  const state = { failing: false };
  const id = (environment: string, key: string) => `${environment}/${key}`;
  const now = () => new Date().toISOString();
  const shown = (flag: Omit<Flag, 'defaultValue'> & FlagContent): Flag => ({
    ...flag,
    defaultValue: defaultValueOf(flag),
  });

  function bump(environment: string) {
    const env = envs.get(environment);
    if (!env) throw errors.environmentNotFound(environment);
    env.revision += 1;
    return env.revision;
  }
  function record({
    actor: ref,
    ...event
  }: Partial<Omit<AuditEvent, 'actor' | 'by'>> & Pick<AuditEvent, 'action'> & { actor: ActorRef }) {
    const { kind, name, email, subject } = asActor(ref);
    audit.unshift({
      actor: name,
      by: { kind, name, ...(email ? { email } : {}), ...(subject ? { subject } : {}) },
      environment: null,
      flagKey: null,
      segmentKey: null,
      before: null,
      after: null,
      version: null,
      revision: null,
      ...event,
      id: String(audit.length + 1),
      createdAt: now(),
    });
  }
  function live(environment: string, key: string) {
    const row = rows.get(id(environment, key));
    if (!row || row.archived) throw errors.flagNotFound(environment, key);
    return row;
  }
  const users = (environment: string, key: string) =>
    [...rows.values()].filter(
      (r) => !r.archived && r.flag.environment === environment && segmentsUsedBy(r.flag.rules).includes(key),
    );
  /** The environment's live flags, with `written` (a batch's earlier flags) in place. */
  const liveFlags = (environment: string, written = new Map<string, FlagContent>()) => {
    const graph = new Map<string, PrerequisiteNode>();
    for (const r of rows.values()) {
      if (!r.archived && r.flag.environment === environment) graph.set(r.flag.key, nodeOf(r.flag));
    }
    for (const [key, content] of written) graph.set(key, nodeOf(content));
    return graph;
  };
  const prerequisitesHold = (
    environment: string,
    key: string,
    content: FlagContent,
    before: Flag | null,
    written?: Map<string, FlagContent>,
  ) => {
    if (needsPrerequisiteCheck(content, before)) {
      checkPrerequisites(environment, key, content, before, liveFlags(environment, written));
    }
  };
  const existing = (environment: string, keys: string[]) =>
    new Set(keys.filter((k) => segments.has(id(environment, k))));
  const liveFlag = (environment: string, key: string) => {
    const row = rows.get(id(environment, key));
    return row && !row.archived ? row.flag : null;
  };
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
        const segment = segments.get(id(environment, key));
        return segment ? [[key, segment] as const] : [];
      }),
    ),
  });
  const down = () => {
    if (state.failing) throw Object.assign(new Error('the database is unreachable'), { code: 'P1001' });
  };

  const store: FlagStore = {
    async environmentRevisions() {
      calls.environmentRevisions += 1;
      down();
      return [...envs.values()].map(({ key, revision }) => ({ key, revision }));
    },
    async loadEnvironment(environment) {
      calls.loadEnvironment += 1;
      down();
      const env = envs.get(environment);
      if (!env) return null;
      return {
        revision: env.revision,
        flags: [...rows.values()]
          .filter((r) => !r.archived && r.flag.environment === environment)
          .map((r) => [r.flag.key, r.flag] as const),
        segments: [...segments.values()]
          .filter((s) => s.environment === environment)
          .map((s) => [s.key, s] as const),
      };
    },
    async changesSince(environment, revision) {
      calls.changesSince += 1;
      down();
      const env = envs.get(environment);
      if (!env) return null;
      const since = audit.filter((e) => e.environment === environment && (e.revision ?? 0) > revision);
      const flagKeys = [...new Set(since.flatMap((e) => (e.flagKey ? [e.flagKey] : [])))];
      const segmentKeys = [...new Set(since.flatMap((e) => (e.segmentKey ? [e.segmentKey] : [])))];
      return {
        revision: env.revision,
        flags: flagKeys.map((k) => [k, liveFlag(environment, k)] as const),
        segments: segmentKeys.map((k) => [k, segments.get(id(environment, k)) ?? null] as const),
      };
    },
    async getFlag(environment, key) {
      const row = rows.get(id(environment, key));
      if (row) return row.flag;
      throw envs.has(environment)
        ? errors.flagNotFound(environment, key)
        : errors.environmentNotFound(environment);
    },
    async pageFlags(environment, { archived, q, cursor, limit }) {
      if (!envs.has(environment)) return null;
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
      down();
      if (!envs.has(environment)) throw errors.environmentNotFound(environment);
      const existingRow = rows.get(id(environment, key));
      if (existingRow) {
        throw existingRow.archived
          ? errors.flagArchived(environment, key)
          : errors.flagExists(environment, key);
      }
      check(content, existing(environment, segmentsUsedBy(content.rules)));
      prerequisitesHold(environment, key, content, null);
      const revision = bump(environment);
      const flag = shown({
        ...content,
        key,
        environment,
        version: 1,
        createdAt: now(),
        updatedAt: now(),
        archivedAt: null,
      });
      rows.set(id(environment, key), { flag, archived: false });
      record({
        actor,
        action: 'flag.created',
        environment,
        flagKey: key,
        after: flag,
        version: flag.version,
        revision,
      });
      return { kind: 'flag', key, revision, flag };
    },
    async updateFlag(environment, key, change, check, actor) {
      down();
      if (!envs.has(environment)) throw errors.environmentNotFound(environment);
      const row = live(environment, key);
      const content = change(row.flag);
      if (content === undefined) return { unchanged: row.flag };
      check(content, existing(environment, segmentsUsedBy(content.rules)));
      prerequisitesHold(environment, key, content, row.flag);
      const revision = bump(environment);
      const flag = shown({ ...row.flag, ...content, version: row.flag.version + 1, updatedAt: now() });
      record({
        actor,
        action: 'flag.updated',
        environment,
        flagKey: key,
        before: row.flag,
        after: flag,
        version: flag.version,
        revision,
      });
      row.flag = flag;
      return { kind: 'flag', key, revision, flag };
    },
    async archiveFlag(environment, key, actor) {
      down();
      if (!envs.has(environment)) throw errors.environmentNotFound(environment);
      const row = live(environment, key);
      const requirers = requirersOf(
        [...rows.values()]
          .filter((r) => !r.archived && r.flag.environment === environment)
          .map((r) => r.flag),
        key,
      );
      if (requirers.length > 0) throw errors.flagRequired(key, requirers);
      const revision = bump(environment);
      const before = row.flag;
      row.archived = true;
      row.flag = { ...before, version: before.version + 1, updatedAt: now(), archivedAt: now() };
      record({
        actor,
        action: 'flag.archived',
        environment,
        flagKey: key,
        before,
        version: row.flag.version,
        revision,
      });
      return { kind: 'flag', key, revision, flag: null };
    },
    async restoreFlag(environment, key, check, actor) {
      down();
      if (!envs.has(environment)) throw errors.environmentNotFound(environment);
      const row = rows.get(id(environment, key));
      if (!row) throw errors.flagNotFound(environment, key);
      if (!row.archived) throw errors.flagNotArchived(environment, key);
      check(row.flag, existing(environment, segmentsUsedBy(row.flag.rules)));
      prerequisitesHold(environment, key, row.flag, row.flag);
      const revision = bump(environment);
      const before = row.flag;
      const flag = { ...before, version: before.version + 1, updatedAt: now(), archivedAt: null };
      row.archived = false;
      row.flag = flag;
      record({
        actor,
        action: 'flag.restored',
        environment,
        flagKey: key,
        before,
        after: flag,
        version: flag.version,
        revision,
      });
      return { kind: 'flag', key, revision, flag };
    },
    async readBatch(environment, keys) {
      down();
      const env = envs.get(environment);
      if (!env) return null;
      return batchState(environment, keys, env.revision);
    },
    async writeBatch(environment, keys, plan, check, actor) {
      down();
      const env = envs.get(environment);
      if (!env) throw errors.environmentNotFound(environment);
      const current = batchState(environment, keys, env.revision);
      const writes = plan(current);
      if (writes.segments.length === 0 && writes.flags.length === 0) {
        return { revision: env.revision, flags: [], segments: [] };
      }
      // Everything is checked before anything is written: the batch is all or nothing.
      const written = new Set(writes.segments.map((s) => s.key));
      const flagsSoFar = new Map<string, FlagContent>();
      for (const { key, content } of writes.flags) {
        if (current.flags.get(key)?.archivedAt) throw errors.flagArchived(environment, key);
        const used = segmentsUsedBy(content.rules);
        check(content, new Set([...existing(environment, used), ...used.filter((k) => written.has(k))]));
        prerequisitesHold(environment, key, content, current.flags.get(key) ?? null, flagsSoFar);
        flagsSoFar.set(key, content);
      }
      const revision = bump(environment);
      const segmentsWritten = writes.segments.map(({ key, content }) => {
        const before = current.segments.get(key);
        const segment: Segment = before
          ? { ...before, ...content, version: before.version + 1, updatedAt: now() }
          : { ...content, key, environment, version: 1, createdAt: now(), updatedAt: now() };
        segments.set(id(environment, key), segment);
        record({
          actor,
          action: before ? 'segment.updated' : 'segment.created',
          environment,
          segmentKey: key,
          before: before ?? null,
          after: segment,
          version: segment.version,
          revision,
        });
        return [key, segment] as const;
      });
      const flagsWritten = writes.flags.map(({ key, content }) => {
        const before = current.flags.get(key);
        const flag = before
          ? shown({ ...before, ...content, version: before.version + 1, updatedAt: now() })
          : shown({
              ...content,
              key,
              environment,
              version: 1,
              createdAt: now(),
              updatedAt: now(),
              archivedAt: null,
            });
        rows.set(id(environment, key), { flag, archived: false });
        record({
          actor,
          action: before ? 'flag.updated' : 'flag.created',
          environment,
          flagKey: key,
          before: before ?? null,
          after: flag,
          version: flag.version,
          revision,
        });
        return [key, flag] as const;
      });
      return { revision, flags: flagsWritten, segments: segmentsWritten };
    },
    async listSegments(environment) {
      if (!envs.has(environment)) return null;
      return [...segments.values()].filter((s) => s.environment === environment);
    },
    async findSegment(environment, key) {
      return segments.get(id(environment, key)) ?? null;
    },
    async segmentUsers(environment, key, limit) {
      return users(environment, key)
        .map((r) => r.flag.key)
        .sort()
        .slice(0, limit);
    },
    async createSegment(environment, key, content, actor) {
      if (segments.has(id(environment, key))) throw errors.segmentExists(environment, key);
      const revision = bump(environment);
      const segment = { ...content, key, environment, version: 1, createdAt: now(), updatedAt: now() };
      segments.set(id(environment, key), segment);
      record({
        actor,
        action: 'segment.created',
        environment,
        segmentKey: key,
        after: segment,
        version: 1,
        revision,
      });
      return { kind: 'segment', key, revision, segment };
    },
    async updateSegment(environment, key, change, actor) {
      const current = segments.get(id(environment, key));
      if (!current) throw errors.segmentNotFound(environment, key);
      const revision = bump(environment);
      const segment = { ...current, ...change(current), version: current.version + 1, updatedAt: now() };
      segments.set(id(environment, key), segment);
      record({
        actor,
        action: 'segment.updated',
        environment,
        segmentKey: key,
        before: current,
        after: segment,
        version: segment.version,
        revision,
      });
      return { kind: 'segment', key, revision, segment };
    },
    async deleteSegment(environment, key, actor) {
      const current = segments.get(id(environment, key));
      if (!current) throw errors.segmentNotFound(environment, key);
      const using = users(environment, key).map((r) => r.flag.key);
      if (using.length > 0) throw errors.segmentInUse(key, using);
      const revision = bump(environment);
      segments.delete(id(environment, key));
      record({ actor, action: 'segment.deleted', environment, segmentKey: key, before: current, revision });
      return { kind: 'segment', key, revision, segment: null };
    },
    async listEnvironments() {
      return [...envs.values()];
    },
    async createEnvironment(key, actor) {
      if (envs.has(key)) throw errors.environmentExists(key);
      const env = { key, revision: 0, protected: false, createdAt: now() };
      envs.set(key, env);
      record({ actor, action: 'environment.created', environment: key, after: env });
      return env;
    },
    async listAudit({ environment, flagKey, actor, action, from, to, cursor, limit }) {
      const at = (e: AuditEvent) => new Date(e.createdAt).getTime();
      const matching = audit.filter(
        (e) =>
          (!environment || e.environment === environment) &&
          (!flagKey || e.flagKey === flagKey) &&
          (!actor || [e.by.name, e.by.email, e.by.subject].includes(actor)) &&
          (!action || ('exact' in action ? e.action === action.exact : e.action.startsWith(action.prefix))) &&
          (!from || at(e) >= from.getTime()) &&
          (!to || at(e) < to.getTime()) &&
          (!cursor || Number(e.id) < Number(cursor)),
      );
      const events = matching.slice(0, limit);
      return { events, nextCursor: matching.length > limit ? (events.at(-1)?.id ?? null) : null };
    },
  };
  return {
    store,
    calls,
    audit,
    /** From now on every call rejects (true) or works again (false). */
    fail(failing: boolean) {
      state.failing = failing;
    },
  };
}
