// Webhooks as the UI reads and changes them, through the admin API.
import { request } from './api.ts';

export type WebhookFormat = 'json' | 'slack';

export interface Webhook {
  id: string;
  environment: string;
  url: string;
  kinds: string[];
  format: WebhookFormat;
  enabled: boolean;
  cursor: number;
  nextAttemptAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** A webhook as its creation answers it: with the secret, shown this once. */
export type CreatedWebhook = Webhook & { secret: string };

export interface Delivery {
  id: string;
  webhookId: string;
  eventId: string;
  revision: number;
  action: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
}

const seg = encodeURIComponent;

export const webhooksApi = {
  list: (environment: string) =>
    request<{ webhooks: Webhook[] }>('GET', '/api/admin/webhooks', { query: { environment } }),
  create: (environment: string, body: { url: string; kinds: string[]; format: WebhookFormat }) =>
    request<CreatedWebhook>('POST', '/api/admin/webhooks', { query: { environment }, body }),
  update: (id: string, body: Partial<Pick<Webhook, 'url' | 'kinds' | 'format' | 'enabled'>>) =>
    request<Webhook>('PATCH', `/api/admin/webhooks/${seg(id)}`, { body }),
  remove: (id: string) => request<void>('DELETE', `/api/admin/webhooks/${seg(id)}`),
  deliveries: (id: string, cursor?: string, limit?: number) =>
    request<{ deliveries: Delivery[]; nextCursor: string | null }>(
      'GET',
      `/api/admin/webhooks/${seg(id)}/deliveries`,
      { query: { cursor, limit } },
    ),
  redeliver: (id: string, deliveryId: string) =>
    request<Delivery>('POST', `/api/admin/webhooks/${seg(id)}/deliveries/${seg(deliveryId)}/redeliver`),
};
