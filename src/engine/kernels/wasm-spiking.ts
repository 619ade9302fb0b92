import type { SpikingKernels } from './types.js';
import { LifParam } from './layouts.js';
import { referenceSpiking as ref } from './reference-spiking.js';
import type { WasmFunctions, WasmRuntime } from './wasm-runtime.js';

/** Populations below this size step in TypeScript: too few lane groups to repay the copies. */
const LIF_VECTOR_MIN = 64;

/** The spiking kernels over the runtime `rt`, calling the functions `fns`. */
export function wasmSpiking(rt: WasmRuntime, fns: WasmFunctions): SpikingKernels {
  return {
    lifStep(n, v, exc, inh, input, refractory, spikes, params, conductance, refractorySteps) {
      if (n < LIF_VECTOR_MIN)
        return ref.lifStep(n, v, exc, inh, input, refractory, spikes, params, conductance, refractorySteps);
      rt.reset();
      const arrays = [v, exc, inh, input, refractory];
      const ptrs = arrays.map((a) => rt.address(a, n));
      const ps = rt.holds(spikes) ? spikes.byteOffset : rt.reserve(n);
      const pp = rt.put(params, LifParam.SIZE);
      const count = fns.call('lifStep', n, ...ptrs, ps, pp, conductance ? 1 : 0, refractorySteps);
      arrays.forEach((a, i) => rt.copyBack(a, ptrs[i], n));
      rt.copyBack(spikes, ps, count);
      return count;
    },
  };
}
