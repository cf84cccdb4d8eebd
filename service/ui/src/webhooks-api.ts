// Webhooks as the UI reads and changes them, through the admin API.

import type {
  CreatedWebhook,
  CreateWebhookInput,
  Delivery,
  DeliveryPage,
  Webhook,
  WebhookPatch,
} from '../../src/webhooks/webhook-schemas.ts';
import { request } from './api.ts';

export type { CreatedWebhook, Delivery, Webhook } from '../../src/webhooks/webhook-schemas.ts';
export type WebhookFormat = Webhook['format'];

const seg = encodeURIComponent;

export const webhooksApi = {
  list: (environment: string) =>
    request<{ webhooks: Webhook[] }>('GET', '/api/admin/webhooks', { query: { environment } }),
  create: (environment: string, body: CreateWebhookInput) =>
    request<CreatedWebhook>('POST', '/api/admin/webhooks', { query: { environment }, body }),
  update: (id: string, body: WebhookPatch) =>
    request<Webhook>('PATCH', `/api/admin/webhooks/${seg(id)}`, { body }),
  remove: (id: string) => request<void>('DELETE', `/api/admin/webhooks/${seg(id)}`),
  deliveries: (id: string, cursor?: string, limit?: number) =>
    request<DeliveryPage>('GET', `/api/admin/webhooks/${seg(id)}/deliveries`, { query: { cursor, limit } }),
  redeliver: (id: string, deliveryId: string) =>
    request<Delivery>('POST', `/api/admin/webhooks/${seg(id)}/deliveries/${seg(deliveryId)}/redeliver`),
};
