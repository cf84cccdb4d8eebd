import type { ApiError } from '../api.ts';
import { ErrorAlert, Status } from './ErrorAlert.tsx';

interface SaveBarProps {
  /** From `useEditable`. */
  editor: {
    dirty: boolean;
    conflict: boolean;
    refused: boolean;
    status: string;
    load: () => Promise<void>;
    discard: () => void;
  };
  conflictMessage: string;
  /** The draft has something marked as wrong. */
  blocked: boolean;
  disabled: boolean;
  save: { busy: boolean; error: ApiError | undefined };
}

/** An editor's foot: whether there are unsaved changes, the conflict notice, Discard and Save (the form's submit). */
export function SaveBar({ editor, conflictMessage, blocked, disabled, save }: SaveBarProps) {
  const { dirty, conflict, refused, status } = editor;
  return (
    <div class={dirty || conflict || refused || save.error ? 'savebar savebar-active' : 'savebar'}>
      {conflict && (
        <div role="alert" class="alert alert-warning">
          <span>{conflictMessage}</span>
          <button type="button" class="button button-small" onClick={() => void editor.load()}>
            Reload
          </button>
        </div>
      )}
      <ErrorAlert error={refused ? 'Not saved: fix what is marked above first.' : save.error} />
      <div class="savebar-row">
        <span class={blocked ? 'savebar-blocked' : 'muted'}>
          {blocked ? 'Fix what is marked above to save' : dirty ? 'Unsaved changes' : 'No unsaved changes'}
        </span>
        <Status message={status} />
        <span class="savebar-buttons">
          <button type="button" class="button" disabled={disabled || !dirty} onClick={editor.discard}>
            Discard changes
          </button>
          <button
            type="submit"
            class="button button-primary"
            disabled={disabled}
            aria-busy={save.busy || undefined}
          >
            Save
          </button>
        </span>
      </div>
    </div>
  );
}
