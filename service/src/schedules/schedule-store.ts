// The port between scheduled changes and their storage.
import type { FlagPatch } from '../flags/flag-schemas.ts';
import type { Schedule, ScheduleQuery, ScheduleState } from './schedule-schemas.ts';

export interface NewSchedule {
  environment: string;
  flag: string;
  change: FlagPatch;
  applyAt: Date;
  flagVersion: number;
  createdBy: string;
}

/** How a claimed change ended: applied, or skipped with the reason. */
export type Resolution =
  | { state: 'applied'; appliedAt: Date; actor: string; version: number }
  | { state: 'skipped'; reason: string; actor: string; version: number };

/** The flag update that made a version: who made it, and when. */
export interface FlagUpdate {
  actor: string;
  at: Date;
}

export interface ScheduleStore {
  /** Records the change as pending, with its audit event. */
  create(schedule: NewSchedule, actor: string): Promise<Schedule>;
  get(id: string): Promise<Schedule | null>;
  /** `environment` required: each list stays within what the caller may see. */
  list(query: ScheduleQuery & { environment: string }): Promise<Schedule[]>;
  /** Cancels a pending change, with its audit event; throws NOT_FOUND, or RESOLVED when it is not pending. */
  cancel(id: string, actor: string): Promise<Schedule>;
  /**
   * Claims the next due pending change that no one else holds, and keeps the claim while
   * `resolve` runs; records what it returns, with its audit event, in the claim's transaction.
   * If `resolve` throws, or this process dies, the claim is released and the change stays
   * pending for the next attempt. Null: nothing was due and unclaimed.
   */
  claimDue(resolve: (schedule: Schedule) => Promise<Resolution>): Promise<Schedule | null>;
  /** The flag update that made `version` of the flag, if it is in the change log. */
  flagUpdate(environment: string, flag: string, version: number): Promise<FlagUpdate | null>;
}

export type { ScheduleState };
