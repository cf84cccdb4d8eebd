// The event streams this instance holds open (GET /ofrep/v1/events, OFREP ADR-0008): per
// environment, the responses of the clients following it. When a snapshot moves to a newer
// revision, however this instance learned of it, each stream of that environment gets one
// `refetchEvaluation` event whose id is the revision. A comment every heartbeat keeps idle
// proxies from closing them. Written by hand rather than through an SSE library: the frames are
// three lines, and a stream should cost little more than its socket (service/bench/README.md).
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { errors } from '../errors.ts';
import type { Touched } from '../flags/snapshots.ts';
import type { Metrics } from '../metrics.ts';
import { quoted } from '../routes/http.ts';

const RECONNECT_MS = 1000;

/** OFREP clients' streams, or the admin API's (the web UI's), which have a reserve of their own. */
export type StreamKind = 'ofrep' | 'admin';

interface Stream {
  kind: StreamKind;
  res: ServerResponse;
  tokenId: string;
  /** The id of the web UI session it was opened with, if any. */
  session: string | undefined;
}

export interface EventStreamsDeps {
  /** The streams one instance keeps open, admin streams aside. */
  maxStreams: number;
  /** How many more only admin streams may take, so OFREP clients cannot lock the web UI out. */
  adminReserve: number;
  /** The streams of one kind one client address may hold here. */
  maxPerClient: number;
  heartbeatMs: number;
  metrics: Pick<Metrics, 'eventStreams' | 'eventsSent' | 'eventBroadcastDuration' | 'eventStreamsRefused'>;
}

/** What a client asks to follow, and where it has got to. */
export interface Follow {
  kind: StreamKind;
  /** The client's address (the one the trusted proxies name). */
  client: string;
  environment: string;
  tokenId: string;
  /** The environment's revision now. */
  revision: number;
  /** The id of the web UI session following it, ended at sign-out. */
  session?: string;
}

/** The ETag an event names: the revision's, as the list's ETag is (`"development-42"`). */
export const revisionETag = (environment: string, revision: number) => quoted(`${environment}-${revision}`);

/** The revision a client last saw, from its Last-Event-ID; undefined when it sent none we issued. */
function lastSeen(req: IncomingMessage): number | undefined {
  const header = req.headers['last-event-id'];
  return typeof header === 'string' && /^\d{1,15}$/.test(header) ? Number(header) : undefined;
}

/**
 * The event of one revision. The admin stream's (the web UI's) also says what changed:
 * `changes`, the flags and segments the revision wrote, or null when that is not known (a
 * catch-up, a batch, a reconnect): then anything may have changed. OFREP frames stay as ADR-0008
 * has them.
 */
const frame = (kind: StreamKind, environment: string, revision: number, touched: Touched) =>
  `id: ${revision}\nevent: message\ndata: ${JSON.stringify({
    type: 'refetchEvaluation',
    etag: revisionETag(environment, revision),
    lastModified: Math.floor(Date.now() / 1000),
    ...(kind === 'admin' && { changes: touched }),
  })}\n\n`;

export function createEventStreams({
  maxStreams,
  adminReserve,
  maxPerClient,
  heartbeatMs,
  metrics,
}: EventStreamsDeps) {
  const byEnvironment = new Map<string, Set<Stream>>();
  // Open streams per kind and client address: a browser's read token is shared by every visitor
  // of a web app, so the token is no unit to limit by.
  const byClient = new Map<string, number>();
  let open = 0;
  // Set at shutdown: a stream still opening then (its request arrived before) would keep the
  // server from closing.
  let closed = false;

  function every(work: (stream: Stream) => void) {
    for (const streams of byEnvironment.values()) for (const stream of streams) work(stream);
  }
  const heartbeat = setInterval(() => every(({ res }) => res.write(':\n\n')), heartbeatMs).unref();

  /** Why this instance may not hold another stream of `kind` from `clientKey` (counted); else undefined. */
  function refusal(kind: StreamKind, clientKey: string) {
    if ((byClient.get(clientKey) ?? 0) >= maxPerClient) {
      metrics.eventStreamsRefused.inc({ reason: 'client' });
      return errors.clientStreamsFull(maxPerClient);
    }
    const limit = kind === 'admin' ? maxStreams + adminReserve : maxStreams;
    if (open >= limit) {
      metrics.eventStreamsRefused.inc({ reason: 'instance' });
      return errors.streamsFull(limit, kind === 'admin');
    }
    return undefined;
  }

  return {
    /**
     * Starts the stream on `res` (headers are `headers` plus the event-stream ones), or throws
     * the refusal when this instance holds all the streams it may, or all the client may, or is
     * shutting down. A client
     * that saw an older revision (Last-Event-ID) gets one event at once.
     */
    open(
      req: IncomingMessage,
      res: ServerResponse,
      { kind, client, environment, tokenId, revision, session }: Follow,
      headers: OutgoingHttpHeaders,
    ) {
      if (closed) {
        // The server waits for this connection to close before it can stop.
        res.setHeader('connection', 'close');
        throw errors.shuttingDown();
      }
      const clientKey = `${kind} ${client}`;
      const refused = refusal(kind, clientKey);
      if (refused) throw refused;
      res.writeHead(200, {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
      });
      req.socket.setNoDelay(true);
      const seen = lastSeen(req);
      // A client whose stream ends (this instance stopping) reconnects after a second.
      res.write(`retry: ${RECONNECT_MS}\n\n`);
      if (seen !== undefined && seen < revision) res.write(frame(kind, environment, revision, null));
      const streams = byEnvironment.get(environment) ?? new Set<Stream>();
      byEnvironment.set(environment, streams);
      const stream = { kind, res, tokenId, session };
      streams.add(stream);
      byClient.set(clientKey, (byClient.get(clientKey) ?? 0) + 1);
      open += 1;
      metrics.eventStreams.set(open);
      res.once('close', () => {
        streams.delete(stream);
        if (streams.size === 0 && byEnvironment.get(environment) === streams)
          byEnvironment.delete(environment);
        const held = byClient.get(clientKey)! - 1;
        if (held === 0) byClient.delete(clientKey);
        else byClient.set(clientKey, held);
        open -= 1;
        metrics.eventStreams.set(open);
      });
    },

    /**
     * The environment's snapshot reached `revision`, changing `touched`: every stream following
     * it is told. Each kind's frame is made once, when a stream of that kind is there.
     */
    advanced(environment: string, revision: number, touched: Touched = null) {
      const streams = byEnvironment.get(environment);
      if (!streams) return;
      const started = performance.now();
      const text: Partial<Record<StreamKind, string>> = {};
      for (const { kind, res } of streams) {
        text[kind] ??= frame(kind, environment, revision, touched);
        res.write(text[kind]);
      }
      metrics.eventsSent.inc(streams.size);
      metrics.eventBroadcastDuration.observe((performance.now() - started) / 1000);
    },

    /** Ends the streams of token `id` (it was revoked, here or elsewhere). */
    endToken(id: string) {
      every((stream) => stream.tokenId === id && stream.res.end());
    },

    /** Ends the streams of the web UI session `id` (it signed out, here or elsewhere). */
    endSession(id: string) {
      every((stream) => stream.session === id && stream.res.end());
    },

    /** Ends every stream (shutdown): clients reconnect, to another instance. */
    endAll() {
      closed = true;
      clearInterval(heartbeat);
      every(({ res }) => res.end());
    },

    get size() {
      return open;
    },
  };
}

export type EventStreams = ReturnType<typeof createEventStreams>;
