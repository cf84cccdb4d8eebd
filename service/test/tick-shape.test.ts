// The held nextTick queue entry keeps the entries' hidden class alive across idle full GCs.
// Runs in a child process: it needs V8's --expose-gc and --allow-natives-syntax.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';

const module = new URL('../src/tick-shape.ts', import.meta.url).href;
const script = `
import { createHook } from 'node:async_hooks';
import { heldTickEntry } from ${JSON.stringify(module)};
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)');
const idle = () => new Promise((resolve) => setTimeout(resolve, 10));
function freshEntry() {
  let entry;
  const hook = createHook({ init(id, type, trigger, resource) { if (type === 'TickObject') entry ??= resource; } }).enable();
  process.nextTick(() => {});
  hook.disable();
  return entry;
}
for (let cycle = 0; cycle < 6; cycle++) {
  for (let i = 0; i < 1000; i++) process.nextTick(() => {});
  await idle();
  globalThis.gc();
}
console.log(JSON.stringify({
  callback: typeof heldTickEntry?.callback,
  sameHiddenClass: sameMap(heldTickEntry, freshEntry()),
}));
`;

t.test('after idle full GCs, new queue entries still use the held hidden class', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--expose-gc',
    '--allow-natives-syntax',
    '--input-type=module',
    '--eval',
    script,
  ]);
  t.same(JSON.parse(stdout), { callback: 'function', sameHiddenClass: true });
});
