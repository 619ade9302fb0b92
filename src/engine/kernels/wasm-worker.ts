/**
 * A kernel thread: instantiates the WASM kernels over the shared memory it is given and runs the calls the main
 * thread posts in the control block (see WasmRuntime in wasm-runtime.ts). Synchronisation is by Atomics on that block,
 * so the main thread's kernel calls stay synchronous.
 */
import { workerData } from 'node:worker_threads';
import { CTRL, Waiter } from './wasm-control.js';
import { loadNativeAddon, withNative } from './native.js';

type Fn = (...args: number[]) => number;
const { module, memory, control, functions, nativePath } = workerData as {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  functions: string[];
  nativePath: string | null;
};
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, Fn>;
// The same tables as the main thread: WASM exports, then those with the native addon's functions swapped in.
const tables = [exports];
const native = nativePath ? loadNativeAddon(nativePath) : null;
if (native) tables.push(withNative(exports, native, memory));
const ctrl = new Int32Array(memory.buffer, control, CTRL.INTS);
const args = new Float64Array(memory.buffer, control + CTRL.ARGS_BYTE, CTRL.MAX_ARGS);
const waiter = new Waiter(ctrl);
// Read the request count before announcing READY: the main thread posts requests as soon as it sees READY, and one
// posted in between would otherwise count as already seen (and the main thread would wait for it forever).
let seen = Atomics.load(ctrl, CTRL.REQUEST);
Atomics.store(ctrl, CTRL.READY, 1);
for (;;) {
  waiter.wait(CTRL.REQUEST, seen);
  seen = Atomics.load(ctrl, CTRL.REQUEST);
  try {
    tables[ctrl[CTRL.TABLE]][functions[ctrl[CTRL.FUNCTION]]](...args.subarray(0, ctrl[CTRL.ARGC]));
  } catch {
    Atomics.store(ctrl, CTRL.FAILED, 1);
  }
  Atomics.store(ctrl, CTRL.DONE, seen);
  Atomics.notify(ctrl, CTRL.DONE);
}
