// Change requests as clients see them: a change to a flag or segment of a protected environment,
// proposed through the usual admin routes and applied when another person approves it.
import Type, { type Static } from 'typebox';
import { EnvironmentKey } from '../flags/flag-schemas.ts';
import { ActorSchema, Nullable, Strict, Timestamp } from '../schema.ts';

export const REQUEST_KINDS = [
  'flag.create',
  'flag.update',
  'flag.archive',
  'flag.restore',
  'segment.create',
  'segment.update',
  'segment.delete',
  'flag.promote',
] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export const REQUEST_STATES = ['open', 'scheduled', 'approved', 'rejected', 'stale'] as const;
export const RequestState = Type.Enum(REQUEST_STATES, {
  description:
    'open: waiting for review; scheduled: approved, to be applied at applyAt; approved: applied; rejected: not applied (see comment); stale: what it was made against changed, so it was not applied (see reason)',
});
export type RequestState = Static<typeof RequestState>;

const Versions = Type.Record(Type.String(), Nullable(Type.Integer()), {
  description: 'key → version it was made against; null: it did not exist',
});
export const BaseVersions = Type.Object(
  { flags: Versions, segments: Versions },
  { description: 'the versions of the flags and segments the change was made against' },
);
export type BaseVersions = Static<typeof BaseVersions>;

export const ChangeRequestSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    environment: Type.String(),
    kind: Type.Enum(REQUEST_KINDS),
    target: Type.String({ description: 'the key of the flag or segment it changes' }),
    change: Type.Unknown({
      description: 'the request body it was proposed with; null for an archive, restore or delete',
    }),
    before: Type.Unknown({
      description: 'the flag or segment when it was proposed; null when it did not exist',
    }),
    after: Type.Unknown({ description: 'the flag or segment as the change makes it; null when it goes' }),
    baseVersions: BaseVersions,
    state: RequestState,
    proposedBy: ActorSchema,
    createdAt: Timestamp,
    decidedBy: Nullable(ActorSchema),
    decidedAt: Nullable(Timestamp),
    comment: Nullable(Type.String()),
    applyAt: Nullable(Timestamp),
    reason: Nullable(Type.String({ description: 'why it was not applied, and what to do' })),
  },
  { $id: 'ChangeRequest' },
);
export type ChangeRequest = Static<typeof ChangeRequestSchema>;

export const ChangeRequestQuery = Strict({
  environment: Type.Optional(EnvironmentKey),
  state: Type.Optional(RequestState),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
});
export type ChangeRequestQuery = Static<typeof ChangeRequestQuery>;

export const ChangeRequestListSchema = Type.Object({ changeRequests: Type.Array(ChangeRequestSchema) });

const Comment = Type.String({ minLength: 1, maxLength: 2000, description: 'why, for the record' });
export const ApproveBody = Strict({
  comment: Type.Optional(Comment),
  applyAt: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        'apply it at this time rather than now: an ISO 8601 date-time with its time zone, in the future. Until then it is `scheduled`, and rejecting it cancels it.',
    }),
  ),
});
export const RejectBody = Strict({ comment: Comment });

export const ProtectBody = Strict({
  protected: Type.Boolean({
    description:
      'true: changes to flags and segments here become change requests that another person approves',
  }),
});
