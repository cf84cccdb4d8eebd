// The parts of webhooks that need no database: sealed secrets, signatures, what a webhook wants,
// and the words a change is summarized in.
import t from 'tap';
import type { StoredAuditEvent } from '../../src/flags/flag-schemas.ts';
import { describe, slackBody } from '../../src/webhooks/webhook-payloads.ts';
import { createSecretBox, newSecret, signature } from '../../src/webhooks/webhook-secrets.ts';
import { backoff, wants } from '../../src/webhooks/webhook-service.ts';
import { verifySignature } from '../helpers/receiver.ts';

t.test('a secret sealed under a key opens under that key only', async (t) => {
  const secret = newSecret();
  const box = createSecretBox('a-key-of-at-least-thirty-two-characters');
  const sealed = box.seal(secret);
  t.match(sealed, /^v1:/);
  t.notOk(sealed.includes(secret.slice(6)));
  t.not(box.seal(secret), sealed, 'a fresh nonce each time');
  t.equal(box.open(sealed), secret);
  t.throws(() => createSecretBox('another-key-of-at-least-thirty-two-chars').open(sealed), /another key/);
  t.throws(() => createSecretBox(undefined).open(sealed), /key this instance does not have/);
  const plain = createSecretBox(undefined);
  t.equal(plain.encrypts, false);
  t.equal(plain.open(plain.seal(secret)), secret);
  t.equal(box.open(plain.seal(secret)), secret, 'a secret kept as is still opens once a key is set');
});

t.test(
  'the signature is HMAC-SHA256 of "<t>.<body>", as the README shows receivers to check it',
  async (t) => {
    const header = signature('whsec_test', 1_800_000_000, '{"a":1}');
    t.match(header, /^t=1800000000,v1=[0-9a-f]{64}$/);
    t.ok(verifySignature('whsec_test', header, '{"a":1}'));
    t.notOk(verifySignature('whsec_test', header, '{"a":2}'), 'another body');
    t.notOk(verifySignature('whsec_other', header, '{"a":1}'), 'another secret');
    t.notOk(
      verifySignature('whsec_test', header.replace('t=1800000000', 't=1800000001'), '{"a":1}'),
      'another time',
    );
  },
);

t.test('kinds: an action, a kind of change, or everything', async (t) => {
  t.ok(wants(['*'], 'segment.deleted'));
  t.ok(wants(['flag.*'], 'flag.updated'));
  t.notOk(wants(['flag.*'], 'segment.updated'));
  t.ok(wants(['flag.archived', 'segment.*'], 'flag.archived'));
  t.notOk(wants(['flag.archived'], 'flag.restored'));
  t.notOk(wants(['flag.*'], 'flagd.updated'));
});

t.test("a line names the person and the flag, and the change in the audit log's words", async (t) => {
  const event = (action: string, extra: Partial<StoredAuditEvent> = {}): StoredAuditEvent => ({
    id: '1',
    createdAt: '2026-12-08T00:00:00.000Z',
    actor: 'Ada Lovelace',
    by: { kind: 'person', name: 'Ada Lovelace' },
    action,
    environment: 'production',
    flagKey: action.startsWith('flag') ? 'new-checkout' : null,
    segmentKey: action.startsWith('segment') ? 'beta' : null,
    before: null,
    after: null,
    version: 1,
    revision: 1,
    ...extra,
  });
  t.equal(
    describe(event('flag.updated', { before: { enabled: false }, after: { enabled: true } })),
    'Ada Lovelace, flag `new-checkout`: turned on in production',
  );
  t.equal(
    describe(event('flag.updated', { before: { enabled: true }, after: { enabled: false } })),
    'Ada Lovelace, flag `new-checkout`: turned off in production',
  );
  t.equal(describe(event('flag.archived')), 'Ada Lovelace, flag `new-checkout`: archived in production');
  t.equal(describe(event('segment.deleted')), "Ada Lovelace: deleted segment 'beta'");
  t.match(JSON.parse(slackBody(event('flag.created', { by: { kind: 'token', name: '<ci> & co' } }))), {
    text: /^&lt;ci&gt; &amp; co, flag `new-checkout`: created in production/,
  });
});

t.test('backoff doubles from 1 s up to the cap, with jitter of up to half', async (t) => {
  t.same(
    [1, 2, 3, 4, 5, 10, 50].map((n) => backoff(n, 1000, 300_000, 0.999_999)),
    [1000, 2000, 4000, 8000, 16000, 300_000, 300_000],
  );
  t.same(
    [1, 2, 10].map((n) => backoff(n, 1000, 300_000, 0)),
    [500, 1000, 150_000],
    'at least half of it',
  );
  t.equal(backoff(3, 1000, 2500, 0.999_999), 2500, 'a lower cap');
});
