import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useAction } from '../hooks.ts';
import type { Flag } from '../types.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { ErrorAlert } from './ErrorAlert.tsx';
import { Switch } from './Switch.tsx';

/** Production is where a flip hurts: there, and only there, a flip asks first. */
export const CONFIRMED_ENVIRONMENT = 'production';

interface FlagSwitchProps {
  flag: Flag;
  environment: string;
  disabled?: boolean;
  /** Send If-Match with the flag's version; a 412 then goes to onConflict. */
  onConflict?: () => void;
  onSaved: (flag: Flag) => void;
}

/** A flag's on/off switch: flips at once, or after a confirmation in production. */
export function FlagSwitch({ flag, environment, disabled, onConflict, onSaved }: FlagSwitchProps) {
  const [asking, setAsking] = useState<boolean | null>(null);
  const { busy, error, setError, run } = useAction();

  const flip = async (enabled: boolean) => {
    const updated = await run(
      () => api.flags.update(environment, flag.key, { enabled }, onConflict ? flag.version : undefined),
      (err) => {
        if (err.status !== 412 || !onConflict) return false;
        setAsking(null);
        onConflict();
        return true;
      },
    );
    // Answered either way: a failure shows next to the switch.
    setAsking(null);
    if (updated) onSaved(updated);
  };

  return (
    <>
      <Switch
        checked={flag.enabled}
        label={`Enable ${flag.key}`}
        disabled={disabled}
        busy={busy && asking === null}
        onChange={(enabled) =>
          environment === CONFIRMED_ENVIRONMENT ? setAsking(enabled) : void flip(enabled)
        }
      />
      <ErrorAlert error={error} />
      {asking !== null && (
        <ConfirmDialog
          title={`Turn ${asking ? 'on' : 'off'} ${flag.key} in ${environment}?`}
          busy={busy}
          danger={!asking}
          onCancel={() => {
            setError(undefined);
            setAsking(null);
          }}
          onConfirm={() => void flip(asking)}
        >
          <p>
            This changes what every service reading <strong>{flag.key}</strong> in{' '}
            <strong>{environment}</strong> gets, within a second.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
