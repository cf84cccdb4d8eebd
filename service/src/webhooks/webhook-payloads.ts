// What a receiver gets for one change: the change as JSON, or a line of text for Slack.
import { summarize } from '../audit/summarize.ts';
import type { StoredAuditEvent } from '../flags/flag-schemas.ts';

/**
 * The change in one line, in the audit log's words: "Ada Lovelace, flag `new-checkout`: turned on
 * in production" (a segment's sentences name the segment themselves).
 */
export const describe = (event: StoredAuditEvent): string =>
  `${event.by.name}${event.flagKey ? `, flag \`${event.flagKey}\`` : ''}: ${summarize(event).join('; ')}`;

/** The JSON body: the change as the change log records it, under the delivery's id. */
export function jsonBody(deliveryId: string, event: StoredAuditEvent): string {
  return JSON.stringify({
    id: deliveryId,
    eventId: event.id,
    environment: event.environment,
    revision: event.revision,
    action: event.action,
    flag: event.flagKey,
    segment: event.segmentKey,
    actor: event.by,
    summary: summarize(event),
    version: event.version,
    before: event.before,
    after: event.after,
    createdAt: event.createdAt,
  });
}

// Slack reads &, < and > as markup in text.
const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The Slack body: an incoming webhook's `{ text }`. */
export const slackBody = (event: StoredAuditEvent): string =>
  JSON.stringify({ text: slackEscape(describe(event)) });
