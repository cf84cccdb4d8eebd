// OpenAPI document generated from the route schemas, served at /docs (UI) and /docs/json. Every
// route documents what any route may answer besides its own answers (documentCommonAnswers).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifySchema, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { TSchema } from 'typebox';
import { isOfrepPath, Refusal } from '../routes/ofrep-errors.ts';
import { documentResponses, ErrorSchema } from '../schema.ts';

/** Methods whose bodies Fastify does not read. */
const BODYLESS = new Set(['GET', 'HEAD']);

/**
 * Documents on a route what any route may answer: a refused query or URL (400), a request too
 * slow or with headers too large (408, 431), a failure or overload (500, 503); where the method
 * takes a body, one too large or not JSON (413, 415); where the path has a parameter, one too long
 * (414); where a token is needed, none or the wrong one (401, 403). On an OFREP path, refusals of
 * the request itself take OFREP's shape (plugins/errors.ts). The rate limits document their 429.
 */
function documentCommonAnswers(route: RouteOptions) {
  const schema = route.schema as (FastifySchema & { hide?: boolean; security?: unknown[] }) | undefined;
  if (schema?.hide) return;
  const refusal = isOfrepPath(route.url) ? Refusal : ErrorSchema;
  const answers: Record<number, TSchema> = {
    400: refusal,
    408: ErrorSchema,
    431: ErrorSchema,
    500: ErrorSchema,
    503: ErrorSchema,
  };
  if (route.url.includes('/:')) answers[414] = refusal;
  if ([route.method].flat().some((method) => !BODYLESS.has(method))) {
    Object.assign(answers, { 413: refusal, 415: refusal });
  }
  if (schema?.security?.length !== 0) Object.assign(answers, { 401: ErrorSchema, 403: ErrorSchema });
  documentResponses(route, answers);
}

export default fp(
  async (app) => {
    app.addHook('onRoute', documentCommonAnswers);
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'Flagstone',
          version: '1',
          description: 'Feature flags: read API for services, admin API for people.',
        },
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer' },
            apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          },
        },
        security: [{ bearer: [] }, { apiKey: [] }],
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'swagger' },
);
