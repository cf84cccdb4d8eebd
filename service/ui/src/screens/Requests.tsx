// Change requests of the environment on screen: what each would change (the diff history shows),
// who proposed it, and, for another person with the admin role here, approve or reject with a comment.
import { useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Diff } from '../components/Diff.tsx';
import { ErrorAlert, Status } from '../components/ErrorAlert.tsx';
import { PageHead } from '../components/PageHead.tsx';
import { Time } from '../components/Time.tsx';
import { useApp } from '../context.ts';
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
  const decide = useAction();
  const title = `${KIND_NAMES[request.kind] ?? request.kind} ${request.target}`;

  const act = async (how: 'approve' | 'reject') => {
    const done = await decide.run(() =>
      how === 'approve'
        ? api.changeRequests.approve(request.id, comment.trim() || undefined)
        : api.changeRequests.reject(request.id, comment.trim()),
    );
    if (done) onDecided(`${how === 'approve' ? 'Approved and applied' : 'Rejected'}: ${title}`);
  };

  return (
    <article class="card request" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} class="request-title">
        {title}
      </h2>
      <p class="muted">
        Proposed by {request.proposedBy.name} ({request.proposedBy.kind}) <Time iso={request.createdAt} />
      </p>
      <Diff before={request.before} after={request.after} label={`Changes in ${title}`} />
      {mine ? (
        <p class="muted">You proposed this: another person with the admin role here reviews it.</p>
      ) : readOnly ? null : (
        <div class="request-review">
          <div class="field">
            <label for={`${id}-comment`}>Comment (needed to reject)</label>
            <textarea
              id={`${id}-comment`}
              rows={2}
              maxLength={2000}
              value={comment}
              onInput={(event) => setComment(event.currentTarget.value)}
            />
          </div>
          <ErrorAlert error={decide.error} />
          <div class="request-buttons">
            <button
              type="button"
              class="button button-primary"
              aria-busy={decide.busy || undefined}
              onClick={() => void act('approve')}
            >
              Approve {request.target}
            </button>
            <button
              type="button"
              class="button button-danger"
              disabled={comment.trim() === ''}
              onClick={() => void act('reject')}
            >
              Reject {request.target}
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
  const list = useResource(() => api.changeRequests.list(environment, 'open'), environment);
  const requests = list.data?.changeRequests ?? [];
  const subject = session.person?.subject;

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
      ) : requests.length === 0 ? (
        <p class="muted">No open requests in {environment}.</p>
      ) : (
        requests.map((request) => (
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
        ))
      )}
    </>
  );
}
