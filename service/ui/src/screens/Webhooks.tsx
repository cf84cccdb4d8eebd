// Webhooks of the environment on screen: create one (its secret shown once), enable, disable or
// delete it, and read its delivery log, where a delivery can be sent again.
import { useId, useState } from 'preact/hooks';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { ErrorAlert, Status } from '../components/ErrorAlert.tsx';
import { NewSecret } from '../components/NewSecret.tsx';
import { PageHead } from '../components/PageHead.tsx';
import { useApp } from '../context.ts';
import { useAction, useResource, useTitle } from '../hooks.ts';
import { type CreatedWebhook, type Webhook, type WebhookFormat, webhooksApi } from '../webhooks-api.ts';
import { DeliveryLog } from './WebhookDeliveries.tsx';

function CreateForm({
  environment,
  onCreated,
}: {
  environment: string;
  onCreated: (w: CreatedWebhook) => void;
}) {
  const id = useId();
  const [url, setUrl] = useState('');
  const [format, setFormat] = useState<WebhookFormat>('json');
  const [flags, setFlags] = useState(true);
  const [segments, setSegments] = useState(true);
  const { busy, error, run } = useAction();

  const submit = async (event: Event) => {
    event.preventDefault();
    const kinds = flags && segments ? ['*'] : flags ? ['flag.*'] : segments ? ['segment.*'] : [];
    const created = await run(() => webhooksApi.create(environment, { url: url.trim(), kinds, format }));
    if (created) {
      setUrl('');
      onCreated(created);
    }
  };

  return (
    <form class="card inline-form" onSubmit={submit}>
      <h2 class="card-title">Add a webhook</h2>
      <div class="inline-form-row">
        <div class="field">
          <label for={`${id}-url`}>Payload URL</label>
          <input
            id={`${id}-url`}
            type="url"
            value={url}
            required
            maxLength={2048}
            autocomplete="off"
            placeholder="https://hooks.example.com/flagstone"
            onInput={(event) => setUrl(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for={`${id}-format`}>Format</label>
          <select
            id={`${id}-format`}
            value={format}
            onChange={(event) => setFormat(event.currentTarget.value as WebhookFormat)}
          >
            <option value="json">JSON: the change</option>
            <option value="slack">Slack: a line of text</option>
          </select>
        </div>
        <fieldset class="field">
          <legend>Changes</legend>
          <label>
            <input type="checkbox" checked={flags} onChange={(e) => setFlags(e.currentTarget.checked)} />{' '}
            Flags
          </label>{' '}
          <label>
            <input
              type="checkbox"
              checked={segments}
              onChange={(e) => setSegments(e.currentTarget.checked)}
            />{' '}
            Segments
          </label>
        </fieldset>
        <button type="submit" class="button button-primary" disabled={busy || (!flags && !segments)}>
          Add webhook
        </button>
      </div>
      <ErrorAlert error={error} />
    </form>
  );
}

const kindsText = (kinds: string[]) =>
  kinds.includes('*') ? 'all changes' : kinds.map((k) => k.replace(/\.\*$/, ' changes')).join(', ');

export function WebhooksScreen() {
  useTitle('Webhooks');
  const { environment, readOnly } = useApp();
  const list = useResource(() => webhooksApi.list(environment), `webhooks:${environment}`, false);
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const action = useAction();

  const toggle = async (webhook: Webhook) => {
    const done = await action.run(() => webhooksApi.update(webhook.id, { enabled: !webhook.enabled }));
    if (done) {
      setStatus(`${done.enabled ? 'Enabled' : 'Disabled'} ${webhook.url}`);
      await list.reload();
    }
  };
  const remove = async (webhook: Webhook) => {
    const done = await action.run(async () => {
      await webhooksApi.remove(webhook.id);
      return true;
    });
    setDeleting(null);
    if (done) {
      if (shown === webhook.id) setShown(null);
      setStatus(`Deleted ${webhook.url}`);
      await list.reload();
    }
  };

  const webhooks = list.data?.webhooks ?? [];
  const selected = webhooks.find((w) => w.id === shown);

  return (
    <>
      <PageHead title="Webhooks">
        Receivers of the changes to {environment}'s flags and segments, signed, in order, retried until they
        answer.
      </PageHead>

      {!readOnly &&
        (created ? (
          <NewSecret
            title="Webhook created"
            label="Signing secret"
            secret={created.secret}
            onDone={() => setCreated(null)}
          >
            Copy the signing secret now: it will not be shown again. The receiver checks each delivery's
            Flagstone-Signature header with it.
          </NewSecret>
        ) : (
          <CreateForm
            environment={environment}
            onCreated={(webhook) => {
              setCreated(webhook);
              void list.reload();
            }}
          />
        ))}

      <Status message={status} />
      <ErrorAlert error={list.error ?? action.error} />
      <DataTable
        caption={`Webhooks of ${environment}`}
        columns={['URL', 'Format', 'Changes', 'Status', null]}
        what="webhooks"
        loading={list.loading}
        empty={!list.loading && webhooks.length === 0 && 'No webhooks in this environment yet.'}
      >
        {webhooks.map((webhook) => (
          <tr key={webhook.id}>
            <th scope="row" class="code">
              {webhook.url}
            </th>
            <td>{webhook.format}</td>
            <td>{kindsText(webhook.kinds)}</td>
            <td>
              {webhook.enabled ? (
                <span class="badge badge-active">Enabled</span>
              ) : (
                <span class="badge badge-revoked">Disabled</span>
              )}
            </td>
            <td class="cell-actions">
              <button
                type="button"
                class="button button-small"
                aria-label={`Deliveries of ${webhook.url}`}
                aria-expanded={shown === webhook.id}
                onClick={() => setShown(shown === webhook.id ? null : webhook.id)}
              >
                Deliveries
              </button>{' '}
              <button
                type="button"
                class="button button-small"
                aria-label={`${webhook.enabled ? 'Disable' : 'Enable'} ${webhook.url}`}
                disabled={readOnly || action.busy}
                onClick={() => void toggle(webhook)}
              >
                {webhook.enabled ? 'Disable' : 'Enable'}
              </button>{' '}
              <button
                type="button"
                class="button button-small button-danger-outline"
                aria-label={`Delete ${webhook.url}`}
                disabled={readOnly}
                onClick={() => setDeleting(webhook)}
              >
                Delete
              </button>
            </td>
          </tr>
        ))}
      </DataTable>

      {selected && <DeliveryLog webhook={selected} readOnly={readOnly} />}

      {deleting && (
        <ConfirmDialog
          title={`Delete the webhook to ${deleting.url}?`}
          danger
          busy={action.busy}
          onCancel={() => setDeleting(null)}
          onConfirm={() => void remove(deleting)}
        >
          <p>Nothing more is sent to it, and its delivery log goes with it. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
