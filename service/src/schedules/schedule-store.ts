// The port between scheduled changes and their storage.
import type { Actor, ActorRef } from '../access/authorization.ts';
import type { FlagPatch } from '../flags/flag-schemas.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Schedule, ScheduleQuery, ScheduleState } from './schedule-schemas.ts';

export interface NewSchedule {
  environment: string;
  flag: string;
  change: FlagPatch;
  applyAt: Date;
  flagVersion: number;
  createdBy: Actor;
}

/** How a claimed change ended: applied, or skipped with the reason. */
export type Resolution =
  | { state: 'applied'; appliedAt: Date; actor: Actor; version: number }
  | { state: 'skipped'; reason: string; actor: Actor; version: number };

export interface ScheduleStore {
  /** Records the change as pending, with its audit event. */
  create(schedule: NewSchedule, actor: ActorRef): Promise<Schedule>;
  get(id: string): Promise<Schedule | null>;
  /** `environment` required: each list stays within what the caller may see. */
  list(query: ScheduleQuery & { environment: string }): Promise<Schedule[]>;
  /**
   * Cancels a pending change, with its audit event; throws NOT_FOUND, RESOLVED when it is not
   * pending, or BEING_APPLIED while an instance holds its claim.
   */
  cancel(id: string, actor: ActorRef): Promise<Schedule>;
  /**
   * Claims the next due pending change that no instance holds, for `leaseMs`: until then no other
   * instance takes it, and after that (its claimant died) another may. Null: nothing to claim.
   */
  claimDue(leaseMs: number): Promise<Schedule | null>;
  /**
   * Records how a claimed change ended, with its audit event, if it is still pending; false when
   * it was not. Given `tx`, within that transaction (the flag change's own, when it is applied).
   */
  resolve(id: string, outcome: Resolution, tx?: Prisma.TransactionClient): Promise<boolean>;
  /** Gives a claim up (the attempt failed for now), so the next poll tries again. */
  release(id: string): Promise<void>;
}

export type { ScheduleState };
