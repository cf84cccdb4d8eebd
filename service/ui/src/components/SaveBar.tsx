import { useId } from 'preact/hooks';
import type { ApiError } from '../api.ts';
import { ErrorAlert, Status } from './ErrorAlert.tsx';

interface SaveBarProps {
  /** From `useEditable`. */
  editor: {
    dirty: boolean;
    refused: boolean;
    status: string;
    load: () => Promise<void>;
    discard: () => void;
  };
  /** What someone else changed that the person edited too, in words ("the description"). */
  conflicts: string[];
  conflictMessage: string;
  /** The draft has something marked as wrong. */
  blocked: boolean;
  /** Why nothing here can be changed (a read-only session), if so. */
  locked?: string;
  save: { busy: boolean; error: ApiError | undefined };
  /** A protected environment: saving proposes the change for another person's approval. */
  proposes?: boolean;
}

/**
 * An editor's foot: what stands between the draft and a save (said once, and named as the
 * Save button's description), the conflict notice, Discard and Save (the form's submit).
 */
export function SaveBar({
  editor,
  conflicts,
  conflictMessage,
  blocked,
  locked,
  save,
  proposes,
}: SaveBarProps) {
  const id = useId();
  const { dirty, refused, status } = editor;
  const conflict = conflicts.length > 0;
  // One message at a time: an alert once a save was refused, the plain line before.
  const state = locked
    ? locked
    : !dirty
      ? 'No unsaved changes'
      : refused && !conflict
        ? ''
        : blocked
          ? 'Fix what is marked above to save'
          : conflict
            ? 'Settle the changes marked above to save'
            : proposes
              ? 'Unsaved changes: saving proposes them for another person to approve'
              : 'Unsaved changes';
  return (
    <div class={dirty || conflict || refused || save.error ? 'savebar savebar-active' : 'savebar'}>
      {conflict && (
        <div role="alert" class="alert alert-warning">
          <span>
            {conflictMessage} They changed {conflicts.join(', ')} too: use theirs or keep yours where marked,
            or reload to take all of theirs.
          </span>
          <button type="button" class="button button-small" onClick={() => void editor.load()}>
            Reload
          </button>
        </div>
      )}
      <ErrorAlert error={refused && !conflict ? 'Not saved: fix what is marked above first.' : save.error} />
      <div class="savebar-row">
        <span id={`${id}-state`} class={blocked && dirty ? 'savebar-blocked' : 'muted'}>
          {state}
        </span>
        <Status message={status} />
        <span class="savebar-buttons">
          <button type="button" class="button" disabled={!!locked || !dirty} onClick={editor.discard}>
            Discard changes
          </button>
          <button
            type="submit"
            class="button button-primary"
            disabled={!!locked || !dirty}
            aria-describedby={state ? `${id}-state` : undefined}
            aria-busy={save.busy || undefined}
          >
            {proposes ? 'Propose changes' : 'Save'}
          </button>
        </span>
      </div>
    </div>
  );
}
