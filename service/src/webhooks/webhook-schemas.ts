// Webhooks as clients see them: an environment's receiver of changes, and its delivery log.
import Type, { type Static } from 'typebox';
import { EnvironmentKey } from '../flags/flag-schemas.ts';
import { Nullable, Strict, Timestamp } from '../schema.ts';

export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

// The scheme is checked by the service, so a wrong one gets a message that says what to give instead.
export const WebhookUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'where changes are POSTed: an absolute http:// or https:// URL',
});

export const WebhookKind = Type.String({
  pattern: '^(\\*|(flag|segment)\\.(\\*|[a-z_]{1,32}))$',
  description:
    'an action as audit events record it (flag.updated, segment.deleted), flag.* or segment.* for all of a kind, or * for all',
});

export const WebhookKinds = Type.Array(WebhookKind, {
  minItems: 1,
  maxItems: 20,
  uniqueItems: true,
  description: 'the changes the webhook is sent; default ["*"], every change',
});

export const WebhookFormat = Type.Enum(WEBHOOK_FORMATS, {
  description: 'json: the change as JSON; slack: {"text": …}, for a Slack incoming webhook',
});

export const WebhookSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    environment: Type.String(),
    url: Type.String(),
    kinds: Type.Array(Type.String()),
    format: WebhookFormat,
    enabled: Type.Boolean(),
    cursor: Type.Integer({ description: 'the revision of the last change delivered (or not wanted)' }),
    nextAttemptAt: Nullable(Timestamp),
    createdBy: Type.String(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Webhook' },
);
export type Webhook = Static<typeof WebhookSchema>;

export const CreatedWebhookSchema = Type.Intersect([
  WebhookSchema,
  Type.Object({
    secret: Type.String({
      description: 'the signing secret, shown in this response only: keep it where the receiver can read it',
    }),
  }),
]);

/** A webhook as its creation answers it: with the secret, shown this once. */
export type CreatedWebhook = Static<typeof CreatedWebhookSchema>;

export const CreateWebhookBody = Strict({
  environment: Type.Optional(EnvironmentKey),
  url: WebhookUrl,
  kinds: Type.Optional(WebhookKinds),
  format: Type.Optional(WebhookFormat),
  enabled: Type.Optional(Type.Boolean()),
});
export type CreateWebhookInput = Static<typeof CreateWebhookBody>;

export const PatchWebhookBody = Strict(
  {
    url: Type.Optional(WebhookUrl),
    kinds: Type.Optional(WebhookKinds),
    format: Type.Optional(WebhookFormat),
    enabled: Type.Optional(Type.Boolean()),
  },
  { minProperties: 1 },
);
export type WebhookPatch = Static<typeof PatchWebhookBody>;

export const WebhookListSchema = Type.Object({ webhooks: Type.Array(WebhookSchema) });

export const DeliveryStatus = Type.Enum(DELIVERY_STATUSES, {
  description:
    'pending: not tried yet; delivered: the receiver answered 2xx; failed: the last attempt failed (tried again)',
});

export const DeliverySchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'also the Flagstone-Delivery header' }),
    webhookId: Type.String({ format: 'uuid' }),
    eventId: Type.String({ description: 'the audit event delivered' }),
    revision: Type.Integer(),
    action: Type.String(),
    status: DeliveryStatus,
    attempts: Type.Integer(),
    lastStatus: Nullable(Type.Integer({ description: 'the HTTP status the receiver last answered' })),
    lastError: Nullable(Type.String()),
    createdAt: Timestamp,
    lastAttemptAt: Nullable(Timestamp),
    deliveredAt: Nullable(Timestamp),
  },
  { $id: 'WebhookDelivery' },
);
export type Delivery = Static<typeof DeliverySchema>;

export const DeliveryQuery = Strict({
  cursor: Type.Optional(
    Type.String({ pattern: '^[0-9]{1,18}$', description: 'the nextCursor of the previous page' }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
});
export type DeliveryQuery = Static<typeof DeliveryQuery>;

export const DeliveryPageSchema = Type.Object({
  deliveries: Type.Array(DeliverySchema, { description: 'newest revision first' }),
  nextCursor: Nullable(Type.String()),
});
export type DeliveryPage = Static<typeof DeliveryPageSchema>;
