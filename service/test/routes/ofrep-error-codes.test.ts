// The OpenAPI document (/docs/json) lists, for every OFREP error body, exactly the errorCode values
// the OFREP spec does (open-feature/protocol, service/openapi.yaml), copied here rather than taken
// from the service's own list, so a code added to or dropped from either shows up.
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';

/** evaluationFailure's errorCode enum in the spec (also what bulkEvaluationFailure answers here). */
const EVALUATION_FAILURE = ['PARSE_ERROR', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'GENERAL'];
/** flagNotFound's. */
const FLAG_NOT_FOUND = ['FLAG_NOT_FOUND'];

type Schema = { [key: string]: unknown };
type Operation = { responses: Record<string, { content?: Record<string, { schema: Schema }> }> };

const { app } = await buildTestApp(t);
const doc = (await app.inject({ url: '/docs/json' })).json() as {
  paths: Record<string, Record<string, Operation>>;
};

/** The enum of every `errorCode` property in `schema`, however deeply nested. */
function errorCodesIn(schema: unknown, found: unknown[][] = []): unknown[][] {
  if (Array.isArray(schema)) for (const item of schema) errorCodesIn(item, found);
  else if (schema !== null && typeof schema === 'object') {
    const { properties } = schema as { properties?: Record<string, Schema> };
    const code = properties?.errorCode;
    if (code) found.push((code.enum as unknown[] | undefined) ?? [`not an enum: ${JSON.stringify(code)}`]);
    for (const value of Object.values(schema)) errorCodesIn(value, found);
  }
  return found;
}

const codesOf = (path: string, method: string, status: string) =>
  errorCodesIn(doc.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.schema);

t.test('one flag: a failure or a refusal lists evaluationFailure codes, a 404 flagNotFound', async (t) => {
  const path = '/ofrep/v1/evaluate/flags/{key}';
  t.same(codesOf(path, 'post', '400'), [EVALUATION_FAILURE, EVALUATION_FAILURE]);
  t.same(codesOf(path, 'post', '404'), [FLAG_NOT_FOUND]);
});

t.test("bulk: a flag's failure and the refusal list evaluationFailure codes", async (t) => {
  const path = '/ofrep/v1/evaluate/flags';
  t.same(codesOf(path, 'post', '200'), [EVALUATION_FAILURE]);
  t.same(codesOf(path, 'post', '400'), [EVALUATION_FAILURE]);
});

t.test("every OFREP error body of the document lists one of the spec's lists, exactly", async (t) => {
  const ofrepPaths = Object.keys(doc.paths).filter((path) => path.startsWith('/ofrep/v1/'));
  t.ok(ofrepPaths.length >= 4);
  let bodies = 0;
  for (const path of ofrepPaths) {
    for (const [method, operation] of Object.entries(doc.paths[path]!)) {
      for (const status of Object.keys(operation.responses)) {
        for (const codes of codesOf(path, method, status)) {
          bodies += 1;
          t.ok(
            [EVALUATION_FAILURE, FLAG_NOT_FOUND].some(
              (list) => JSON.stringify(list) === JSON.stringify(codes),
            ),
            `${method.toUpperCase()} ${path} ${status}: ${codes.join(', ')}`,
          );
        }
      }
    }
  }
  t.ok(bodies > 4, 'error bodies were found');
});
