import { useId, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { type ApiError, api } from '../api.ts';
import { CreateDialog } from '../components/CreateDialog.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { ErrorAlert, Status } from '../components/ErrorAlert.tsx';
import { FlagSwitch } from '../components/FlagSwitch.tsx';
import { LoadMore } from '../components/LoadMore.tsx';
import { PageHead } from '../components/PageHead.tsx';
import { ScalarInput } from '../components/ScalarInput.tsx';
import { StaleReasons } from '../components/StaleReasons.tsx';
import { Time, TimeOrNever } from '../components/Time.tsx';
import { useApp } from '../context.ts';
import { parseVariantValue } from '../editors/variants.ts';
import { useAction, useDebounced, usePaged, useResource, useTitle } from '../hooks.ts';
import { touches } from '../live.ts';
import { type CreateFlagInput, FLAG_TYPES, type Flag, type FlagType } from '../types.ts';

function NewFlagDialog({ environment, onClose }: { environment: string; onClose: () => void }) {
  const id = useId();
  const { link } = useApp();
  const { route } = useLocation();
  const [type, setType] = useState<FlagType>('boolean');
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState('');
  const { busy, error, run } = useAction();

  const create = async (key: string, description: string, keyRefused: (error: ApiError) => boolean) => {
    setProblem('');
    let body: CreateFlagInput = { key, description };
    // A boolean with the defaults is the plain switch: the API makes its on/off variants.
    if (type !== 'boolean') {
      const parsed = parseVariantValue(type, type === 'string' ? value : value.trim());
      if (parsed.error) {
        setProblem(`Default value: ${parsed.error}`);
        return;
      }
      body = { ...body, type, defaultValue: parsed.value };
    }
    const created = await run(() => api.flags.create(environment, body), keyRefused);
    if (created) {
      onClose();
      route(link(`/flags/${encodeURIComponent(created.key)}`));
    }
  };

  return (
    <CreateDialog
      title="New flag"
      keyPlaceholder="e.g. new-checkout"
      keyHint="It cannot be changed later."
      onCreate={create}
      busy={busy}
      error={problem || error}
      onClose={onClose}
    >
      <div class="field">
        <label for={`${id}-type`}>Type</label>
        <select
          id={`${id}-type`}
          value={type}
          onChange={(event) => {
            const next = event.currentTarget.value as FlagType;
            setType(next);
            setValue(next === 'json' ? '{}' : next === 'number' ? '0' : '');
          }}
        >
          {FLAG_TYPES.map((option) => (
            <option key={option} value={option}>
              {option === 'boolean' ? 'boolean (an on/off switch)' : option}
            </option>
          ))}
        </select>
      </div>
      {type !== 'boolean' && (
        <div class="field">
          <label for={`${id}-value`}>Default value</label>
          {type === 'json' ? (
            <textarea
              id={`${id}-value`}
              class="code"
              rows={4}
              value={value}
              spellcheck={false}
              onInput={(event) => setValue(event.currentTarget.value)}
            />
          ) : (
            <ScalarInput
              id={`${id}-value`}
              numeric={type === 'number'}
              value={value}
              onInput={(event) => setValue(event.currentTarget.value)}
            />
          )}
          <p class="hint">Served while the flag is on; add more variants and rules on the flag's page.</p>
        </div>
      )}
    </CreateDialog>
  );
}

/** A search as the service does it: the key or the description contains the text, in any case. */
const matches = (flag: Flag, text: string) =>
  `${flag.key}\n${flag.description}`.toLowerCase().includes(text.toLowerCase());

export function FlagsScreen() {
  useTitle('Flags');
  const id = useId();
  const { environment, readOnly, link } = useApp();
  const [search, setSearch] = useState('');
  const [archived, setArchived] = useState(false);
  // Stale flags are listed by the server; a search then narrows them here (the two do not combine there).
  const [staleChecked, setStale] = useState(false);
  const stale = staleChecked && !archived;
  const [creating, setCreating] = useState(false);
  const [status, setStatus] = useState('');
  const q = useDebounced(search.trim(), 250);
  const list = usePaged(
    (cursor, limit) =>
      api.flags
        .list(environment, {
          q: (!stale && q) || undefined,
          archived,
          stale: stale || undefined,
          cursor,
          limit,
        })
        .then((page) => ({ items: page.flags, nextCursor: page.nextCursor })),
    `${environment}|${archived}|${stale}|${stale ? '' : q}`,
    touches.anyFlag,
  );
  // Flags with an open change request carry a badge: a change to them is under review.
  const requests = useResource(() => api.changeRequests.list(environment, 'open'), environment);
  const requested = new Set(
    (requests.data?.changeRequests ?? []).filter((r) => r.kind.startsWith('flag.')).map((r) => r.target),
  );
  const replace = (flag: Flag) =>
    list.setItems(list.items.map((item) => (item.key === flag.key ? { ...item, ...flag } : item)));
  const flags = stale && q ? list.items.filter((flag) => matches(flag, q)) : list.items;

  return (
    <>
      <PageHead
        title="Flags"
        create={readOnly ? undefined : { label: 'New flag', onClick: () => setCreating(true) }}
      >
        Feature flags in <strong>{environment}</strong>.
      </PageHead>

      <div class="toolbar">
        <div class="field field-search">
          <label for={`${id}-search`}>Search flags</label>
          <input
            id={`${id}-search`}
            type="search"
            value={search}
            maxLength={128}
            placeholder="Key or description"
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
        </div>
        <label class="check">
          <input
            type="checkbox"
            checked={archived}
            onChange={(event) => setArchived(event.currentTarget.checked)}
          />
          Show archived
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={stale}
            disabled={archived}
            onChange={(event) => setStale(event.currentTarget.checked)}
          />
          Stale only
        </label>
      </div>

      <Status message={status} />
      <ErrorAlert error={list.error} />

      <DataTable
        caption={
          <>
            {archived ? 'Archived flags' : stale ? 'Stale flags' : 'Flags'} in {environment}
          </>
        }
        columns={[
          'Key',
          'Description',
          'Type',
          archived ? 'Archived' : 'Enabled',
          'Updated',
          ...(archived ? [] : ['Last evaluated']),
          ...(stale ? ['Stale because'] : []),
        ]}
        what="flags"
        loading={list.loading}
        empty={
          !list.loading &&
          !list.error &&
          flags.length === 0 &&
          (q
            ? `No ${archived ? 'archived ' : stale ? 'stale ' : ''}flags match “${q}”.`
            : archived
              ? 'No archived flags.'
              : stale
                ? list.nextCursor
                  ? 'No stale flags among the first ones looked at: load more to look further.'
                  : 'No stale flags.'
                : readOnly
                  ? 'No flags yet.'
                  : 'No flags yet. Create one with “New flag”.')
        }
      >
        {flags.map((flag) => (
          <tr key={flag.key}>
            <th scope="row" class="cell-key">
              <a href={link(`/flags/${encodeURIComponent(flag.key)}`)}>{flag.key}</a>
              {requested.has(flag.key) && (
                <a class="badge badge-request" href={link('/requests')}>
                  Change requested
                </a>
              )}
            </th>
            <td class="cell-description">{flag.description || <span class="muted">—</span>}</td>
            <td>
              <span class="badge">{flag.type}</span>
            </td>
            <td>
              {flag.archivedAt ? (
                <Time iso={flag.archivedAt} />
              ) : (
                <FlagSwitch
                  flag={flag}
                  environment={environment}
                  disabled={readOnly}
                  onSaved={(updated) => {
                    replace(updated);
                    setStatus(`Saved: ${updated.key} is ${updated.enabled ? 'on' : 'off'} in ${environment}`);
                  }}
                />
              )}
            </td>
            <td class="cell-time">
              <Time iso={flag.updatedAt} />
            </td>
            {!archived && (
              <td class="cell-time">
                <TimeOrNever iso={flag.lastEvaluatedAt} />
              </td>
            )}
            {stale && (
              <td>
                <StaleReasons reasons={flag.stale} />
              </td>
            )}
          </tr>
        ))}
      </DataTable>
      <LoadMore
        nextCursor={list.nextCursor}
        busy={list.moreBusy}
        error={list.moreError}
        onLoad={list.loadMore}
      />
      {creating && <NewFlagDialog environment={environment} onClose={() => setCreating(false)} />}
    </>
  );
}
