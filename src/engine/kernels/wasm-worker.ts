/**
 * A kernel thread in Node: runs the calls the main thread posts in the shared control block (see WasmRuntime in
 * wasm-runtime.ts and serveKernelCalls in wasm-control.ts), with the native addon's table when the main thread has it.
 */
import { workerData } from 'node:worker_threads';
import { serveKernelCalls, type KernelThreadData } from './wasm-control.js';
import { loadNativeAddon, withNative } from './native.js';

const data = workerData as KernelThreadData;
serveKernelCalls(data, (exports) => {
  const native = data.nativePath ? loadNativeAddon(data.nativePath) : null;
  return native ? [withNative(exports, native, data.memory)] : [];
});
