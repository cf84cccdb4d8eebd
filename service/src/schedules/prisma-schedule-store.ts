// Scheduled changes on PostgreSQL through Prisma. A due change is claimed by locking its row
// (FOR UPDATE SKIP LOCKED) in a transaction that stays open while the change is applied: other
// instances pass over it, and if the claimant dies the transaction rolls back and frees it.
import { recordAudit } from '../db/audit.ts';
import type { Db } from '../db/database.ts';
import { errors } from '../errors.ts';
import type { FlagPatch } from '../flags/flag-schemas.ts';
import type { Prisma, ScheduledChange as ScheduleRow } from '../generated/prisma/client.ts';
import type { Schedule } from './schedule-schemas.ts';
import type { ScheduleStore } from './schedule-store.ts';

/** How long a claim may stay open while its change is applied (a write waits for the environment's lock). */
const CLAIM_TIMEOUT_MS = 60_000;

const toSchedule = (row: ScheduleRow): Schedule => ({
  id: row.id,
  environment: row.environmentKey,
  flag: row.flagKey,
  change: row.change as FlagPatch,
  applyAt: row.applyAt.toISOString(),
  state: row.state,
  flagVersion: row.flagVersion,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  appliedAt: row.appliedAt?.toISOString() ?? null,
  resolvedAt: row.resolvedAt?.toISOString() ?? null,
  reason: row.reason,
});

export function createPrismaScheduleStore(db: Db): ScheduleStore {
  return {
    create: ({ environment, flag, change, applyAt, flagVersion, createdBy }, actor) =>
      db.$transaction(async (tx) => {
        const schedule = toSchedule(
          await tx.scheduledChange.create({
            data: {
              environmentKey: environment,
              flagKey: flag,
              change: change as Prisma.InputJsonValue,
              applyAt,
              flagVersion,
              createdBy,
            },
          }),
        );
        await recordAudit(tx, {
          actor,
          action: 'schedule.created',
          environment,
          flagKey: flag,
          after: schedule,
          version: flagVersion,
        });
        return schedule;
      }),

    async get(id) {
      const row = await db.scheduledChange.findUnique({ where: { id } });
      return row && toSchedule(row);
    },

    async list({ environment, flag, state, limit }) {
      const rows = await db.scheduledChange.findMany({
        where: { environmentKey: environment, flagKey: flag, state },
        orderBy: [{ applyAt: 'asc' }, { createdAt: 'asc' }],
        take: limit,
      });
      return rows.map(toSchedule);
    },

    cancel: (id, actor) =>
      db.$transaction(async (tx) => {
        // Waits for an instance applying it right now, then finds it no longer pending.
        const { count } = await tx.scheduledChange.updateMany({
          where: { id, state: 'pending' },
          data: { state: 'cancelled', resolvedAt: new Date() },
        });
        const row = await tx.scheduledChange.findUnique({ where: { id } });
        if (!row) throw errors.scheduleNotFound(id);
        if (count === 0) throw errors.scheduleResolved(id, row.state);
        const schedule = toSchedule(row);
        await recordAudit(tx, {
          actor,
          action: 'schedule.cancelled',
          environment: schedule.environment,
          flagKey: schedule.flag,
          before: { ...schedule, state: 'pending', resolvedAt: null },
          after: schedule,
          version: schedule.flagVersion,
        });
        return schedule;
      }),

    claimDue: (resolve) =>
      db.$transaction(
        async (tx) => {
          // Timestamps are stored in UTC; the database's clock decides what is due, one clock for every instance.
          const [due] = await tx.$queryRaw<{ id: string }[]>`
            SELECT id FROM scheduled_changes
            WHERE state = 'pending' AND apply_at <= (now() AT TIME ZONE 'UTC')
            ORDER BY apply_at, id
            LIMIT 1
            FOR UPDATE SKIP LOCKED`;
          if (!due) return null;
          const before = toSchedule(await tx.scheduledChange.findUniqueOrThrow({ where: { id: due.id } }));
          const outcome = await resolve(before);
          const now = new Date();
          const after = toSchedule(
            await tx.scheduledChange.update({
              where: { id: due.id },
              data:
                outcome.state === 'applied'
                  ? { state: 'applied', appliedAt: outcome.appliedAt, resolvedAt: now }
                  : { state: 'skipped', reason: outcome.reason, resolvedAt: now },
            }),
          );
          await recordAudit(tx, {
            actor: outcome.actor,
            action: `schedule.${outcome.state}`,
            environment: after.environment,
            flagKey: after.flag,
            before,
            after,
            version: outcome.version,
          });
          return after;
        },
        { timeout: CLAIM_TIMEOUT_MS },
      ),

    async flagUpdate(environment, flag, version) {
      const event = await db.auditEvent.findFirst({
        where: { environmentKey: environment, flagKey: flag, action: 'flag.updated', version },
        select: { actor: true, createdAt: true },
      });
      return event && { actor: event.actor, at: event.createdAt };
    },
  };
}
