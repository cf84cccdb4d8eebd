// After a commit: the change goes to Redis as the entry of its flag or segment (compare-and-set
// by the revision that made it), then every instance hears `{environment, revision, kind, key}` on
// the invalidation channel and applies the entry to its snapshot. A message that cannot be
// applied as the next revision (lost, late, or its entry already replaced) makes the receiver
// catch up from the change log instead, so nothing depends on Redis being up: it only makes a
// change reach every instance within milliseconds rather than within the catch-up interval.
import type { Invalidation, InvalidationBus } from '../cache/invalidation-bus.ts';
import type { SharedEntries } from '../cache/shared-entries.ts';
import { asChanges, type BatchChange, type Change } from './flag-store.ts';
import type { Snapshots } from './snapshots.ts';

type ChangeKind = Change['kind'];

/** A change as Redis holds it: versioned by its revision. */
interface Entry {
  version: number;
  change: Change;
}

/** `{kind}:{environment}:{key}`: under the shared prefix, the entry of one flag or segment. */
export const entryKey = (kind: ChangeKind, environment: string, key: string) =>
  `${kind}:${environment}:${key}`;

export interface ChangeFeedDeps {
  snapshots: Snapshots;
  bus: InvalidationBus;
  /** Absent without Redis: other instances then catch up by polling. */
  entries?: SharedEntries;
}

/** A flag as a release before prerequisites wrote it: the database has all of it. */
const olderFlag = (change: Change) =>
  change.kind === 'flag' && change.flag !== null && !Array.isArray(change.flag.prerequisites);

export function createChangeFeed({ snapshots, bus, entries }: ChangeFeedDeps) {
  return {
    /** This instance committed `change`: its snapshot first, so it serves the change at once; then everyone. */
    async committed(environment: string, change: Change): Promise<void> {
      await snapshots.apply(environment, asChanges(change), [{ kind: change.kind, key: change.key }]);
      const entry: Entry = { version: change.revision, change };
      await entries?.setIfNewer(entryKey(change.kind, environment, change.key), entry);
      await bus.publish({
        type: 'change',
        environment,
        revision: change.revision,
        kind: change.kind,
        key: change.key,
      });
    },

    /**
     * This instance committed a batch under one revision: its snapshot first, then one message.
     * Its entries are not in Redis one by one, so the message names no key: every other
     * instance catches up from the change log, one read for the whole batch.
     */
    async committedBatch(environment: string, change: BatchChange): Promise<void> {
      await snapshots.apply(environment, change);
      await bus.publish({ type: 'environment', environment, revision: change.revision });
    },

    /** An environment was created here: the others learn of it at once. */
    async environmentCreated(environment: string): Promise<void> {
      snapshots.created(environment);
      await bus.publish({ type: 'change', environment, revision: 0, kind: 'environment', key: environment });
    },

    /** A message from another instance (or one of ours, echoed back: applying it twice is harmless). */
    async receive(message: Exclude<Invalidation, { type: 'token' }>): Promise<void> {
      const { environment, revision } = message;
      if (message.type === 'change' && message.kind === 'environment') return snapshots.created(environment);
      const held = snapshots.held(environment);
      if (!held || held.revision >= revision) return;
      if (
        message.type === 'change' &&
        message.kind !== 'environment' &&
        entries &&
        held.revision === revision - 1
      ) {
        const entry = await entries.get<Entry>(entryKey(message.kind, environment, message.key));
        if (entry?.version === revision && !olderFlag(entry.change)) {
          return snapshots.apply(environment, asChanges(entry.change), [
            { kind: entry.change.kind, key: entry.change.key },
          ]);
        }
      }
      // An older release's message or entry, no Redis entry, or a gap: the change log has it.
      await snapshots.notice(environment, revision);
    },
  };
}

export type ChangeFeed = ReturnType<typeof createChangeFeed>;
