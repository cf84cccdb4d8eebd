// The history and audit APIs on a real database: each event carries its summary in words (and
// its before and after unless diff=false); the audit log filters by flag, person or token,
// action (or a kind of action) and time, alone and together; pages carry every event once, newest
// first; a bad filter is a 400 that says what to send.
import t from 'tap';
import { admin, bearer, buildTestApp, createFlag, createSegment, mintToken } from '../../helpers/app.ts';

const { app } = await buildTestApp(t);
const sql = app.database.client;

interface Event {
  id: string;
  action: string;
  actor: string;
  by: { kind: string; name: string; email?: string; subject?: string };
  environment: string | null;
  flagKey: string | null;
  createdAt: string;
  summary: string[];
  before?: unknown;
  after?: unknown;
}

const get = (url: string) => app.inject({ url, headers: admin });
const events = async (url: string): Promise<Event[]> => {
  const res = await get(url);
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res.json().events;
};
const patch = (key: string, environment: string, payload: Record<string, unknown>, headers = admin) =>
  app.inject({
    method: 'PATCH',
    url: `/api/admin/flags/${key}?environment=${environment}`,
    headers,
    payload,
  });

t.test('a real change reads as what it did, without bookkeeping', async (t) => {
  await createFlag(app, { key: 'checkout', environment: 'production' });
  t.equal((await patch('checkout', 'production', { enabled: true })).statusCode, 200);
  t.equal(
    (
      await patch('checkout', 'production', {
        variants: { on: true, off: false, blue: true },
        rules: [
          {
            description: 'EU',
            conditions: [{ attribute: 'country', operator: 'in', value: ['DE', 'FR'] }],
            split: [
              { variant: 'on', weight: 70 },
              { variant: 'off', weight: 30 },
            ],
          },
        ],
        defaultVariant: 'off',
      })
    ).statusCode,
    200,
  );
  const history = await events('/api/admin/flags/checkout/history?environment=production');
  t.same(
    history.map((e) => e.summary),
    [
      [
        "added variant 'blue' (true)",
        "changed the default variant from 'on' to 'off'",
        "added rule 'EU' with a 70/30 split between 'on' and 'off', when country is one of \"DE\", \"FR\"",
      ],
      ['turned on in production'],
      ['created in production, off'],
    ],
  );
  const words = JSON.stringify(history.map((e) => e.summary));
  t.notMatch(
    words,
    /updatedAt|createdAt|version|revision|defaultValue|archivedAt/,
    'no bookkeeping in the words',
  );
  t.match(
    history[1],
    { before: { enabled: false }, after: { enabled: true } },
    'before and after by default',
  );

  const light = await get('/api/admin/flags/checkout/history?environment=production&diff=false');
  t.equal(light.statusCode, 200);
  const [first] = light.json().events;
  t.same(first.summary, history[0]!.summary, 'the same words');
  t.notOk('before' in first || 'after' in first, 'diff=false: no before, no after');
  const audited = await events('/api/admin/audit?environment=production&flagKey=checkout&diff=false');
  t.same(
    audited.map((e) => e.summary),
    history.map((e) => e.summary),
    'the audit log says the same',
  );
});

