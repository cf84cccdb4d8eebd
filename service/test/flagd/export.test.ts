// GET /api/config/flagd: the document validates against flagd's own schema, and flagd's own
// evaluator (@openfeature/flagd-core) gives every context of the corpus the value and variant
// Flagstone's OFREP API gives.
import { readFileSync } from 'node:fs';
import { FlagdCore } from '@openfeature/flagd-core';
import { Ajv } from 'ajv';
import t from 'tap';
import { admin, bearer, buildTestApp, mintToken } from '../helpers/app.ts';
import {
  bulkAnswers,
  CORPUS_FLAGS,
  corpusContexts,
  type FlagType,
  flagdAnswer,
  PREREQUISITE_FLAGS,
  sameAnswer,
  seedCorpus,
} from '../helpers/flagd-corpus.ts';

const schemaFile = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/flagd-schemas/${name}`, import.meta.url), 'utf8'));

/** flagd's flags.json, with the targeting.json it refers to. */
export function flagdSchemaValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema(schemaFile('targeting.json'));
  return ajv.compile(schemaFile('flags.json'));
}

t.test('the export evaluates in flagd-core exactly as Flagstone answers over OFREP', async (t) => {
  const { app } = await buildTestApp(t);
  await seedCorpus(app, 'development');
  const res = await app.inject({ url: '/api/config/flagd?environment=development', headers: admin });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  const document = res.json();

  const validate = flagdSchemaValidator();
  t.ok(validate(document), `valid against flagd's flags.json: ${JSON.stringify(validate.errors)}`);
  t.equal(document.metadata.flagSetId, 'development', 'the flag set is the environment');
  t.same(Object.keys(document.flags).sort(), CORPUS_FLAGS.map((f) => f.key).sort(), 'every live flag');
  t.same(document.flags['off-without-off-variant'].state, 'DISABLED');
  t.same(
    [document.flags['off-with-off-variant'].state, document.flags['off-with-off-variant'].defaultVariant],
    ['ENABLED', 'red'],
    'off with an off variant: enabled, serving it, without targeting',
  );
  t.notOk('targeting' in document.flags['off-with-off-variant']);
  t.equal(document.flags['no-default-variant'].defaultVariant, null);
  t.same(document.flags.static.metadata, { version: 1 }, 'each flag names its own version');
  t.ok(document.$evaluators['beta-customers'], 'segments are evaluators');

  const core = new FlagdCore();
  core.setConfigurations(res.body);
  const types = new Map(CORPUS_FLAGS.map((f) => [f.key, (f.type ?? 'boolean') as FlagType]));
  let compared = 0;
  const mismatches: string[] = [];
  const reasons = new Map<string, number>();
  for (const context of corpusContexts(1500)) {
    for (const [key, ours] of await bulkAnswers(app, 'development', context)) {
      const type = types.get(key)!;
      const theirs = flagdAnswer(core, type, key, context);
      compared++;
      const reason = ours.reason ?? ours.errorCode!;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      if (!sameAnswer(ours, theirs, type) && mismatches.length < 10) {
        mismatches.push(
          `${key} ${JSON.stringify(context)}: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`,
        );
      }
    }
  }
  t.same(mismatches, [], `${compared} evaluations agree on value and variant`);
  t.comment(`reasons: ${JSON.stringify(Object.fromEntries(reasons))}`);
  for (const reason of ['TARGETING_MATCH', 'SPLIT', 'DEFAULT', 'STATIC', 'DISABLED']) {
    t.ok((reasons.get(reason) ?? 0) > 0, `the corpus reaches ${reason}`);
  }
});

