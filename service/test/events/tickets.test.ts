// Event-stream tickets: issued for a token and an environment, verified without a store, refused
// when expired, forged, signed with another key or altered; the same within an hour.
import t from 'tap';
import { createTickets, TICKET_LIFETIME_SECONDS } from '../../src/events/tickets.ts';

const KEY = 'k'.repeat(32);
const claims = { tokenId: '0b9c8f1e-1f7e-4c1a-9a4e-2b1d3c4e5f60', environment: 'production' };

t.test('a ticket verifies to its token and environment', async (t) => {
  const tickets = createTickets(KEY);
  const ticket = tickets.issue(claims);
  t.match(ticket, /^v1~[0-9a-f-]{36}~production~\d+~[A-Za-z0-9_-]{43}$/);
  t.same(tickets.verify(ticket), { ok: true, ...claims });
  t.same(createTickets(KEY).verify(ticket), { ok: true, ...claims }, 'on every instance with the key');
});

t.test('it lasts at least its lifetime, and is the same URL within the hour', async (t) => {
  let now = Date.UTC(2026, 11, 1, 10, 5);
  const tickets = createTickets(KEY, () => now);
  const first = tickets.issue(claims);
  now += 50 * 60_000;
  t.equal(tickets.issue(claims), first, 'the same ticket at 10:55');
  now += 10 * 60_000;
  t.not(tickets.issue(claims), first, 'a new one at 11:05');
  now = Date.UTC(2026, 11, 1, 10, 5) + (TICKET_LIFETIME_SECONDS - 1) * 1000;
  t.same(tickets.verify(first), { ok: true, ...claims }, 'valid for the whole lifetime');
  now = Date.UTC(2026, 11, 1, 11, 0) + TICKET_LIFETIME_SECONDS * 1000;
  t.same(tickets.verify(first), { ok: false, reason: 'has expired' });
});

t.test('forged, altered, foreign and malformed tickets are refused', async (t) => {
  const tickets = createTickets(KEY);
  const ticket = tickets.issue(claims);
  const [version, tokenId, environment, expires, signature] = ticket.split('~') as [
    string,
    string,
    string,
    string,
    string,
  ];
  const cases: [string, string][] = [
    [[version, tokenId, 'staging', expires, signature].join('~'), 'was not signed by this service'],
    [
      [version, '11111111-1f7e-4c1a-9a4e-2b1d3c4e5f60', environment, expires, signature].join('~'),
      'was not signed by this service',
    ],
    [
      [version, tokenId, environment, String(Number(expires) + 3600), signature].join('~'),
      'was not signed by this service',
    ],
    // One character of the signature changed (to another one, whatever it was).
    [
      [
        version,
        tokenId,
        environment,
        expires,
        `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`,
      ].join('~'),
      'was not signed by this service',
    ],
    [[version, tokenId, environment, expires, 'short'].join('~'), 'was not signed by this service'],
    [createTickets('o'.repeat(32)).issue(claims), 'was not signed by this service'],
    ['v2~a~b~1~x', 'is not an event-stream ticket'],
    ['nonsense', 'is not an event-stream ticket'],
    ['', 'is not an event-stream ticket'],
    [`${ticket}~more`, 'is not an event-stream ticket'],
  ];
  for (const [forged, reason] of cases) t.same(tickets.verify(forged), { ok: false, reason }, forged);
});
