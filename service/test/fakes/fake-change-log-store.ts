// An in-memory ChangeLogStore with the same rules as the PostgreSQL one
// (prisma-change-log-store.ts): revisions, what changed after one, and the audit events, read from
// the shared fake tables that every fake write records its event in.

import type { ChangeLogStore } from '../../src/flags/change-log-store.ts';
import type { StoredAuditEvent as AuditEvent } from '../../src/flags/flag-schemas.ts';
import type { FakeFlagData } from './fake-flag-data.ts';

export function createFakeChangeLogStore(data: FakeFlagData): ChangeLogStore {
  const { envs, audit, calls, id } = data;
  const liveFlag = (environment: string, key: string) => {
    const row = data.rows.get(id(environment, key));
    return row && !row.archived ? row.flag : null;
  };
  return {
    async environmentRevisions() {
      calls.environmentRevisions += 1;
      data.down();
      return [...envs.values()].map(({ key, revision }) => ({ key, revision }));
    },
    async changesSince(environment, revision) {
      calls.changesSince += 1;
      data.down();
      const env = envs.get(environment);
      if (!env) return null;
      const since = audit.filter((e) => e.environment === environment && (e.revision ?? 0) > revision);
      const flagKeys = [...new Set(since.flatMap((e) => (e.flagKey ? [e.flagKey] : [])))];
      const segmentKeys = [...new Set(since.flatMap((e) => (e.segmentKey ? [e.segmentKey] : [])))];
      return {
        revision: env.revision,
        flags: flagKeys.map((k) => [k, liveFlag(environment, k)] as const),
        segments: segmentKeys.map((k) => [k, data.segments.get(id(environment, k)) ?? null] as const),
      };
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
}
