// The fast path and the routes over odd inputs: each request goes through inject() (always the
// route) and over HTTP to a warm instance (the fast path wherever it answers), and the two must
// give the same status, headers and body. Encodings, duplicate and escaped keys, byte-order
// marks, charsets, depth limits, odd bodies, odd credentials and origins (CORS on).
import t from 'tap';
import { MAX_DEPTH } from '../../src/storable.ts';
import { bearer, buildTestApp, createFlag, mintToken, routedCounter } from '../helpers/app.ts';
import { bothTransports } from '../helpers/both-transports.ts';

// Counts the answers Fastify gives; the rest of the HTTP answers came from the fast path.
const { plugin: counting, routed } = routedCounter();
const { app } = await buildTestApp(t, {
  plugins: [counting],
  env: { CORS_ORIGINS: 'https://app.example.com' },
});
await createFlag(app, {
  key: 'checkout.v2',
  type: 'string',
  variants: { a: 'A', b: 'B' },
  defaultVariant: 'a',
  enabled: true,
  rules: [{ conditions: [{ attribute: 'country', operator: 'equals', value: 'NL' }], variant: 'b' }],
});
await createFlag(app, { key: 'staged', environment: 'staging', type: 'boolean', defaultValue: true });
const { token } = await mintToken(app, { name: 'reader', scope: 'read' });
const limited = await mintToken(app, { name: 'staging-only', scope: 'read', environment: 'staging' });
const both = await bothTransports(t, app);
let sent = 0;
const send: typeof both = (options) => {
  sent += 1;
  return both(options);
};
/** How many of the requests `run` sends over HTTP the fast path answered. */
async function answeredFast(run: () => Promise<void>) {
  const [sentBefore, routedBefore] = [sent, routed()];
  await run();
  const requests = sent - sentBefore;
  return 2 * requests - (routed() - routedBefore);
}
const auth = bearer(token);

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

t.test('flag reads: paths, queries and credentials', async (t) => {
  const fast = await answeredFast(async () => {
    const paths = [
      '/api/config/flags/checkout.v2',
      '/api/config/flags/checkout%2Ev2',
      '/api/config/flags/%63heckout.v2',
      '/api/config/flags/CHECKOUT.V2',
      '/api/config/flags/checkout.v2/',
      '/api/config/flags//checkout.v2',
      '/api/config/flags/',
      '/api/config/flags/checkout.v2?',
      '/api/config/flags/checkout.v2?environment=development',
      '/api/config/flags/checkout.v2?environment=%64evelopment',
      '/api/config/flags/checkout.v2?environment=',
      '/api/config/flags/checkout.v2?environment=development&environment=staging',
      '/api/config/flags/checkout.v2?environment=development&x=1',
      '/api/config/flags/checkout.v2?Environment=development',
      '/api/config/flags/checkout.v2?environment=moon',
      '/api/config/flags/checkout.v2#fragment',
      '/api/config/flags/staged?environment=staging',
      `/api/config/flags/${'k'.repeat(128)}`,
      `/api/config/flags/${'k'.repeat(129)}`,
      '/api/config/flags/%E2%9C%93',
      '/api/config/flags/%',
    ];
    for (const url of paths) await send({ url, headers: auth });
    const credentials: Record<string, string>[] = [
      { authorization: `bearer ${token}` },
      { authorization: `Bearer  ${token}` },
      { authorization: `Bearer ${token} ` },
      { authorization: `Bearer\t${token}` },
      { authorization: `Bearer ${token}x` },
      { authorization: 'Bearer ' },
      { authorization: `Basic ${token}` },
      { 'x-api-key': token },
      { 'x-api-key': '' },
      { 'x-api-key': token, authorization: 'Bearer fs_wrong' },
      { 'x-api-key': 'fs_wrong', authorization: `Bearer ${token}` },
      bearer(limited.token),
      { ...auth, origin: 'https://app.example.com' },
      { ...auth, origin: 'https://evil.example.com' },
      { ...auth, origin: 'HTTPS://APP.EXAMPLE.COM' },
      { ...auth, origin: '' },
    ];
    for (const headers of credentials) {
      await send({ url: '/api/config/flags/checkout.v2', headers });
      await send({ url: '/api/config/flags/staged', headers });
    }
    await send({ url: '/api/config/flags/checkout.v2', headers: { ...auth, 'if-none-match': '"1"' } });
    await send({ url: '/api/config/flags/checkout.v2', headers: { ...auth, 'content-length': '0' } });
  });
  t.comment(`${fast} of them answered by the fast path`);
  t.ok(fast >= 10, 'the fast path answered the plain ones');
});

