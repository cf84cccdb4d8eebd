// The degradation src/tick-shape.ts works around, shown on plain Node, and gone with it: after
// idle full GCs, the inline caches of nextTick's queue-entry literal go megamorphic unless an
// entry is held. Read from V8's own view of nextTick's feedback (%DebugPrint), in child processes
// (they need --expose-gc and --allow-natives-syntax).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { DEGRADES_ON } from '../src/tick-shape.ts';

const module = new URL('../src/tick-shape.ts', import.meta.url).href;
const script = (hold: boolean) => `
${hold ? `import ${JSON.stringify(module)};` : ''}
const idle = () => new Promise((resolve) => setTimeout(resolve, 10));
for (let cycle = 0; cycle < 16; cycle++) {
  for (let i = 0; i < 1000; i++) process.nextTick(() => {});
  await idle();
  globalThis.gc(); // what V8's memory reducer does when a server goes quiet
}
%DebugPrint(process.nextTick);
`;

/**
 * How many of nextTick's object-literal property caches are megamorphic after idle GCs. The
 * script is a file, imported first as the server imports the module.
 */
async function megamorphicLiteralCaches(hold: boolean) {
  const dir = await mkdtemp(join(tmpdir(), 'flagstone-tick-'));
  const file = join(dir, 'ticks.mjs');
  await writeFile(file, script(hold));
  // In a clean environment (env -i): the test runner adds its loader hooks and coverage to every
  // process started, even with env: {}, and those make ticks of their own first.
  const { stdout } = await promisify(execFile)(
    '/bin/sh',
    ['-c', 'exec env -i "$0" "$@"', process.execPath, '--expose-gc', '--allow-natives-syntax', file],
    { maxBuffer: 16 * 1024 * 1024 },
  ).finally(() => rm(dir, { recursive: true, force: true }));
  return stdout.split('\n').filter((line) => /DefineKeyedOwnPropertyInLiteral MEGAMORPHIC/.test(line)).length;
}

const major = process.versions.node.split('.')[0]!;
const listed = DEGRADES_ON.includes(major);

t.test(`plain Node ${process.version} ${listed ? 'degrades' : 'does not degrade'}`, async (t) => {
  const plain = await megamorphicLiteralCaches(false);
  t.comment(`megamorphic literal caches after idle GCs on plain Node: ${plain}`);
  if (listed) {
    t.ok(
      plain > 0,
      `Node ${major} no longer degrades: take it out of DEGRADES_ON (and src/tick-shape.ts with the last one)`,
    );
  } else {
    t.equal(plain, 0, `Node ${major} degrades too: measure it (make bench) and add it to DEGRADES_ON`);
  }
});

t.test(
  'holding a queue entry keeps the caches monomorphic',
  { skip: !listed && `Node ${major} needs no entry` },
  async (t) => {
    t.equal(await megamorphicLiteralCaches(true), 0);
  },
);