t.test('filters, alone and together, and pages that carry each event once', async (t) => {
  const ci = await mintToken(app, { name: 'ci', scope: 'admin' });
  const ops = await mintToken(app, { name: 'ops', scope: 'admin' });
  for (const environment of ['staging', 'development']) {
    await createFlag(app, { key: 'banner', environment }, bearer(ci.token));
    await createFlag(app, { key: 'search', environment }, bearer(ops.token));
  }
  for (let i = 0; i < 3; i++) {
    await patch('banner', 'staging', { description: `try ${i}` }, bearer(i % 2 ? ops.token : ci.token));
    await patch('search', 'staging', { enabled: i % 2 === 0 }, bearer(ci.token));
  }
  await app.inject({
    method: 'DELETE',
    url: '/api/admin/flags/search?environment=development',
    headers: bearer(ops.token),
  });
  await createSegment(app, { key: 'beta', environment: 'staging', conditions: [] }, bearer(ops.token));
  // Two people's changes, as sign-in through the identity provider records them.
  await sql.$executeRaw`
    INSERT INTO audit_events (actor, actor_kind, actor_subject, actor_email, action, environment_key, flag_key, before, after, version)
    VALUES ('Ada Lovelace', 'person', 'ada', 'ada@example.com', 'flag.updated', 'staging', 'banner', '{"enabled": false}', '{"enabled": true}', 5),
           ('Grace Hopper', 'person', 'grace', 'grace@example.com', 'flag.updated', 'staging', 'search', '{"enabled": true}', '{"enabled": false}', 5)`;
  // Times of the test's own choosing: the last events of staging happened a day apart.
  await sql.$executeRaw`UPDATE audit_events SET created_at = '2026-01-01T12:00:00' WHERE actor = 'Ada Lovelace'`;
  await sql.$executeRaw`UPDATE audit_events SET created_at = '2026-01-02T12:00:00' WHERE actor = 'Grace Hopper'`;

  const all = await events('/api/admin/audit?limit=200');
  t.ok(all.length > 15, `${all.length} events in all`);
  t.same(
    all.map((e) => Number(e.id)),
    all.map((e) => Number(e.id)).sort((a, b) => b - a),
    'newest first',
  );
  const ids = (list: Event[]) => list.map((e) => e.id);
  const expect = async (query: string, keep: (e: Event) => boolean, what: string) => {
    const found = await events(`/api/admin/audit?limit=200&${query}`);
    const wanted = all.filter(keep);
    t.ok(wanted.length > 0, `${what}: something to find`);
    t.same(ids(found), ids(wanted), what);
    return found;
  };

  await expect('flagKey=banner', (e) => e.flagKey === 'banner', 'by flag, in every environment');
  await expect(
    'flagKey=banner&environment=staging',
    (e) => e.flagKey === 'banner' && e.environment === 'staging',
    'by flag and environment',
  );
  await expect('actor=ci', (e) => e.actor === 'ci', "by a token's name");
  await expect('actor=ada%40example.com', (e) => e.by.email === 'ada@example.com', "by a person's email");
  await expect('actor=grace', (e) => e.by.subject === 'grace', "by a person's subject");
  await expect('actor=Ada%20Lovelace', (e) => e.actor === 'Ada Lovelace', "by a person's name");
  await expect('action=flag.archived', (e) => e.action === 'flag.archived', 'by an action');
  await expect('action=token.', (e) => e.action.startsWith('token.'), 'by a kind of action');
  await expect('action=segment.', (e) => e.action.startsWith('segment.'), 'segments');
  await expect(
    'from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z',
    (e) => e.actor === 'Ada Lovelace',
    'by time: from is inclusive, to exclusive',
  );
  await expect(
    'from=2026-01-02T12:00:00Z&to=2026-01-03T00:00:00Z',
    (e) => e.actor === 'Grace Hopper',
    'a range that starts at an event',
  );
  await expect(
    'to=2026-06-01T00:00:00%2B02:00',
    (e) => e.by.kind === 'person',
    'up to a time, in any time zone',
  );
  await expect(
    'from=2026-06-01T00:00:00Z',
    (e) => Date.parse(e.createdAt) >= Date.parse('2026-06-01T00:00:00Z'),
    'from a time on',
  );
  await expect(
    'environment=staging&actor=ci&action=flag.updated',
    (e) => e.environment === 'staging' && e.actor === 'ci' && e.action === 'flag.updated',
    'environment, token and action together',
  );
  await expect(
    'flagKey=search&action=flag.&actor=ops',
    (e) => e.flagKey === 'search' && e.action.startsWith('flag.') && e.actor === 'ops',
    'flag, kind and token together',
  );
  await expect(
    'flagKey=banner&actor=ada%40example.com&from=2026-01-01T00:00:00Z&to=2026-01-05T00:00:00Z',
    (e) => e.flagKey === 'banner' && e.by.email === 'ada@example.com',
    'flag, person and time together',
  );
  t.same(await events('/api/admin/audit?actor=nobody'), [], 'nobody: nothing');
  t.same(await events('/api/admin/audit?action=webhook.'), [], 'a kind with no events: nothing');

  const history = await events(
    '/api/admin/flags/banner/history?environment=staging&actor=ops&action=flag.updated',
  );
  t.same(
    ids(history),
    ids(
      all.filter(
        (e) =>
          e.flagKey === 'banner' &&
          e.environment === 'staging' &&
          e.actor === 'ops' &&
          e.action === 'flag.updated',
      ),
    ),
    "a flag's history takes the same filters",
  );

  t.test('paging: every event once, in order, whatever the page size', async (t) => {
    for (const [query, limit] of [
      ['', 3],
      ['environment=staging', 2],
      ['action=flag.&environment=staging', 4],
      ['actor=ci', 1],
    ] as const) {
      const seen: Event[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await get(
          `/api/admin/audit?limit=${limit}&diff=false&${query}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        t.equal(res.statusCode, 200);
        const page = res.json() as { events: Event[]; nextCursor: string | null };
        t.ok(page.events.length <= limit, 'at most limit events');
        seen.push(...page.events);
        cursor = page.nextCursor;
        pages++;
        if (cursor) t.equal(cursor, page.events.at(-1)!.id, 'the cursor is the last id of the page');
      } while (cursor && pages < 100);
      const wanted = (await events(`/api/admin/audit?limit=200&${query}`)).map((e) => e.id);
      t.same(
        ids(seen),
        wanted,
        `${query || 'everything'} by ${limit}: each once, newest first, ${pages} pages`,
      );
      t.equal(new Set(ids(seen)).size, seen.length, 'no event twice');
    }
    const last = await get('/api/admin/audit?environment=staging&limit=200');
    t.equal(last.json().nextCursor, null, 'the last page says so');
  });
});

t.test('bad filters are 400s that say what to send', async (t) => {
  const refused = async (url: string, message: RegExp) => {
    const res = await get(url);
    t.equal(res.statusCode, 400, url);
    t.match(res.json(), { code: 'VALIDATION_ERROR', message }, url);
  };
  await refused(
    '/api/admin/audit?action=flag',
    /action 'flag' is neither an action \(such as flag\.updated\) nor the prefix/,
  );
  await refused('/api/admin/audit?action=FLAG.', /action 'FLAG\.' is neither/);
  await refused('/api/admin/audit?action=flag.%25', /is neither/);
  await refused('/api/admin/flags/banner/history?environment=staging&action=.', /is neither/);
  await refused(
    '/api/admin/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
    /from \(2026-02-01T00:00:00Z\) must be before querystring\.to \(2026-01-01T00:00:00Z\)/,
  );
  await refused('/api/admin/audit?from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', /must be before/);
  await refused(
    '/api/admin/audit?from=2026-12-31T23:59:60Z',
    /from 2026-12-31T23:59:60Z is not a time the audit log/,
  );
  await refused(
    '/api/admin/audit?to=0000-01-01T00:00:00Z',
    /to 0000-01-01T00:00:00Z is not a time the audit log/,
  );
  for (const edge of [
    'from=0001-01-01T00:00:00Z',
    'to=9999-12-31T23:59:59-23:59',
    'from=2026-01-01t00:00:00.123456789z',
  ]) {
    t.equal((await get(`/api/admin/audit?${edge}`)).statusCode, 200, `${edge}: the edges of time are times`);
  }
  await refused('/api/admin/audit?from=yesterday', /querystring\.from must match format "date-time"/);
  await refused('/api/admin/audit?to=2026-01-01', /querystring\.to must match format "date-time"/);
  await refused('/api/admin/audit?limit=201', /limit must be <= 200/);
  await refused('/api/admin/audit?limit=0', /limit must be >= 1/);
  await refused('/api/admin/audit?cursor=abc', /cursor must match pattern/);
  await refused('/api/admin/audit?cursor=99999999999999999999', /cursor must match pattern/);
  await refused('/api/admin/audit?actor=', /actor must NOT have fewer than 1 characters/);
  await refused(`/api/admin/audit?actor=${'x'.repeat(201)}`, /actor must NOT have more than 200 characters/);
  await refused('/api/admin/audit?actor=a%0Ab', /actor must match pattern/);
  await refused('/api/admin/audit?diff=maybe', /diff must be boolean/);
  await refused('/api/admin/audit?person=ada', /unknown field 'person'/);
  await refused('/api/admin/audit?flagKey=Not%20A%20Key', /flagKey must match pattern/);
});
