// Event-stream tickets: what an event-stream URL carries instead of the API token (a browser's
// EventSource cannot send headers, and URLs end up in logs). A ticket names the token and the
// environment and when it expires, signed with HMAC-SHA256 under a key every instance shares,
// so any instance verifies it without a query. Expiry is rounded up to the hour: the tickets of
// one hour are the same URL, so a provider that fetches again keeps its connection.
import { createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 'v1';
const SEPARATOR = '~'; // in neither token ids (UUIDs) nor environment keys
const HOUR_SECONDS = 3600;
/** How long a ticket lasts at least: long enough for a page left open to reconnect. */
export const TICKET_LIFETIME_SECONDS = 12 * HOUR_SECONDS;

export interface TicketClaims {
  tokenId: string;
  environment: string;
}

export type Verified = ({ ok: true } & TicketClaims) | { ok: false; reason: string };

export function createTickets(key: string, now: () => number = Date.now) {
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  const seconds = () => Math.floor(now() / 1000);

  return {
    /** A ticket for `claims`, valid for at least TICKET_LIFETIME_SECONDS. */
    issue({ tokenId, environment }: TicketClaims): string {
      const expires = Math.ceil(seconds() / HOUR_SECONDS) * HOUR_SECONDS + TICKET_LIFETIME_SECONDS;
      const payload = [VERSION, tokenId, environment, expires].join(SEPARATOR);
      return `${payload}${SEPARATOR}${mac(payload)}`;
    },

    /** The claims of a ticket this service issued that has not expired; else why not. */
    verify(ticket: string): Verified {
      const parts = ticket.split(SEPARATOR);
      if (parts.length !== 5 || parts[0] !== VERSION)
        return { ok: false, reason: 'is not an event-stream ticket' };
      const [, tokenId, environment, expiresText, signature] = parts as [
        string,
        string,
        string,
        string,
        string,
      ];
      const expected = Buffer.from(mac(parts.slice(0, 4).join(SEPARATOR)));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { ok: false, reason: 'was not signed by this service' };
      }
      if (!(Number(expiresText) > seconds())) return { ok: false, reason: 'has expired' };
      return { ok: true, tokenId, environment };
    },
  };
}

export type Tickets = ReturnType<typeof createTickets>;
