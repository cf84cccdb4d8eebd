// A webhook receiver for tests: a node:http server on a loopback port that records what it is
// sent, verifies each signature the way the README tells receivers to, and can be closed and
// opened again on the same port, or told to answer with an error or not at all.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether the Flagstone-Signature header verified with the secret. */
  verified: boolean;
  /** The status it was answered with; null: held unanswered. */
  status: number | null;
}

/** The documented check: HMAC-SHA256(secret, `${t}.${body}`), hex, compared in constant time. */
export function verifySignature(secret: string, header: string | undefined, body: string): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=') as [string, string]));
  const t = parts.t;
  const v1 = parts.v1;
  if (!t || !v1) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return v1.length === expected.length && timingSafeEqual(Buffer.from(v1), Buffer.from(expected));
}

export async function startReceiver(t: Test, secret = () => '') {
  const received: Received[] = [];
  const held = new Set<ServerResponse>();
  let server: Server | undefined;
  let port = 0;
  /** `status` answers every request, unless `answer` picks one for its body. */
  const state: { status: number; hold: boolean; answer?: (body: string) => number } = {
    status: 200,
    hold: false,
  };

  const open = async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = state.answer?.(body) ?? state.status;
        const entry: Received = {
          headers: req.headers,
          body,
          verified: verifySignature(secret(), req.headers['flagstone-signature'] as string, body),
          status: state.hold ? null : status,
        };
        received.push(entry);
        if (state.hold) {
          held.add(res);
          return;
        }
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
      });
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  };

  const close = async () => {
    if (!server) return;
    for (const res of held) res.destroy();
    held.clear();
    server.closeAllConnections();
    const closed = once(server, 'close');
    server.close();
    await closed;
    server = undefined;
  };

  await open();
  t.teardown(close);
  return {
    received,
    state,
    get url() {
      return `http://127.0.0.1:${port}/hook`;
    },
    /** What was answered 2xx, as parsed JSON bodies. */
    delivered: () =>
      received.filter((r) => r.status !== null && r.status < 300).map((r) => JSON.parse(r.body)),
    /** How many requests repeated a delivery id the receiver had already accepted (2xx). */
    duplicates: () => {
      const seen = new Set<string>();
      let repeats = 0;
      for (const r of received) {
        const id = r.headers['flagstone-delivery'] as string;
        if (seen.has(id)) repeats += 1;
        if (r.status !== null && r.status < 300) seen.add(id);
      }
      return repeats;
    },
    close,
    open,
  };
}
