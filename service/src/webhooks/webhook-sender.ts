// Sends one signed delivery: a POST with a time limit, no redirects followed, and at most a
// few hundred bytes of the answer read (for the delivery log when it is not a success).
import type { Attempt } from './webhook-store.ts';

/** How much of a failed answer's body is kept in the delivery log. */
const ERROR_BODY_BYTES = 256;

export interface Outgoing {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export type Send = (request: Outgoing) => Promise<Attempt>;

async function firstBytes(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

const reason = (err: unknown, timeoutMs: number): string => {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (err instanceof Error && err.name === 'AbortError')
    return 'the instance shut down before an answer came';
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
};

/** `stop` ends the sends under way (at shutdown): they count as failed, and are tried again. */
export function createSender(timeoutMs: number, stop?: AbortSignal): Send {
  return async ({ url, body, headers }) => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Flagstone-Webhooks/1', ...headers },
        body,
        redirect: 'manual',
        signal: stop
          ? AbortSignal.any([AbortSignal.timeout(timeoutMs), stop])
          : AbortSignal.timeout(timeoutMs),
      });
      if (res.status >= 200 && res.status < 300) {
        await res.body?.cancel().catch(() => {});
        return { ok: true, status: res.status };
      }
      const text = (await firstBytes(res.body, ERROR_BODY_BYTES).catch(() => '')).trim();
      return { ok: false, status: res.status, error: `HTTP ${res.status}${text ? `: ${text}` : ''}` };
    } catch (err) {
      return { ok: false, error: reason(err, timeoutMs) };
    }
  };
}
