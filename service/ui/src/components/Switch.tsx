interface SwitchProps {
  checked: boolean;
  /** The accessible name, e.g. "Enable new-checkout". */
  label: string;
  disabled?: boolean;
  busy?: boolean;
  onChange: (checked: boolean) => void;
}

export function Switch({ checked, label, disabled, busy, onChange }: SwitchProps) {
  return (
    <span class="switch-wrap">
      <button
        type="button"
        role="switch"
        class="switch"
        aria-checked={checked}
        aria-label={label}
        aria-busy={busy || undefined}
        disabled={disabled}
        // Not disabled while saving: a disabled button would drop the keyboard focus.
        onClick={() => {
          if (!busy) onChange(!checked);
        }}
      >
        <span class="switch-thumb" />
      </button>
      <span class={checked ? 'switch-text on' : 'switch-text'} aria-hidden="true">
        {checked ? 'On' : 'Off'}
      </span>
    </span>
  );
}
