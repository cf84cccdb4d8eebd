// Scheduled changes as clients see them: a PATCH body of a flag, applied once at `applyAt`.
import Type, { type Static } from 'typebox';
import { EnvironmentKey, FlagKey, PatchFlagBody } from '../flags/flag-schemas.ts';
import { ActorSchema, Nullable, Strict, Timestamp } from '../schema.ts';

export const SCHEDULE_STATES = ['pending', 'applied', 'skipped', 'cancelled'] as const;
export const ScheduleState = Type.Enum(SCHEDULE_STATES, {
  description:
    'pending: waiting for applyAt; applied: the change was made; skipped: not applied (see reason); cancelled',
});
export type ScheduleState = Static<typeof ScheduleState>;

export const ScheduleSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    environment: Type.String(),
    flag: Type.String(),
    change: PatchFlagBody,
    applyAt: Timestamp,
    state: ScheduleState,
    flagVersion: Type.Integer({ description: 'the version of the flag the change was made against' }),
    createdBy: Type.String({ description: 'the name of who scheduled it' }),
    scheduledBy: ActorSchema,
    createdAt: Timestamp,
    appliedAt: Nullable(Timestamp),
    resolvedAt: Nullable(Timestamp),
    reason: Nullable(Type.String({ description: 'why it was skipped, and what to do' })),
  },
  { $id: 'ScheduledChange' },
);
export type Schedule = Static<typeof ScheduleSchema>;

export const CreateScheduleBody = Strict({
  environment: Type.Optional(EnvironmentKey),
  flag: FlagKey,
  change: PatchFlagBody,
  applyAt: Type.String({
    format: 'date-time',
    description: 'when to apply it: an ISO 8601 date-time with its time zone, in the future',
  }),
});
export type CreateScheduleInput = Static<typeof CreateScheduleBody>;

export const ScheduleQuery = Strict({
  environment: Type.Optional(EnvironmentKey),
  flag: Type.Optional(FlagKey),
  state: Type.Optional(ScheduleState),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
});
export type ScheduleQuery = Static<typeof ScheduleQuery>;

export const ScheduleListSchema = Type.Object({ scheduledChanges: Type.Array(ScheduleSchema) });
