// An in-memory FlagStore with the same rules as the PostgreSQL one: versions, revisions,
// archiving, segments and an audit trail. It counts calls, so tests can see what reached it.
import { errors } from '../../src/errors.ts';
import { defaultValueOf } from '../../src/flags/flag-content.ts';
import type { AuditEvent, Environment, Flag, FlagContent } from '../../src/flags/flag-schemas.ts';
import {
  type FlagStore,
  type FlagWrite,
  type SegmentConditions,
  segmentsUsedBy,
} from '../../src/flags/flag-store.ts';
import type { Segment } from '../../src/flags/rule-schemas.ts';

interface Row {
  flag: Flag;
  archived: boolean;
}

export function createFakeFlagStore(environments = ['production', 'staging', 'development']) {
  const envs = new Map<string, Environment>(
    environments.map((key) => [key, { key, revision: 0, createdAt: new Date(0).toISOString() }]),
  );
  const rows = new Map<string, Row>();
  const segments = new Map<string, Segment>();
  const audit: AuditEvent[] = [];
  const calls = { findFlag: 0, listFlags: 0 };
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
  function record(event: Partial<AuditEvent> & Pick<AuditEvent, 'actor' | 'action'>) {
    audit.unshift({
      environment: null,
      flagKey: null,
      before: null,
      after: null,
      version: null,
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
  const keysOf = (environment: string) =>
    new Set([...segments.values()].filter((s) => s.environment === environment).map((s) => s.key));
  const conditionsOf = (environment: string, keys: string[]): SegmentConditions =>
    Object.fromEntries(
      keys.flatMap((k) => {
        const s = segments.get(id(environment, k));
        return s ? [[k, s.conditions]] : [];
      }),
    );
  const written = (flag: Flag, revision: number): FlagWrite => ({
    flag,
    segments: conditionsOf(flag.environment, segmentsUsedBy(flag.rules)),
    revision,
  });
  const users = (environment: string, key: string) =>
    [...rows.values()].filter(
      (r) => !r.archived && r.flag.environment === environment && segmentsUsedBy(r.flag.rules).includes(key),
    );

  const store: FlagStore = {
    async findFlag(environment, key) {
      calls.findFlag += 1;
      const row = rows.get(id(environment, key));
      if (row?.archived) return { version: row.flag.version, flag: null, missing: 'flag' };
      if (row) return { version: row.flag.version, flag: row.flag, segments: written(row.flag, 0).segments };
      return { version: 0, flag: null, missing: envs.has(environment) ? 'flag' : 'environment' };
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
    async listFlags(environment) {
      calls.listFlags += 1;
      const env = envs.get(environment);
      if (!env) return null;
      const flags = [...rows.values()]
        .filter((r) => !r.archived && r.flag.environment === environment)
        .map((r) => r.flag)
        .sort((a, b) => a.key.localeCompare(b.key));
      return {
        list: { environment, revision: env.revision, flags },
        segments: conditionsOf(environment, [...keysOf(environment)]),
      };
    },
    async createFlag(environment, key, build, actor) {
      if (!envs.has(environment)) throw errors.environmentNotFound(environment);
      const existing = rows.get(id(environment, key));
      if (existing && !existing.archived) throw errors.flagExists(environment, key);
      const content = build(keysOf(environment));
      const revision = bump(environment);
      const flag = shown({
        ...content,
        key,
        environment,
        version: (existing?.flag.version ?? 0) + 1,
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
      });
      return written(flag, revision);
    },
    async updateFlag(environment, key, change, actor) {
      if (!envs.has(environment)) throw errors.environmentNotFound(environment);
      const row = live(environment, key);
      const content = change(row.flag, keysOf(environment));
      if (content === undefined) return { unchanged: row.flag };
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
      });
      row.flag = flag;
      return written(flag, revision);
    },
    async archiveFlag(environment, key, actor) {
      if (!envs.has(environment)) throw errors.environmentNotFound(environment);
      const row = live(environment, key);
      const revision = bump(environment);
      row.archived = true;
      row.flag = { ...row.flag, version: row.flag.version + 1, archivedAt: now() };
      record({
        actor,
        action: 'flag.archived',
        environment,
        flagKey: key,
        before: row.flag,
        version: row.flag.version,
      });
      return { version: row.flag.version, revision };
    },
    async listSegments(environment) {
      if (!envs.has(environment)) return null;
      return [...segments.values()].filter((s) => s.environment === environment);
    },
    async findSegment(environment, key) {
      return segments.get(id(environment, key)) ?? null;
    },
    async createSegment(environment, key, content, actor) {
      if (segments.has(id(environment, key))) throw errors.segmentExists(environment, key);
      const revision = bump(environment);
      const segment = { ...content, key, environment, version: 1, createdAt: now(), updatedAt: now() };
      segments.set(id(environment, key), segment);
      record({ actor, action: 'segment.created', environment, after: segment, version: 1 });
      return { segment, revision };
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
        before: current,
        after: segment,
        version: segment.version,
      });
      const flags = users(environment, key).map((row) => {
        row.flag = { ...row.flag, version: row.flag.version + 1 };
        return written(row.flag, revision);
      });
      return { segment, revision, flags };
    },
    async deleteSegment(environment, key, actor) {
      const current = segments.get(id(environment, key));
      if (!current) throw errors.segmentNotFound(environment, key);
      const using = users(environment, key).map((r) => r.flag.key);
      if (using.length > 0) throw errors.segmentInUse(key, using);
      const revision = bump(environment);
      segments.delete(id(environment, key));
      record({ actor, action: 'segment.deleted', environment, before: current });
      return { revision };
    },
    async listEnvironments() {
      return [...envs.values()];
    },
    async createEnvironment(key, actor) {
      if (envs.has(key)) throw errors.environmentExists(key);
      const env = { key, revision: 0, createdAt: now() };
      envs.set(key, env);
      record({ actor, action: 'environment.created', environment: key, after: env });
      return env;
    },
    async listAudit({ environment, flagKey, cursor, limit }) {
      const matching = audit.filter(
        (e) =>
          (!environment || e.environment === environment) &&
          (!flagKey || e.flagKey === flagKey) &&
          (!cursor || Number(e.id) < Number(cursor)),
      );
      const events = matching.slice(0, limit);
      return { events, nextCursor: matching.length > limit ? (events.at(-1)?.id ?? null) : null };
    },
  };
  return { store, calls, audit };
}
