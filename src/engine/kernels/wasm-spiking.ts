import type { SpikingKernels } from './types.js';
import { Glif3Param, LifParam } from './layouts.js';
import { referenceSpiking as ref } from './reference-spiking.js';
import type { WasmFunctions, WasmRuntime } from './wasm-runtime.js';

/** Populations below this size step in TypeScript: too few lane groups to repay the copies. */
const LIF_VECTOR_MIN = 64;

/** The spiking kernels over the runtime `rt`, calling the functions `fns`. */
export function wasmSpiking(rt: WasmRuntime, fns: WasmFunctions): SpikingKernels {
  const glif3 = fns.direct('glif3Step');
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
    glif3Step(
      n,
      v,
      asc1,
      asc2,
      exc,
      excC,
      inh,
      inhC,
      input,
      thr,
      refractory,
      spikes,
      params,
      refractorySteps,
    ) {
      rt.reset();
      // Groups keep their state in linear memory (allocState): then the kernel runs in place, nothing copied.
      if (
        rt.holds(v) &&
        rt.holds(asc1) &&
        rt.holds(asc2) &&
        rt.holds(exc) &&
        rt.holds(excC) &&
        rt.holds(inh) &&
        rt.holds(inhC) &&
        rt.holds(input) &&
        rt.holds(thr) &&
        rt.holds(refractory) &&
        rt.holds(spikes)
      )
        return glif3(
          n,
          v.byteOffset,
          asc1.byteOffset,
          asc2.byteOffset,
          exc.byteOffset,
          excC.byteOffset,
          inh.byteOffset,
          inhC.byteOffset,
          input.byteOffset,
          thr.byteOffset,
          refractory.byteOffset,
          spikes.byteOffset,
          rt.put(params, Glif3Param.SIZE),
          refractorySteps,
        );
      const state = [v, asc1, asc2, exc, excC, inh, inhC];
      const ptrs = state.map((a) => rt.address(a, n));
      const [pIn, pThr, pRefr] = [input, thr, refractory].map((a) => rt.address(a, n));
      const ps = rt.holds(spikes) ? spikes.byteOffset : rt.reserve(n);
      const pp = rt.put(params, Glif3Param.SIZE);
      const count = fns.call('glif3Step', n, ...ptrs, pIn, pThr, pRefr, ps, pp, refractorySteps);
      state.forEach((a, i) => rt.copyBack(a, ptrs[i], n));
      rt.copyBack(refractory, pRefr, n);
      rt.copyBack(spikes, ps, count);
      return count;
    },
    poissonStep(n, rateHz, scale, rngState, spikes) {
      rt.reset();
      const pRates = rt.address(rateHz, n);
      const pState = rt.address(rngState, 4);
      const ps = rt.holds(spikes) ? spikes.byteOffset : rt.reserve(n);
      const count = fns.call('poissonStep', n, pRates, scale, pState, ps);
      rt.copyBack(rngState, pState, 4);
      rt.copyBack(spikes, ps, count);
      return count;
    },
  };
}
