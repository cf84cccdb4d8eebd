// The admin side of flagd: importing a flagd flag-definition document into an environment
// (import.ts reads it; the flags domain writes it as one change), and what a flagd provider needs
// to sync from this service, for the web UI's provider snippet.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import { actorOf } from '../access/authorization.ts';
import { openSyncEnvironments } from '../config.ts';
import { errors } from '../errors.ts';
import { EnvironmentKey } from '../flags/flag-schemas.ts';
import { EnvironmentQuery } from '../routes/http.ts';
import { ErrorSchema, errorResponses, Nullable, Strict } from '../schema.ts';
import {
  archivedRefusal,
  FlagdDocumentBody,
  NoteSchema,
  type Refusal,
  RefusalSchema,
  translateFlagd,
} from './import.ts';

/** A document's targeting nests two levels per rule; a flag holds at most 200 rules. */
const DOCUMENT_DEPTH = 512;
/**
 * A whole environment's document: an export of a few thousand flags, far past the admin API's
 * 64 KiB for one flag, and as much as a flagd provider accepts in one sync message (4 MiB).
 */
export const DOCUMENT_LIMIT_BYTES = 4 * 1024 * 1024;

const ImportQuery = Strict({
  environment: Type.Optional(EnvironmentKey),
  dryRun: Type.Boolean({ default: false, description: 'true: say what the import would do, write nothing' }),
});

const Kind = Type.Enum(['flag', 'segment']);
const Item = Type.Object({ kind: Kind, key: Type.String() });
const ImportReport = Type.Object({
  environment: Type.String(),
  dryRun: Type.Boolean(),
  revision: Nullable(
    Type.Integer({ description: "the environment's revision after the import; null for a dry run" }),
  ),
  message: Type.String(),
  creates: Type.Array(Item),
  changes: Type.Array(
    Type.Object({
      kind: Kind,
      key: Type.String(),
      before: Type.Unknown({
        description: "what an admin writes: a flag's content, or a segment's description and conditions",
      }),
      after: Type.Unknown(),
    }),
  ),
  unchanged: Type.Array(Item),
  refusals: Type.Array(RefusalSchema, {
    description: 'what cannot be imported (a dry run lists them; an import answers 400)',
  }),
  notes: Type.Array(NoteSchema, {
    description: 'imported, but answering some contexts differently than flagd would',
  }),
});
type ImportReport = Static<typeof ImportReport>;

const Refused = Type.Object({
  ...ErrorSchema.properties,
  refusals: Type.Optional(Type.Array(RefusalSchema)),
});

const SyncSettings = Type.Object({
  port: Nullable(Type.Integer({ description: 'SYNC_PORT: the gRPC flagd sync port; null: sync is off' })),
  openEnvironments: Type.Array(Type.String(), {
    description: 'SYNC_OPEN_ENVIRONMENTS: environments served without a token',
  }),
  selector: Type.String({ description: "the provider's selector for the environment" }),
});

const plural = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;

const flagdAdmin: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/import',
    {
      config: { bodyDepth: DOCUMENT_DEPTH },
      bodyLimit: DOCUMENT_LIMIT_BYTES,
      schema: {
        tags: ['admin'],
        summary:
          'Import a flagd flag-definition document into an environment as one change (one revision); dryRun=true only says what it would create, change and refuse. Flags and segments the document does not mention are left as they are.',
        querystring: ImportQuery,
        body: FlagdDocumentBody,
        response: {
          200: ImportReport,
          400: Refused,
          ...errorResponses(401, 403, 404, 409, 413, 415, 503),
        },
      },
    },
    async (request, reply) => {
      const environment = request.environmentFor(request.query.environment);
      const { dryRun } = request.query;
      if (!dryRun && (await app.changeRequests.isProtected(environment))) {
        throw errors.environmentProtected(environment, 'an import');
      }
      const translation = translateFlagd(request.body);
      const report = await app.flags.writeBatch(environment, translation, actorOf(request.principal), {
        dryRun: dryRun || translation.refusals.length > 0,
      });
      const byKey = new Map(translation.flags.map((flag) => [flag.key, flag]));
      const refusals: Refusal[] = [
        ...translation.refusals,
        ...report.archived.map((key) =>
          archivedRefusal(byKey.get(key)!, errors.flagArchived(environment, key).message),
        ),
      ];
      if (!dryRun && refusals.length > 0) {
        const [first] = refusals;
        const more = refusals.length > 1 ? ` and ${plural(refusals.length - 1, 'more refusal')}` : '';
        return reply.code(400).send({
          statusCode: 400,
          code: 'FLAGD_IMPORT_REFUSED',
          error: 'Bad Request',
          message: `Nothing was imported: ${first!.path.startsWith('$.$evaluators') ? 'evaluator' : 'flag'} '${first!.flag}' holds ${first!.construct} (${first!.path}), which Flagstone cannot hold${more}. See refusals; a dry run (dryRun=true) lists them too.`,
          refusals,
        });
      }
      const counts = `${plural(report.creates.length, 'create')}, ${plural(report.changes.length, 'change')}, ${report.unchanged.length} unchanged`;
      const left = `Flags and segments of '${environment}' that the document does not mention are left as they are.`;
      const answer: ImportReport = {
        environment,
        dryRun,
        revision: dryRun ? null : report.revision,
        message: dryRun
          ? `Dry run: ${counts}${refusals.length > 0 ? `, ${plural(refusals.length, 'refusal')}` : ''}; nothing was written. ${left}`
          : `Imported: ${counts}, as revision ${report.revision}. ${left}`,
        creates: report.creates,
        changes: report.changes,
        unchanged: report.unchanged,
        refusals,
        notes: translation.notes,
      };
      return answer;
    },
  );

  app.get(
    '/sync',
    {
      config: { readable: true },
      schema: {
        tags: ['admin'],
        summary:
          "How a flagd provider syncs an environment from this service (the sync port, the environments served without a token, the selector), for a provider's settings",
        querystring: EnvironmentQuery,
        response: { 200: SyncSettings, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const environment = request.environmentFor(request.query.environment);
      await app.flags.snapshot(environment); // an unknown environment is a 404
      return {
        // The port it listens on: SYNC_PORT, or the one the system gave for SYNC_PORT=0.
        port: app.hasDecorator('sync') ? (app.sync.port ?? null) : null,
        openEnvironments: [...openSyncEnvironments(app.config)],
        selector: `flagSetId=${environment}`,
      };
    },
  );
};

export default flagdAdmin;
