import { useId, useState } from 'preact/hooks';
import type { ApiError } from '../api.ts';
import { keyProblem, suggestKey } from '../keys.ts';

/**
 * The key typed in a form that creates a flag, segment or environment, and what is wrong with
 * it: shown once the field was left or the form sent, and gone as soon as it is fixed.
 */
export function useKeyInput() {
  const [value, setValue] = useState('');
  const [checked, setChecked] = useState(false);
  const [refusal, setRefusal] = useState<{ key: string; message: string } | null>(null);
  const key = value.trim();
  const local = keyProblem(key);
  // The service's refusal holds for the key it refused, not for the next one typed.
  const problem = refusal?.key === key ? refusal.message : checked ? local : undefined;
  return {
    value,
    key,
    problem,
    setValue,
    check: () => setChecked(true),
    /** On submit: whether the key may be sent; if not, the problem is shown. */
    ready: () => {
      setChecked(true);
      return local === undefined;
    },
    /** For `useAction().run`: takes the service's refusals of the key (taken, malformed) to the field. */
    refused: (err: ApiError) => {
      if (err.status !== 409 && !/^body[./]key\b/.test(err.message)) return false;
      setRefusal({ key, message: err.status === 409 ? err.message : (local ?? err.message) });
      return true;
    },
  };
}

export type KeyInput = ReturnType<typeof useKeyInput>;

interface KeyFieldProps {
  input: KeyInput;
  placeholder: string;
  /** Said after what a key may contain; without it the field has no hint. */
  hint?: string;
  disabled?: boolean;
}

/** The "Key" field, with its problem on the field and a key suggested from a name typed there. */
export function KeyField({ input, placeholder, hint, disabled }: KeyFieldProps) {
  const id = useId();
  const { value, key, problem } = input;
  const suggestion = keyProblem(key) !== undefined && key !== '' ? suggestKey(key) : '';
  const described = [
    hint !== undefined && `${id}-hint`,
    problem && `${id}-error`,
    suggestion && `${id}-suggestion`,
  ].filter(Boolean);
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
        aria-invalid={problem ? true : undefined}
        aria-describedby={described.length > 0 ? described.join(' ') : undefined}
        onInput={(event) => input.setValue(event.currentTarget.value)}
        onBlur={() => {
          if (key !== '') input.check();
        }}
      />
      {suggestion && (
        <p id={`${id}-suggestion`} class="key-suggestion">
          <span>
            Suggested key: <code>{suggestion}</code>
          </span>
          <button
            type="button"
            class="button button-small"
            onClick={() => {
              input.setValue(suggestion);
              document.getElementById(id)?.focus();
            }}
          >
            Use {suggestion}
          </button>
        </p>
      )}
      {/* Below the suggestion: shown when the field is left, it must not move the suggestion's button away from the click that left it. */}
      {problem && (
        <p id={`${id}-error`} class="field-error">
          {problem}
        </p>
      )}
      {hint !== undefined && (
        <p id={`${id}-hint`} class="hint">
          Lowercase letters, digits, “.”, “_” or “-”. {hint}
        </p>
      )}
    </div>
  );
}
