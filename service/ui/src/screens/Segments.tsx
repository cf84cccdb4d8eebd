import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../api.ts';
import { CreateDialog } from '../components/CreateDialog.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { Time } from '../components/Time.tsx';
import { useApp } from '../context.ts';
import { useAction, useResource, useTitle } from '../hooks.ts';

function NewSegmentDialog({ environment, onClose }: { environment: string; onClose: () => void }) {
  const { link } = useApp();
  const { route } = useLocation();
  const { busy, error, run } = useAction();

  const create = async (key: string, description: string) => {
    const created = await run(() => api.segments.create(environment, { key, description, conditions: [] }));
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
  const list = useResource(() => api.segments.list(environment), environment);
  const segments = list.data?.segments ?? [];

  return (
    <>
      <div class="page-head">
        <div>
          <h1>Segments</h1>
          <p class="muted">
            Named sets of conditions that rules in <strong>{environment}</strong> can target.
          </p>
        </div>
        <button
          type="button"
          class="button button-primary"
          disabled={readOnly}
          onClick={() => setCreating(true)}
        >
          New segment
        </button>
      </div>
      <ErrorAlert error={list.error} />
      <div class="table-wrap">
        <table class="table">
          <caption class="visually-hidden">Segments in {environment}</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Description</th>
              <th scope="col">Conditions</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.loading && (
              <tr>
                <td colSpan={4} class="empty">
                  Loading segments…
                </td>
              </tr>
            )}
            {!list.loading && !list.error && segments.length === 0 && (
              <tr>
                <td colSpan={4} class="empty">
                  No segments yet.
                </td>
              </tr>
            )}
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
          </tbody>
        </table>
      </div>
      {creating && <NewSegmentDialog environment={environment} onClose={() => setCreating(false)} />}
    </>
  );
}
