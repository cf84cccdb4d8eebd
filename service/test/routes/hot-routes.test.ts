// The seam between Fastify and the fast path: hot routes say so in their config, the app does
// not start when one carries a hook the fast path does not do, and the server factory builds the
// server Fastify itself would build from the same options.
import Fastify, { type FastifyPluginAsync, type onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import t from 'tap';
import { serverFactory } from '../../src/app.ts';
import { HotRouteError, reproduced, routeTable } from '../../src/routes/hot-routes.ts';
import { buildTestApp } from '../helpers/app.ts';

const everywhere = (plugin: FastifyPluginAsync) => fp(plugin);

t.test(
  'a hook on every route that the fast path does not do: the app refuses to start, naming it',
  async (t) => {
    const tracing = everywhere(async (app) => {
      app.addHook('onRequest', function tracing(_request, _reply, done) {
        done();
      });
    });
    await t.rejects(buildTestApp(t, { plugins: [tracing] }), {
      name: 'Error',
      message:
        /^The hot route (GET \/api\/config\/flags\/:flagKey|POST \/ofrep\/v1\/evaluate\/flags\/:key) carries the onRequest hook 'tracing', which the fast path does not do.*reproduced\(\), or take 'hot' off the route\.$/,
    });
    const anonymousHeaders = everywhere(async (app) => {
      app.addHook('onSend', async (_request, reply) => {
        reply.header('x-frame-options', 'DENY');
      });
    });
    await t.rejects(buildTestApp(t, { plugins: [anonymousHeaders] }), /carries the onSend hook 'anonymous'/);
    const cors = everywhere(async (app) => {
      app.addHook('onRoute', (route) => {
        route.preHandler = [
          async function cors() {
            return undefined;
          },
        ];
      });
    });
    await t.rejects(buildTestApp(t, { plugins: [cors] }), /carries the preHandler hook 'cors'/);
  },
);

t.test('a hook marked as reproduced by the fast path is allowed, and the app serves', async (t) => {
  const stamped = everywhere(async (app) => {
    app.addHook(
      'onRequest',
      reproduced('nothing, in this test', ((_request, _reply, done) => done()) as onRequestHookHandler),
    );
  });
  const { app } = await buildTestApp(t, { plugins: [stamped] });
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200);
  const routes = app.printRoutes({ includeHooks: true, commonPrefix: false });
  t.match(
    routes,
    /\(onRequest\) \[.*"reproduced by the fast path: read token\(\)"/,
    'printRoutes still shows every hook',
  );
});

t.test('hot routes: one per kind, ending in one parameter', async (t) => {
  const check = async (declare: (app: ReturnType<typeof Fastify>) => void) => {
    const routes = routeTable();
    const app = Fastify({ routerOptions: { ...({ buildPrettyMeta: routes.buildPrettyMeta } as object) } });
    declare(app);
    await app.ready();
    try {
      return routes.hotRoutes(app);
    } finally {
      await app.close();
    }
  };
  const handler = async () => ({});
  t.same(
    await check((app) => {
      app.get('/a/:key', { config: { hot: 'read' } }, handler);
      app.post('/b/c/:id', { config: { hot: 'evaluation' } }, handler);
      app.get('/cold/:key', handler);
    }),
    [
      { kind: 'read', method: 'GET', url: '/a/:key', prefix: '/a/' },
      { kind: 'evaluation', method: 'POST', url: '/b/c/:id', prefix: '/b/c/' },
    ],
    'the HEAD route Fastify adds for a GET is not served',
  );
  await t.rejects(
    check((app) => app.get('/a/:key/more', { config: { hot: 'read' } }, handler)),
    new HotRouteError('The hot route GET /a/:key/more must be a path ending in one parameter.'),
  );
  await t.rejects(
    check((app) => {
      app.get('/a/:key', { config: { hot: 'read' } }, handler);
      app.get('/b/:key', { config: { hot: 'read' } }, handler);
    }),
    new HotRouteError("Two routes are hot for 'read'; the fast path serves one."),
  );
});

t.test('the server factory makes the server Fastify would make from the same options', async (t) => {
  const options = {
    http: { headersTimeout: 4321, maxHeaderSize: 8192, requestTimeout: 0 },
    keepAliveTimeout: 6543,
    requestTimeout: 7654,
    connectionTimeout: 8765,
    maxRequestsPerSocket: 3,
  };
  const own = Fastify(options);
  const ours = Fastify({ ...options, serverFactory: serverFactory((req, res, route) => route(req, res)) });
  await Promise.all([own.ready(), ours.ready()]);
  t.teardown(() => Promise.all([own.close(), ours.close()]));
  const view = ({ server }: typeof own) => ({
    keepAliveTimeout: server.keepAliveTimeout,
    requestTimeout: server.requestTimeout,
    headersTimeout: server.headersTimeout,
    timeout: server.timeout,
    maxRequestsPerSocket: server.maxRequestsPerSocket,
    maxHeaderSize: (server as unknown as { maxHeaderSize: number }).maxHeaderSize,
  });
  t.same(view(ours), view(own));
  t.same(view(ours), {
    keepAliveTimeout: 6543,
    requestTimeout: 7654,
    headersTimeout: 4321,
    timeout: 8765,
    maxRequestsPerSocket: 3,
    maxHeaderSize: 8192,
  });
  t.throws(
    () =>
      Fastify({ http2: true, serverFactory: serverFactory((req, res, route) => route(req, res)) } as never),
    /plain HTTP\/1/,
  );
});

t.test('the app passes its own timeouts to the server', async (t) => {
  const { app, config } = await buildTestApp(t, {
    env: { HEADERS_TIMEOUT_MS: '2500', REQUEST_TIMEOUT_MS: '9000' },
  });
  t.equal(app.server.headersTimeout, 2500);
  t.equal(app.server.requestTimeout, 9000);
  t.equal(config.REQUEST_TIMEOUT_MS, 9000);
});
