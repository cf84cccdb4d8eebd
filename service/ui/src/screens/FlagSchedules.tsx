// What is scheduled on a flag (when, what, by whom, and how it ended), a way to schedule turning
// it on or off, or serving another variant by default, at a set time, and cancelling what has not
// happened yet.
import { useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { ErrorAlert, Status } from '../components/ErrorAlert.tsx';
import { Time } from '../components/Time.tsx';
import { formatDateTime, formatValue, isoOf, localInput } from '../format.ts';
import { useAction, useResource } from '../hooks.ts';
import { touches } from '../live.ts';
import type { Flag, FlagPatch, ScheduledChange } from '../types.ts';

/** A scheduled change in words: "Turn on", or the fields it sets. */
export function describeChange(change: FlagPatch): string {
  const { enabled, defaultVariant, ...rest } = change;
  const parts = enabled === undefined ? [] : [enabled ? 'Turn on' : 'Turn off'];
  if (defaultVariant !== undefined) {
    parts.push(defaultVariant === null ? 'serve the code default' : `serve ${defaultVariant} by default`);
  }
  for (const [field, value] of Object.entries(rest)) {
    parts.push(
      field === 'rules' || field === 'variants' ? `set ${field}` : `set ${field} to ${formatValue(value)}`,
    );
  }
  return parts.join(', ');
}

const STATE_NAMES: Record<ScheduledChange['state'], string> = {
  pending: 'Pending',
  applied: 'Applied',
  skipped: 'Skipped',
  cancelled: 'Cancelled',
};

/** The changes the form offers: on, off, or another variant served by default (`variant:<name>`). */
const changeOf = (choice: string): FlagPatch =>
  choice.startsWith('variant:')
    ? { defaultVariant: choice.slice('variant:'.length) }
    : { enabled: choice === 'on' };

export function FlagSchedules({
  environment,
  flag,
  readOnly,
}: {
  environment: string;
  flag: Flag;
  readOnly: boolean;
}) {
  const id = useId();
  const list = useResource(
    () => api.schedules.list(environment, flag.key),
    `${environment}|${flag.key}`,
    touches.flag(flag.key),
  );
  const schedule = useAction();
  const cancel = useAction();
  const [turn, setTurn] = useState(flag.enabled ? 'off' : 'on');
  const [when, setWhen] = useState('');
  const [problem, setProblem] = useState('');
  const [status, setStatus] = useState('');
  const locked = readOnly || flag.archivedAt !== null;
  const items = list.data?.scheduledChanges ?? [];

  const submit = async (event: Event) => {
    event.preventDefault();
    setStatus('');
    const applyAt = isoOf(when);
    if (applyAt === undefined) {
      setProblem('Choose the date and time to apply it at.');
      return;
    }
    setProblem('');
    const created = await schedule.run(() =>
      api.schedules.create(environment, flag.key, changeOf(turn), applyAt),
    );
    if (created) {
      setWhen('');
      await list.reload();
      setStatus(`Scheduled: ${describeChange(created.change)} at ${formatDateTime(created.applyAt)}`);
    }
  };

  const doCancel = async (item: ScheduledChange) => {
    setStatus('');
    const done = await cancel.run(async () => {
      await api.schedules.cancel(item.id);
      return true;
    });
    await list.reload();
    if (done) setStatus(`Cancelled the change scheduled for ${formatDateTime(item.applyAt)}`);
  };

  return (
    <>
      <ErrorAlert error={list.error} />
      <DataTable
        caption={`Changes scheduled on ${flag.key}`}
        columns={['When', 'Change', 'By', 'State', null]}
        what="scheduled changes"
        loading={list.loading}
        empty={!list.loading && items.length === 0 && 'Nothing scheduled.'}
      >
        {items.map((item) => (
          <tr key={item.id}>
            <td>
              <Time iso={item.applyAt} exact />
            </td>
            <td>{describeChange(item.change)}</td>
            <td>{item.createdBy}</td>
            <td>
              <strong>{STATE_NAMES[item.state]}</strong>
              {item.state === 'applied' && item.appliedAt && (
                <>
                  {' '}
                  <Time iso={item.appliedAt} />
                </>
              )}
              {item.reason && <p class="hint">{item.reason}</p>}
            </td>
            <td>
              {item.state === 'pending' && (
                <button
                  type="button"
                  class="button button-small button-quiet button-quiet-danger"
                  disabled={readOnly || cancel.busy}
                  aria-label={`Cancel the change scheduled for ${formatDateTime(item.applyAt)}`}
                  onClick={() => void doCancel(item)}
                >
                  Cancel
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      <ErrorAlert error={cancel.error} />

      <form class="schedule-form" onSubmit={submit} noValidate aria-labelledby={`${id}-new`}>
        <h3 id={`${id}-new`}>Schedule a change</h3>
        <p class="hint">
          Applied at that time only if nobody changed the flag meanwhile (version {flag.version}); otherwise
          it is skipped, with the reason.
        </p>
        <div class="field-row">
          <div class="field">
            <label for={`${id}-turn`}>Change</label>
            <select
              id={`${id}-turn`}
              value={turn}
              disabled={locked}
              onChange={(event) => setTurn(event.currentTarget.value)}
            >
              <option value="on">Turn on</option>
              <option value="off">Turn off</option>
              {Object.keys(flag.variants)
                .filter((name) => name !== flag.defaultVariant)
                .map((name) => (
                  <option key={name} value={`variant:${name}`}>
                    Serve {name} by default
                  </option>
                ))}
            </select>
          </div>
          <div class="field">
            <label for={`${id}-when`}>Apply at (your local time)</label>
            <input
              id={`${id}-when`}
              type="datetime-local"
              value={when}
              min={localInput(new Date())}
              disabled={locked}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? `${id}-problem` : undefined}
              onInput={(event) => setWhen(event.currentTarget.value)}
            />
            {problem && (
              <p id={`${id}-problem`} class="field-error">
                {problem}
              </p>
            )}
          </div>
        </div>
        <ErrorAlert error={schedule.error} />
        <button type="submit" class="button button-primary" disabled={locked || schedule.busy}>
          Schedule
        </button>
        <Status message={status} />
      </form>
    </>
  );
}