t.test('OFREP evaluations: bodies, keys, encodings and charsets', async (t) => {
  const evaluate = (
    payload: string,
    headers: Record<string, string> = {},
    url = '/ofrep/v1/evaluate/flags/checkout.v2',
  ) =>
    send({
      method: 'POST',
      url,
      headers: { ...auth, 'content-type': 'application/json', ...headers },
      payload,
    });
  const fast = await answeredFast(async () => {
    const bodies = [
      '{"context":{"targetingKey":"u1","country":"NL"}}',
      '{"context":{"country":"NL","country":"DE"}}',
      '{"context":{"country":"DE"},"context":{"country":"NL"}}',
      '{"\\u0063ontext":{"\\u0063ountry":"NL"}}',
      '{"context":{"__proto__":{"country":"NL"}}}',
      '{"context":{"\\u005f_proto__":{"country":"NL"}}}',
      '{"context":{"constructor":{"prototype":{"country":"NL"}}}}',
      '{"context":{"c\\u006fnstructor":{"prototype":{}}}}',
      '{"__proto__":{}}',
      '\uFEFF{"context":{"country":"NL"}}',
      '  \n\t{"context" : { "country" : "NL" } }  \n',
      '{"context":{"country":"NL"}} x',
      '{"context":{"country":"NL"}',
      '{"context":{"country":"\\ud800"}}',
      '{"context":{"country":"N\\u0000L"}}',
      '{"context":{"country":"NL","n":1e400}}',
      '{"context":{"country":"😀"}}',
      '{"context":{"targetingKey":123}}',
      '{"context":null}',
      '{"context":[]}',
      '{"context":"NL"}',
      '{"ctx":{}}',
      '{}',
      'null',
      '[]',
      '"context"',
      '123',
      'true',
      '',
      `{"context":${nested(MAX_DEPTH - 2)}}`,
      `{"context":${nested(MAX_DEPTH - 1)}}`,
      `{"context":${nested(MAX_DEPTH)}}`,
      `{"context":{"list":${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}}}`,
      `{"context":{"targetingKey":"u1","pad":"${'x'.repeat(20_000)}"}}`,
    ];
    for (const body of bodies) await evaluate(body);
    const types = [
      'application/json; charset=utf-8',
      'application/json; charset=UTF-8',
      'application/json;charset=utf-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'APPLICATION/JSON',
      'Application/Json; Charset=UTF-8',
      'application/json ',
      'application/vnd.api+json',
      'application/problem+json',
      'text/json',
      'text/plain',
      'application/x-www-form-urlencoded',
    ];
    for (const type of types) await evaluate('{"context":{"country":"NL"}}', { 'content-type': type });
    const keys = [
      '/ofrep/v1/evaluate/flags/checkout%2Ev2',
      '/ofrep/v1/evaluate/flags/CHECKOUT.V2',
      '/ofrep/v1/evaluate/flags/nope',
      '/ofrep/v1/evaluate/flags/not%20a%20key',
      '/ofrep/v1/evaluate/flags/checkout.v2?environment=development',
      '/ofrep/v1/evaluate/flags/checkout.v2?environment=%64evelopment',
      '/ofrep/v1/evaluate/flags/checkout.v2?environment=moon',
      '/ofrep/v1/evaluate/flags/checkout.v2?environment=development&environment=x',
      '/ofrep/v1/evaluate/flags/checkout.v2?other=1',
      '/ofrep/v1/evaluate/flags/staged?environment=staging',
      `/ofrep/v1/evaluate/flags/${'k'.repeat(256)}`,
      `/ofrep/v1/evaluate/flags/${'k'.repeat(257)}`,
    ];
    for (const url of keys) await evaluate('{"context":{"country":"NL"}}', {}, url);
    for (const headers of [
      { authorization: `bearer ${token}` },
      bearer(limited.token),
      { authorization: '' },
    ]) {
      await evaluate('{"context":{}}', headers);
    }
    await evaluate('{"context":{}}', { expect: '100-continue' });
  });
  t.comment(`${fast} of them answered by the fast path`);
  t.ok(fast >= 10, 'the fast path answered the plain ones');
});
