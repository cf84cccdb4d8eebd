// The floor for flagd sync streams: a bare grpc-js server speaking flagd.sync.v1 that holds every
// SyncFlags stream open, sends it the document at once and, on POST /broadcast (HTTP, the new
// document as the body), writes that document to all of them, as Flagstone does on a change.
// Listens for gRPC on SYNC_PORT and for HTTP on PORT.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const definition = protoLoader.loadSync(
  new URL('../proto/flagd/sync/v1/sync.proto', import.meta.url).pathname,
  { includeDirs: [], defaults: true },
);
const proto = grpc.loadPackageDefinition(definition) as unknown as {
  flagd: { sync: { v1: { FlagSyncService: { service: grpc.ServiceDefinition } } } };
};

let document = readFileSync(process.env.BARE_DOCUMENT!, 'utf8');
const streams = new Set<grpc.ServerWritableStream<unknown, unknown>>();
const server = new grpc.Server();
server.addService(proto.flagd.sync.v1.FlagSyncService.service, {
  syncFlags(call: grpc.ServerWritableStream<unknown, unknown>) {
    streams.add(call);
    call.write({ flagConfiguration: document });
    call.on('cancelled', () => streams.delete(call));
  },
  fetchAllFlags(_call: unknown, callback: grpc.sendUnaryData<unknown>) {
    callback(null, { flagConfiguration: document });
  },
  getMetadata(_call: unknown, callback: grpc.sendUnaryData<unknown>) {
    callback(null, {});
  },
});
server.bindAsync(`127.0.0.1:${process.env.SYNC_PORT}`, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) throw err;
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      document = Buffer.concat(chunks).toString('utf8');
      for (const stream of streams) stream.write({ flagConfiguration: document });
      res.end();
    });
  });
  http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    console.log(`listening on ${(http.address() as { port: number }).port}`);
  });
});
