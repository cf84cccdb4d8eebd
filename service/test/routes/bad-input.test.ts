// Every refused request answers the JSON error shape with a clear code and changes nothing.
import { connect } from 'node:net';
import t from 'tap';
import { BODY_LIMIT_BYTES } from '../../src/app.ts';
import { admin, bearer, buildTestApp, createFlag, mintToken, snapshot } from '../helpers/app.ts';

const { app } = await buildTestApp(t);

await createFlag(app, { key: 'existing', type: 'boolean', defaultValue: false });
const reader = await mintToken(app, { name: 'reader', scope: 'read' });
const stagingAdmin = await mintToken(app, { name: 'staging-admin', scope: 'admin', environment: 'staging' });
const revoked = await mintToken(app, { name: 'gone', scope: 'admin' });
await app.inject({ method: 'DELETE', url: `/api/admin/tokens/${revoked.id}`, headers: admin });

const json = { ...admin, 'content-type': 'application/json' };
/** An object `depth` levels deep. */
const nested = (depth: number): object => (depth === 0 ? {} : { a: nested(depth - 1) });
const targeted = { key: 'a', type: 'string', variants: { red: 'r', blue: 'b' }, defaultVariant: 'red' };
type Case = {
  name: string;
  method?: 'POST' | 'PATCH' | 'DELETE' | 'GET';
  url?: string;
  headers?: Record<string, string>;
  payload?: unknown;
  status: number;
  code: string;
  message?: RegExp | string;
};

