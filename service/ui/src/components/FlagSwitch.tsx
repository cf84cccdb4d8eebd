import { useState } from 'preact/hooks';
import { api, isChangeRequest } from '../api.ts';
import { useApp } from '../context.ts';
import { useAction } from '../hooks.ts';
import type { Flag } from '../types.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { ErrorAlert, Status } from './ErrorAlert.tsx';
import { Switch } from './Switch.tsx';

/** Production is where a flip hurts: there, and only there, a flip asks first. */
export const CONFIRMED_ENVIRONMENT = 'production';

interface FlagSwitchProps {
  /** What the switch needs of the flag: its key, whether it is on, and its version. */
  flag: Pick<Flag, 'key' | 'enabled' | 'version'>;
  environment: string;
  disabled?: boolean;
  /** The accessible name; default "Enable <key>" (several switches of one flag need their own). */
  label?: string;
  /** Whether `environment` is protected; default: the environment on screen's. */
  protectedHere?: boolean;
  /**
   * Send If-Match with the flag's version. On a 412 (changed meanwhile) it is asked for the flag
   * as it now is, and the switch says what happened.
   */
  onStale?: () => Promise<Flag | undefined>;
  onSaved: (flag: Flag) => void;
}

/** What a flip refused by a change made meanwhile tells: the flag as it now is. */
function staleNotice(flag: Flag | undefined, wanted: boolean) {
  if (!flag) return 'Not changed: someone else changed this flag first. Reload to see it.';
  const now = `${flag.enabled ? 'on' : 'off'} (version ${flag.version})`;
  return flag.enabled === wanted
    ? `Someone else changed this flag first: it is ${now} already.`
    : `Not changed: someone else changed this flag first. It is ${now}; switch again to turn it ${wanted ? 'on' : 'off'}.`;
}

/** A flag's on/off switch: flips at once, or after a confirmation in production. */
export function FlagSwitch({
  flag,
  environment,
  disabled,
  label,
  protectedHere,
  onStale,
  onSaved,
}: FlagSwitchProps) {
  const [asking, setAsking] = useState<boolean | null>(null);
  const [stale, setStale] = useState('');
  const [proposed, setProposed] = useState('');
  const { busy, error, setError, run } = useAction();
  const app = useApp();
  const protectedEnvironment = protectedHere ?? app.protectedEnvironment;
  // In a protected environment a flip is a proposal: it asks first everywhere, and says so.
  const asks = protectedEnvironment || environment === CONFIRMED_ENVIRONMENT;

  const flip = async (enabled: boolean) => {
    setStale('');
    setProposed('');
    const updated = await run(
      () => api.flags.update(environment, flag.key, { enabled }, onStale ? flag.version : undefined),
      (err) => {
        if (err.status !== 412 || !onStale) return false;
        void onStale().then((now) => setStale(staleNotice(now, enabled)));
        return true;
      },
    );
    // Answered either way: a failure shows next to the switch.
    setAsking(null);
    if (isChangeRequest(updated)) {
      setProposed(
        `Proposed turning ${flag.key} ${enabled ? 'on' : 'off'} in ${environment}: it waits for another person's approval (see Requests).`,
      );
    } else if (updated) onSaved(updated);
  };

  return (
    <>
      <Switch
        checked={flag.enabled}
        label={label ?? `Enable ${flag.key}`}
        disabled={disabled}
        busy={busy && asking === null}
        onChange={(enabled) => (asks ? setAsking(enabled) : void flip(enabled))}
      />
      <ErrorAlert error={error || stale} />
      {proposed && <Status message={proposed} />}
      {asking !== null && (
        <ConfirmDialog
          title={
            protectedEnvironment
              ? `Propose turning ${asking ? 'on' : 'off'} ${flag.key} in ${environment}?`
              : `Turn ${asking ? 'on' : 'off'} ${flag.key} in ${environment}?`
          }
          busy={busy}
          danger={!asking}
          onCancel={() => {
            setError(undefined);
            setAsking(null);
          }}
          onConfirm={() => void flip(asking)}
        >
          {protectedEnvironment ? (
            <p>
              <strong>{environment}</strong> is protected: this proposes the change, and another person with
              the admin role there approves it before it applies.
            </p>
          ) : (
            <p>
              This changes what every service reading <strong>{flag.key}</strong> in{' '}
              <strong>{environment}</strong> gets, within a second.
            </p>
          )}
        </ConfirmDialog>
      )}
    </>
  );
}
