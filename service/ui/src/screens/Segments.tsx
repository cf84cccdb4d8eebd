import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { type ApiError, api } from '../api.ts';
import { CreateDialog } from '../components/CreateDialog.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { PageHead } from '../components/PageHead.tsx';
import { Time } from '../components/Time.tsx';
import { useApp } from '../context.ts';
import { useAction, useResource, useTitle } from '../hooks.ts';
import { touches } from '../live.ts';

function NewSegmentDialog({ environment, onClose }: { environment: string; onClose: () => void }) {
  const { link } = useApp();
  const { route } = useLocation();
  const { busy, error, run } = useAction();

  const create = async (key: string, description: string, keyRefused: (error: ApiError) => boolean) => {
    const created = await run(
      () => api.segments.create(environment, { key, description, conditions: [] }),
      keyRefused,
    );
    if (created) {
      onClose();
      route(link(`/segments/${encodeURIComponent(created.key)}`));
    }
  };

  return (
    <CreateDialog
      title="New segment"
      keyPlaceholder="e.g. beta-customers"
      keyHint="Add its conditions on the next page."
      onCreate={create}
      busy={busy}
      error={error}
      onClose={onClose}
    />
  );
}

export function SegmentsScreen() {
  useTitle('Segments');
  const { environment, readOnly, link } = useApp();
  const [creating, setCreating] = useState(false);
  const list = useResource(() => api.segments.list(environment), environment, touches.anySegment);
  const segments = list.data?.segments ?? [];

  return (
    <>
      <PageHead
        title="Segments"
        create={readOnly ? undefined : { label: 'New segment', onClick: () => setCreating(true) }}
      >
        Named sets of conditions that rules in <strong>{environment}</strong> can target.
      </PageHead>
      <ErrorAlert error={list.error} />
      <DataTable
        caption={<>Segments in {environment}</>}
        columns={['Key', 'Description', 'Conditions', 'Updated']}
        what="segments"
        loading={list.loading}
        empty={!list.loading && !list.error && segments.length === 0 && 'No segments yet.'}
      >
        {segments.map((segment) => (
          <tr key={segment.key}>
            <th scope="row" class="cell-key">
              <a href={link(`/segments/${encodeURIComponent(segment.key)}`)}>{segment.key}</a>
            </th>
            <td class="cell-description">{segment.description || <span class="muted">—</span>}</td>
            <td>{segment.conditions.length}</td>
            <td class="cell-time">
              <Time iso={segment.updatedAt} />
            </td>
          </tr>
        ))}
      </DataTable>
      {creating && <NewSegmentDialog environment={environment} onClose={() => setCreating(false)} />}
    </>
  );
}
