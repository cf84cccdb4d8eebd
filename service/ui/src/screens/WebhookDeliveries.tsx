// A webhook's delivery log, newest first: what was sent, how it went, and a Redeliver button.
import { useState } from 'preact/hooks';
import { DataTable } from '../components/DataTable.tsx';
import { ErrorAlert, Status } from '../components/ErrorAlert.tsx';
import { LoadMore } from '../components/LoadMore.tsx';
import { Time, TimeOrNever } from '../components/Time.tsx';
import { useAction, usePaged } from '../hooks.ts';
import { type Delivery, type Webhook, webhooksApi } from '../webhooks-api.ts';

const STATUS_BADGE: Record<Delivery['status'], string> = {
  delivered: 'badge badge-active',
  failed: 'badge badge-revoked',
  pending: 'badge',
};

function answer(delivery: Delivery) {
  if (delivery.lastError) return delivery.lastError;
  if (delivery.lastStatus !== null) return `HTTP ${delivery.lastStatus}`;
  return '—';
}

export function DeliveryLog({ webhook, readOnly }: { webhook: Webhook; readOnly: boolean }) {
  const [refreshes, setRefreshes] = useState(0);
  // Deliveries follow changes by a moment: a live change reloads the log, and Refresh reads it again.
  const log = usePaged(async (cursor, limit) => {
    const page = await webhooksApi.deliveries(webhook.id, cursor, limit);
    return { items: page.deliveries, nextCursor: page.nextCursor };
  }, `deliveries:${webhook.id}:${refreshes}`);
  const redeliver = useAction();
  const [status, setStatus] = useState('');

  const send = async (delivery: Delivery) => {
    const after = await redeliver.run(() => webhooksApi.redeliver(webhook.id, delivery.id));
    if (after) {
      log.setItems(log.items.map((d) => (d.id === after.id ? after : d)));
      setStatus(
        after.lastError
          ? `Revision ${after.revision} was sent again and failed: ${after.lastError}`
          : `Revision ${after.revision} was sent again: HTTP ${after.lastStatus}`,
      );
    }
  };

  return (
    <section class="card" aria-labelledby={`log-${webhook.id}`}>
      <div class="page-head">
        <h2 id={`log-${webhook.id}`} class="card-title">
          Deliveries to {webhook.url}
        </h2>
        <button type="button" class="button button-small" onClick={() => setRefreshes((n) => n + 1)}>
          Refresh
        </button>
      </div>
      {webhook.nextAttemptAt && (
        <p class="alert alert-warning">
          The last attempt failed; the next is due <Time iso={webhook.nextAttemptAt} exact />.
        </p>
      )}
      <Status message={status} />
      <ErrorAlert error={log.error ?? redeliver.error} />
      <DataTable
        caption={`Deliveries to ${webhook.url}`}
        columns={['Revision', 'Change', 'Status', 'Attempts', 'Last answer', 'Last attempt', null]}
        what="deliveries"
        loading={log.loading}
        empty={
          !log.loading && log.items.length === 0 && 'Nothing delivered yet: changes made from now on are.'
        }
      >
        {log.items.map((delivery) => (
          <tr key={delivery.id}>
            <th scope="row">{delivery.revision}</th>
            <td>
              <span class="badge badge-action">{delivery.action}</span>
            </td>
            <td>
              <span class={STATUS_BADGE[delivery.status]}>{delivery.status}</span>
            </td>
            <td>{delivery.attempts}</td>
            <td class="code">{answer(delivery)}</td>
            <td class="cell-time">
              <TimeOrNever iso={delivery.lastAttemptAt} />
            </td>
            <td class="cell-actions">
              <button
                type="button"
                class="button button-small"
                aria-label={`Redeliver revision ${delivery.revision}`}
                disabled={readOnly || redeliver.busy}
                onClick={() => void send(delivery)}
              >
                Redeliver
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
      <LoadMore nextCursor={log.nextCursor} busy={log.moreBusy} error={log.moreError} onLoad={log.loadMore} />
    </section>
  );
}
