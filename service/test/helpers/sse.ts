// A small server-sent events client for tests: opens a stream with node:http, parses its frames
// as they arrive, and waits for the ones a test expects.
import { request } from 'node:http';

export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

export interface OpenStream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  events: SseEvent[];
  /** Comments received (heartbeats), counted. */
  comments: () => number;
  /** The next event after the `seen`-th (default: the ones already received), within `ms`. */
  next(ms?: number, seen?: number): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** True once it has ended. */
  closed(): boolean;
  close(): void;
}

export function openStream(url: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const events: SseEvent[] = [];
      let comments = 0;
      let buffer = '';
      const waiters: (() => void)[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = {};
          let fields = 0;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const name = colon === -1 ? line : line.slice(0, colon);
            const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (name === 'id' || name === 'event' || name === 'data') {
              event[name] = value;
              fields += 1;
            }
          }
          if (fields > 0 && event.data !== undefined) events.push(event);
          else comments += 1;
          for (const wake of waiters.splice(0)) wake();
          end = buffer.indexOf('\n\n');
        }
      });
      const ended = new Promise<void>((done) => res.once('close', done));
      resolve({
        status: res.statusCode!,
        headers: res.headers,
        events,
        comments: () => comments,
        async next(ms = 10_000, seen = events.length) {
          const deadline = Date.now() + ms;
          while (events.length <= seen) {
            if (Date.now() > deadline) throw new Error(`no event within ${ms} ms`);
            await Promise.race([
              new Promise<void>((wake) => waiters.push(wake)),
              new Promise((r) => setTimeout(r, 50)),
              ended,
            ]);
            if (res.closed && events.length <= seen) throw new Error('the stream ended without the event');
          }
          return events[seen]!;
        },
        ended,
        closed: () => res.closed,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
