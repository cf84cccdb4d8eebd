// An in-memory FlagStore with the same rules as the PostgreSQL one: versions, revisions,
// archiving and an audit trail. It counts calls, so tests can see what reached the store.
import { errors } from '../../src/errors.ts';
import type { AuditEvent, Environment, Flag } from '../../src/flags/flag-schemas.ts';
import type { FlagStore } from '../../src/flags/flag-store.ts';

interface Row {
  flag: Flag;
  archived: boolean;
}

export function createFakeFlagStore(environments = ['production', 'staging', 'development']) {
  const envs = new Map<string, Environment>(
    environments.map((key) => [key, { key, revision: 0, createdAt: new Date(0).toISOString() }]),
  );
  const rows = new Map<string, Row>();
  const audit: AuditEvent[] = [];
  const calls = { findFlag: 0, listFlags: 0 };
  const id = (environment: string, key: string) => `${environment}/${key}`;

  function bump(environment: string) {
    const env = envs.get(environment);
    if (!env) throw errors.environmentNotFound(environment);
    env.revision += 1;
    return env.revision;
  }
  function record(event: Omit<AuditEvent, 'id' | 'createdAt'>) {
    audit.unshift({ ...event, id: String(audit.length + 1), createdAt: new Date().toISOString() });
  }
  function live(environment: string, key: string) {
    const row = rows.get(id(environment, key));
    if (!row || row.archived) throw errors.flagNotFound(environment, key);
    return row;
  }

  const store: FlagStore = {
    async findFlag(environment, key) {
      calls.findFlag += 1;
      const row = rows.get(id(environment, key));
      if (row)
        return row.archived
          ? { version: row.flag.version, flag: null, missing: 'flag' }
          : { version: row.flag.version, flag: row.flag };
      return { version: 0, flag: null, missing: envs.has(environment) ? 'flag' : 'environment' };
    },
    async listFlags(environment) {
      calls.listFlags += 1;
      const env = envs.get(environment);
      if (!env) return null;
      const flags = [...rows.values()]
        .filter((r) => !r.archived && r.flag.environment === environment)
        .map((r) => r.flag)
        .sort((a, b) => a.key.localeCompare(b.key));
      return { environment, revision: env.revision, flags };
    },
    async createFlag(environment, key, content, actor) {
      if (!envs.has(environment)) throw errors.environmentNotFound(environment);
      const existing = rows.get(id(environment, key));
      if (existing && !existing.archived) throw errors.flagExists(environment, key);
      const revision = bump(environment);
      const now = new Date().toISOString();
      const flag = {
        ...content,
        key,
        environment,
        version: (existing?.flag.version ?? 0) + 1,
        createdAt: now,
        updatedAt: now,
      };
      rows.set(id(environment, key), { flag, archived: false });
      record({
        actor,
        action: 'flag.created',
        environment,
        flagKey: key,
        before: null,
        after: flag,
        version: flag.version,
      });
      return { flag, revision };
    },
    async updateFlag(environment, key, change, actor) {
      if (!envs.has(environment)) throw errors.environmentNotFound(environment);
      const row = live(environment, key);
      const content = change(row.flag);
      const revision = bump(environment);
      const flag = {
        ...row.flag,
        ...content,
        version: row.flag.version + 1,
        updatedAt: new Date().toISOString(),
      };
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
      return { flag, revision };
    },
    async archiveFlag(environment, key, actor) {
      if (!envs.has(environment)) throw errors.environmentNotFound(environment);
      const row = live(environment, key);
      const revision = bump(environment);
      row.archived = true;
      row.flag = { ...row.flag, version: row.flag.version + 1 };
      record({
        actor,
        action: 'flag.archived',
        environment,
        flagKey: key,
        before: row.flag,
        after: null,
        version: row.flag.version,
      });
      return { version: row.flag.version, revision };
    },
    async listEnvironments() {
      return [...envs.values()];
    },
    async createEnvironment(key, actor) {
      if (envs.has(key)) throw errors.environmentExists(key);
      const env = { key, revision: 0, createdAt: new Date().toISOString() };
      envs.set(key, env);
      record({
        actor,
        action: 'environment.created',
        environment: key,
        flagKey: null,
        before: null,
        after: env,
        version: null,
      });
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
