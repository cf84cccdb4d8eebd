import { useId, useState } from 'preact/hooks';
import { useApp } from '../context.ts';
import type { AuditEvent } from '../types.ts';
import { Diff } from './Diff.tsx';
import './AuditEvents.css';
import { Time } from './Time.tsx';

function Subject({ event }: { event: AuditEvent }) {
  const { link } = useApp();
  const environment = event.environment ?? undefined;
  if (event.flagKey)
    return (
      <>
        flag <a href={link(`/flags/${encodeURIComponent(event.flagKey)}`, environment)}>{event.flagKey}</a>
      </>
    );
  if (event.segmentKey)
    return (
      <>
        segment{' '}
        <a href={link(`/segments/${encodeURIComponent(event.segmentKey)}`, environment)}>
          {event.segmentKey}
        </a>
      </>
    );
  return null;
}

/** Who made a change: a person by name (and email), a token by its name. */
function Actor({ by }: { by: AuditEvent['by'] }) {
  if (by.kind === 'token') return <strong title="an API token">{by.name}</strong>;
  return (
    <>
      <strong>{by.name}</strong>
      {by.email && <> ({by.email})</>}
    </>
  );
}

/** One event: what it did in words, who and when; its before/after diff on request. */
function AuditEventItem({ event, showSubject }: { event: AuditEvent; showSubject?: boolean }) {
  const [open, setOpen] = useState(false);
  const diffId = useId();
  const hasDiff = event.before != null || event.after != null;
  return (
    <li class="event">
      <div class="event-head">
        <span class="badge badge-action">{event.action}</span>
        {showSubject && <Subject event={event} />}
        <span class="event-meta">
          by <Actor by={event.by} /> · <Time iso={event.createdAt} />
          {event.version !== null && <> · version {event.version}</>}
          {showSubject && event.environment && <> · {event.environment}</>}
        </span>
      </div>
      <ul class="event-summary" aria-label={`What ${event.action} did`}>
        {event.summary.map((sentence, i) => (
          // Sentences may repeat (two rules removed): their place is their identity.
          <li key={i}>{sentence}</li>
        ))}
      </ul>
      {hasDiff && (
        <>
          <button
            type="button"
            class="event-diff-toggle"
            aria-expanded={open}
            aria-controls={diffId}
            onClick={() => setOpen(!open)}
          >
            {open ? 'Hide diff' : 'Show diff'}
          </button>
          <div id={diffId} hidden={!open}>
            {open && (
              <Diff
                before={event.before}
                after={event.after}
                label={`Changes of ${event.action} by ${event.actor}`}
              />
            )}
          </div>
        </>
      )}
    </li>
  );
}

/** Audit events, newest first, each with who, when and what it did; the diff of before and after on request. */
export function AuditEvents({ events, showSubject }: { events: AuditEvent[]; showSubject?: boolean }) {
  if (events.length === 0) return <p class="empty">No events yet.</p>;
  return (
    <ol class="events">
      {events.map((event) => (
        <AuditEventItem key={event.id} event={event} showSubject={showSubject} />
      ))}
    </ol>
  );
}
