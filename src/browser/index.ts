/**
 * neuroplast in a browser: the engine and the spiking simulator as one ES module (build/browser/neuroplast.mjs,
 * bundled by scripts/build-dashboard.mjs), with the WASM kernels loaded by `loadWasmKernels`. Until they are loaded
 * the reference (TypeScript) kernels run. What needs Node (files, the native addon, worker_threads) throws when
 * called there. In a page's worker the WASM kernels take a second thread of their own (`threadUrl`).
 */
import {
  createWasmBackends,
  registerBackend,
  setBackend,
  type KernelThreadStarter,
} from '../engine/index.js';

export { engineProbe, type EngineProbe } from './probe.js';
export * from '../engine/index.js';
export * from '../spiking/index.js';
export { Adam, AdamW, SGD } from '../optim/index.js';
export { Rng } from '../util/rng.js';

/** Whether this code runs in a worker, where a thread may block in Atomics.wait (a page's own thread may not). */
const inWorker = () => typeof (globalThis as { importScripts?: unknown }).importScripts === 'function';

/** The kernel thread as a classic Worker of `url` (build/browser/kernel-thread.js), told its data by message. */
const pageThread =
  (url: string | URL): KernelThreadStarter =>
  (data, failed) => {
    const worker = new Worker(url);
    worker.onerror = () => failed();
    worker.postMessage(data);
    return worker;
  };

/**
 * Compiles the WASM kernels (a URL, or their bytes) and makes "wasm-simd" the active backend; returns its name.
 * Their memory is shared, which a page may only create when it is cross-origin isolated (COOP and COEP headers,
 * as the dashboard sends). With `threadUrl` (the kernel thread's script, build/browser/kernel-thread.js) and called
 * in a worker, large kernels are split across that worker and a second one, as in Node; the numbers are the same
 * with one thread or two (the work is cut the same way).
 */
export async function loadWasmKernels(
  source: string | URL | ArrayBuffer | Uint8Array,
  options: { threadUrl?: string | URL } = {},
): Promise<string> {
  if (typeof crossOriginIsolated !== 'undefined' && !crossOriginIsolated)
    throw new Error('the WASM kernels need a cross-origin isolated page (COOP and COEP headers)');
  const bytes =
    typeof source === 'string' || source instanceof URL
      ? await fetch(source).then((r) => {
          if (!r.ok) throw new Error(`${String(source)}: HTTP ${r.status}`);
          return r.arrayBuffer();
        })
      : source;
  const module = await WebAssembly.compile(bytes as BufferSource);
  const backends = createWasmBackends(
    module,
    options.threadUrl && inWorker() ? pageThread(options.threadUrl) : () => null,
  );
  if (!backends.length)
    throw new Error('the WASM kernels did not start (no WebAssembly SIMD or shared memory)');
  for (const b of backends) registerBackend(b);
  return setBackend(backends[0].name).name;
}
