import { useId } from 'preact/hooks';

interface KeyFieldProps {
  value: string;
  onInput: (value: string) => void;
  placeholder: string;
  /** Said after what a key may contain; without it the field has no hint. */
  hint?: string;
  disabled?: boolean;
}

/** The "Key" field of a form that creates a flag, segment or environment. */
export function KeyField({ value, onInput, placeholder, hint, disabled }: KeyFieldProps) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>Key</label>
      <input
        id={id}
        type="text"
        value={value}
        required
        spellcheck={false}
        autocomplete="off"
        maxLength={128}
        placeholder={placeholder}
        disabled={disabled}
        aria-describedby={hint === undefined ? undefined : `${id}-hint`}
        onInput={(event) => onInput(event.currentTarget.value)}
      />
      {hint !== undefined && (
        <p id={`${id}-hint`} class="hint">
          Lowercase letters, digits, “.”, “_” or “-”. {hint}
        </p>
      )}
    </div>
  );
}
