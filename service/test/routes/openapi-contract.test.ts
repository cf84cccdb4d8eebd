// The OpenAPI document (/docs/json) says what the routes answer. Every route it lists is sent odd
// requests (an unknown query parameter, a long URL, bad escapes, no token, the wrong token, a body
// too large, not JSON or malformed), through inject and over HTTP: each answer's status is one the
// route documents, its body fits the schema documented for that status, and it carries an
// X-Request-Id. On OFREP paths, that schema is OFREP's error shape.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import t, { type Test } from 'tap';
import { BODY_LIMIT_BYTES } from '../../src/app.ts';
import { admin, bearer, buildTestApp, createFlag, createSegment, mintToken } from '../helpers/app.ts';
import { bothTransports } from '../helpers/both-transports.ts';

// ajv-formats is CommonJS; its default export arrives as the module object under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

interface Operation {
  parameters?: { in: string; name: string }[];
  security?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
type Document = { paths: Record<string, Record<string, Operation>>; components: object };

const { app } = await buildTestApp(t);
const send = await bothTransports(t, app);

await createFlag(app, { key: 'existing' });
await createSegment(app, {
  key: 'seg',
  conditions: [{ attribute: 'plan', operator: 'equals', value: 'beta' }],
});
const stagingReader = await mintToken(app, { name: 'staging-reader', scope: 'read', environment: 'staging' });
/** What each path parameter is filled with: something that exists. */
const PARAMS: Record<string, string> = {
  flagKey: 'existing',
  key: 'existing',
  segmentKey: 'seg',
  id: stagingReader.id,
};

const doc = (await app.inject({ url: '/docs/json' })).json() as Document;

const validators = new Map<object, ValidateFunction>();
/** A validator for a schema of the document (its $refs point into the document's components). */
function validatorOf(schema: object) {
  let validate = validators.get(schema);
  if (!validate) {
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    validate = ajv.compile({ ...schema, components: doc.components });
    validators.set(schema, validate);
  }
  return validate;
}

const fill = (path: string, values: Record<string, string> = {}) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? PARAMS[name] ?? 'x');

/** The odd requests for one operation. */
function oddRequests(path: string, method: string, operation: Operation) {
  const url = fill(path);
  const pathParams = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
  const takesEnvironment = (operation.parameters ?? []).some(
    (p) => p.in === 'query' && p.name === 'environment',
  );
  const requests: [string, InjectOptions][] = [
    ['an unknown query parameter', { url: `${url}?unknown=1`, headers: admin }],
    ['a long query', { url: `${url}?${'q'.repeat(6000)}=1`, headers: admin }],
  ];
  for (const name of pathParams) {
    for (const [what, value] of [
      ['a parameter longer than the router takes', 'a'.repeat(300)],
      ['a stray %', '%zz'],
      ['escapes that are not UTF-8', '%ED%A0%80'],
    ]) {
      requests.push([`${what} (${name})`, { url: fill(path, { [name]: value! }), headers: admin }]);
    }
  }
  if (operation.security?.length !== 0) {
    requests.push(
      ['no token', { url, headers: {} }],
      [
        'a token of another environment',
        {
          url: takesEnvironment ? `${url}?environment=production` : url,
          headers: bearer(stagingReader.token),
        },
      ],
    );
  }
  if (method !== 'GET') {
    const json = { ...admin, 'content-type': 'application/json' };
    requests.push(
      [
        'a body too large',
        { url, headers: json, payload: JSON.stringify({ x: 'x'.repeat(BODY_LIMIT_BYTES) }) },
      ],
      ['a body that is not JSON', { url, headers: { ...admin, 'content-type': 'text/plain' }, payload: 'x' }],
      ['malformed JSON', { url, headers: json, payload: '{"context": ' }],
    );
  }
  return requests.map(([what, options]) => ({ what, options: { ...options, method: method as 'GET' } }));
}

function holdsContract(t: Test, operation: Operation, res: LightMyRequestResponse) {
  t.ok(res.headers['x-request-id'], 'carries X-Request-Id');
  const documented = operation.responses[String(res.statusCode)];
  if (!t.ok(documented, `${res.statusCode} is documented (${res.body.slice(0, 200)})`)) return;
  if (res.body === '') return;
  const type = String(res.headers['content-type']).split(';')[0]!;
  const content = documented!.content?.[type];
  if (!t.ok(content, `${res.statusCode} documents a ${type} body`)) return;
  if (type !== 'application/json') return;
  const validate = validatorOf(content!.schema);
  t.ok(validate(res.json()), `the body fits the documented schema: ${JSON.stringify(validate.errors)}`);
}

for (const [path, operations] of Object.entries(doc.paths)) {
  for (const [lower, operation] of Object.entries(operations)) {
    const method = lower.toUpperCase();
    t.test(`${method} ${path}`, async (t) => {
      for (const { what, options } of oddRequests(path, method, operation)) {
        await t.test(what, async (t) => holdsContract(t, operation, await send(options)));
      }
    });
  }
}

t.test('an OFREP path no route serves answers in OFREP’s shape', async (t) => {
  for (const [method, url] of [
    ['GET', '/ofrep/v1/evaluate/flags/existing'],
    ['POST', '/ofrep/v1/flags'],
    ['DELETE', '/ofrep/v1/evaluate/flags'],
  ] as const) {
    const res = await send({ method, url, headers: admin });
    t.equal(res.statusCode, 404);
    t.ok(res.headers['x-request-id']);
    t.strictSame(res.json(), {
      errorCode: 'GENERAL',
      errorDetails: `There is no ${method} ${url}. See /docs for the API.`,
    });
  }
});
