import { useId, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { DetailsCard } from '../components/DetailsCard.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { PageHead } from '../components/PageHead.tsx';
import { SaveBar } from '../components/SaveBar.tsx';
import { Time } from '../components/Time.tsx';
import { useApp } from '../context.ts';
import { useEditable } from '../editable.ts';
import { ConditionList } from '../editors/ConditionEditor.tsx';
import { useAction, useTitle } from '../hooks.ts';
import type { Condition, Segment } from '../types.ts';

interface Draft {
  description: string;
  conditions: Condition[];
  valid: boolean;
}

const draftOf = (segment: Segment): Draft => ({
  description: segment.description,
  conditions: segment.conditions,
  valid: true,
});

export const SEGMENT_CONFLICT_MESSAGE = 'Someone changed this segment since you opened it.';

function SegmentEditor({ segmentKey }: { segmentKey: string }) {
  const id = useId();
  const { environment, readOnly, link } = useApp();
  const { route } = useLocation();
  const [deleting, setDeleting] = useState(false);
  const save = useAction();
  const remove = useAction();
  useTitle(segmentKey);
  const editor = useEditable({
    fetch: () => api.segments.get(environment, segmentKey),
    draftOf,
    deps: [environment, segmentKey],
    // The flags using it may change without the segment changing: only `usedBy` is refreshed.
    sameVersion: 'refresh',
  });
  const { item: segment, loadError, draft, show, edit, setStatus, setRefused } = editor;

  const head = (
    <nav aria-label="Breadcrumb" class="breadcrumb">
      <a href={link('/segments')}>Segments</a>
      <span aria-hidden="true"> / </span>
      <span aria-current="page">{segmentKey}</span>
    </nav>
  );

  if (!segment || !draft) {
    return (
      <>
        {head}
        <h1 class="title-key">{segmentKey}</h1>
        {loadError ? <ErrorAlert error={loadError} /> : <p class="muted">Loading…</p>}
      </>
    );
  }

  const submit = async (event: Event) => {
    event.preventDefault();
    setStatus('');
    if (!draft.valid) {
      setRefused(true);
      return;
    }
    const saved = await save.run(
      () =>
        api.segments.update(
          environment,
          segment.key,
          { description: draft.description, conditions: draft.conditions },
          segment.version,
        ),
      editor.takeConflict,
    );
    if (saved) {
      remove.setError(undefined);
      show({ ...saved, usedBy: saved.usedBy ?? segment.usedBy });
      setStatus('Saved');
    }
  };

  const doDelete = async () => {
    const done = await remove.run(async () => {
      await api.segments.remove(environment, segment.key);
      return true;
    });
    setDeleting(false);
    if (done) route(link('/segments'));
  };

  return (
    <>
      {head}
      <PageHead
        title={segment.key}
        isKey
        actions={
          <div class="page-actions">
            <button
              type="button"
              class="button button-danger-outline"
              disabled={readOnly}
              onClick={() => {
                remove.setError(undefined);
                setDeleting(true);
              }}
            >
              Delete
            </button>
          </div>
        }
      >
        version {segment.version} · updated <Time iso={segment.updatedAt} /> · created{' '}
        <Time iso={segment.createdAt} />
      </PageHead>
      <ErrorAlert error={remove.error} />

      <form onSubmit={submit} noValidate>
        <DetailsCard
          description={draft.description}
          disabled={readOnly}
          onInput={(description) => edit({ description })}
        />
        <section class="card" aria-labelledby={`${id}-conditions`}>
          <h2 id={`${id}-conditions`}>Conditions</h2>
          <p class="hint">A context is in the segment when all conditions match.</p>
          <ConditionList
            conditions={draft.conditions}
            emptyNote="No conditions yet: this segment holds no one, so a rule that names it matches no context. Add a condition to say who is in it."
            disabled={readOnly}
            onChange={(conditions, valid) => edit({ conditions, valid })}
          />
        </section>
        <SaveBar
          editor={editor}
          conflictMessage={SEGMENT_CONFLICT_MESSAGE}
          blocked={!draft.valid}
          disabled={readOnly}
          save={save}
        />
      </form>

      <section class="card" aria-labelledby={`${id}-used`}>
        <h2 id={`${id}-used`}>Used by</h2>
        {segment.usedBy === undefined ? (
          <p class="muted">The service did not say which flags use this segment.</p>
        ) : segment.usedBy.length === 0 ? (
          <p class="muted">No flag uses this segment: it can be deleted.</p>
        ) : (
          <ul class="link-list">
            {segment.usedBy.map((flagKey) => (
              <li key={flagKey}>
                <a href={link(`/flags/${encodeURIComponent(flagKey)}`)}>{flagKey}</a>
              </li>
            ))}
          </ul>
        )}
      </section>

      {deleting && (
        <ConfirmDialog
          title={`Delete ${segment.key}?`}
          danger
          busy={remove.busy}
          onCancel={() => setDeleting(false)}
          onConfirm={() => void doDelete()}
        >
          <p>
            The segment <strong>{segment.key}</strong> is deleted from <strong>{environment}</strong>. A
            segment that flags still use cannot be deleted.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

export function SegmentScreen() {
  const { params } = useRoute();
  const { environment } = useApp();
  const segmentKey = params.segmentKey ?? '';
  return <SegmentEditor key={`${environment}/${segmentKey}`} segmentKey={segmentKey} />;
}
