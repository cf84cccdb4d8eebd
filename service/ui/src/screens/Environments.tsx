import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { ErrorAlert, Status } from '../components/ErrorAlert.tsx';
import { KeyField } from '../components/KeyField.tsx';
import { PageHead } from '../components/PageHead.tsx';
import { Time } from '../components/Time.tsx';
import { useApp } from '../context.ts';
import { useAction, useResource, useTitle } from '../hooks.ts';

export function EnvironmentsScreen() {
  useTitle('Environments');
  const { readOnly, restricted, link, reloadEnvironments } = useApp();
  const list = useResource(() => api.environments.list(), 'environments');
  const [key, setKey] = useState('');
  const [status, setStatus] = useState('');
  const create = useAction();

  const submit = async (event: Event) => {
    event.preventDefault();
    setStatus('');
    const created = await create.run(() => api.environments.create(key.trim()));
    if (created) {
      setKey('');
      setStatus(`Created environment ${created.key}`);
      void list.reload();
      reloadEnvironments();
    }
  };

  return (
    <>
      <PageHead title="Environments">Each environment has its own flags, segments and revision.</PageHead>

      <form class="card inline-form" onSubmit={submit}>
        <h2 class="card-title">New environment</h2>
        <div class="inline-form-row">
          <KeyField value={key} onInput={setKey} placeholder="e.g. qa" disabled={readOnly || restricted} />
          <button
            type="submit"
            class="button button-primary"
            disabled={readOnly || restricted || create.busy}
          >
            Create
          </button>
        </div>
        <ErrorAlert error={create.error} />
        <Status message={status} />
      </form>

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
              <a href={link('/flags', environment.key)}>{environment.key}</a>
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
