// Change requests of the environment on screen: what each would change (the diff history shows),
// who proposed it, and, for another person with the admin role here, approve (now or at a set
// time) or reject with a comment; then the approved ones waiting for their time, which may still
// be cancelled.
import { useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Diff } from '../components/Diff.tsx';
import { ErrorAlert, Status } from '../components/ErrorAlert.tsx';
import { PageHead } from '../components/PageHead.tsx';
import { Time } from '../components/Time.tsx';
import { useApp } from '../context.ts';
import { formatDateTime, isoOf, localInput } from '../format.ts';
import { useAction, useResource, useTitle } from '../hooks.ts';
import type { ChangeRequest } from '../types.ts';

const KIND_NAMES: Record<string, string> = {
  'flag.create': 'Create flag',
  'flag.update': 'Change flag',
  'flag.archive': 'Archive flag',
  'flag.restore': 'Restore flag',
  'segment.create': 'Create segment',
  'segment.update': 'Change segment',
  'segment.delete': 'Delete segment',
  'flag.promote': 'Promote flag',
};

function RequestCard({
  request,
  mine,
  readOnly,
  onDecided,
}: {
  request: ChangeRequest;
  mine: boolean;
  readOnly: boolean;
  onDecided: (message: string) => void;
}) {
  const id = useId();
  const [comment, setComment] = useState('');
  const [when, setWhen] = useState('');
  const decide = useAction();
  const title = `${KIND_NAMES[request.kind] ?? request.kind} ${request.target}`;
  const scheduled = request.state === 'scheduled';

  const approve = async () => {
    const applyAt = isoOf(when);
    const done = await decide.run(() =>
      api.changeRequests.approve(request.id, comment.trim() || undefined, applyAt),
    );
    if (done) {
      onDecided(
        done.applyAt
          ? `Approved for ${formatDateTime(done.applyAt)}: ${title}`
          : `Approved and applied: ${title}`,
      );
    }
  };
  const reject = async () => {
    const done = await decide.run(() => api.changeRequests.reject(request.id, comment.trim()));
    if (done) onDecided(`${scheduled ? 'Cancelled' : 'Rejected'}: ${title}`);
  };

  return (
    <article class="card request" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} class="request-title">
        {title}
      </h2>
      <p class="muted">
        Proposed by {request.proposedBy.name} ({request.proposedBy.kind}) <Time iso={request.createdAt} />
      </p>
      {scheduled && request.applyAt && (
        <p class="request-schedule">
          Approved by {request.decidedBy?.name}: applies at <Time iso={request.applyAt} exact />, if nothing
          it was made against changes before then.
        </p>
      )}
      <Diff before={request.before} after={request.after} label={`Changes in ${title}`} />
      {mine ? (
        <p class="muted">You proposed this: another person with the admin role here reviews it.</p>
      ) : readOnly ? null : (
        <div class="request-review">
          <div class="field">
            <label for={`${id}-comment`}>Comment (needed to {scheduled ? 'cancel' : 'reject'})</label>
            <textarea
              id={`${id}-comment`}
              rows={2}
              maxLength={2000}
              value={comment}
              onInput={(event) => setComment(event.currentTarget.value)}
            />
          </div>
          {!scheduled && (
            <div class="field">
              <label for={`${id}-when`}>Apply at (optional, your local time; empty: now)</label>
              <input
                id={`${id}-when`}
                type="datetime-local"
                value={when}
                min={localInput(new Date())}
                onInput={(event) => setWhen(event.currentTarget.value)}
              />
            </div>
          )}
          <ErrorAlert error={decide.error} />
          <div class="request-buttons">
            {!scheduled && (
              <button
                type="button"
                class="button button-primary"
                aria-busy={decide.busy || undefined}
                onClick={() => void approve()}
              >
                {when === '' ? 'Approve' : 'Approve for then'} {request.target}
              </button>
            )}
            <button
              type="button"
              class="button button-danger"
              disabled={comment.trim() === ''}
              onClick={() => void reject()}
            >
              {scheduled ? 'Cancel' : 'Reject'} {request.target}
            </button>
          </div>
        </div>
      )}
    </article>
  );
}

export function RequestsScreen() {
  useTitle('Requests');
  const { environment, readOnly, session, protectedEnvironment } = useApp();
  const [status, setStatus] = useState('');
  const list = useResource(async () => {
    const [open, scheduled] = await Promise.all([
      api.changeRequests.list(environment, 'open'),
      api.changeRequests.list(environment, 'scheduled'),
    ]);
    return { open: open.changeRequests, scheduled: scheduled.changeRequests };
  }, environment);
  const subject = session.person?.subject;
  const card = (request: ChangeRequest) => (
    <RequestCard
      key={request.id}
      request={request}
      mine={request.proposedBy.kind === 'person' && request.proposedBy.subject === subject}
      readOnly={readOnly || !session.person}
      onDecided={(message) => {
        setStatus(message);
        void list.reload();
      }}
    />
  );
  const scheduled = list.data?.scheduled ?? [];

  return (
    <>
      <PageHead title="Requests">
        Open change requests in <strong>{environment}</strong>
        {protectedEnvironment ? ' (protected: changes here wait for approval)' : ''}.
      </PageHead>
      <Status message={status} />
      <ErrorAlert error={list.error} />
      {list.loading ? (
        <p class="muted">Loading requests…</p>
      ) : list.data?.open.length === 0 ? (
        <p class="muted">No open requests in {environment}.</p>
      ) : (
        list.data?.open.map(card)
      )}
      {scheduled.length > 0 && (
        <section aria-labelledby="scheduled-requests">
          <h2 id="scheduled-requests">Approved, waiting for their time</h2>
          {scheduled.map(card)}
        </section>
      )}
    </>
  );
}
