import { api } from '../api.ts';
import { AuditEvents } from '../components/AuditEvents.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { LoadMore } from '../components/LoadMore.tsx';
import { useApp } from '../context.ts';
import { usePaged } from '../hooks.ts';
import { touches } from '../live.ts';

/** The flag's audit events, newest first, each in words with its diff on request. */
export function FlagHistory({ environment, flagKey }: { environment: string; flagKey: string }) {
  const history = usePaged(
    (cursor, limit) =>
      api.flags
        .history(environment, flagKey, { cursor, limit })
        .then((page) => ({ items: page.events, nextCursor: page.nextCursor })),
    `${environment}|${flagKey}`,
    touches.flag(flagKey),
  );
  const { link, readOnly } = useApp();
  return (
    <>
      {!readOnly && (
        <p>
          <a href={`${link('/audit', environment)}&flagKey=${encodeURIComponent(flagKey)}`}>
            Filter its events in the audit log
          </a>
        </p>
      )}
      <ErrorAlert error={history.error} />
      {history.loading ? <p class="muted">Loading history…</p> : <AuditEvents events={history.items} />}
      <LoadMore
        nextCursor={history.nextCursor}
        busy={history.moreBusy}
        error={history.moreError}
        onLoad={history.loadMore}
      />
    </>
  );
}
