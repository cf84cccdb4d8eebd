// The snapshots this instance holds, one per environment it serves, and how they keep up. A
// snapshot is loaded in one query the first time its environment is read (or at warm-up); from
// then on it moves by changes: this instance's own commits and other instances' messages are
// applied when they are the next revision, and any gap (a lost message, a Redis outage, a peer
// that died before it sent one) is closed by reading the change log since the snapshot's
// revision. A poll of every environment's revision, once per catch-up interval, finds gaps no
// message announced, and the environments that exist, so an unknown one is a 404 without a
// query. While that poll fails, snapshots keep serving, marked stale.
import { type DomainError, errors } from '../errors.ts';
import type { ChangeLogStore } from './change-log-store.ts';
import type { EnvironmentStore } from './environment-store.ts';
import { Snapshot, type SnapshotChanges } from './snapshot.ts';

/**
 * What a revision changed, when the change itself was applied: the flags and segments it wrote.
 * null: anything may have changed (a catch-up from the change log, a load, a batch).
 */
export type Touched = readonly { kind: 'flag' | 'segment'; key: string }[] | null;

/** Told that `environment`'s snapshot moved to `revision`, and what that changed. */
export type AdvanceListener = (environment: string, revision: number, touched: Touched) => void;

export interface SnapshotsDeps {
  environments: Pick<EnvironmentStore, 'loadEnvironment'>;
  changeLog: Pick<ChangeLogStore, 'changesSince' | 'environmentRevisions'>;
  /** Told about store failures that a read survived or turned into a 503. */
  onStoreError?: (err: unknown) => void;
  /** Told each time a snapshot catches up from the change log. */
  onCatchUp?: () => void;
  /** Told each time a held snapshot moves to a newer revision, however it learned of it. */
  onAdvance?: AdvanceListener;
}

export function createSnapshots({
  environments,
  changeLog,
  onStoreError = () => {},
  onCatchUp = () => {},
  onAdvance = () => {},
}: SnapshotsDeps) {
  const held = new Map<string, Snapshot>();
  const loading = new Map<string, Promise<Snapshot>>();
  /** Per environment, the catch-up or change being applied: changes apply one at a time, in order. */
  const queues = new Map<string, Promise<void>>();
  /** The environments that exist, as of the last poll; undefined until one succeeded. */
  let known: Set<string> | undefined;
  /** True while the last poll failed: what is held may be behind. */
  let stale = false;

  function missing(environment: string): DomainError {
    known?.delete(environment);
    held.delete(environment);
    return errors.environmentNotFound(environment);
  }

  /** Loads an environment, once however many reads ask for it together. */
  function load(environment: string): Promise<Snapshot> {
    let pending = loading.get(environment);
    if (!pending) {
      pending = (async () => {
        let state: SnapshotChanges | null;
        try {
          state = await environments.loadEnvironment(environment);
        } catch (err) {
          onStoreError(err);
          throw errors.unavailable();
        }
        if (!state) throw missing(environment);
        known?.add(environment);
        const before = held.get(environment);
        const snapshot = before ?? new Snapshot(environment, state);
        const from = snapshot.revision;
        snapshot.apply(state);
        held.set(environment, snapshot);
        if (before && snapshot.revision > from) onAdvance(environment, snapshot.revision, null);
        return snapshot;
      })().finally(() => loading.delete(environment));
      loading.set(environment, pending);
    }
    return pending;
  }

  /** Runs `work` after whatever this environment is applying now. */
  function enqueue(environment: string, work: () => Promise<void>): Promise<void> {
    const next = (queues.get(environment) ?? Promise.resolve()).then(work);
    const settled = next.catch(() => {});
    queues.set(environment, settled);
    settled.then(() => {
      if (queues.get(environment) === settled) queues.delete(environment);
    });
    return next;
  }

  function notice(environment: string, revision: number): Promise<void> {
    known?.add(environment);
    const snapshot = held.get(environment);
    if (!snapshot || snapshot.revision >= revision) return Promise.resolve();
    return enqueue(environment, async () => {
      if (snapshot.revision < revision && held.get(environment) === snapshot) await catchUp(snapshot);
    });
  }

  async function catchUp(snapshot: Snapshot): Promise<void> {
    onCatchUp();
    const from = snapshot.revision;
    const changes = await changeLog.changesSince(snapshot.environment, snapshot.revision);
    if (!changes) {
      missing(snapshot.environment);
      return;
    }
    snapshot.apply(changes);
    if (snapshot.revision > from) onAdvance(snapshot.environment, snapshot.revision, null);
  }

  return {
    /** The snapshot of `environment` when this instance holds it; never asks the store. */
    held: (environment: string): Snapshot | undefined => held.get(environment),

    /** True while the last poll of the database failed. */
    get stale() {
      return stale;
    },

    /**
     * The snapshot of `environment`: the one held, else loaded. An environment the last poll
     * did not see is a 404 without a query.
     */
    async read(environment: string): Promise<Snapshot> {
      const snapshot = held.get(environment);
      if (snapshot) return snapshot;
      if (known && !known.has(environment) && !stale) throw errors.environmentNotFound(environment);
      return load(environment);
    },

    /** Loads `environments` now (warm-up); how many flags they hold. */
    async warm(environments: string[]): Promise<number> {
      let flags = 0;
      for (const environment of environments) flags += (await load(environment)).size;
      return flags;
    },

    /**
     * A committed change: applied when it is the next revision of a held snapshot, else the
     * snapshot catches up from the change log. Resolves once the snapshot is at least that new.
     * `touched` names what the change wrote, when the caller knows (a batch: null).
     */
    apply(environment: string, change: SnapshotChanges, touched: Touched = null): Promise<void> {
      if (!held.has(environment)) return Promise.resolve();
      return enqueue(environment, async () => {
        const snapshot = held.get(environment);
        if (!snapshot || snapshot.revision >= change.revision) return;
        if (snapshot.apply(change, { next: true })) onAdvance(environment, snapshot.revision, touched);
        else await catchUp(snapshot);
      });
    },

    /** Some change reached `revision`, without its content: catch up if behind. */
    notice,

    /** A new environment, created here or announced by another instance. */
    created(environment: string) {
      known?.add(environment);
    },

    /**
     * Compares every held snapshot with the database's revisions and catches up those behind;
     * learns which environments exist. Call it once per catch-up interval. False when the
     * database could not be asked (snapshots are then stale).
     */
    async poll(): Promise<boolean> {
      let revisions: { key: string; revision: number }[];
      try {
        revisions = await changeLog.environmentRevisions();
      } catch (err) {
        stale = true;
        onStoreError(err);
        return false;
      }
      stale = false;
      known = new Set(revisions.map((r) => r.key));
      for (const environment of held.keys()) if (!known.has(environment)) held.delete(environment);
      await Promise.all(
        revisions.map(({ key, revision }) =>
          notice(key, revision).catch((err: unknown) => {
            stale = true;
            onStoreError(err);
          }),
        ),
      );
      return true;
    },

    /** How many flags this instance holds in memory, over every environment. */
    get size() {
      let flags = 0;
      for (const snapshot of held.values()) flags += snapshot.size;
      return flags;
    },
  };
}

export type Snapshots = ReturnType<typeof createSnapshots>;
