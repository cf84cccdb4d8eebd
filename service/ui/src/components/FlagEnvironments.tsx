// One flag in every environment the session may read, side by side: on/off (a switch each; in a
// protected environment it proposes), version, variants and rules; and Promote, which copies the
// flag from one environment to others after showing what would change.
import { useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useApp } from '../context.ts';
import { useResource } from '../hooks.ts';
import { touches } from '../live.ts';
import { type FlagEnvironment, rightOn } from '../types.ts';
import { DataTable } from './DataTable.tsx';
import { ErrorAlert, Status } from './ErrorAlert.tsx';
import { FlagSwitch } from './FlagSwitch.tsx';
import { PromoteDialog } from './PromoteDialog.tsx';
import { Time } from './Time.tsx';

function StateCell({
  flagKey,
  row,
  readOnly,
  onSaved,
}: {
  flagKey: string;
  row: FlagEnvironment;
  readOnly: boolean;
  onSaved: (message: string) => void;
}) {
  if (!row.exists) return <span class="muted">Not in {row.environment}</span>;
  if (row.archived) return <span class="muted">Archived</span>;
  return (
    <FlagSwitch
      flag={{ key: flagKey, enabled: row.enabled ?? false, version: row.version ?? 0 }}
      environment={row.environment}
      label={`Enable ${flagKey} in ${row.environment}`}
      protectedHere={row.protected}
      disabled={readOnly}
      onSaved={(flag) =>
        onSaved(`Saved: ${flag.key} is ${flag.enabled ? 'on' : 'off'} in ${row.environment}`)
      }
    />
  );
}

export function FlagEnvironments({ flagKey }: { flagKey: string }) {
  const id = useId();
  const { session, link } = useApp();
  // Rights are per environment: a switch works where the session is admin.
  const mayChange = (environment: string) => rightOn(session, environment) === 'admin';
  const [status, setStatus] = useState('');
  const [promoting, setPromoting] = useState(false);
  // Folded by default: the page's own switch stays the one switch of this flag in view.
  const [open, setOpen] = useState(false);
  const view = useResource(() => api.flags.environments(flagKey), flagKey, touches.flag(flagKey));
  const rows = view.data?.environments ?? [];
  const saved = (message: string) => {
    setStatus(message);
    void view.reload();
  };

  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Environments</h2>
      <p class="hint">
        {flagKey} in every environment you may read. Promote copies its variants, rules and the segments they
        use from one environment to others.
      </p>
      <p>
        <button
          type="button"
          class="button"
          disabled={
            !rows.some((row) => mayChange(row.environment)) ||
            !rows.some((row) => row.exists && !row.archived)
          }
          onClick={() => setPromoting(true)}
        >
          Promote…
        </button>
      </p>
      <ErrorAlert error={view.error} />
      <details
        open={open}
        onToggle={(event) => {
          const opened = event.currentTarget.open;
          setOpen(opened);
          // Other environments' changes are not followed live: opening shows them as they are now.
          if (opened) void view.reload();
        }}
      >
        <summary>Show {flagKey} in every environment</summary>
        <Status message={status} />
        <DataTable
          caption={`${flagKey} in each environment`}
          columns={[
            'Environment',
            'On/off',
            'Version',
            'Default / off variant',
            'Variants',
            'Rules',
            'Updated',
          ]}
          what="environments"
          loading={view.loading && !view.data}
        >
          {rows.map((row) => (
            <tr key={row.environment}>
              <th scope="row" class="cell-key">
                {row.exists ? (
                  <a href={link(`/flags/${encodeURIComponent(flagKey)}`, row.environment)}>
                    {row.environment}
                  </a>
                ) : (
                  row.environment
                )}
                {row.protected && <span class="badge"> protected</span>}
              </th>
              <td>
                <StateCell
                  flagKey={flagKey}
                  row={row}
                  readOnly={!mayChange(row.environment)}
                  onSaved={saved}
                />
              </td>
              <td>{row.version ?? '—'}</td>
              <td>{row.exists ? `${row.defaultVariant ?? 'none'} / ${row.offVariant ?? 'none'}` : '—'}</td>
              <td>{row.exists ? row.variants : '—'}</td>
              <td>
                {row.exists ? row.rules : '—'}
                {row.segments.length > 0 && <span class="muted"> (segments: {row.segments.join(', ')})</span>}
              </td>
              <td class="cell-time">{row.updatedAt ? <Time iso={row.updatedAt} /> : '—'}</td>
            </tr>
          ))}
        </DataTable>
      </details>
      {promoting && (
        <PromoteDialog
          flagKey={flagKey}
          environments={rows}
          mayChange={mayChange}
          onClose={() => setPromoting(false)}
          onPromoted={(message) => {
            setPromoting(false);
            setOpen(true);
            saved(message);
          }}
        />
      )}
    </section>
  );
}
