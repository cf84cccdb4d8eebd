// Audit events in PostgreSQL: written inside the transaction of the change they describe,
// read newest first with a cursor on the id.

import { type ActorRef, asActor } from '../access/authorization.ts';
import { errors } from '../errors.ts';
import type { AuditFilter, StoredAuditEvent, StoredAuditPage } from '../flags/flag-schemas.ts';
import { type AuditEvent as AuditRow, Prisma } from '../generated/prisma/client.ts';
import type { Db } from './database.ts';

/** Text for Prisma's `startsWith`, which is a LIKE: `%`, `_` and `\` escaped to stand for themselves. */
const literally = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Event ids are PostgreSQL bigints. */
const MAX_ID = 2n ** 63n - 1n;

type Tx = Prisma.TransactionClient;

export interface AuditRecord {
  actor: ActorRef;
  action: string;
  environment?: string | null;
  flagKey?: string | null;
  segmentKey?: string | null;
  before?: unknown;
  after?: unknown;
  version?: number | null;
  /** The environment revision the change produced (flag and segment changes). */
  revision?: number | null;
}

const json = (value: unknown) => (value == null ? Prisma.DbNull : (value as Prisma.InputJsonValue));

export async function recordAudit(tx: Tx, event: AuditRecord): Promise<void> {
  const actor = asActor(event.actor);
  await tx.auditEvent.create({
    data: {
      actor: actor.name,
      actorKind: actor.kind,
      actorSubject: actor.subject ?? null,
      actorEmail: actor.email ?? null,
      action: event.action,
      environmentKey: event.environment ?? null,
      flagKey: event.flagKey ?? null,
      segmentKey: event.segmentKey ?? null,
      before: json(event.before),
      after: json(event.after),
      version: event.version ?? null,
      revision: event.revision ?? null,
    },
  });
}

/** An audit event row as clients see it, before its summary is added. */
export const toEvent = (row: AuditRow): StoredAuditEvent => ({
  id: row.id.toString(),
  createdAt: row.createdAt.toISOString(),
  actor: row.actor,
  by: {
    kind: row.actorKind === 'person' ? 'person' : 'token',
    name: row.actor,
    ...(row.actorEmail ? { email: row.actorEmail } : {}),
    ...(row.actorSubject ? { subject: row.actorSubject } : {}),
  },
  action: row.action,
  environment: row.environmentKey,
  flagKey: row.flagKey,
  segmentKey: row.segmentKey,
  before: row.before,
  after: row.after,
  version: row.version,
  revision: row.revision,
});

/**
 * A page of audit events, newest first. Every filter is a column an index leads with
 * (environment and flag, flag, actor, email, subject, action, time), so a page reads at most
 * `limit + 1` rows of the events that match.
 */
export async function listAudit(
  db: Db,
  { environment, flagKey, actor, action, from, to, cursor, limit }: AuditFilter,
): Promise<StoredAuditPage> {
  if (cursor !== undefined && BigInt(cursor) > MAX_ID) {
    throw errors.invalidInput(
      `querystring.cursor ${cursor} is past any event id (at most ${MAX_ID}). Pass the nextCursor of a previous page.`,
    );
  }
  const rows = await db.auditEvent.findMany({
    where: {
      environmentKey: environment,
      flagKey,
      ...(actor === undefined ? {} : { OR: [{ actor }, { actorEmail: actor }, { actorSubject: actor }] }),
      ...(action === undefined
        ? {}
        : { action: 'exact' in action ? action.exact : { startsWith: literally(action.prefix) } }),
      ...(from || to ? { createdAt: { ...(from ? { gte: from } : {}), ...(to ? { lt: to } : {}) } } : {}),
      ...(cursor ? { id: { lt: BigInt(cursor) } } : {}),
    },
    orderBy: { id: 'desc' },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  return {
    events: page.map(toEvent),
    nextCursor: rows.length > limit ? (page.at(-1)?.id.toString() ?? null) : null,
  };
}