const cases: Case[] = [
  { name: 'malformed JSON', headers: json, payload: '{"key": "a",', status: 400, code: 'INVALID_JSON' },
  { name: 'empty JSON body', headers: json, payload: '', status: 400, code: 'INVALID_JSON' },
  {
    name: 'a body that is not JSON',
    headers: { ...admin, 'content-type': 'text/plain' },
    payload: 'key=a',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a string where a boolean belongs',
    payload: { key: 'a', type: 'boolean', defaultValue: true, enabled: 'true' },
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /body\.enabled must be boolean/,
  },
  {
    name: 'an unknown flag type',
    payload: { key: 'a', type: 'date', defaultValue: true },
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /body\.type must be one of boolean, string, number, json/,
  },
  {
    name: 'an unknown field',
    payload: { key: 'a', type: 'boolean', defaultValue: true, colour: 'red' },
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /unknown field 'colour'/,
  },
  {
    name: 'a missing field',
    payload: { type: 'boolean', defaultValue: true },
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /missing the required field 'key'/,
  },
  {
    name: 'a key that breaks the pattern',
    payload: { key: 'Bad Key!', type: 'boolean', defaultValue: true },
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /body\.key must match pattern/,
  },
  {
    name: 'a key that is too long',
    payload: { key: 'a'.repeat(129), type: 'boolean', defaultValue: true },
    status: 400,
    code: 'VALIDATION_ERROR',
  },
  {
    name: 'a default value of the wrong type',
    payload: { key: 'a', type: 'number', defaultValue: '3' },
    status: 400,
    code: 'INVALID_FLAG',
    message: /defaultValue must be a number, because the flag type is number/,
  },
  {
    name: 'a variant of the wrong type',
    payload: { key: 'a', type: 'string', defaultValue: 'x', variants: { on: true } },
    status: 400,
    code: 'INVALID_FLAG',
    message: /variant 'on' must be a string/,
  },
  {
    name: 'an oversized body',
    payload: { key: 'a', type: 'string', defaultValue: 'x'.repeat(BODY_LIMIT_BYTES) },
    status: 413,
    code: 'BODY_TOO_LARGE',
  },
  {
    name: 'an unknown environment',
    payload: { key: 'a', type: 'boolean', defaultValue: true, environment: 'moon' },
    status: 404,
    code: 'ENVIRONMENT_NOT_FOUND',
  },
  {
    name: 'a duplicate create',
    payload: { key: 'existing', type: 'boolean', defaultValue: true },
    status: 409,
    code: 'FLAG_EXISTS',
  },
  {
    name: 'no token',
    headers: {},
    payload: { key: 'a', type: 'boolean', defaultValue: true },
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    name: 'an unknown token',
    headers: bearer('fs_not-a-real-token'),
    payload: { key: 'a', type: 'boolean', defaultValue: true },
    status: 401,
    code: 'UNAUTHORIZED',
    message: /Unknown API token/,
  },
  {
    name: 'a revoked token',
    headers: bearer(revoked.token),
    payload: { key: 'a', type: 'boolean', defaultValue: true },
    status: 401,
    code: 'UNAUTHORIZED',
    message: /was revoked/,
  },
  {
    name: 'a read token on the admin API',
    headers: bearer(reader.token),
    payload: { key: 'a', type: 'boolean', defaultValue: true },
    status: 403,
    code: 'FORBIDDEN',
    message: /needs an admin token/,
  },
  {
    name: 'an admin token of another environment',
    headers: bearer(stagingAdmin.token),
    payload: { key: 'a', type: 'boolean', defaultValue: true, environment: 'production' },
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'an environment-limited token minting tokens',
    url: '/api/admin/tokens',
    headers: bearer(stagingAdmin.token),
    payload: { name: 'x', scope: 'admin' },
    status: 403,
    code: 'FORBIDDEN',
    message: /token for all environments/,
  },
  {
    name: 'a stale If-Match',
    method: 'PATCH',
    url: '/api/admin/flags/existing',
    headers: { ...admin, 'if-match': '"7"' },
    payload: { enabled: true },
    status: 412,
    code: 'VERSION_MISMATCH',
  },
  {
    name: 'a malformed If-Match',
    method: 'PATCH',
    url: '/api/admin/flags/existing',
    headers: { ...admin, 'if-match': 'yesterday' },
    payload: { enabled: true },
    status: 400,
    code: 'VALIDATION_ERROR',
  },
  {
    name: 'an empty PATCH',
    method: 'PATCH',
    url: '/api/admin/flags/existing',
    payload: {},
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /at least one field/,
  },
  {
    name: 'a PATCH that changes the type but not the value',
    method: 'PATCH',
    url: '/api/admin/flags/existing',
    payload: { type: 'string' },
    status: 400,
    code: 'INVALID_FLAG',
  },
  {
    name: 'a PATCH of an unknown flag',
    method: 'PATCH',
    url: '/api/admin/flags/missing',
    payload: { enabled: true },
    status: 404,
    code: 'FLAG_NOT_FOUND',
  },
  {
    name: 'a PATCH in an unknown environment',
    method: 'PATCH',
    url: '/api/admin/flags/existing?environment=moon',
    payload: { enabled: true },
    status: 404,
    code: 'ENVIRONMENT_NOT_FOUND',
  },
  {
    name: 'an unknown query parameter',
    method: 'DELETE',
    url: '/api/admin/flags/existing?env=production',
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /unknown field 'env'/,
  },
  {
    name: 'a token with an unknown scope',
    url: '/api/admin/tokens',
    payload: { name: 'x', scope: 'root' },
    status: 400,
    code: 'VALIDATION_ERROR',
  },
  {
    name: 'a token for an unknown environment',
    url: '/api/admin/tokens',
    payload: { name: 'x', scope: 'read', environment: 'moon' },
    status: 404,
    code: 'ENVIRONMENT_NOT_FOUND',
  },
  {
    name: 'revoking a token id that is not a uuid',
    method: 'DELETE',
    url: '/api/admin/tokens/42',
    status: 400,
    code: 'VALIDATION_ERROR',
  },
  {
    name: 'revoking an unknown token',
    method: 'DELETE',
    url: '/api/admin/tokens/00000000-0000-4000-8000-000000000000',
    status: 404,
    code: 'TOKEN_NOT_FOUND',
  },
  {
    name: 'a duplicate environment',
    url: '/api/admin/environments',
    payload: { key: 'staging' },
    status: 409,
    code: 'ENVIRONMENT_EXISTS',
  },
  {
    name: 'an audit cursor that is not a cursor',
    method: 'GET',
    url: '/api/admin/audit?cursor=abc',
    status: 400,
    code: 'VALIDATION_ERROR',
  },
  {
    name: 'a rule naming a variant that does not exist',
    payload: { ...targeted, rules: [{ variant: 'purple' }] },
    status: 400,
    code: 'INVALID_FLAG',
    message: /purple/,
  },
  {
    name: 'split weights that are all 0',
    payload: {
      ...targeted,
      rules: [
        {
          split: [
            { variant: 'red', weight: 0 },
            { variant: 'blue', weight: 0 },
          ],
        },
      ],
    },
    status: 400,
    code: 'INVALID_FLAG',
    message: /all 0/,
  },
  {
    name: 'split weights past the largest total',
    payload: {
      ...targeted,
      rules: [
        {
          split: [
            { variant: 'red', weight: 2_147_483_647 },
            { variant: 'blue', weight: 1 },
          ],
        },
      ],
    },
    status: 400,
    code: 'INVALID_FLAG',
    message: /2147483648/,
  },
  {
    name: 'a bucketing attribute on a rule without a split',
    payload: { ...targeted, rules: [{ variant: 'red', bucketBy: 'companyId' }] },
    status: 400,
    code: 'INVALID_FLAG',
    message: /bucketBy/,
  },
  {
    name: 'a rule with both a variant and a split',
    payload: { ...targeted, rules: [{ variant: 'red', split: [{ variant: 'red', weight: 10000 }] }] },
    status: 400,
    code: 'INVALID_FLAG',
  },
  {
    name: 'a rule referring to a segment that does not exist',
    payload: { ...targeted, rules: [{ segments: ['ghosts'], variant: 'red' }] },
    status: 400,
    code: 'INVALID_FLAG',
    message: /ghosts/,
  },
  {
    name: 'a condition whose value does not fit its operator',
    payload: {
      ...targeted,
      rules: [{ conditions: [{ attribute: 'v', operator: 'semver_gt', value: 'two' }], variant: 'red' }],
    },
    status: 400,
    code: 'INVALID_FLAG',
  },
  {
    name: 'an unknown operator',
    payload: {
      ...targeted,
      rules: [{ conditions: [{ attribute: 'v', operator: 'like', value: 'x' }], variant: 'red' }],
    },
    status: 400,
    code: 'VALIDATION_ERROR',
  },
  {
    name: 'a default variant that does not exist',
    payload: { ...targeted, defaultVariant: 'green' },
    status: 400,
    code: 'INVALID_FLAG',
    message: /defaultVariant 'green' is not one of the flag's variants \('red', 'blue'\)/,
  },
  {
    name: 'a default variant named like a built-in property',
    payload: { ...targeted, defaultVariant: 'constructor' },
    status: 400,
    code: 'INVALID_FLAG',
  },
  {
    name: 'a default value that disagrees with the default variant',
    payload: { ...targeted, defaultValue: 'blue' },
    status: 400,
    code: 'INVALID_FLAG',
    message: /disagrees/,
  },
  {
    name: 'a string flag with no values to serve',
    payload: { key: 'a', type: 'string' },
    status: 400,
    code: 'INVALID_FLAG',
    message:
      'A string flag needs the values it can serve: send variants (name → a string) with defaultVariant, or a defaultValue.',
  },
  {
    name: 'string variants without a type (a flag without one is boolean)',
    payload: { key: 'a', variants: { blue: '#00f' } },
    status: 400,
    code: 'INVALID_FLAG',
    message:
      /variant 'blue' must be a boolean, because the flag type is boolean; a flag sent without a type is a boolean, so send its type/,
  },
  {
    name: 'variants of another type than the defaultValue sent without a type',
    payload: { key: 'a', defaultValue: 'abc', variants: { on: true } },
    status: 400,
    code: 'INVALID_FLAG',
    message:
      "variant 'on' must be a string, because the flag type is string; a flag sent without a type takes the type of its defaultValue (string), so send its type.",
  },
  {
    name: 'an off variant that does not exist',
    payload: { key: 'a', offVariant: 'disabled' },
    status: 400,
    code: 'INVALID_FLAG',
    message: /offVariant 'disabled' is not one of the flag's variants \('on', 'off'\)/,
  },
  {
    name: 'a default value that is none of the variants, with "default" taken',
    payload: { key: 'a', type: 'string', variants: { default: 'x' }, defaultValue: 'y' },
    status: 400,
    code: 'INVALID_FLAG',
    message: /defaultValue is none of the variants' values, and the variant 'default' serves another value/,
  },
  {
    name: 'body and query naming different environments',
    url: '/api/admin/flags?environment=staging',
    payload: { key: 'a', environment: 'production' },
    status: 400,
    code: 'VALIDATION_ERROR',
    message:
      "The query names environment 'staging' and the body 'production'. Name the environment once, in either place.",
  },
  {
    name: 'a query parameter the create does not take',
    url: '/api/admin/flags?enviroment=staging',
    payload: { key: 'a' },
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /querystring has an unknown field 'enviroment'/,
  },
  { name: 'an unknown route', method: 'GET', url: '/api/v2/flags', status: 404, code: 'ROUTE_NOT_FOUND' },
  ...['/api/admin/tokens', '/api/admin/environments', '/health/live', '/health/ready', '/metrics'].map(
    (url): Case => ({
      name: `a query parameter ${url} does not take`,
      method: 'GET',
      url: `${url}?verbose=1`,
      status: 400,
      code: 'VALIDATION_ERROR',
      message: /querystring has an unknown field 'verbose'/,
    }),
  ),
  {
    name: 'a NUL character in a string',
    payload: { key: 'a', description: 'before\u0000after' },
    status: 400,
    code: 'VALIDATION_ERROR',
    message: 'body.description contains a NUL character (\\u0000), which cannot be stored. Remove it.',
  },
  {
    name: 'a NUL character deep in a JSON variant',
    payload: { key: 'a', type: 'json', variants: { v: { list: ['ok', 'no\u0000'] } }, defaultVariant: 'v' },
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /^body\.variants\.v\.list\[1\] contains a NUL character/,
  },
  {
    name: 'a NUL character in a field name',
    payload: { key: 'a', type: 'json', variants: { v: { 'x\u0000': 1 } }, defaultVariant: 'v' },
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /^a field name in body\.variants\.v contains a NUL character/,
  },
  {
    name: 'a lone surrogate in a string',
    headers: json,
    payload: '{"key": "a", "description": "half \\ud800 a pair"}',
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /^body\.description contains a lone surrogate .* Send well-formed Unicode\.$/,
  },
  {
    name: 'a value nested deeper than the limit',
    payload: { key: 'a', type: 'json', variants: { v: nested(40) }, defaultVariant: 'v' },
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /is nested deeper than 32 levels of objects and arrays\. Flatten it\./,
  },
  {
    name: 'a value nested ~2,300 deep',
    headers: json,
    payload: `{"key": "a", "type": "json", "variants": {"v": ${'['.repeat(2300)}${']'.repeat(2300)}}, "defaultVariant": "v"}`,
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /nested deeper than 32 levels/,
  },
  {
    name: 'a NUL character in a segment',
    url: '/api/admin/segments',
    payload: { key: 's', conditions: [{ attribute: 'plan', operator: 'equals', value: 'a\u0000' }] },
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /^body\.conditions\[0\]\.value contains a NUL character/,
  },
  {
    name: 'a NUL character in a token name',
    url: '/api/admin/tokens',
    payload: { name: 'ci\u0000bot', scope: 'read' },
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /^body\.name contains a NUL character/,
  },
  {
    name: 'an audit cursor past int64',
    method: 'GET',
    url: '/api/admin/audit?cursor=9999999999999999999',
    status: 400,
    code: 'VALIDATION_ERROR',
    message: /cursor 9999999999999999999 is past any event id .* Pass the nextCursor of a previous page\./,
  },
  {
    name: 'a history cursor past int64',
    method: 'GET',
    url: '/api/admin/flags/existing/history?cursor=9223372036854775808',
    status: 400,
    code: 'VALIDATION_ERROR',
  },
  {
    name: 'a path parameter longer than the router takes',
    method: 'GET',
    url: `/api/config/flags/${'a'.repeat(300)}`,
    status: 414,
    code: 'URI_TOO_LONG',
    message: /keys are at most 128 characters/,
  },
  {
    name: 'a malformed percent-encoding',
    method: 'GET',
    url: '/api/config/flags/%zz',
    status: 400,
    code: 'BAD_URL',
    message:
      "The path '/api/config/flags/%zz' is not a valid URL: a '%' must start an escape such as %20. Percent-encode the path.",
  },
  {
    name: 'well-formed percent escapes that are not UTF-8',
    method: 'GET',
    url: '/api/config/flags/%ED%A0%80',
    status: 400,
    code: 'BAD_URL',
    message:
      "The path '/api/config/flags/%ED%A0%80' is not a valid URL: its percent escapes do not decode to UTF-8 text. Percent-encode each character as the bytes of its UTF-8 encoding (é is %C3%A9).",
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const before = await snapshot(app);
    const res = await app.inject({
      method: c.method ?? 'POST',
      url: c.url ?? '/api/admin/flags',
      headers: c.headers ?? admin,
      ...(c.payload === undefined ? {} : { payload: c.payload as string }),
    });
    t.equal(res.statusCode, c.status, res.body);
    t.ok(res.headers['x-request-id'], 'names the request id');
    const body = res.json();
    t.match(body, { statusCode: c.status, code: c.code, error: String, message: c.message ?? String });
    t.same(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'], 'only the error shape');
    t.same(await snapshot(app), before, 'the database is unchanged');
  });
}

t.test('headers too large: refused by the HTTP parser, in the error shape', async (t) => {
  const { app: listening } = await buildTestApp(t);
  await listening.listen({ port: 0, host: '127.0.0.1' });
  const { port } = listening.server.address() as { port: number };
  const socket = connect(port, '127.0.0.1');
  socket.write(`GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const [head = '', body = ''] = Buffer.concat(chunks).toString().split('\r\n\r\n');
  t.match(head, /^HTTP\/1\.1 431 Request Header Fields Too Large/);
  t.match(head, /content-type: application\/json/i);
  t.match(head, /x-request-id: \S+/i, 'names a request id');
  t.same(JSON.parse(body), {
    statusCode: 431,
    code: 'HEADERS_TOO_LARGE',
    error: 'Request Header Fields Too Large',
    message:
      'The request headers are larger than the server takes (16 KiB in all). Send fewer or shorter headers.',
  });
});
