import { useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { AuditEvents } from '../components/AuditEvents.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { LoadMore } from '../components/LoadMore.tsx';
import { PageHead } from '../components/PageHead.tsx';
import { useApp } from '../context.ts';
import { useDebounced, usePaged, useTitle } from '../hooks.ts';
import type { AuditFilters } from '../types.ts';

/** Kinds of action (a prefix ending in a dot) and the actions worth picking one by one. */
const KINDS: [string, string][] = [
  ['flag.', 'Flags: any change'],
  ['segment.', 'Segments: any change'],
  ['request.', 'Change requests: any'],
  ['schedule.', 'Scheduled changes: any'],
  ['token.', 'Tokens: any'],
  ['environment.', 'Environments: any'],
];
const ACTIONS = [
  'flag.created',
  'flag.updated',
  'flag.archived',
  'flag.restored',
  'segment.created',
  'segment.updated',
  'segment.deleted',
  'request.created',
  'request.approved',
  'request.rejected',
  'request.stale',
  'schedule.created',
  'schedule.cancelled',
  'schedule.applied',
  'schedule.skipped',
  'token.created',
  'token.revoked',
  'token.rotated',
  'environment.created',
  'environment.protected',
  'environment.unprotected',
];

/** A datetime-local value (the browser's time zone) as an ISO time, or nothing. */
const isoOf = (local: string) => {
  const at = local ? new Date(local) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at.toISOString() : undefined;
};

export function AuditScreen() {
  useTitle('Audit');
  const id = useId();
  const { environment } = useApp();
  const [flagKey, setFlagKey] = useState('');
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const typedFlag = useDebounced(flagKey.trim(), 300);
  const typedActor = useDebounced(actor.trim(), 300);
  const filters: AuditFilters = {
    flagKey: typedFlag || undefined,
    actor: typedActor || undefined,
    action: action || undefined,
    from: isoOf(from),
    to: isoOf(to),
  };
  const filtered = Object.values(filters).some((value) => value !== undefined);
  const audit = usePaged(
    (cursor, limit) =>
      api
        .audit(environment, { ...filters, cursor, limit })
        .then((page) => ({ items: page.events, nextCursor: page.nextCursor })),
    `${environment}|${JSON.stringify(filters)}`,
  );
  const clear = () => {
    setFlagKey('');
    setActor('');
    setAction('');
    setFrom('');
    setTo('');
  };
  return (
    <>
      <PageHead title="Audit">
        Every change in <strong>{environment}</strong>, newest first: who made it, when, and what it did.
      </PageHead>
      <search class="toolbar audit-filters" aria-label="Filter the audit log">
        <div class="field">
          <label for={`${id}-flag`}>Flag</label>
          <input
            id={`${id}-flag`}
            type="search"
            value={flagKey}
            maxLength={128}
            placeholder="flag key"
            onInput={(event) => setFlagKey(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for={`${id}-actor`}>Person or token</label>
          <input
            id={`${id}-actor`}
            type="search"
            value={actor}
            maxLength={200}
            placeholder="name, email or token name"
            onInput={(event) => setActor(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for={`${id}-action`}>Action</label>
          <select
            id={`${id}-action`}
            value={action}
            onChange={(event) => setAction(event.currentTarget.value)}
          >
            <option value="">Any action</option>
            <optgroup label="Kinds">
              {KINDS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </optgroup>
            <optgroup label="Actions">
              {ACTIONS.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </optgroup>
          </select>
        </div>
        <div class="field">
          <label for={`${id}-from`}>From</label>
          <input
            id={`${id}-from`}
            type="datetime-local"
            value={from}
            onInput={(event) => setFrom(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for={`${id}-to`}>To</label>
          <input
            id={`${id}-to`}
            type="datetime-local"
            value={to}
            onInput={(event) => setTo(event.currentTarget.value)}
          />
        </div>
        {filtered && (
          <button type="button" class="button" onClick={clear}>
            Clear filters
          </button>
        )}
      </search>
      <ErrorAlert error={audit.error} />
      {audit.loading ? (
        <p class="muted">Loading events…</p>
      ) : (
        !audit.error &&
        (filtered && audit.items.length === 0 ? (
          <p class="empty">No events match these filters.</p>
        ) : (
          <AuditEvents events={audit.items} showSubject />
        ))
      )}
      <LoadMore
        nextCursor={audit.nextCursor}
        busy={audit.moreBusy}
        error={audit.moreError}
        onLoad={audit.loadMore}
      />
    </>
  );
}
