/**
 * neuroplast in a browser: the engine and the spiking simulator as one ES module (build/browser/neuroplast.mjs,
 * bundled by scripts/build-dashboard.mjs), with the WASM kernels loaded by `loadWasmKernels`. Until they are loaded
 * the reference (TypeScript) kernels run. What needs Node (files, the native addon, worker_threads) throws when
 * called there; the WASM kernels run on one thread in a page.
 */
import { createWasmBackends, registerBackend, setBackend } from '../engine/index.js';

export { engineProbe, type EngineProbe } from './probe.js';
export * from '../engine/index.js';
export * from '../spiking/index.js';
export { Adam, AdamW, SGD } from '../optim/index.js';
export { Rng } from '../util/rng.js';

/**
 * Compiles the WASM kernels (a URL, or their bytes) and makes "wasm-simd" the active backend; returns its name.
 * Their memory is shared, which a page may only create when it is cross-origin isolated (COOP and COEP headers,
 * as the dashboard sends).
 */
export async function loadWasmKernels(source: string | URL | ArrayBuffer | Uint8Array): Promise<string> {
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
  const backends = createWasmBackends(module);
  if (!backends.length)
    throw new Error('the WASM kernels did not start (no WebAssembly SIMD or shared memory)');
  for (const b of backends) registerBackend(b);
  return setBackend(backends[0].name).name;
}
