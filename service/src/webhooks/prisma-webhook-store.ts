// Webhooks on PostgreSQL through Prisma. A webhook is claimed for a lease in one short statement
// (FOR UPDATE SKIP LOCKED, stamped with the claim's id and the time it lapses), as scheduled
// changes are: no transaction stays open while a receiver is called, and a claimant that dies
// leaves a lease that lapses, so another instance carries on from the cursor.
import { randomUUID } from 'node:crypto';
import { recordAudit, toEvent } from '../db/audit.ts';
import type { Db } from '../db/database.ts';
import { errors } from '../errors.ts';
import type {
  AuditEvent as AuditRow,
  WebhookDelivery as DeliveryRow,
  Webhook as WebhookRow,
} from '../generated/prisma/client.ts';
import type { Delivery, Webhook } from './webhook-schemas.ts';
import type { WebhookStore } from './webhook-store.ts';

const toWebhook = (row: WebhookRow): Webhook => ({
  id: row.id,
  environment: row.environmentKey,
  url: row.url,
  kinds: row.kinds,
  format: row.format,
  enabled: row.enabled,
  cursor: row.cursorRevision,
  nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const toDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  webhookId: row.webhookId,
  eventId: row.auditEventId.toString(),
  revision: row.revision,
  action: row.action,
  status: row.status,
  attempts: row.attempts,
  lastStatus: row.lastStatus,
  lastError: row.lastError,
  createdAt: row.createdAt.toISOString(),
  lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
  deliveredAt: row.deliveredAt?.toISOString() ?? null,
});

const secs = (ms: number) => ms / 1000;

/**
 * A webhook as its audit events record it: the URL's origin only, since its path often holds a
 * credential (a Slack incoming webhook's does) and audit events are read more widely than webhooks.
 */
const audited = (webhook: Webhook) => {
  const { origin, pathname, search } = new URL(webhook.url);
  return { ...webhook, url: pathname === '/' && !search ? origin : `${origin}/…` };
};

