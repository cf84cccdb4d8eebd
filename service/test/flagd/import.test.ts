// POST /api/admin/flagd/import: what the export writes comes back exactly (an environment imported
// from another's export answers every context as the original does, and exports the same flags);
// a hand-written document's common constructs import into the rules they mean, and flagd's own
// evaluator agrees with Flagstone on them; what Flagstone cannot hold is refused by flag, construct
// and path, with nothing written.
import { FlagdCore } from '@openfeature/flagd-core';
import t, { type Test } from 'tap';
import {
  admin,
  bearer,
  buildTestApp,
  createFlag,
  mintToken,
  twoInstances,
  within,
} from '../helpers/app.ts';
import { CORPUS_FLAGS, corpusContexts, RESOLVERS, seedCorpus } from '../helpers/flagd-corpus.ts';
import { findRedis, NO_REDIS } from '../helpers/redis.ts';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

interface OfrepEntry {
  key: string;
  value?: unknown;
  variant?: string;
  reason?: string;
  errorCode?: string;
}

const importUrl = (environment: string, dryRun = false) =>
  `/api/admin/flagd/import?environment=${environment}${dryRun ? '&dryRun=true' : ''}`;

const importDocument = (app: App, environment: string, document: unknown, dryRun = false, headers = admin) =>
  app.inject({ method: 'POST', url: importUrl(environment, dryRun), headers, payload: document as object });

const exported = async (app: App, environment: string) => {
  const res = await app.inject({ url: `/api/config/flagd?environment=${environment}`, headers: admin });
  if (res.statusCode !== 200) throw new Error(`export: ${res.statusCode} ${res.body}`);
  return res.json();
};

const revisionOf = async (app: App, environment: string) => {
  const res = await app.inject({ url: `/api/config/flags?environment=${environment}`, headers: admin });
  return res.json().revision as number;
};

const adminFlags = async (app: App, environment: string) =>
  (
    await app.inject({ url: `/api/admin/flags?environment=${environment}&limit=200`, headers: admin })
  ).json().flags;

const bulk = async (app: App, environment: string, context: object) => {
  const res = await app.inject({
    method: 'POST',
    url: '/ofrep/v1/evaluate/flags',
    headers: admin,
    query: { environment },
    payload: { context },
  });
  return new Map((res.json().flags as OfrepEntry[]).map((entry) => [entry.key, entry]));
};

const answer = (entry: OfrepEntry | undefined) => JSON.stringify([entry?.value, entry?.variant, entry?.errorCode]);

t.test('an export imports into another environment and answers every context the same', async (t) => {
  const { app } = await buildTestApp(t);
  await seedCorpus(app, 'development');
  const first = await exported(app, 'development');
  const body = JSON.stringify(first);
  t.ok(Buffer.byteLength(body) < 64 * 1024, `the corpus export (${body.length} bytes) fits the admin body limit`);

  const before = await revisionOf(app, 'staging');
  const dry = await importDocument(app, 'staging', first, true);
  t.equal(dry.statusCode, 200, dry.body);
  const plan = dry.json();
  t.match(plan, { environment: 'staging', dryRun: true, revision: null, changes: [], unchanged: [], refusals: [], notes: [] });
  t.same(
    plan.creates.filter((c: { kind: string }) => c.kind === 'flag').map((c: { key: string }) => c.key).sort(),
    CORPUS_FLAGS.map((f) => f.key).sort(),
    'every flag is a create',
  );
  t.same(
    plan.creates.filter((c: { kind: string }) => c.kind === 'segment').map((c: { key: string }) => c.key),
    Object.keys(first.$evaluators),
    'every evaluator is a segment, listed first',
  );
  t.equal(await revisionOf(app, 'staging'), before, 'a dry run writes nothing');
  t.same(await adminFlags(app, 'staging'), [], 'no flag either');

  const applied = await importDocument(app, 'staging', first);
  t.equal(applied.statusCode, 200, applied.body);
  t.equal(applied.json().revision, before + 1, 'one revision for the whole import');
  t.equal(await revisionOf(app, 'staging'), before + 1);
  t.match(applied.json().message, /does not mention are left as they are/);

  const again = (await importDocument(app, 'staging', first, true)).json();
  t.same([again.creates, again.changes], [[], []], 'a second dry run: nothing to do');
  t.equal(again.unchanged.length, plan.creates.length, 'everything unchanged');

  const second = await exported(app, 'staging');
  t.same(second.flags, first.flags, "the re-export's flags are the first export's");
  t.same(second.$evaluators, first.$evaluators, 'and its evaluators');

  const mismatches: string[] = [];
  let compared = 0;
  for (const context of corpusContexts(400)) {
    const [ours, theirs] = await Promise.all([bulk(app, 'development', context), bulk(app, 'staging', context)]);
    for (const [key, entry] of ours) {
      compared++;
      if (answer(entry) !== answer(theirs.get(key)) && mismatches.length < 10) {
        mismatches.push(`${key} ${JSON.stringify(context)}: ${answer(entry)} vs ${answer(theirs.get(key))}`);
      }
    }
  }
  t.same(mismatches, [], `${compared} evaluations agree on value and variant`);

  const events = (
    await app.inject({ url: '/api/admin/audit?environment=staging&limit=200', headers: admin })
  ).json().events as { revision: number; action: string; actor: string }[];
  const imported = events.filter((e) => e.revision === before + 1);
  t.equal(imported.length, plan.creates.length, 'an audit event per create, all of that revision');
  t.ok(imported.every((e) => e.action.endsWith('.created')));
});
