// In-memory tables of the flag domain, shared by the fake stores of flags, segments, environments
// and the change log, with the same write as PostgreSQL's (prisma-change-write.ts): bump the
// environment's revision, write, record the audit event under that revision, and undo it all when
// the write throws. It counts the reads instances make, so tests can see what reached the store,
// and `fail` makes calls reject, as an unreachable database would.
import { type ActorRef, asActor } from '../../src/access/authorization.ts';
import { errors } from '../../src/errors.ts';
import { defaultValueOf } from '../../src/flags/flag-content.ts';
import type {
  StoredAuditEvent as AuditEvent,
  Environment,
  Flag,
  FlagContent,
} from '../../src/flags/flag-schemas.ts';
import { segmentsUsedBy } from '../../src/flags/flag-store.ts';
import type { Segment } from '../../src/flags/rule-schemas.ts';

export interface Row {
  flag: Flag;
  archived: boolean;
}

/** An audit event as a fake store records it; what it leaves out is null. */
export type FakeEvent = Partial<Omit<AuditEvent, 'actor' | 'by'>> &
  Pick<AuditEvent, 'action'> & { actor: ActorRef };

/** A write under way: the revision it produces, and how it records its events. */
export interface FakeChange {
  environment: string;
  revision: number;
  record(event: Omit<FakeEvent, 'environment' | 'revision'>): void;
}

export function createFakeFlagData(environments: string[]) {
  const envs = new Map<string, Environment>(
    environments.map((key) => [
      key,
      { key, revision: 0, protected: false, createdAt: new Date(0).toISOString() },
    ]),
  );
  const rows = new Map<string, Row>();
  const segments = new Map<string, Segment>();
  /** Newest first. */
  const audit: AuditEvent[] = [];
  const calls = { loadEnvironment: 0, changesSince: 0, environmentRevisions: 0 };
  const state = { failing: false };
  const now = () => new Date().toISOString();

  function record({ actor: ref, ...event }: FakeEvent) {
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

  /** The environment; throws ENVIRONMENT_NOT_FOUND. */
  function environment(key: string) {
    const env = envs.get(key);
    if (!env) throw errors.environmentNotFound(key);
    return env;
  }

  return {
    envs,
    rows,
    segments,
    audit,
    calls,
    state,
    now,
    record,
    environment,
    id: (environment: string, key: string) => `${environment}/${key}`,
    shown: (flag: Omit<Flag, 'defaultValue'> & FlagContent): Flag => ({
      ...flag,
      defaultValue: defaultValueOf(flag),
    }),
    /** Rejects as an unreachable database would, while `fail(true)`. */
    down() {
      if (state.failing) throw Object.assign(new Error('the database is unreachable'), { code: 'P1001' });
    },
    /** The live flags of `environment` whose rules refer to segment `key`. */
    users: (environment: string, key: string) =>
      [...rows.values()].filter(
        (r) =>
          !r.archived && r.flag.environment === environment && segmentsUsedBy(r.flag.rules).includes(key),
      ),

    /** Runs `work` as one write to `environment` at its next revision; undone entirely if it throws. */
    change<T>(key: string, work: (change: FakeChange) => T): T {
      const env = environment(key);
      const saved = {
        revision: env.revision,
        rows: new Map([...rows].map(([id, row]) => [id, { ...row }])),
        segments: new Map(segments),
        events: audit.length,
      };
      env.revision += 1;
      const { revision } = env;
      try {
        return work({
          environment: key,
          revision,
          record: (event) => record({ ...event, environment: key, revision }),
        });
      } catch (err) {
        env.revision = saved.revision;
        rows.clear();
        for (const [id, row] of saved.rows) rows.set(id, row);
        segments.clear();
        for (const [id, segment] of saved.segments) segments.set(id, segment);
        audit.splice(0, audit.length - saved.events);
        throw err;
      }
    },
  };
}

export type FakeFlagData = ReturnType<typeof createFakeFlagData>;
