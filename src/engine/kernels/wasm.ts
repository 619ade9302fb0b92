import type { KernelThreadStarter } from './wasm-control.js';
import type { Kernels } from './types.js';
import { composeKernels } from './backend.js';
import { WasmRuntime } from './wasm-runtime.js';
import { wasmNn } from './wasm-nn.js';
import { wasmOptim } from './wasm-optim.js';
import { wasmSpiking } from './wasm-spiking.js';

/** The backend over the runtime's function table `table` (0: WASM only, 1: native addon where it has the function). */
function wasmBackend(rt: WasmRuntime, table: number, name: string): Kernels {
  const fns = rt.functions(table);
  return composeKernels(
    {
      name,
      get threads() {
        return rt.threads;
      },
      setThreads(n: number) {
        rt.maxThreads = n;
      },
      prepare: () => rt.prepare(),
      allocState: (n) => rt.allocState(n),
      beginStateScope: () => rt.beginStateScope(),
      endStateScope: () => rt.endStateScope(),
    },
    { nn: wasmNn(rt, fns), optim: wasmOptim(rt, fns), spiking: wasmSpiking(rt, fns) },
  );
}

/**
 * The WASM backend ("wasm-simd") and, where the optional native addon was built, "native" (the same kernels with
 * GEMM and convolutions in native code, sharing the memory, so arrays stay in place when switching); none where
 * WebAssembly SIMD or shared memory is unavailable. `module`: the compiled kernels, where they are not read from the
 * package (in a browser).
 */
export function createWasmBackends(
  module?: WebAssembly.Module,
  startThread?: KernelThreadStarter,
): Kernels[] {
  let runtime: WasmRuntime;
  try {
    runtime = new WasmRuntime(module, startThread);
  } catch {
    return [];
  }
  const backends = [wasmBackend(runtime, 0, 'wasm-simd')];
  if (runtime.native) backends.push(wasmBackend(runtime, 1, 'native'));
  return backends;
}
