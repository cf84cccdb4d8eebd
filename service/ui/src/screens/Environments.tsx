import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { ErrorAlert, Status } from '../components/ErrorAlert.tsx';
import { KeyField, useKeyInput } from '../components/KeyField.tsx';
import { PageHead } from '../components/PageHead.tsx';
import { Time } from '../components/Time.tsx';
import { useApp } from '../context.ts';
import { useAction, useResource, useTitle } from '../hooks.ts';

/** The form that creates an environment (admin sessions for every environment). */
function NewEnvironment({ onCreated }: { onCreated: () => void }) {
  const key = useKeyInput();
  const [status, setStatus] = useState('');
  const create = useAction();

  const submit = async (event: Event) => {
    event.preventDefault();
    setStatus('');
    if (!key.ready()) {
      (event.currentTarget as HTMLFormElement).querySelector('input')?.focus();
      return;
    }
    const created = await create.run(() => api.environments.create(key.key), key.refused);
    if (created) {
      key.setValue('');
      setStatus(`Created environment ${created.key}`);
      onCreated();
    }
  };

  return (
    <form class="card inline-form" onSubmit={submit} noValidate>
      <h2 class="card-title">New environment</h2>
      <div class="inline-form-row">
        <KeyField input={key} placeholder="e.g. qa" />
        <button type="submit" class="button button-primary" disabled={create.busy}>
          Create
        </button>
      </div>
      <ErrorAlert error={create.error} />
      <Status message={status} />
    </form>
  );
}

export function EnvironmentsScreen() {
  useTitle('Environments');
  const { environment, readOnly, restricted, link, reloadEnvironments } = useApp();
  if (restricted) {
    return (
      <>
        <PageHead title="Environments">Each environment has its own flags, segments and revision.</PageHead>
        <p>
          This session is limited to <strong>{environment}</strong>: it cannot list or create environments.{' '}
          <a href={link('/flags')}>The flags of {environment}</a> ·{' '}
          <a href={link(`/environments/${encodeURIComponent(environment)}`)}>{environment} and flagd</a>
        </p>
      </>
    );
  }
  return <EnvironmentList readOnly={readOnly} link={link} reloadEnvironments={reloadEnvironments} />;
}

function EnvironmentList({
  readOnly,
  link,
  reloadEnvironments,
}: {
  readOnly: boolean;
  link: (path: string, environment?: string) => string;
  reloadEnvironments: () => void;
}) {
  const list = useResource(() => api.environments.list(), 'environments');
  return (
    <>
      <PageHead title="Environments">
        Each environment has its own flags, segments and revision. Open one for its flagd export, sync
        settings and import.
      </PageHead>

      {!readOnly && (
        <NewEnvironment
          onCreated={() => {
            void list.reload();
            reloadEnvironments();
          }}
        />
      )}

      <ErrorAlert error={list.error} />
      <DataTable
        caption={'Environments'}
        columns={['Key', 'Revision', 'Created']}
        what="environments"
        loading={list.loading}
      >
        {list.data?.environments.map((environment) => (
          <tr key={environment.key}>
            <th scope="row" class="cell-key">
              <a href={link(`/environments/${encodeURIComponent(environment.key)}`, environment.key)}>
                {environment.key}
              </a>
            </th>
            <td>{environment.revision}</td>
            <td class="cell-time">
              <Time iso={environment.createdAt} />
            </td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}
