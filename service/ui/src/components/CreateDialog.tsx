import type { ComponentChildren } from 'preact';
import { useId, useState } from 'preact/hooks';
import type { ApiError } from '../api.ts';
import { ErrorAlert } from './ErrorAlert.tsx';
import { KeyField, useKeyInput } from './KeyField.tsx';
import { Modal } from './Modal.tsx';

interface CreateDialogProps {
  title: string;
  keyPlaceholder: string;
  keyHint: string;
  /**
   * Called with a well-formed key (trimmed) and the description on submit; `keyRefused` takes
   * the service's refusals of the key to the key field (for `useAction().run`).
   */
  onCreate: (key: string, description: string, keyRefused: (error: ApiError) => boolean) => void;
  busy: boolean;
  error: ApiError | string | undefined;
  onClose: () => void;
  /** Fields after the key and description. */
  children?: ComponentChildren;
}

/** A dialog that creates something with a key and a description: Create, or Cancel. */
export function CreateDialog({
  title,
  keyPlaceholder,
  keyHint,
  onCreate,
  busy,
  error,
  onClose,
  children,
}: CreateDialogProps) {
  const id = useId();
  const key = useKeyInput();
  const [description, setDescription] = useState('');
  const submit = (event: Event) => {
    event.preventDefault();
    if (!key.ready()) {
      (event.currentTarget as HTMLFormElement).querySelector('input')?.focus();
      return;
    }
    onCreate(key.key, description, key.refused);
  };

  return (
    <Modal title={title} onClose={onClose}>
      <form class="modal-body form" onSubmit={submit} noValidate>
        <KeyField input={key} placeholder={keyPlaceholder} hint={keyHint} />
        <div class="field">
          <label for={`${id}-description`}>Description</label>
          <input
            id={`${id}-description`}
            type="text"
            value={description}
            maxLength={1000}
            onInput={(event) => setDescription(event.currentTarget.value)}
          />
        </div>
        {children}
        <ErrorAlert error={error} />
        <div class="modal-actions">
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button button-primary" disabled={busy}>
            Create
          </button>
        </div>
      </form>
    </Modal>
  );
}
