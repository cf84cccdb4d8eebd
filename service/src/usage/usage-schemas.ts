// The usage API's shapes: a flag's usage over time, and the admin flag list with each flag's last
// evaluation (and, for ?stale=true, why it is stale).
import Type, { type Static } from 'typebox';
import { EnvironmentKey, FlagKey, FlagSchema } from '../flags/flag-schemas.ts';
import { Nullable, Strict, Timestamp } from '../schema.ts';

export const UsageQuery = Strict({
  environment: Type.Optional(EnvironmentKey),
  from: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        'the start of the period, an ISO 8601 date-time with its zone (default: 7 days, or 30 by day, before `to`)',
    }),
  ),
  to: Type.Optional(
    Type.String({ format: 'date-time', description: 'the end of the period (default: now)' }),
  ),
  granularity: Type.Optional(
    Type.Enum(['hour', 'day'], {
      description: 'hour (the default; at most 31 days) or day (at most 400 days) buckets, UTC',
    }),
  ),
});
export type UsageQuery = Static<typeof UsageQuery>;

const VariantName = Type.String({
  description:
    'a variant, or "(default)" for an answer without one (the code default), or "(read)" for a read API read',
});

export const UsageSchema = Type.Object({
  environment: EnvironmentKey,
  flag: FlagKey,
  granularity: Type.Enum(['hour', 'day']),
  from: Timestamp,
  to: Timestamp,
  lastEvaluatedAt: Nullable(Timestamp),
  total: Type.Integer({
    description: 'evaluations in the period, as of the last flush (about a minute behind)',
  }),
  variants: Type.Array(Type.Object({ variant: VariantName, count: Type.Integer() }), {
    description: 'totals per variant in the period, most served first',
  }),
  series: Type.Array(
    Type.Object({
      start: Timestamp,
      count: Type.Integer(),
      variants: Type.Record(Type.String(), Type.Integer()),
    }),
    { description: 'every hour or day of the period, oldest first, empty ones included' },
  ),
});

export const StaleReasonSchema = Type.Object({
  code: Type.Enum(['unevaluated', 'unchanged'], {
    description:
      'unevaluated: not evaluated for STALE_UNEVALUATED_DAYS; unchanged: one answer for everyone, unchanged for STALE_UNCHANGED_DAYS',
  }),
  since: Timestamp,
  message: Type.String(),
});

export const AdminFlagSchema = Type.Object({
  ...FlagSchema.properties,
  lastEvaluatedAt: Nullable(Timestamp),
  stale: Type.Optional(Type.Array(StaleReasonSchema, { description: 'with ?stale=true: why it is stale' })),
});

export const AdminFlagPageSchema = Type.Object({
  flags: Type.Array(AdminFlagSchema),
  nextCursor: Nullable(
    Type.String({
      description:
        'pass as `cursor` to get the next page; null on the last page. A stale page looks at 500 flags at most, so it may be short and still have a next one',
    }),
  ),
});

export type FlagUsage = Static<typeof UsageSchema>;
export type StaleReason = Static<typeof StaleReasonSchema>;
export type AdminFlagPage = Static<typeof AdminFlagPageSchema>;
