// Scheduled changes on PostgreSQL through Prisma. A due change is claimed for a lease: its row is
// locked (FOR UPDATE SKIP LOCKED, so concurrent claimants pass over it) and stamped with the time
// the claim lapses, in one short statement. No transaction stays open while the change is applied,
// so the embedded database's single connection is never held; a claimant that dies leaves a
// lease that lapses, and the change goes to another instance.
import type { Actor } from '../access/authorization.ts';
import { recordAudit } from '../db/audit.ts';
import type { Db } from '../db/database.ts';
import { errors } from '../errors.ts';
import type { FlagPatch } from '../flags/flag-schemas.ts';
import type { Prisma, ScheduledChange as ScheduleRow } from '../generated/prisma/client.ts';
import type { Schedule } from './schedule-schemas.ts';
import type { ScheduleStore } from './schedule-store.ts';

const toSchedule = (row: ScheduleRow): Schedule => ({
  id: row.id,
  environment: row.environmentKey,
  flag: row.flagKey,
  change: row.change as FlagPatch,
  applyAt: row.applyAt.toISOString(),
  state: row.state,
  flagVersion: row.flagVersion,
  createdBy: row.createdBy,
  scheduledBy: (row.createdByActor as Actor | null) ?? { kind: 'token', name: row.createdBy },
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
              createdBy: createdBy.name,
              createdByActor: { ...createdBy },
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
        // Not while an instance is applying it: its change may already be made.
        const cancelled = await tx.$executeRaw`
          UPDATE scheduled_changes SET state = 'cancelled', resolved_at = (now() AT TIME ZONE 'UTC')
          WHERE id = ${id}::uuid AND state = 'pending'
            AND (claimed_until IS NULL OR claimed_until <= (now() AT TIME ZONE 'UTC'))`;
        const row = await tx.scheduledChange.findUnique({ where: { id } });
        if (!row) throw errors.scheduleNotFound(id);
        if (cancelled === 0) {
          throw row.state === 'pending'
            ? errors.scheduleBeingApplied(id)
            : errors.scheduleResolved(id, row.state);
        }
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

    async claimDue(leaseMs) {
      // The database's clock decides what is due and when a lease lapses: one clock for every instance.
      // Timestamps are stored in UTC.
      const [claimed] = await db.$queryRaw<{ id: string }[]>`
        UPDATE scheduled_changes
        SET claimed_until = (now() AT TIME ZONE 'UTC') + make_interval(secs => ${leaseMs / 1000}::double precision)
        WHERE id = (
          SELECT id FROM scheduled_changes
          WHERE state = 'pending' AND apply_at <= (now() AT TIME ZONE 'UTC')
            AND (claimed_until IS NULL OR claimed_until <= (now() AT TIME ZONE 'UTC'))
          ORDER BY apply_at, id
          LIMIT 1
          FOR UPDATE SKIP LOCKED)
        RETURNING id::text`;
      if (!claimed) return null;
      const row = await db.scheduledChange.findUnique({ where: { id: claimed.id } });
      return row && toSchedule(row);
    },

    resolve: (id, outcome, within) => {
      const record = async (tx: Prisma.TransactionClient) => {
        const before = await tx.scheduledChange.findUnique({ where: { id } });
        const resolvedAt = new Date();
        const { count } = await tx.scheduledChange.updateMany({
          where: { id, state: 'pending' },
          data:
            outcome.state === 'applied'
              ? { state: 'applied', appliedAt: outcome.appliedAt, resolvedAt, claimedUntil: null }
              : { state: 'skipped', reason: outcome.reason, resolvedAt, claimedUntil: null },
        });
        // Recorded already, by an instance that took the change over when this one's lease lapsed.
        if (count === 0 || !before) return false;
        const after = toSchedule(await tx.scheduledChange.findUniqueOrThrow({ where: { id } }));
        await recordAudit(tx, {
          actor: outcome.actor,
          action: `schedule.${outcome.state}`,
          environment: after.environment,
          flagKey: after.flag,
          before: toSchedule(before),
          after,
          version: outcome.version,
        });
        return true;
      };
      return within ? record(within) : db.$transaction(record);
    },

    async release(id) {
      await db.scheduledChange.updateMany({ where: { id, state: 'pending' }, data: { claimedUntil: null } });
    },
  };
}
