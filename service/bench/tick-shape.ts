// process.nextTick after idle full GCs, with and without the held queue entry of
// src/tick-shape.ts. Each variant runs in a fresh process; no network.   make bench
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { publish } from './servers.ts';

const module = new URL('../src/tick-shape.ts', import.meta.url).href;
const script = (hold: boolean) => `
${hold ? `import ${JSON.stringify(module)};` : ''}
const batch = (n) => new Promise((resolve) => {
  let done = 0;
  const start = process.hrtime.bigint();
  const tick = () => { if (++done === n) resolve(Number(process.hrtime.bigint() - start) / n); };
  for (let i = 0; i < n; i++) process.nextTick(tick);
});
for (let cycle = 0; cycle < 6; cycle++) {
  await batch(1000);
  await new Promise((resolve) => setTimeout(resolve, 10));
  globalThis.gc(); // what V8's memory reducer does when a server goes quiet
}
let best = Infinity;
for (let i = 0; i < 300; i++) best = Math.min(best, await batch(1000));
console.log(best);
`;

async function nsPerTick(hold: boolean) {
  const args = ['--expose-gc', '--input-type=module', '--eval', script(hold)];
  const { stdout } = await promisify(execFile)(process.execPath, args);
  return Number(stdout);
}

const held = await nsPerTick(true);
const plain = await nsPerTick(false);
const table = [
  `process.nextTick after six idle full GCs, best of 300 batches of 1,000 (${process.version}).`,
  '',
  '| process | ns per nextTick | × held |',
  '| --- | ---: | ---: |',
  `| holds a queue entry (src/tick-shape.ts) | ${held.toFixed(0)} | 1.00 |`,
  `| plain Node | ${plain.toFixed(0)} | ${(plain / held).toFixed(2)} |`,
].join('\n');
await publish('tick-shape', table);
