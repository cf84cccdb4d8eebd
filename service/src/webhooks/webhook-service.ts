// Webhooks: the admin operations, and the delivery of an environment's change log to each
// webhook. The change log in the database is the outbox: every instance claims webhooks that
// have changes after their cursor and sends those changes in order, one at a time, moving the
// cursor as each succeeds. A failed attempt gives the claim up with a backoff for that webhook
// alone; a claimant that dies leaves a lease that lapses. So each change is delivered at least
// once, in revision order per webhook, and a receiver that is down delays only its own.
import { type ActorRef, asActor } from '../access/authorization.ts';
import { errors } from '../errors.ts';
import type { StoredAuditEvent } from '../flags/flag-schemas.ts';
import { jsonBody, slackBody } from './webhook-payloads.ts';
import type {
  CreateWebhookInput,
  Delivery,
  DeliveryQuery,
  Webhook,
  WebhookPatch,
} from './webhook-schemas.ts';
import { newSecret, type SecretBox, signature } from './webhook-secrets.ts';
import type { Send } from './webhook-sender.ts';
import type { Attempt, ClaimedWebhook, WebhookStore } from './webhook-store.ts';

/** How long a claim keeps other instances off a webhook: well above a few timed-out sends. */
export const CLAIM_LEASE_MS = 15_000;
/** Changes read from the change log at a time. */
const BATCH = 50;

export interface DeliveryOutcome {
  outcome: 'delivered' | 'failed';
  /** Seconds from the change's commit to this attempt. */
  lagSeconds: number;
}

/**
 * The wait after the `attempts`th failed attempt: doubling from `minMs`, capped at `maxMs`, with
 * jitter (half to all of it, `random` in [0, 1)) so receivers coming back are not stampeded.
 */
export function backoff(attempts: number, minMs: number, maxMs: number, random: number): number {
  const full = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(attempts, 1) - 1, 30));
  return Math.round(full * (0.5 + random / 2));
}

export interface WebhookServiceDeps {
  store: WebhookStore;
  secrets: SecretBox;
  send: Send;
  /** The first retry waits about this long; each failure doubles it, up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  leaseMs?: number;
  now?: () => Date;
  random?: () => number;
  onDelivery?: (outcome: DeliveryOutcome) => void;
}

/** Whether a webhook that wants `kinds` is sent a change of `action`. */
export const wants = (kinds: string[], action: string) =>
  kinds.some(
    (kind) =>
      kind === '*' || kind === action || (kind.endsWith('.*') && action.startsWith(kind.slice(0, -1))),
  );

function checkUrl(url: string) {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw errors.invalidWebhookUrl(url, 'is not a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw errors.invalidWebhookUrl(
      url,
      `has scheme '${parsed.protocol.slice(0, -1)}'; only http and https are sent to`,
    );
  }
  if (parsed.username || parsed.password) {
    throw errors.invalidWebhookUrl(url, 'carries a user name or password, which would be kept in plain view');
  }
}

export function createWebhookService({
  store,
  secrets,
  send,
  minBackoffMs = 1000,
  maxBackoffMs = 300_000,
  leaseMs = CLAIM_LEASE_MS,
  now = () => new Date(),
  random = Math.random,
  onDelivery,
}: WebhookServiceDeps) {
  const backoffMs = (attempts: number) => backoff(attempts, minBackoffMs, maxBackoffMs, random());

  async function attempt(
    webhook: Pick<ClaimedWebhook, 'url' | 'format' | 'secret'>,
    delivery: Delivery,
    event: StoredAuditEvent,
  ): Promise<Attempt> {
    let secret: string;
    try {
      secret = secrets.open(webhook.secret);
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
    const body = webhook.format === 'slack' ? slackBody(event) : jsonBody(delivery.id, event);
    const sent = now();
    const result = await send({
      url: webhook.url,
      body,
      headers: {
        'flagstone-signature': signature(secret, Math.floor(sent.getTime() / 1000), body),
        'flagstone-delivery': delivery.id,
        'flagstone-event': event.action,
      },
    });
    onDelivery?.({
      outcome: result.ok ? 'delivered' : 'failed',
      lagSeconds: Math.max(0, (sent.getTime() - Date.parse(event.createdAt)) / 1000),
    });
    return result;
  }

  /** Delivers the changes after a claimed webhook's cursor until it is caught up, fails, or loses the claim. */
  async function drain(claim: ClaimedWebhook): Promise<void> {
    for (;;) {
      const changes = await store.changesAfter(claim, BATCH);
      if (changes.length === 0) return store.release(claim);
      for (const event of changes) {
        if (wants(claim.kinds, event.action)) {
          let delivery = await store.openDelivery(claim.id, event);
          // Delivered already (a redelivery asked for by hand while the webhook waited, or a claimant
          // that died before it moved the cursor): not sent again.
          if (delivery.status !== 'delivered') {
            const result = await attempt(claim, delivery, event);
            delivery = await store.recordAttempt(delivery.id, result);
            if (!result.ok) return store.release(claim, backoffMs(delivery.attempts));
          }
        }
        if (!(await store.advance(claim, event, leaseMs))) return; // the lease lapsed: another instance carries on
      }
    }
  }

  async function owned(id: string) {
    const webhook = await store.get(id);
    if (!webhook) throw errors.webhookNotFound(id);
    return webhook;
  }

  return {
    async create(environment: string, input: Omit<CreateWebhookInput, 'environment'>, actor: ActorRef) {
      checkUrl(input.url);
      const secret = newSecret();
      const webhook = await store.create(
        {
          environment,
          url: input.url,
          kinds: input.kinds ?? ['*'],
          format: input.format ?? 'json',
          enabled: input.enabled ?? true,
          secret: secrets.seal(secret),
          createdBy: asActor(actor).name,
        },
        actor,
      );
      return { ...webhook, secret };
    },

    get: owned,

    list: (environment: string) => store.list(environment),

    update(id: string, patch: WebhookPatch, actor: ActorRef): Promise<Webhook> {
      if (patch.url !== undefined) checkUrl(patch.url);
      return store.update(id, patch, actor);
    },

    remove: (id: string, actor: ActorRef) => store.remove(id, actor),

    /** The delivery log of a webhook the caller has already found (its route answers 404 otherwise). */
    deliveries: (id: string, query: DeliveryQuery) => store.deliveries(id, query),

    /** Sends a logged delivery again, now, whatever its status; the attempt is logged and audited. */
    async redeliver(webhook: Webhook, deliveryId: string, actor: ActorRef): Promise<Delivery> {
      const delivery = await store.delivery(webhook.id, deliveryId);
      const event = delivery && (await store.event(delivery.eventId));
      const secret = await store.secretOf(webhook.id);
      if (!delivery || !event || secret === null) throw errors.deliveryNotFound(webhook.id, deliveryId);
      const result = await attempt({ ...webhook, secret }, delivery, event);
      const after = await store.recordAttempt(delivery.id, result);
      await store.recordRedelivery(webhook, after, actor);
      return after;
    },

    /**
     * Claims one webhook with changes to deliver and delivers them; false when there was none to
     * claim. `claimed` hears of the claim before the sends begin (to start another caller). Each
     * caller drains one webhook at a time, so several callers keep a slow receiver from holding up
     * the others.
     */
    async deliverNext(claimed?: () => void): Promise<boolean> {
      const claim = await store.claim(leaseMs);
      if (!claim) return false;
      claimed?.();
      try {
        await drain(claim);
      } catch (err) {
        await store.release(claim, minBackoffMs).catch(() => {}); // unreleased, it waits for its lease to lapse
        throw err;
      }
      return true;
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