t.test('prerequisites: inlined, the export evaluates in flagd-core as Flagstone answers', async (t) => {
  const { app } = await buildTestApp(t);
  await seedCorpus(app, 'development', { prerequisites: true });
  const res = await app.inject({ url: '/api/config/flagd?environment=development', headers: admin });
  const document = res.json();
  const validate = flagdSchemaValidator();
  t.ok(validate(document), `valid against flagd's flags.json: ${JSON.stringify(validate.errors)}`);
  t.equal(document.flags['chain-two'].defaultVariant, null, "a dependent's default lives in its targeting");

  const core = new FlagdCore();
  core.setConfigurations(res.body);
  const all = [...CORPUS_FLAGS, ...PREREQUISITE_FLAGS];
  const types = new Map(all.map((f) => [f.key, (f.type ?? 'boolean') as FlagType]));
  const dependents = new Set(PREREQUISITE_FLAGS.map((f) => f.key));
  const mismatches: string[] = [];
  /** Per dependent, whether it was seen held off (DISABLED) and seen serving its own choice. */
  const outcomes = new Map<string, Set<string>>();
  let compared = 0;
  for (const context of corpusContexts(1500, 42)) {
    for (const [key, ours] of await bulkAnswers(app, 'development', context)) {
      const type = types.get(key)!;
      const theirs = flagdAnswer(core, type, key, context);
      compared++;
      if (dependents.has(key)) {
        const seen = outcomes.get(key) ?? new Set();
        seen.add(ours.reason === 'DISABLED' ? 'held off' : 'served');
        outcomes.set(key, seen);
      }
      if (!sameAnswer(ours, theirs, type) && mismatches.length < 10) {
        mismatches.push(
          `${key} ${JSON.stringify(context)}: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`,
        );
      }
    }
  }
  t.same(mismatches, [], `${compared} evaluations agree on value and variant`);
  for (const key of [
    'requires-split',
    'requires-rules',
    'chain-one',
    'chain-two',
    'chain-three',
    'requires-no-default',
  ]) {
    t.same([...outcomes.get(key)!].sort(), ['held off', 'served'], `${key}: both met and unmet`);
  }
  for (const key of ['requires-off', 'requires-disabled', 'off-with-prerequisites']) {
    t.same([...outcomes.get(key)!], ['held off'], `${key}: its prerequisite (or itself) is off`);
  }
});

t.test('ETag by revision, 304, and a change moves it', async (t) => {
  const { app } = await buildTestApp(t);
  await seedCorpus(app, 'staging');
  const url = '/api/config/flagd?environment=staging';
  const first = await app.inject({ url, headers: admin });
  const etag = first.headers.etag as string;
  t.match(etag, /^"staging-\d+"$/);
  t.equal(
    first.json().metadata.version,
    etag.slice(1, -1).split('-').pop(),
    'metadata.version is the revision',
  );
  const again = await app.inject({ url, headers: { ...admin, 'if-none-match': etag } });
  t.equal(again.statusCode, 304);
  t.equal(again.body, '');
  const patch = await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/static?environment=staging',
    headers: admin,
    payload: { enabled: false },
  });
  t.equal(patch.statusCode, 200);
  const after = await app.inject({ url, headers: { ...admin, 'if-none-match': etag } });
  t.equal(after.statusCode, 200, 'a change is a new document');
  t.not(after.headers.etag, etag);
  t.equal(after.json().flags.static.state, 'DISABLED', 'turned off: off for every in-process client');
});

t.test('access: read tokens, environment restrictions, unknown environments', async (t) => {
  const { app } = await buildTestApp(t);
  const url = '/api/config/flagd?environment=production';
  t.equal((await app.inject({ url })).statusCode, 401, 'no token');
  const read = await mintToken(app, { name: 'reader', scope: 'read' });
  t.equal((await app.inject({ url, headers: bearer(read.token) })).statusCode, 200, 'a read token');
  const staging = await mintToken(app, { name: 'staging-reader', scope: 'read', environment: 'staging' });
  const refused = await app.inject({ url, headers: bearer(staging.token) });
  t.equal(refused.statusCode, 403, 'a token for another environment');
  t.match(refused.json(), { code: String, message: /staging/ });
  const unknown = await app.inject({ url: '/api/config/flagd?environment=nowhere', headers: admin });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'ENVIRONMENT_NOT_FOUND');
  const bad = await app.inject({ url: '/api/config/flagd?environment=Bad!', headers: admin });
  t.equal(bad.statusCode, 400);
  const empty = await app.inject({ url, headers: admin });
  t.same(empty.json().flags, {}, 'an environment without flags is an empty flag set');
  t.ok(flagdSchemaValidator()(empty.json()), 'still a valid document');
});
