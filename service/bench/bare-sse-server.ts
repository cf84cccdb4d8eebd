// The floor for event streams: a bare Node HTTP server that holds every GET open as an event
// stream and, on POST /broadcast, writes one event to all of them, as Flagstone does on a change.
import { createServer, type ServerResponse } from 'node:http';

const streams = new Set<ServerResponse>();
const server = createServer((req, res) => {
  if (req.method === 'POST') {
    const frame = `id: 1\nevent: message\ndata: {"type":"refetchEvaluation","etag":"\\"bare-1\\""}\n\n`;
    for (const stream of streams) stream.write(frame);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.write('retry: 1000\n\n');
  streams.add(res);
  res.once('close', () => streams.delete(res));
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on ${(server.address() as { port: number }).port}`);
});