export function createPrismaWebhookStore(db: Db): WebhookStore {
  return {
    create: (webhook, actor) =>
      db.$transaction(async (tx) => {
        // The cursor starts at the environment's present: a new webhook hears of changes from now on.
        const [head] = await tx.$queryRaw<{ revision: number; event_id: bigint }[]>`
          SELECT e.revision, coalesce(
            (SELECT max(a.id) FROM audit_events a WHERE a.environment_key = e.key AND a.revision = e.revision), 0
          ) AS event_id
          FROM environments e WHERE e.key = ${webhook.environment}`;
        if (!head) throw errors.environmentNotFound(webhook.environment);
        const created = toWebhook(
          await tx.webhook.create({
            data: {
              environmentKey: webhook.environment,
              url: webhook.url,
              kinds: webhook.kinds,
              format: webhook.format,
              enabled: webhook.enabled,
              secret: webhook.secret,
              cursorRevision: head.revision,
              cursorEventId: head.event_id,
              createdBy: webhook.createdBy,
            },
          }),
        );
        await recordAudit(tx, {
          actor,
          action: 'webhook.created',
          environment: created.environment,
          after: audited(created),
        });
        return created;
      }),

    async get(id) {
      const row = await db.webhook.findUnique({ where: { id } });
      return row && toWebhook(row);
    },

    async list(environment) {
      const rows = await db.webhook.findMany({
        where: { environmentKey: environment },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
      return rows.map(toWebhook);
    },

    update: (id, patch, actor) =>
      db.$transaction(async (tx) => {
        const before = await tx.webhook.findUnique({ where: { id } });
        if (!before) throw errors.webhookNotFound(id);
        // Re-enabled or pointed elsewhere: try at once rather than after the last backoff.
        const after = toWebhook(
          await tx.webhook.update({ where: { id }, data: { ...patch, nextAttemptAt: null } }),
        );
        await recordAudit(tx, {
          actor,
          action: 'webhook.updated',
          environment: after.environment,
          before: audited(toWebhook(before)),
          after: audited(after),
        });
        return after;
      }),

    remove: (id, actor) =>
      db.$transaction(async (tx) => {
        const row = await tx.webhook.findUnique({ where: { id } });
        if (!row) throw errors.webhookNotFound(id);
        await tx.webhook.delete({ where: { id } });
        const removed = toWebhook(row);
        await recordAudit(tx, {
          actor,
          action: 'webhook.deleted',
          environment: removed.environment,
          before: audited(removed),
        });
        return removed;
      }),

    async secretOf(id) {
      const row = await db.webhook.findUnique({ where: { id }, select: { secret: true } });
      return row?.secret ?? null;
    },

    async claim(leaseMs) {
      const claimer = randomUUID();
      // The database's clock decides backoffs and leases: one clock for every instance. A webhook
      // with nothing after its cursor is never claimed, so an idle poll is one indexed query.
      const [row] = await db.$queryRaw<
        {
          id: string;
          environment_key: string;
          url: string;
          kinds: string[];
          format: Webhook['format'];
          secret: string;
          cursor_revision: number;
          cursor_event_id: bigint;
        }[]
      >`
        UPDATE webhooks
        SET claimed_until = (now() AT TIME ZONE 'UTC') + make_interval(secs => ${secs(leaseMs)}::double precision),
            claimed_by = ${claimer}::uuid
        WHERE id = (
          SELECT w.id FROM webhooks w JOIN environments e ON e.key = w.environment_key
          WHERE w.enabled
            AND (e.revision > w.cursor_revision
              -- the rest of a revision of several changes (an import), part of which was sent
              OR EXISTS (SELECT 1 FROM audit_events a WHERE a.environment_key = w.environment_key
                AND a.revision = w.cursor_revision AND a.id > w.cursor_event_id))
            AND (w.next_attempt_at IS NULL OR w.next_attempt_at <= (now() AT TIME ZONE 'UTC'))
            AND (w.claimed_until IS NULL OR w.claimed_until <= (now() AT TIME ZONE 'UTC'))
          ORDER BY w.next_attempt_at NULLS FIRST, w.id
          LIMIT 1
          FOR UPDATE OF w SKIP LOCKED)
        RETURNING id::text, environment_key, url, kinds, format::text AS format, secret, cursor_revision, cursor_event_id`;
      if (!row) return null;
      return {
        id: row.id,
        environment: row.environment_key,
        url: row.url,
        kinds: row.kinds,
        format: row.format,
        secret: row.secret,
        cursorRevision: row.cursor_revision,
        cursorEventId: row.cursor_event_id.toString(),
        claimer,
      };
    },

    async changesAfter(claim, limit) {
      const rows = await db.$queryRaw<AuditRow[]>`
        SELECT id, created_at AS "createdAt", actor, actor_kind AS "actorKind", actor_subject AS "actorSubject",
          actor_email AS "actorEmail", action, environment_key AS "environmentKey", flag_key AS "flagKey",
          segment_key AS "segmentKey", before, after, version, revision
        FROM audit_events
        WHERE environment_key = ${claim.environment} AND revision IS NOT NULL
          AND (revision > ${claim.cursorRevision}
            OR (revision = ${claim.cursorRevision} AND id > ${BigInt(claim.cursorEventId)}))
        ORDER BY revision, id
        LIMIT ${limit}`;
      return rows.map(toEvent);
    },

    async openDelivery(webhookId, event) {
      const row = await db.webhookDelivery.upsert({
        where: { webhookId_auditEventId: { webhookId, auditEventId: BigInt(event.id) } },
        create: {
          webhookId,
          auditEventId: BigInt(event.id),
          revision: event.revision ?? 0,
          action: event.action,
        },
        update: {},
      });
      return toDelivery(row);
    },

    async recordAttempt(deliveryId, attempt) {
      const at = new Date();
      const row = await db.webhookDelivery.update({
        where: { id: deliveryId },
        data: {
          attempts: { increment: 1 },
          lastAttemptAt: at,
          lastStatus: attempt.status ?? null,
          lastError: attempt.ok ? null : (attempt.error ?? null),
          ...(attempt.ok ? { status: 'delivered', deliveredAt: at } : {}),
        },
      });
      // A failed redelivery of a delivered change leaves it delivered: it was, once.
      if (!attempt.ok && row.status === 'pending') {
        return toDelivery(
          await db.webhookDelivery.update({ where: { id: deliveryId }, data: { status: 'failed' } }),
        );
      }
      return toDelivery(row);
    },

    async advance(claim, event, leaseMs) {
      const moved = await db.$executeRaw`
        UPDATE webhooks
        SET cursor_revision = ${event.revision ?? claim.cursorRevision}, cursor_event_id = ${BigInt(event.id)},
            next_attempt_at = NULL,
            claimed_until = (now() AT TIME ZONE 'UTC') + make_interval(secs => ${secs(leaseMs)}::double precision)
        WHERE id = ${claim.id}::uuid AND claimed_by = ${claim.claimer}::uuid`;
      if (moved === 0) return false;
      claim.cursorRevision = event.revision ?? claim.cursorRevision;
      claim.cursorEventId = event.id;
      return true;
    },

    async release(claim, retryInMs) {
      await db.$executeRaw`
        UPDATE webhooks
        SET claimed_until = NULL, claimed_by = NULL,
            next_attempt_at = CASE WHEN ${retryInMs ?? -1}::double precision < 0 THEN next_attempt_at
              ELSE (now() AT TIME ZONE 'UTC') + make_interval(secs => ${secs(retryInMs ?? 0)}::double precision) END
        WHERE id = ${claim.id}::uuid AND claimed_by = ${claim.claimer}::uuid`;
    },

    async deliveries(webhookId, { cursor, limit }) {
      const rows = await db.webhookDelivery.findMany({
        where: { webhookId, ...(cursor ? { auditEventId: { lt: BigInt(cursor) } } : {}) },
        orderBy: { auditEventId: 'desc' },
        take: limit + 1,
      });
      const page = rows.slice(0, limit);
      return {
        deliveries: page.map(toDelivery),
        nextCursor: rows.length > limit ? (page.at(-1)?.auditEventId.toString() ?? null) : null,
      };
    },

    async delivery(webhookId, deliveryId) {
      const row = await db.webhookDelivery.findFirst({ where: { id: deliveryId, webhookId } });
      return row && toDelivery(row);
    },

    async event(id) {
      const row = await db.auditEvent.findUnique({ where: { id: BigInt(id) } });
      return row && toEvent(row);
    },

    async recordRedelivery(webhook, delivery, actor) {
      await db.$transaction((tx) =>
        recordAudit(tx, {
          actor,
          action: 'webhook.redelivered',
          environment: webhook.environment,
          after: {
            webhook: webhook.id,
            delivery: delivery.id,
            eventId: delivery.eventId,
            revision: delivery.revision,
          },
        }),
      );
    },
  };
}
