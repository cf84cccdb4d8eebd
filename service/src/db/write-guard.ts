// A check that must hold when a flag or segment change is written, made inside the write's own
// transaction after the environment's row is locked (so no other change to the environment can
// come between the check and the write). Approving a change request uses it: the request is
// claimed and the versions it was made against are compared in the transaction that applies it.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Prisma } from '../generated/prisma/client.ts';

export type WriteGuard = (tx: Prisma.TransactionClient, environment: string) => Promise<void>;

const guards = new AsyncLocalStorage<WriteGuard>();

/** Runs `work`; the change it writes is committed only if `guard` passes within that change's transaction. */
export const guardedWrite = <T>(guard: WriteGuard, work: () => Promise<T>): Promise<T> =>
  guards.run(guard, work);

/** The guard the write under way must pass, if any. */
export const currentGuard = (): WriteGuard | undefined => guards.getStore();
