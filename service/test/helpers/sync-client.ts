// A plain grpc-js client of the flagd sync service, loaded from the same protocol file, and of its
// gRPC health service: what a provider in any language does, without a provider's retries.

import { connect } from 'node:http2';
import {
  type ClientReadableStream,
  credentials,
  loadPackageDefinition,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProto } from 'grpc-health-check';
import type { Test } from 'tap';
import { SYNC_PROTO } from '../../src/flagd/sync-server.ts';

const OPTIONS = { keepCase: false, longs: String, enums: String, defaults: true };
type Callback<T> = (err: ServiceError | null, value: T) => void;
interface RawClient {
  syncFlags(request: object, metadata: Metadata): ClientReadableStream<{ flagConfiguration: string }>;
  fetchAllFlags(request: object, metadata: Metadata, done: Callback<{ flagConfiguration: string }>): void;
  getMetadata(request: object, metadata: Metadata, done: Callback<{ metadata: unknown }>): void;
  check(request: { service: string }, done: Callback<{ status: string }>): void;
  watch(request: { service: string }): ClientReadableStream<{ status: string }>;
  close(): void;
}

// biome-ignore lint/suspicious/noExplicitAny: loadPackageDefinition answers an untyped tree
const syncPackage = loadPackageDefinition(loadSync(SYNC_PROTO, OPTIONS)) as any;
// biome-ignore lint/suspicious/noExplicitAny: as above
const healthPackage = loadPackageDefinition(loadSync(healthProto, OPTIONS)) as any;

export interface CallOptions {
  /** Sent as the flagd-selector header. */
  selector?: string;
  /** Sent in the request's deprecated selector field. */
  field?: string;
  /** Sent as "authorization: Bearer <token>". */
  token?: string;
  /** Sent as "x-api-key". */
  apiKey?: string;
}

const metadataOf = ({ selector, token, apiKey }: CallOptions) => {
  const metadata = new Metadata();
  if (selector !== undefined) metadata.set('flagd-selector', selector);
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  if (apiKey !== undefined) metadata.set('x-api-key', apiKey);
  return metadata;
};

/** A SyncFlags stream: the documents it received, and how it ended. */
export interface OpenSync {
  documents: string[];
  /** Resolves with the stream's final status (OK never comes: the server does not end streams well). */
  ended: Promise<{ code: status; details: string }>;
  /** Waits until the stream holds at least `count` documents. */
  next(count: number, timeoutMs?: number): Promise<string>;
  cancel(): void;
}

export function syncClients(t: Test, port: number) {
  const address = `127.0.0.1:${port}`;
  const sync: RawClient = new syncPackage.flagd.sync.v1.FlagSyncService(
    address,
    credentials.createInsecure(),
  );
  const health: RawClient = new healthPackage.grpc.health.v1.Health(address, credentials.createInsecure());
  t.teardown(() => {
    sync.close();
    health.close();
  });

  return {
    stream(options: CallOptions = {}): OpenSync {
      const call = sync.syncFlags({ selector: options.field ?? '' }, metadataOf(options));
      const documents: string[] = [];
      const waiters = new Set<() => void>();
      call.on('data', (message) => {
        documents.push(message.flagConfiguration);
        for (const wake of waiters) wake();
      });
      const ended = new Promise<{ code: status; details: string }>((resolve) => {
        call.on('error', (err: ServiceError) => resolve({ code: err.code, details: err.details }));
        call.on('status', (s) => {
          if (s.code === status.OK) resolve({ code: s.code, details: s.details });
        });
      });
      t.teardown(() => call.cancel());
      return {
        documents,
        ended,
        cancel: () => call.cancel(),
        next(count, timeoutMs = 20_000) {
          return new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => {
              waiters.delete(check);
              reject(new Error(`no document ${count} within ${timeoutMs} ms (got ${documents.length})`));
            }, timeoutMs);
            const check = () => {
              if (documents.length < count) return;
              clearTimeout(timer);
              waiters.delete(check);
              resolve(documents[count - 1]!);
            };
            waiters.add(check);
            check();
            void ended.then((end) => {
              if (documents.length >= count) return;
              clearTimeout(timer);
              waiters.delete(check);
              reject(Object.assign(new Error(`the stream ended: ${status[end.code]} ${end.details}`), end));
            });
          });
        },
      };
    },

    /** FetchAllFlags: the document, or the error it was refused with. */
    fetch(options: CallOptions = {}) {
      return new Promise<{ document?: string; error?: ServiceError }>((resolve) =>
        sync.fetchAllFlags({ selector: options.field ?? '' }, metadataOf(options), (error, value) =>
          resolve(error ? { error } : { document: value.flagConfiguration }),
        ),
      );
    },

    metadata(options: CallOptions = {}) {
      return new Promise<{ metadata?: unknown; error?: ServiceError }>((resolve) =>
        sync.getMetadata({}, metadataOf(options), (error, value) =>
          resolve(error ? { error } : { metadata: value.metadata }),
        ),
      );
    },

    /** The health service's answer for `service`. */
    check(service: string) {
      return new Promise<string>((resolve, reject) =>
        health.check({ service }, (error, value) => (error ? reject(error) : resolve(value.status))),
      );
    },

    /** The health service's statuses for `service`, as they come. */
    watch(service: string) {
      const call = health.watch({ service });
      const statuses: string[] = [];
      call.on('data', (message) => statuses.push(message.status));
      call.on('error', () => {});
      t.teardown(() => call.cancel());
      return { statuses, cancel: () => call.cancel() };
    },
  };
}

const syncDefinition = loadSync(SYNC_PROTO, OPTIONS);
const decodeSync = (
  syncDefinition['flagd.sync.v1.FlagSyncService'] as unknown as {
    SyncFlags: { responseDeserialize(bytes: Buffer): { flagConfiguration: string } };
  }
).SyncFlags.responseDeserialize;

/**
 * A SyncFlags call made frame by frame over HTTP/2, whose reading can be paused: while it is,
 * HTTP/2 flow control holds the server's writes, as a provider that reads slowly would (a gRPC
 * client library keeps reading into its own buffer, so it cannot show this).
 */
export function slowReader(t: Test, port: number, token: string) {
  const session = connect(`http://127.0.0.1:${port}`);
  const call = session.request({
    ':method': 'POST',
    ':path': '/flagd.sync.v1.FlagSyncService/SyncFlags',
    'content-type': 'application/grpc',
    te: 'trailers',
    authorization: `Bearer ${token}`,
  });
  // One message: an empty SyncFlagsRequest (uncompressed, length 0).
  call.end(Buffer.alloc(5));
  const documents: string[] = [];
  let pending = Buffer.alloc(0);
  call.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
      const length = pending.readUInt32BE(1);
      documents.push(decodeSync(pending.subarray(5, 5 + length)).flagConfiguration);
      pending = pending.subarray(5 + length);
    }
  });
  t.teardown(() => {
    call.close();
    session.close();
  });
  return { documents, pause: () => call.pause(), resume: () => call.resume() };
}
