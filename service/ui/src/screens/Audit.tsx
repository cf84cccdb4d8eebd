import { api } from '../api.ts';
import { AuditEvents } from '../components/AuditEvents.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { LoadMore } from '../components/LoadMore.tsx';
import { PageHead } from '../components/PageHead.tsx';
import { useApp } from '../context.ts';
import { usePaged, useTitle } from '../hooks.ts';

export function AuditScreen() {
  useTitle('Audit');
  const { environment } = useApp();
  const audit = usePaged(
    (cursor, limit) =>
      api
        .audit(environment, { cursor, limit })
        .then((page) => ({ items: page.events, nextCursor: page.nextCursor })),
    environment,
  );
  return (
    <>
      <PageHead title="Audit">
        Every change in <strong>{environment}</strong>, newest first: who made it, when, and what changed.
      </PageHead>
      <ErrorAlert error={audit.error} />
      {audit.loading ? (
        <p class="muted">Loading events…</p>
      ) : (
        !audit.error && <AuditEvents events={audit.items} showSubject />
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
