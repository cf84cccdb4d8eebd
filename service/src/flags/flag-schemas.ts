// The flag and environment shapes clients rely on, and the request bodies that change them.
import Type, { type Static } from 'typebox';
import { Key, Nullable, Strict, Timestamp } from '../schema.ts';
import {
  ConditionSchema,
  PrerequisitesSchema,
  RulesSchema,
  VARIANT_PATTERN,
  VariantName,
} from './rule-schemas.ts';

export const FLAG_TYPES = ['boolean', 'string', 'number', 'json'] as const;
export const FlagType = Type.Enum(FLAG_TYPES, { description: 'boolean, string, number or json' });
export type FlagType = Static<typeof FlagType>;

export const FlagKey = Key('flag key');
export const EnvironmentKey = Key('environment key');

const Value = Type.Unknown({ description: "a value of the flag's type (json: an object or an array)" });
const Variants = Type.Record(VariantName, Value, {
  additionalProperties: false,
  maxProperties: 100,
  description:
    'named values the flag can serve, each of the flag type; names use letters, digits, ".", "_", "-"',
});
const Description = Type.String({ maxLength: 1000 });

export const FlagSchema = Type.Object(
  {
    key: FlagKey,
    environment: EnvironmentKey,
    enabled: Type.Boolean(),
    description: Type.String(),
    type: FlagType,
    defaultValue: Type.Unknown({ description: 'the value of defaultVariant; null when there is none' }),
    defaultVariant: Nullable(
      Type.String({
        description: "served when the flag is on and no rule matches; null: the caller's default",
      }),
    ),
    offVariant: Nullable(
      Type.String({ description: "served when the flag is off; null: the caller's default" }),
    ),
    variants: Type.Record(Type.String(), Value),
    rules: RulesSchema,
    prerequisites: PrerequisitesSchema,
    version: Type.Integer({ minimum: 1 }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    archivedAt: Nullable(Timestamp),
  },
  { $id: 'Flag' },
);
export type Flag = Static<typeof FlagSchema>;

export const FlagListSchema = Type.Object(
  { environment: EnvironmentKey, revision: Type.Integer(), flags: Type.Array(FlagSchema) },
  { $id: 'FlagList' },
);
export type FlagList = Static<typeof FlagListSchema>;

const VariantChoice = (description: string) =>
  Type.Optional(Nullable(Type.String({ pattern: VARIANT_PATTERN, description })));
export const AdminFlagQuery = Strict({
  environment: Type.Optional(EnvironmentKey),
  archived: Type.Boolean({
    default: false,
    description: 'true: archived flags only; false: live flags only',
  }),
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: '^[^\\u0000-\\u001f]*$',
      description: 'text the key or the description contains (any case)',
    }),
  ),
  cursor: Type.Optional(Key('the last flag key of the previous page (its nextCursor)')),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  stale: Type.Optional(
    Type.Boolean({
      description: 'true: only the live flags that are stale, each with why (no q, no archived)',
    }),
  ),
});
export type AdminFlagQuery = Static<typeof AdminFlagQuery>;
const NextCursor = Nullable(
  Type.String({ description: 'pass as `cursor` to get the next page; null on the last page' }),
);
export const FlagPageSchema = Type.Object({ flags: Type.Array(FlagSchema), nextCursor: NextCursor });
export type FlagPage = Static<typeof FlagPageSchema>;

const DefaultVariant = VariantChoice(
  "the variant served when the flag is on and no rule matches; null: none, the caller's code default",
);
const OffVariant = VariantChoice(
  "the variant served when the flag is off; null: none, the caller's code default",
);
const DefaultValue = Type.Optional(
  Type.Unknown({
    description:
      'shorthand for defaultVariant: the variant with this value becomes the default (a variant named "default" is made for a new value)',
  }),
);

export const CreateFlagBody = Strict({
  key: FlagKey,
  environment: Type.Optional(EnvironmentKey),
  type: Type.Optional(
    Type.Enum(FLAG_TYPES, {
      description:
        'boolean, string, number or json; without it, the type of defaultValue (a string makes a string flag), else boolean: without variants, an on/off switch',
    }),
  ),
  defaultValue: DefaultValue,
  defaultVariant: DefaultVariant,
  offVariant: OffVariant,
  enabled: Type.Optional(Type.Boolean()),
  description: Type.Optional(Description),
  variants: Type.Optional(Variants),
  rules: Type.Optional(RulesSchema),
  prerequisites: Type.Optional(PrerequisitesSchema),
});
export type CreateFlagInput = Static<typeof CreateFlagBody>;

export const PatchFlagBody = Strict(
  {
    enabled: Type.Optional(Type.Boolean()),
    description: Type.Optional(Description),
    type: Type.Optional(FlagType),
    defaultValue: DefaultValue,
    defaultVariant: DefaultVariant,
    offVariant: OffVariant,
    variants: Type.Optional(Variants),
    rules: Type.Optional(RulesSchema),
    prerequisites: Type.Optional(PrerequisitesSchema),
  },
  { minProperties: 1 },
);
export type FlagPatch = Static<typeof PatchFlagBody>;

