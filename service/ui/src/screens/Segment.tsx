import { useId, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api, isChangeRequest, proposedMessage } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ConflictNote } from '../components/ConflictNote.tsx';
import { DetailsCard } from '../components/DetailsCard.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { PageHead } from '../components/PageHead.tsx';
import { SaveBar } from '../components/SaveBar.tsx';
import { Time } from '../components/Time.tsx';
import { useApp } from '../context.ts';
import { useEditable } from '../editable.ts';
import { ConditionList } from '../editors/ConditionEditor.tsx';
import { useAction, useTitle } from '../hooks.ts';
import { touches } from '../live.ts';
import type { Condition, Segment, SegmentDetail } from '../types.ts';

interface Draft {
  description: string;
  /** `valid` is false while a condition is marked as wrong. */
  conditions: { list: Condition[]; valid: boolean };
}

const draftOf = (segment: Segment): Draft => ({
  description: segment.description,
  conditions: { list: segment.conditions, valid: true },
});

const comparable = (field: keyof Draft, value: Draft[keyof Draft]) =>
  field === 'conditions' ? (value as Draft['conditions']).list : value;

const FIELD_NAMES: Record<keyof Draft, string> = { description: 'description', conditions: 'conditions' };

export const SEGMENT_CONFLICT_MESSAGE = 'Someone changed this segment since you opened it.';

function SegmentEditor({ segmentKey }: { segmentKey: string }) {
  const id = useId();
  const { environment, readOnly, link, protectedEnvironment } = useApp();
  const { route } = useLocation();
  const [deleting, setDeleting] = useState(false);
  const save = useAction();
  const remove = useAction();
  useTitle(segmentKey);
  const editor = useEditable({
    fetch: () => api.segments.get(environment, segmentKey),
    draftOf,
    comparable,
    deps: [environment, segmentKey],
    // Its own changes, and flags' (which of them use it).
    touches: touches.any(touches.segment(segmentKey), touches.anyFlag),
  });
  const { item: segment, loadError, draft, edit, setStatus, setRefused, conflicts } = editor;

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
    if (!draft.conditions.valid || conflicts.length > 0) {
      setRefused(true);
      return;
    }
    let proposal = false;
    const saved = await save.run(() =>
      editor.commit(async (fields, version) => {
        const updated = await api.segments.update(
          environment,
          segment.key,
          { description: fields.description, conditions: fields.conditions?.list },
          version,
        );
        // A protected environment: the segment stays as it is until another person approves.
        if (isChangeRequest(updated)) {
          proposal = true;
          return segment;
        }
        return { ...updated, usedBy: segment.usedBy } satisfies SegmentDetail;
      }),
    );
    if (saved) {
      remove.setError(undefined);
      setStatus(proposal ? proposedMessage(environment) : 'Saved');
    }
  };

  const doDelete = async () => {
    const done = await remove.run(
      async () =>
        isChangeRequest(await api.segments.remove(environment, segment.key)) ? 'proposed' : 'deleted',
      (err) => {
        // A flag started using it meanwhile: the page shows which, in place of Delete.
        if (err.status === 409) void editor.refresh();
        return false;
      },
    );
    setDeleting(false);
    if (done === 'proposed') setStatus(proposedMessage(environment));
    else if (done) route(link('/segments'));
  };

  const conflictAt = (field: keyof Draft, noteId?: string) =>
    conflicts.includes(field) && (
      <ConflictNote
        id={noteId}
        field={FIELD_NAMES[field]}
        theirs={
          field === 'description'
            ? `“${segment.description}”`
            : `${segment.conditions.length} condition${segment.conditions.length === 1 ? '' : 's'}`
        }
        onTheirs={() => editor.takeTheirs(field)}
        onMine={() => editor.keepMine(field)}
      />
    );
  const { usedBy } = segment;

  return (
    <>
      {head}
      <PageHead
        title={segment.key}
        isKey
        actions={
          <div class="page-actions">
            {usedBy.length > 0 ? (
              <p class="in-use">
                In use by{' '}
                <a href={`#${id}-used`}>{usedBy.length === 1 ? '1 flag' : `${usedBy.length} flags`}</a>: it
                cannot be deleted while {usedBy.length === 1 ? 'its' : 'their'} rules name it.
              </p>
            ) : (
              !readOnly && (
                <button
                  type="button"
                  class="button button-danger-outline"
                  onClick={() => {
                    remove.setError(undefined);
                    setDeleting(true);
                  }}
                >
                  Delete
                </button>
              )
            )}
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
          note={(noteId) => conflictAt('description', noteId)}
        />
        <section class="card" aria-labelledby={`${id}-conditions`}>
          <h2 id={`${id}-conditions`}>Conditions</h2>
          <p class="hint">A context is in the segment when all conditions match.</p>
          {conflictAt('conditions')}
          <ConditionList
            conditions={draft.conditions.list}
            emptyNote="No conditions yet: this segment holds no one, so a rule that names it matches no context. Add a condition to say who is in it."
            disabled={readOnly}
            onChange={(list, valid) => edit({ conditions: { list, valid } })}
          />
        </section>
        <SaveBar
          editor={editor}
          conflicts={conflicts.map((field) => `the ${FIELD_NAMES[field]}`)}
          conflictMessage={SEGMENT_CONFLICT_MESSAGE}
          blocked={!draft.conditions.valid}
          locked={readOnly ? 'Read-only: signed in with a read token' : undefined}
          save={save}
          proposes={protectedEnvironment}
        />
      </form>

      <section id={`${id}-used`} class="card" aria-labelledby={`${id}-used-title`}>
        <h2 id={`${id}-used-title`}>Used by</h2>
        {segment.usedBy.length === 0 ? (
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
