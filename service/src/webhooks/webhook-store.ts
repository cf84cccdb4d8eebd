// The port between webhooks and their storage: the webhooks, their delivery log, and the claim
// an instance holds on a webhook while it delivers the changes after its cursor.
import type { ActorRef } from '../access/authorization.ts';
import type { StoredAuditEvent } from '../flags/flag-schemas.ts';
import type { Delivery, DeliveryPage, DeliveryQuery, Webhook, WebhookPatch } from './webhook-schemas.ts';

export interface NewWebhook {
  environment: string;
  url: string;
  kinds: string[];
  format: Webhook['format'];
  enabled: boolean;
  /** The secret as stored (sealed). */
  secret: string;
  createdBy: string;
}

/** A webhook an instance holds for a lease: what it needs to deliver, the sealed secret included. */
export interface ClaimedWebhook {
  id: string;
  environment: string;
  url: string;
  kinds: string[];
  format: Webhook['format'];
  secret: string;
  /** The last change handled: its revision and audit event id. */
  cursorRevision: number;
  cursorEventId: string;
  /** Who holds the claim: each claim has its own id, so a lapsed one cannot move the cursor. */
  claimer: string;
}

/** How an attempt went: `status` is the receiver's HTTP status, absent when none came back. */
export interface Attempt {
  ok: boolean;
  status?: number;
  error?: string;
}

export interface WebhookStore {
  /** Records the webhook, with its cursor at the environment's current revision, and its audit event. */
  create(webhook: NewWebhook, actor: ActorRef): Promise<Webhook>;
  get(id: string): Promise<Webhook | null>;
  list(environment: string): Promise<Webhook[]>;
  update(id: string, patch: WebhookPatch, actor: ActorRef): Promise<Webhook>;
  remove(id: string, actor: ActorRef): Promise<Webhook>;
  /** The sealed secret of a webhook, for a redelivery. */
  secretOf(id: string): Promise<string | null>;

  /**
   * Claims an enabled webhook that has changes after its cursor, is not backing off, and that no
   * instance holds, for `leaseMs`. Null: nothing to deliver anywhere.
   */
  claim(leaseMs: number): Promise<ClaimedWebhook | null>;
  /** The next changes of its environment's change log after the claim's cursor, oldest first. */
  changesAfter(claim: ClaimedWebhook, limit: number): Promise<StoredAuditEvent[]>;
  /** The delivery of `event` to the webhook, made pending the first time. */
  openDelivery(webhookId: string, event: StoredAuditEvent): Promise<Delivery>;
  /** Records an attempt of a delivery. */
  recordAttempt(deliveryId: string, attempt: Attempt): Promise<Delivery>;
  /** Moves the cursor past `event` and renews the lease; false when the claim was lost. */
  advance(claim: ClaimedWebhook, event: StoredAuditEvent, leaseMs: number): Promise<boolean>;
  /** Gives the claim up; with `retryInMs`, no instance takes the webhook again before then. */
  release(claim: ClaimedWebhook, retryInMs?: number): Promise<void>;

  deliveries(webhookId: string, query: DeliveryQuery): Promise<DeliveryPage>;
  delivery(webhookId: string, deliveryId: string): Promise<Delivery | null>;
  /** The change log's event with this id. */
  event(id: string): Promise<StoredAuditEvent | null>;
  /** Records a redelivery asked for by a person or token (audit only). */
  recordRedelivery(webhook: Webhook, delivery: Delivery, actor: ActorRef): Promise<void>;
}