/** The part of a flag an admin writes; the rest (version, times) the store keeps. */
export type FlagContent = Pick<
  Flag,
  | 'enabled'
  | 'description'
  | 'type'
  | 'defaultVariant'
  | 'offVariant'
  | 'variants'
  | 'rules'
  | 'prerequisites'
>;

export const SegmentBody = Strict({
  key: Key('segment key'),
  environment: Type.Optional(EnvironmentKey),
  description: Type.Optional(Description),
  conditions: Type.Array(ConditionSchema, { maxItems: 50, description: 'all must match' }),
});
export const PatchSegmentBody = Strict(
  {
    description: Type.Optional(Description),
    conditions: Type.Optional(Type.Array(ConditionSchema, { maxItems: 50 })),
  },
  { minProperties: 1 },
);
export type SegmentInput = Static<typeof SegmentBody>;
export type SegmentPatch = Static<typeof PatchSegmentBody>;
export type SegmentContent = { description: string; conditions: Static<typeof ConditionSchema>[] };

export const EnvironmentSchema = Type.Object(
  {
    key: EnvironmentKey,
    revision: Type.Integer(),
    protected: Type.Boolean({
      description:
        'changes to its flags and segments are change requests, applied when another person approves',
    }),
    createdAt: Timestamp,
  },
  { $id: 'Environment' },
);
export type Environment = Static<typeof EnvironmentSchema>;
export const CreateEnvironmentBody = Strict({ key: EnvironmentKey });

export const AuditEventSchema = Type.Object(
  {
    id: Type.String(),
    createdAt: Timestamp,
    actor: Type.String({ description: 'who made the change: the name of the person or of the token' }),
    by: Type.Object(
      {
        kind: Type.Enum(['person', 'token']),
        name: Type.String(),
        email: Type.Optional(Type.String()),
        subject: Type.Optional(Type.String({ description: "the identity provider's subject of the person" })),
      },
      { description: 'who made the change: a person signed in through the identity provider, or a token' },
    ),
    action: Type.String({ description: 'e.g. flag.created, flag.updated, flag.archived, token.revoked' }),
    environment: Nullable(Type.String()),
    flagKey: Nullable(Type.String()),
    segmentKey: Nullable(Type.String()),
    summary: Type.Array(Type.String(), {
      description:
        'what the change did, in a few sentences ("turned on in production", "added variant \'blue\'"), without the fields the service keeps for itself',
    }),
    before: Type.Optional(
      Type.Unknown({ description: 'the state before the change; left out with diff=false' }),
    ),
    after: Type.Optional(
      Type.Unknown({ description: 'the state after the change; left out with diff=false' }),
    ),
    version: Nullable(Type.Integer()),
    revision: Nullable(
      Type.Integer({
        description:
          "the environment revision the change produced: its place in the environment's change log",
      }),
    ),
  },
  { $id: 'AuditEvent' },
);
export type AuditEvent = Static<typeof AuditEventSchema>;
/** An audit event as stored: the summary is made from it when it is read. */
export type StoredAuditEvent = Omit<AuditEvent, 'summary'>;
export const AuditPageSchema = Type.Object({ events: Type.Array(AuditEventSchema), nextCursor: NextCursor });
export type AuditPage = Static<typeof AuditPageSchema>;
export type StoredAuditPage = { events: StoredAuditEvent[]; nextCursor: string | null };
export const AuditQuery = Strict({
  environment: Type.Optional(EnvironmentKey),
  flagKey: Type.Optional(FlagKey),
  actor: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '^[^\\u0000-\\u001f]*$',
      description:
        "who made the changes: a person's name, email or identity-provider subject, or a token's name (exact)",
    }),
  ),
  action: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description:
        'an action (flag.updated), or every action of a kind: its prefix ending in a dot (flag., token., request.)',
    }),
  ),
  from: Type.Optional(
    Type.String({ format: 'date-time', description: 'changes at or after this ISO 8601 date-time' }),
  ),
  to: Type.Optional(
    Type.String({ format: 'date-time', description: 'changes before this ISO 8601 date-time' }),
  ),
  cursor: Type.Optional(
    Type.String({
      pattern: '^[0-9]{1,19}$',
      description: 'the nextCursor of the previous page: events older than it',
    }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  diff: Type.Boolean({
    default: true,
    description: 'false: leave out before and after, each event carries its summary only',
  }),
});
export type AuditQuery = Static<typeof AuditQuery>;
/** What the store filters audit events by. */
export type AuditFilter = Omit<AuditQuery, 'diff' | 'from' | 'to' | 'action'> & {
  from?: Date;
  to?: Date;
  /** An exact action, or a kind's prefix ending in a dot. */
  action?: { exact: string } | { prefix: string };
};
