// Webhooks as the UI reads and changes them, through the admin API.

import type { Delivery, DeliveryPage, Webhook } from '../../src/webhooks/webhook-schemas.ts';
import { request } from './api.ts';

export type { Delivery, Webhook } from '../../src/webhooks/webhook-schemas.ts';
export type WebhookFormat = Webhook['format'];

/** A webhook as its creation answers it: with the secret, shown this once. */
export type CreatedWebhook = Webhook & { secret: string };

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
    request<DeliveryPage>('GET', `/api/admin/webhooks/${seg(id)}/deliveries`, { query: { cursor, limit } }),
  redeliver: (id: string, deliveryId: string) =>
    request<Delivery>('POST', `/api/admin/webhooks/${seg(id)}/deliveries/${seg(deliveryId)}/redeliver`),
};
