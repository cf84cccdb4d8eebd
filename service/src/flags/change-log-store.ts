// The port to the change log: the audit events every write appends, each flag and segment change
// carrying the environment revision it produced. Instances compare revisions and read what changed
// after theirs; people read the events. How a write bumps the revision and records its event in
// its own transaction is prisma-change-write.ts.
import type { AuditFilter, StoredAuditPage } from './flag-schemas.ts';
import type { SnapshotChanges } from './snapshot.ts';

export interface ChangeLogStore {
  /** Every environment with its revision: what an instance compares its snapshots with. */
  environmentRevisions(): Promise<{ key: string; revision: number }[]>;
  /** What changed after `revision`, as the flags and segments now are, and the revision that is. */
  changesSince(environment: string, revision: number): Promise<SnapshotChanges | null>;
  /** Audit events, newest first. */
  listAudit(filter: AuditFilter): Promise<StoredAuditPage>;
}
