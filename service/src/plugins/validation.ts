// JSON Schema validation for every request part. Bodies are taken as sent (no type coercion:
// "true" is not a boolean); query strings, params and headers are strings on the wire, so
// they are coerced; a route that takes no body accepts an empty one under a JSON content type.
// Unknown fields are never stripped silently: strict schemas reject them, and a
// route that takes no query refuses any (the OpenAPI UI's own pages excepted).
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fp from 'fastify-plugin';
import { Strict } from '../schema.ts';

// ajv-formats is CommonJS; its default export arrives as the module object under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const compiler = (coerceTypes: boolean) =>
  addFormats(new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false }));

const NO_QUERY = Strict({});

export default fp(
  async (app) => {
    const body = compiler(false);
    const other = compiler(true);
    // The API speaks JSON only: anything else is a 415, not a string handed to the schema.
    app.removeContentTypeParser('text/plain');
    // Many clients send Content-Type: application/json on every request, a DELETE's included: to a
    // route that takes no body, an empty body is no body. Anything else parses as Fastify would.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (body === '' && request.routeOptions.schema?.body === undefined) return done(null, undefined);
      parseJson(request, body as string, done);
    });
    app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? body : other).compile(schema));
    app.addHook('onRoute', (route) => {
      const schema = route.schema ?? {};
      if (schema.querystring === undefined && !(schema as { hide?: boolean }).hide) {
        route.schema = { ...schema, querystring: NO_QUERY };
      }
    });
  },
  { name: 'validation' },
);
