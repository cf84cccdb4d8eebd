// Keeps process.nextTick at full speed for the life of the process. Import it first.
//
// Node 24 builds each nextTick queue entry with an object literal keyed by symbols. When a full
// GC runs while no entry is alive (an idle moment), V8 drops the literal's hidden classes; the
// next call builds new ones, and the literal's inline caches remember every generation. After
// four, they go megamorphic for good and every nextTick takes the runtime path: about 7× slower
// (≈ 0.37 µs instead of 0.05 µs), and an HTTP request makes several. Holding one entry keeps
// the hidden classes alive, so the caches stay monomorphic. `make bench` shows the difference;
// tick-shape.test.ts fails the day a Node release listed here no longer degrades, or one not
// listed does.
import { createHook } from 'node:async_hooks';

/** The Node major versions the degradation was measured on. */
export const DEGRADES_ON = ['24'];

let entry: object | undefined;
if (DEGRADES_ON.includes(process.versions.node.split('.')[0]!)) {
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject') entry ??= resource;
    },
  }).enable();
  process.nextTick(() => {});
  hook.disable();
}

/** The queue entry held for the life of the process (none on a Node release that does not need it). */
export const heldTickEntry = entry;
