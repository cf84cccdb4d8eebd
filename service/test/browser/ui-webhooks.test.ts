// Webhooks in the web UI, in Chromium: an admin adds one (its secret shown once, with a warning),
// a change reaches the receiver, the delivery log shows it, Redeliver sends it again, and Delete
// removes the webhook.
import t from 'tap';
import { ADMIN_TOKEN, admin, buildListeningApp, createFlag, within } from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { accessible, DEADLINE_MS, newPage, shows, signIn } from '../helpers/ui-page.ts';

t.test('add a webhook, see a delivery, redeliver it, delete the webhook', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  let secret = '';
  const receiver = await startReceiver(t, () => secret);
  const { page, errors } = await newPage(browser);

  await signIn(page, base, ADMIN_TOKEN);
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor({ timeout: DEADLINE_MS });
  await page.getByLabel('Payload URL').fill(receiver.url);
  await page.getByRole('checkbox', { name: 'Segments' }).uncheck();
  await page.getByRole('button', { name: 'Add webhook' }).click();
  const field = page.getByLabel('Signing secret');
  await field.waitFor({ timeout: DEADLINE_MS });
  secret = await field.inputValue();
  t.match(secret, /^whsec_/);
  t.match(await page.getByText('Copy the signing secret now').textContent(), /will not be shown again/);
  await accessible(t, page, 'Webhooks, secret shown');
  await page.getByRole('button', { name: 'Done' }).click();
  await field.waitFor({ state: 'detached', timeout: DEADLINE_MS });
  t.equal(await page.getByText(secret).count(), 0, 'the secret is gone from the page');
  await page
    .getByRole('row', { name: new RegExp(receiver.url) })
    .getByText('flag changes')
    .waitFor({ timeout: DEADLINE_MS });

  await createFlag(app, { key: 'new-checkout' });
  await within(30_000, async () => receiver.delivered().length === 1, 20);
  t.ok(receiver.received[0]!.verified, 'the delivery is signed with the secret the page showed');
  // The receiver answered; the service records that a moment later.
  const [webhook] = (await app.inject({ url: '/api/admin/webhooks', headers: admin })).json().webhooks;
  await within(
    30_000,
    async () => {
      const log = await app.inject({ url: `/api/admin/webhooks/${webhook.id}/deliveries`, headers: admin });
      return log.json().deliveries[0]?.status === 'delivered';
    },
    200,
  );

  await page.getByRole('button', { name: `Deliveries of ${receiver.url}` }).click();
  const log = page.getByRole('region', { name: `Deliveries to ${receiver.url}` });
  await shows(t, 'the delivery in the log', () =>
    log.getByRole('row', { name: /flag\.created.*delivered/ }).waitFor({ timeout: DEADLINE_MS }),
  );
  await accessible(t, page, 'Webhooks, delivery log');
  await log.getByRole('button', { name: /^Redeliver revision \d+$/ }).click();
  await shows(t, 'the redelivery said', () =>
    page
      .getByRole('status')
      .filter({ hasText: /was sent again: HTTP 200/ })
      .waitFor({ timeout: DEADLINE_MS }),
  );
  t.equal(receiver.received.length, 2);
  t.ok(receiver.received[1]!.verified);
  await log.getByRole('row', { name: /flag\.created.*delivered\s*2/ }).waitFor({ timeout: DEADLINE_MS });

  await page.getByRole('button', { name: `Delete ${receiver.url}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await page.getByText('No webhooks in this environment yet.').waitFor({ timeout: DEADLINE_MS });
  const listed = await app.inject({ url: '/api/admin/webhooks', headers: admin });
  t.same(listed.json().webhooks, [], 'deleted');
  t.same(errors, [], 'no page errors');
});
