// The flag domain, composed: snapshots that reads and evaluations come from (snapshots.ts,
// flag-reader.ts), the change feed that carries every commit to them (change-feed.ts), and the
// commands that change flags and segments (flag-commands.ts, segment-commands.ts). Each part is
// given only the stores it uses: one per aggregate (flags, segments, environments, change log).
import type { ActorRef } from '../access/authorization.ts';
import { type AuditRead, auditFilter, readablePage } from '../audit/audit-log.ts';
import type { InvalidationBus } from '../cache/invalidation-bus.ts';
import { localBus } from '../cache/invalidation-bus.ts';
import type { SharedEntries } from '../cache/shared-entries.ts';
import type { Metrics } from '../metrics.ts';
import { createBatchCommands } from './batch-commands.ts';
import { createChangeFeed } from './change-feed.ts';
import type { ChangeLogStore } from './change-log-store.ts';
import type { EnvironmentStore } from './environment-store.ts';
import { createFlagCommands } from './flag-commands.ts';
import { checkSegments } from './flag-content.ts';
import { createFlagReader } from './flag-reader.ts';
import type { Flag, FlagContent } from './flag-schemas.ts';
import type { FlagStore } from './flag-store.ts';
import { createSegmentCommands } from './segment-commands.ts';
import type { SegmentStore } from './segment-store.ts';
import { type AdvanceListener, createSnapshots } from './snapshots.ts';

export type { NewFlag } from './flag-content.ts';
export type { KeyedEvaluation, Read } from './flag-reader.ts';

/** The flag domain's stores, one per aggregate. */
export interface FlagStores {
  flags: FlagStore;
  segments: SegmentStore;
  environments: EnvironmentStore;
  changeLog: ChangeLogStore;
}

export interface FlagServiceDeps {
  stores: FlagStores;
  /** Redis, when configured: the entries messages point to. */
  entries?: SharedEntries;
  bus?: InvalidationBus;
  metrics: Pick<Metrics, 'flagReads' | 'catchUps'>;
  /** Told about store failures that a read survived or turned into a 503. */
  onStoreError?: (err: unknown) => void;
  /** Told each time a held snapshot moves to a newer revision (event streams push it on). */
  onAdvance?: AdvanceListener;
}

export function createFlagService({
  stores: { flags, segments, environments, changeLog },
  entries,
  bus = localBus,
  metrics,
  onStoreError,
  onAdvance = () => {},
}: FlagServiceDeps) {
  const snapshots = createSnapshots({
    environments,
    changeLog,
    onStoreError,
    onCatchUp: () => metrics.catchUps.inc(),
    onAdvance,
  });
  const feed = createChangeFeed({ snapshots, bus, entries });
  const reader = createFlagReader({ snapshots, metrics });
  const segmentCommands = createSegmentCommands({ store: segments, feed });
  return {
    ...reader,
    ...createFlagCommands({ store: flags, feed }),
    ...segmentCommands,
    ...createBatchCommands({ store: flags, feed }),

    /**
     * Refuses `content` for flag `key` (written over `before`) as its write would: a segment the
     * environment lacks, prerequisites it cannot meet. For a change proposed or scheduled now and
     * written later, when the write checks again.
     */
    async contentHolds(environment: string, key: string, content: FlagContent, before: Flag | null) {
      const known = await segmentCommands.listSegments(environment);
      checkSegments(content, new Set(known.map((s) => s.key)));
      await reader.prerequisitesHold(environment, key, content, before);
    },

    /** A message from another instance. */
    receive: feed.receive,
    /** Catches up every held snapshot that is behind the database; once per catch-up interval. */
    poll: () => snapshots.poll(),
    /** Loads the snapshots of `environments`, so the first reads need no query; how many flags. */
    warm: (environments: string[]) => snapshots.warm(environments),
    /**
     * The environment's snapshot, held from now on (its changes are then followed), and its
     * revision: at least `atLeast` when the change log has that revision within `waitMs`.
     */
    async follow(environment: string, atLeast = 0, waitMs = 0): Promise<number> {
      const snapshot = await snapshots.read(environment);
      if (snapshot.revision < atLeast) {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, waitMs);
        });
        // A failed catch-up answers from what is held (marked stale by the poll), as any read does.
        const caughtUp = snapshots.notice(environment, atLeast).catch(() => {});
        await Promise.race([caughtUp, deadline]).finally(() => clearTimeout(timer));
      }
      return snapshot.revision;
    },
    /** How many flags this instance holds in memory: what it could serve without the database. */
    cachedEntries: () => snapshots.size,

    /** The audit trail of one key, archived flags included, each event in words. */
    async history(environment: string, key: string, query: Omit<AuditRead, 'environment' | 'flagKey'>) {
      const filter = auditFilter({ ...query, environment, flagKey: key });
      await snapshots.read(environment); // an unknown environment is a 404
      return readablePage(await changeLog.listAudit(filter), query.diff);
    },
    /** Audit events, newest first, filtered and each in words. */
    async listAudit(query: AuditRead) {
      return readablePage(await changeLog.listAudit(auditFilter(query)), query.diff);
    },
    listEnvironments: () => environments.listEnvironments(),
    async createEnvironment(key: string, actor: ActorRef) {
      const environment = await environments.createEnvironment(key, actor);
      await feed.environmentCreated(key);
      return environment;
    },
  };
}

export type FlagService = ReturnType<typeof createFlagService>;
