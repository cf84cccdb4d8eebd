// The flagd sync streams (SyncFlags) this instance holds open: per environment, the calls of the
// providers following it. Each gets the whole document when it opens and again whenever the
// environment's snapshot moves to a newer revision, however this instance learned of it. Writes
// are coalesced: a stream has at most one document in flight, and when revisions arrive while it
// is being written, only the latest is written next, so a slow provider costs one pending
// document, never a queue. The document is encoded once per revision and the same bytes go to
// every stream. Streams end with a status providers act on: UNAUTHENTICATED when their token is
// revoked, UNAVAILABLE at shutdown (they reconnect, to another instance).
import { type ServerWritableStream, status } from '@grpc/grpc-js';
import type { Metrics } from '../metrics.ts';

/** A revision's document, encoded as the sync responses carry it. */
export interface EncodedDocument {
  revision: number;
  bytes: Buffer;
}

/** A gRPC status to end a call with. */
export interface CallStatus {
  code: status;
  details: string;
}

/** A SyncFlags call: it is written the encoded response bytes. */
export type SyncCall = ServerWritableStream<unknown, Buffer>;

interface Stream {
  call: SyncCall;
  environment: string;
  /** The token it was opened with; undefined on an environment served without one. */
  tokenId: string | undefined;
  /** The revision last written. */
  sent: number;
  writing: boolean;
  /** A newer revision arrived while a document was being written. */
  behind: boolean;
  ended: boolean;
}

export interface SyncStreamsDeps {
  /** The streams one instance keeps open. */
  maxStreams: number;
  /** The environment's document now, encoded once per revision. */
  document(environment: string): Promise<EncodedDocument>;
  metrics: Pick<Metrics, 'syncStreams' | 'syncDocumentsSent' | 'syncBroadcastDuration' | 'syncRefused'>;
  /** Told when a document could not be had for an open stream (the stream ends UNAVAILABLE). */
  onError(err: unknown, environment: string): void;
}

export const SHUTTING_DOWN: CallStatus = {
  code: status.UNAVAILABLE,
  details:
    'This Flagstone instance is shutting down. Reconnect: another instance will serve the sync stream.',
};

export function createSyncStreams({ maxStreams, document, metrics, onError }: SyncStreamsDeps) {
  const byEnvironment = new Map<string, Set<Stream>>();
  let open = 0;
  let closed = false;
  const sentToStreams = metrics.syncDocumentsSent.labels({ rpc: 'SyncFlags' });

  function remove(stream: Stream) {
    if (stream.ended) return;
    stream.ended = true;
    const streams = byEnvironment.get(stream.environment);
    streams?.delete(stream);
    if (streams?.size === 0) byEnvironment.delete(stream.environment);
    open -= 1;
    metrics.syncStreams.set(open);
  }

  /** Ends the call with `end` (a status the provider sees), once. */
  function end(stream: Stream, end: CallStatus, reason: string) {
    if (stream.ended) return;
    remove(stream);
    metrics.syncRefused.inc({ reason });
    stream.call.emit('error', end);
  }

  function write(stream: Stream, encoded: EncodedDocument) {
    if (stream.ended || encoded.revision <= stream.sent) return;
    stream.writing = true;
    stream.behind = false;
    stream.sent = encoded.revision;
    sentToStreams.inc();
    // Called once the bytes are handed on to the connection; never for a cancelled call.
    stream.call.write(encoded.bytes, () => {
      stream.writing = false;
      if (stream.behind) void catchUp(stream);
    });
  }

  /** Writes the environment's current document to `stream`, unless one is in flight (then after it). */
  async function catchUp(stream: Stream) {
    if (stream.writing) {
      stream.behind = true;
      return;
    }
    stream.writing = true;
    try {
      const encoded = await document(stream.environment);
      stream.writing = false;
      write(stream, encoded);
    } catch (err) {
      stream.writing = false;
      onError(err, stream.environment);
      end(
        stream,
        {
          code: status.UNAVAILABLE,
          details: 'The flag database cannot be reached. Reconnect in a few seconds.',
        },
        'unavailable',
      );
    }
  }

  return {
    /**
     * Starts following `environment` on `call` and writes its document; or answers why not: this
     * instance holds all the streams it may, or is shutting down.
     */
    open(call: SyncCall, environment: string, tokenId: string | undefined): CallStatus | undefined {
      if (closed) {
        metrics.syncRefused.inc({ reason: 'shutting_down' });
        return SHUTTING_DOWN;
      }
      if (open >= maxStreams) {
        metrics.syncRefused.inc({ reason: 'streams_full' });
        return {
          code: status.RESOURCE_EXHAUSTED,
          details: `This Flagstone instance already holds its ${maxStreams} sync streams (SYNC_MAX_STREAMS). Reconnect in a few seconds: another instance may take it, or raise SYNC_MAX_STREAMS.`,
        };
      }
      const stream: Stream = {
        call,
        environment,
        tokenId,
        sent: -1,
        writing: false,
        behind: false,
        ended: false,
      };
      const streams = byEnvironment.get(environment) ?? new Set<Stream>();
      byEnvironment.set(environment, streams);
      streams.add(stream);
      open += 1;
      metrics.syncStreams.set(open);
      call.once('cancelled', () => remove(stream));
      call.once('close', () => remove(stream));
      void catchUp(stream);
      return undefined;
    },

    /** The environment's snapshot reached a newer revision: every stream following it gets it. */
    async advanced(environment: string, revision: number) {
      const streams = byEnvironment.get(environment);
      if (!streams) return;
      const started = performance.now();
      let encoded: EncodedDocument;
      try {
        encoded = await document(environment);
      } catch (err) {
        onError(err, environment);
        return;
      }
      if (encoded.revision < revision) return;
      for (const stream of streams) {
        if (stream.writing) stream.behind = true;
        else write(stream, encoded);
      }
      metrics.syncBroadcastDuration.observe((performance.now() - started) / 1000);
    },

    /** Ends the streams of token `id`: it was revoked, here or elsewhere. */
    endToken(id: string) {
      for (const streams of byEnvironment.values()) {
        for (const stream of streams) {
          if (stream.tokenId !== id) continue;
          end(
            stream,
            {
              code: status.UNAUTHENTICATED,
              details: 'The API token of this sync stream was revoked. Ask an admin for a new read token.',
            },
            'revoked',
          );
        }
      }
    },

    /** Ends every stream (shutdown) and refuses new ones: providers reconnect, to another instance. */
    endAll() {
      closed = true;
      for (const streams of [...byEnvironment.values()]) {
        for (const stream of [...streams]) end(stream, SHUTTING_DOWN, 'shutting_down');
      }
    },

    get size() {
      return open;
    },
  };
}

export type SyncStreams = ReturnType<typeof createSyncStreams>;
