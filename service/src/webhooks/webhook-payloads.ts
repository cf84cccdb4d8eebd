// What a receiver gets for one change: the change as JSON, or a line of text for Slack.
import type { AuditEvent } from '../flags/flag-schemas.ts';

const keyOf = (event: AuditEvent) => event.flagKey ?? event.segmentKey ?? '';

const enabledOf = (value: unknown) =>
  value && typeof value === 'object' && 'enabled' in value
    ? (value as { enabled: unknown }).enabled
    : undefined;

/** The change in words: "Ada Lovelace turned on `new-checkout` in production". */
export function summarize(event: AuditEvent): string {
  const who = event.by.name;
  const key = `\`${keyOf(event)}\``;
  const where = `in ${event.environment}`;
  switch (event.action) {
    case 'flag.created':
      return `${who} created flag ${key} ${where}`;
    case 'flag.updated': {
      const [was, is] = [enabledOf(event.before), enabledOf(event.after)];
      if (was !== is && typeof is === 'boolean') return `${who} turned ${is ? 'on' : 'off'} ${key} ${where}`;
      return `${who} changed flag ${key} ${where}`;
    }
    case 'flag.archived':
      return `${who} archived flag ${key} ${where}`;
    case 'flag.restored':
      return `${who} restored flag ${key} ${where}`;
    case 'segment.created':
      return `${who} created segment ${key} ${where}`;
    case 'segment.updated':
      return `${who} changed segment ${key} ${where}`;
    case 'segment.deleted':
      return `${who} deleted segment ${key} ${where}`;
    default:
      return `${who}: ${event.action} ${key} ${where}`;
  }
}

/** The JSON body: the change as the change log records it, under the delivery's id. */
export function jsonBody(deliveryId: string, event: AuditEvent): string {
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
export const slackBody = (event: AuditEvent): string =>
  JSON.stringify({ text: slackEscape(summarize(event)) });
