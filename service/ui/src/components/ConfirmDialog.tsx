import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';
import { Modal } from './Modal.tsx';

interface ConfirmDialogProps {
  title: string;
  children: ComponentChildren;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
  danger?: boolean;
}

/** Asks before a change that matters; focus starts on Cancel, so Enter alone never confirms. */
export function ConfirmDialog({ title, children, onConfirm, onCancel, busy, danger }: ConfirmDialogProps) {
  const bodyId = useId();
  return (
    <Modal title={title} onClose={onCancel} describedBy={bodyId} initialFocus="[data-cancel]">
      <div id={bodyId} class="modal-body">
        {children}
      </div>
      <div class="modal-actions">
        <button type="button" class="button" data-cancel onClick={onCancel}>
          Cancel
        </button>
        <button
          type="button"
          class={danger ? 'button button-danger' : 'button button-primary'}
          disabled={busy}
          onClick={onConfirm}
        >
          Confirm
        </button>
      </div>
    </Modal>
  );
}
