import { useId, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../api.ts';
import { AuditEvents } from '../components/AuditEvents.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { LoadMore } from '../components/LoadMore.tsx';
import { PageHead } from '../components/PageHead.tsx';
import { useApp } from '../context.ts';
import { isoOf } from '../format.ts';
import { useDebounced, usePaged, useTitle } from '../hooks.ts';
import type { AuditFilters } from '../types.ts';

/** Kinds of action (the filter is their prefix, ending in a dot), and each kind's actions. */
const KINDS: { kind: string; label: string; actions: string[] }[] = [
  { kind: 'flag.', label: 'Flags', actions: ['created', 'updated', 'archived', 'restored'] },
  { kind: 'segment.', label: 'Segments', actions: ['created', 'updated', 'deleted'] },
  {
    kind: 'request.',
    label: 'Change requests',
    actions: ['created', 'scheduled', 'approved', 'rejected', 'stale'],
  },
  { kind: 'schedule.', label: 'Scheduled changes', actions: ['created', 'cancelled', 'applied', 'skipped'] },
  { kind: 'token.', label: 'Tokens', actions: ['created', 'revoked', 'rotated'] },
  { kind: 'environment.', label: 'Environments', actions: ['created', 'protected', 'unprotected'] },
];

/** A datetime-local value (the browser's time zone) as an ISO time, or nothing. */
export function AuditScreen() {
  useTitle('Audit');
  const id = useId();
  const { environment } = useApp();
  // A link may open the log filtered already (a flag's history links here with its key).
  const { query } = useLocation();
  const [flagKey, setFlagKey] = useState(query.flagKey ?? '');
  const [actor, setActor] = useState(query.actor ?? '');
  const [action, setAction] = useState(query.action ?? '');
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
            {KINDS.map(({ kind, label, actions }) => (
              <optgroup key={kind} label={label}>
                <option value={kind}>{label}: any</option>
                {actions.map((action) => (
                  <option key={action} value={`${kind}${action}`}>
                    {label}: {action}
                  </option>
                ))}
              </optgroup>
            ))}
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
