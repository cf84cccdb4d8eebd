// A protected environment in Chromium, with two people signed in through the identity provider:
// one proposes turning a flag on in production (the switch says it proposes, the flag carries a
// badge), the other reviews the diff on the Requests screen and approves it, and evaluations serve
// the new value from then on.
import type { Browser, Page } from 'playwright-core';
import t from 'tap';
import {
  admin,
  bearer,
  buildListeningApp,
  createFlag,
  createSegment,
  mintToken,
  personSession,
  within,
} from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { CLIENT_ID, CLIENT_SECRET, startIdp, type TestIdp } from '../helpers/idp.ts';
import { accessible, DEADLINE_MS, newPage, shows } from '../helpers/ui-page.ts';

async function signInAs(browser: Browser, base: string, idp: TestIdp, login: string) {
  const { page, errors, context } = await newPage(browser);
  await page.goto(`${base}/ui/`);
  await page.getByRole('link', { name: `Sign in with ${new URL(idp.issuer).host}` }).click();
  await page.getByLabel('Username').fill(login);
  await page.getByLabel('Password').fill(idp.people.get(login)!.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  return { page, errors, context };
}

const signedInAs = (page: Page, name: string) =>
  page.locator('.topbar-token', { hasText: name }).waitFor({ timeout: DEADLINE_MS });

t.test('one person proposes in production, another approves, evaluations follow', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const idp = await startIdp(t);
  const { app, base } = await buildListeningApp(t, {
    env: {
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      OIDC_ROLES: 'flag-admins=admin',
    },
  });
  idp.allow(`${base}/api/session/oidc/callback`);
  idp.people.set('ada', {
    password: 'ada-password',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    groups: ['flag-admins'],
  });
  idp.people.set('grace', {
    password: 'grace-password',
    name: 'Grace Hopper',
    email: 'grace@example.com',
    groups: ['flag-admins'],
  });
  await createFlag(app, { key: 'checkout', type: 'boolean', defaultValue: true, environment: 'production' });
  await createSegment(app, { key: 'beta', conditions: [], environment: 'production' });
  const protect = await app.inject({
    method: 'PATCH',
    url: '/api/admin/environments/production',
    headers: admin,
    payload: { protected: true },
  });
  t.equal(protect.statusCode, 200);
  const reader = await mintToken(app, {
    name: 'production-reader',
    scope: 'read',
    environment: 'production',
  });
  const evaluate = async () =>
    (
      await app.inject({
        method: 'POST',
        url: '/ofrep/v1/evaluate/flags/checkout',
        headers: bearer(reader.token),
        payload: { context: { targetingKey: 'user-1' } },
      })
    ).json();
  t.match(await evaluate(), { reason: 'DISABLED' });

  // Ada proposes turning it on.
  const proposer = await signInAs(browser, base, idp, 'ada');
  await shows(t, 'Ada is signed in', () => signedInAs(proposer.page, 'Ada Lovelace'));
  await proposer.page.goto(`${base}/ui/flags?environment=production`);
  const toggle = proposer.page.getByRole('switch', { name: 'Enable checkout' });
  await toggle.waitFor({ timeout: DEADLINE_MS });
  await toggle.click();
  const dialog = proposer.page.getByRole('dialog', { name: 'Propose turning on checkout in production?' });
  await shows(t, 'the switch asks to propose', () => dialog.waitFor({ timeout: DEADLINE_MS }));
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await shows(t, 'the switch says it proposed', () =>
    proposer.page
      .getByText("Proposed turning checkout on in production: it waits for another person's approval")
      .waitFor({ timeout: DEADLINE_MS }),
  );
  t.match(await evaluate(), { reason: 'DISABLED' }, 'nothing changed yet');
  await proposer.page.reload();
  await shows(t, 'the flag carries a badge', () =>
    proposer.page.getByRole('link', { name: 'Change requested' }).waitFor({ timeout: DEADLINE_MS }),
  );
  await accessible(t, proposer.page, 'flags with a requested change');
  // The segment editor proposes too.
  await proposer.page.goto(`${base}/ui/segments/beta?environment=production`);
  await proposer.page.getByLabel('Description').fill('beta testers');
  await proposer.page.getByRole('button', { name: 'Propose changes' }).click();
  await shows(t, 'the segment editor says it proposed', () =>
    proposer.page
      .getByText("Proposed: production is protected, so the change waits for another person's approval")
      .waitFor({ timeout: DEADLINE_MS }),
  );
  const segment = (
    await app.inject({ url: '/api/admin/segments/beta?environment=production', headers: admin })
  ).json();
  t.equal(segment.description, '', 'the segment is unchanged');

  await proposer.page.goto(`${base}/ui/requests?environment=production`);
  await shows(t, 'Ada sees her own request, without the buttons', () =>
    proposer.page.getByText('You proposed this').first().waitFor({ timeout: DEADLINE_MS }),
  );
  t.equal(await proposer.page.getByRole('button', { name: 'Approve checkout' }).count(), 0);

  // Grace reviews the diff and approves.
  const reviewer = await signInAs(browser, base, idp, 'grace');
  await shows(t, 'Grace is signed in', () => signedInAs(reviewer.page, 'Grace Hopper'));
  await reviewer.page.getByRole('link', { name: 'Requests' }).click();
  await reviewer.page.goto(`${base}/ui/requests?environment=production`);
  const card = reviewer.page.getByRole('article', { name: 'Change flag checkout' });
  await shows(t, 'the request is listed', () => card.waitFor({ timeout: DEADLINE_MS }));
  const diff = card.getByRole('list', { name: 'Changes in Change flag checkout' });
  t.match(await diff.innerText(), /enabled: false[\s\S]*enabled: true/, 'the diff shows the switch');
  t.match(await card.innerText(), /Proposed by Ada Lovelace/);
  await accessible(t, reviewer.page, 'requests screen');
  await card.getByLabel('Comment (needed to reject)').fill('go for the launch');
  await card.getByRole('button', { name: 'Approve checkout' }).click();
  await shows(t, 'the approval is announced', () =>
    reviewer.page.getByText('Approved and applied: Change flag checkout').waitFor({ timeout: DEADLINE_MS }),
  );
  await shows(t, 'only the segment request is left', () =>
    card.waitFor({ state: 'detached', timeout: DEADLINE_MS }),
  );
  t.equal(await reviewer.page.getByRole('article', { name: 'Change segment beta' }).count(), 1);

  await within(10_000, async () => (await evaluate()).value === true);
  t.match(await evaluate(), { value: true }, 'evaluations serve the approved change');
  const history = (
    await app.inject({ url: '/api/admin/flags/checkout/history?environment=production', headers: admin })
  ).json().events as { action: string; actor: string }[];
  t.match(history.slice(0, 3), [
    {
      action: 'flag.updated',
      actor: /^Grace Hopper \(approving change request .* proposed by Ada Lovelace\)$/,
    },
    { action: 'request.approved', actor: 'Grace Hopper' },
    { action: 'request.created', actor: 'Ada Lovelace' },
  ]);
  const segmentCard = reviewer.page.getByRole('article', { name: 'Change segment beta' });
  await segmentCard.getByLabel('Comment (needed to reject)').fill('not yet');
  await segmentCard.getByRole('button', { name: 'Reject beta' }).click();
  await shows(t, 'the rejection is announced', () =>
    reviewer.page.getByText('Rejected: Change segment beta').waitFor({ timeout: DEADLINE_MS }),
  );
  await shows(t, 'no open requests are left', () =>
    reviewer.page.getByText('No open requests in production.').waitFor({ timeout: DEADLINE_MS }),
  );

  // Ada proposes turning it off; Grace approves it for an hour ahead, then cancels; approves the
  // next one for later, and it applies when its time comes.
  const ada = await personSession(app, 'ada', 'Ada Lovelace');
  const proposeOff = async () => {
    const res = await app.inject({
      method: 'PATCH',
      url: '/api/admin/flags/checkout?environment=production',
      headers: ada,
      payload: { enabled: false },
    });
    t.equal(res.statusCode, 202, res.body);
    await reviewer.page.reload();
  };
  const inAnHour = await reviewer.page.evaluate(() => {
    const date = new Date(Date.now() + 3_600_000);
    return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  });
  const waiting = reviewer.page.getByRole('region', { name: 'Approved, waiting for their time' });
  await proposeOff();
  await card.getByLabel('Apply at (optional, your local time; empty: now)').fill(inAnHour);
  await card.getByRole('button', { name: 'Approve for then checkout' }).click();
  await shows(t, 'the approval for a time is listed as waiting', () =>
    waiting
      .getByRole('article', { name: 'Change flag checkout' })
      .getByText(/Approved by Grace Hopper: applies at/)
      .waitFor({ timeout: DEADLINE_MS }),
  );
  t.match(await evaluate(), { value: true }, 'not applied before its time');
  const scheduledCard = waiting.getByRole('article', { name: 'Change flag checkout' });
  await scheduledCard.getByLabel('Comment (needed to cancel)').fill('launch moved');
  await scheduledCard.getByRole('button', { name: 'Cancel checkout' }).click();
  await shows(t, 'the cancellation is announced', () =>
    reviewer.page.getByText('Cancelled: Change flag checkout').waitFor({ timeout: DEADLINE_MS }),
  );
  await proposeOff();
  await card.getByLabel('Apply at (optional, your local time; empty: now)').fill(inAnHour);
  await card.getByRole('button', { name: 'Approve for then checkout' }).click();
  await waiting.getByRole('article').waitFor({ timeout: DEADLINE_MS });
  await accessible(t, reviewer.page, 'requests screen with an approval waiting for its time');
  // Its time comes: moved to just past, an instance applies it within its poll.
  await app.database.client.$executeRaw`
    UPDATE change_requests SET apply_at = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE state = 'scheduled'`;
  await within(30_000, async () => (await evaluate()).reason === 'DISABLED', 50);
  t.pass('the approved change applied at its time');
  await reviewer.page.reload();
  await shows(t, 'nothing is left waiting', () =>
    reviewer.page.getByText('No open requests in production.').waitFor({ timeout: DEADLINE_MS }),
  );
  t.equal(await waiting.count(), 0);

  t.same(proposer.errors, [], 'no page errors for Ada');
  t.same(reviewer.errors, [], 'no page errors for Grace');
});
