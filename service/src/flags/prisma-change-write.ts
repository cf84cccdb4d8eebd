// The one transaction every flag and segment write is: lock the environment by bumping its
// revision, pass the write guard (db/write-guard.ts), do the write, and record its audit event
// under that revision. The flag and segment stores write through it, so a batch of both is still
// one transaction, one revision and one entry per item in the change log.
import { type AuditRecord, recordAudit } from '../db/audit.ts';
import type { Db } from '../db/database.ts';
import { currentGuard } from '../db/write-guard.ts';
import { errors } from '../errors.ts';
import type { Prisma } from '../generated/prisma/client.ts';

export type Tx = Prisma.TransactionClient;

/** A write under way: its transaction, the revision it produces, and how it records its events. */
export interface ChangeWrite {
  tx: Tx;
  environment: string;
  revision: number;
  /** Appends an audit event of this environment at this revision. */
  record(event: Omit<AuditRecord, 'environment' | 'revision'>): Promise<void>;
}

/**
 * Runs `work` in a transaction that first bumps the environment's revision. That update locks the
 * environment row, so writes to one environment are serialized and `work` reads the latest
 * committed state. Throws ENVIRONMENT_NOT_FOUND; whatever `work` throws rolls it all back.
 */
export const writeChange = <T>(db: Db, environment: string, work: (change: ChangeWrite) => Promise<T>) =>
  db.$transaction(async (tx) => {
    const [env] = await tx.$queryRaw<{ revision: number }[]>`
      UPDATE environments SET revision = revision + 1 WHERE key = ${environment} RETURNING revision`;
    if (!env) throw errors.environmentNotFound(environment);
    await currentGuard()?.(tx, environment);
    const { revision } = env;
    return work({
      tx,
      environment,
      revision,
      record: (event) => recordAudit(tx, { ...event, environment, revision }),
    });
  });
