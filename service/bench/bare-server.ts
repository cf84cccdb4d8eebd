// The ceiling: a bare Fastify route returning a fixed ~200-byte JSON document; the POST one
// parses a JSON body first, as an evaluation request does. It holds a nextTick queue entry as the
// service does (src/tick-shape.ts), so the ratio measures Flagstone's own cost.
import '../src/tick-shape.ts';
import Fastify from 'fastify';

const body = {
  key: 'new-checkout',
  environment: 'production',
  enabled: true,
  type: 'boolean',
  defaultValue: true,
  version: 42,
  description: 'a fixed document of about the size of a flag',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const app = Fastify();
app.get('/bare', async () => body);
app.post('/bare', async () => body);
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`listening on ${(app.server.address() as { port: number }).port}`);
