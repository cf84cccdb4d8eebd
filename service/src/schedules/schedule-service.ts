// Scheduled changes: a flag's PATCH, checked when it is scheduled, and applied once at its time
// through the flag domain's own write path, conditionally on the version it was made against
// (as If-Match), so the change log, the revision, the caches and the audit follow as for a PATCH.
// Every instance polls for due changes and claims each for a lease in the database. The change is
// recorded as applied in the flag change's own transaction, so the two commit together: a change
// whose lease lapsed while its claimant still worked is applied once, and whoever hears of the
// flag change finds the schedule applied.
import { type Actor, type ActorRef, asActor } from '../access/authorization.ts';
import { guardedWrite } from '../db/write-guard.ts';
import { DomainError, errors } from '../errors.ts';
import { patchedContent } from '../flags/flag-content.ts';
import type { FlagService } from '../flags/flag-service.ts';
import type { CreateScheduleInput, Schedule, ScheduleQuery } from './schedule-schemas.ts';
import type { Resolution, ScheduleStore } from './schedule-store.ts';

/** Who a scheduled change's writes are recorded as: the person or token who scheduled it, naming the change. */
export const scheduledActor = ({ id, scheduledBy }: Pick<Schedule, 'id' | 'scheduledBy'>): Actor => ({
  ...scheduledBy,
  name: `${scheduledBy.name} (scheduled change ${id})`,
});

/**
 * How long a claim keeps other instances off a change: longer than an apply takes (a write gives
 * up waiting for its lock within seconds), and how late a change may be when its claimant dies.
 */
export const CLAIM_LEASE_MS = 20_000;

export interface ScheduleServiceDeps {
  store: ScheduleStore;
  flags: Pick<FlagService, 'getAdminFlag' | 'updateFlag' | 'contentHolds'>;
  /** Whether an environment's changes go through review: a change scheduled before is not applied there. */
  isProtected?: (environment: string) => Promise<boolean>;
  now?: () => Date;
  leaseMs?: number;
}

export function createScheduleService({
  store,
  flags,
  isProtected = async () => false,
  now = () => new Date(),
  leaseMs = CLAIM_LEASE_MS,
}: ScheduleServiceDeps) {
  /**
   * What becomes of a claimed change: applied if the flag is still as it was scheduled against
   * (recorded with the change: 'recorded'), else skipped, with the reason.
   */
  async function outcomeOf(schedule: Schedule): Promise<Resolution | 'recorded'> {
    const actor = scheduledActor(schedule);
    const { environment, flag: key, flagVersion } = schedule;
    const skipped = (reason: string, version: number): Resolution => ({
      state: 'skipped',
      reason,
      actor,
      version,
    });
    if (await isProtected(environment)) {
      return skipped(
        `Environment '${environment}' was protected after this change was scheduled, so it was not applied: changes there are reviewed. Propose it through PATCH /api/admin/flags/${key} (a change request another person approves).`,
        flagVersion,
      );
    }
    const applied: Resolution = { state: 'applied', appliedAt: now(), actor, version: flagVersion + 1 };
    try {
      await guardedWrite(
        async (tx) => {
          if (!(await store.resolve(schedule.id, applied, tx))) throw new AlreadyResolved();
        },
        () => flags.updateFlag(environment, key, schedule.change, actor, flagVersion),
      );
      return 'recorded';
    } catch (err) {
      if (err instanceof AlreadyResolved) return 'recorded'; // by an instance that took it over
      if (!(err instanceof DomainError)) throw err;
      if (err.code === 'VERSION_MISMATCH') {
        const current = await flags.getAdminFlag(environment, key);
        if (current.archivedAt) return skipped(archivedReason(key), current.version);
        return skipped(
          `Flag '${key}' changed after this change was scheduled (it was at version ${flagVersion}, it is now at version ${current.version}), so it was not applied. Look at the flag as it is now and schedule the change again if it is still wanted.`,
          current.version,
        );
      }
      if (err.code === 'FLAG_NOT_FOUND') {
        const current = await flags.getAdminFlag(environment, key).catch(() => null);
        return skipped(archivedReason(key), current?.version ?? flagVersion);
      }
      // The flag no longer accepts it (a segment its rules name was deleted since, a prerequisite
      // archived, or another flag now requires a variant it would take away, say).
      if (
        err.code === 'INVALID_FLAG' ||
        err.code === 'ENVIRONMENT_NOT_FOUND' ||
        err.code.startsWith('PREREQUISITE_')
      ) {
        return skipped(`${err.message} Nothing was applied; schedule a corrected change.`, flagVersion);
      }
      throw err; // the database was busy or unreachable: the change stays pending and is tried again
    }
  }

  return {
    async create(environment: string, input: Omit<CreateScheduleInput, 'environment'>, actor: ActorRef) {
      const applyAt = new Date(input.applyAt);
      if (!(applyAt.getTime() > now().getTime())) throw errors.applyAtNotFuture(input.applyAt);
      const flag = await flags.getAdminFlag(environment, input.flag);
      if (flag.archivedAt) throw errors.flagArchived(environment, input.flag);
      // The rules of a PATCH, checked now against the flag as it is: a bad change is refused today.
      await flags.contentHolds(environment, flag.key, patchedContent(flag, input.change), flag);
      return store.create(
        {
          environment,
          flag: input.flag,
          change: input.change,
          applyAt,
          flagVersion: flag.version,
          createdBy: asActor(actor),
        },
        actor,
      );
    },

    get: async (id: string) => {
      const schedule = await store.get(id);
      if (!schedule) throw errors.scheduleNotFound(id);
      return schedule;
    },

    list: (query: ScheduleQuery & { environment: string }) => store.list(query),

    cancel: (id: string, actor: ActorRef) => store.cancel(id, actor),

    /** Applies or skips every change that is due and that no other instance holds; how many. */
    async applyDue(): Promise<number> {
      let resolved = 0;
      for (let due = await store.claimDue(leaseMs); due; due = await store.claimDue(leaseMs)) {
        let outcome: Resolution | 'recorded';
        try {
          outcome = await outcomeOf(due);
        } catch (err) {
          await store.release(due.id).catch(() => {}); // unreleased, it waits for its lease to lapse
          throw err;
        }
        if (outcome === 'recorded' || (await store.resolve(due.id, outcome))) resolved += 1;
      }
      return resolved;
    },
  };
}

/** Another instance recorded the change's outcome first: this attempt's write is rolled back. */
class AlreadyResolved extends Error {}

const archivedReason = (key: string) =>
  `Flag '${key}' was archived (or deleted) before this change was due, so it was not applied. Restore the flag (POST /api/admin/flags/${key}/restore) and schedule the change again if it is still wanted.`;

export type ScheduleService = ReturnType<typeof createScheduleService>;
