// Reading the audit log: a query's filters checked and turned into the store's, and each stored
// event told in words (summarize.ts), with its before and after only when the reader asks.
import { errors } from '../errors.ts';
import type {
  AuditEvent,
  AuditFilter,
  AuditPage,
  AuditQuery,
  StoredAuditEvent,
  StoredAuditPage,
} from '../flags/flag-schemas.ts';
import { queryInstant } from '../query-time.ts';
import { summarize } from './summarize.ts';

/** An audit query as services take it: `diff` defaults to true, as on the wire. */
export type AuditRead = Omit<AuditQuery, 'diff'> & { diff?: boolean };

const ACTION = /^[a-z][a-z_-]*\.([a-z][a-z_-]*)?$/;

const instant = (name: string, value: string | undefined) =>
  value === undefined ? undefined : queryInstant(name, value, 'the audit log can be searched by');

/** The store's filter for a query; refuses an action that is neither an action nor a kind's prefix, and an empty time range. */
export function auditFilter({ diff: _diff, action, from, to, ...rest }: AuditRead): AuditFilter {
  if (action !== undefined && !ACTION.test(action)) {
    throw errors.invalidInput(
      `querystring.action '${action}' is neither an action (such as flag.updated) nor the prefix of a kind of action ending in a dot (such as flag.). Pass one of those.`,
    );
  }
  const since = instant('from', from);
  const until = instant('to', to);
  if (since && until && since.getTime() >= until.getTime()) {
    throw errors.invalidInput(
      `querystring.from (${from}) must be before querystring.to (${to}): no event can be in that range. Swap them, or widen the range.`,
    );
  }
  return {
    ...rest,
    ...(action === undefined
      ? {}
      : { action: action.endsWith('.') ? { prefix: action } : { exact: action } }),
    ...(since ? { from: since } : {}),
    ...(until ? { to: until } : {}),
  };
}

/** A stored event as readers get it: its summary, and before and after only with `diff`. */
function readableEvent(event: StoredAuditEvent, diff = true): AuditEvent {
  const { before, after, ...rest } = event;
  const summary = summarize(event);
  return diff ? { ...rest, summary, before, after } : { ...rest, summary };
}

export const readablePage = (page: StoredAuditPage, diff = true): AuditPage => ({
  events: page.events.map((event) => readableEvent(event, diff)),
  nextCursor: page.nextCursor,
});
