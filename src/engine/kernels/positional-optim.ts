import type {
  AdamTerms,
  AlphaTerms,
  BaseDirectionTerms,
  OptimKernels,
  PositionalOptimKernels,
  TraceTerms,
} from './types.js';

/**
 * `optim` with each kernel that takes a terms object also accepting its positional form (PositionalOptimKernels),
 * told apart by what stands where the terms object goes: a number starts the positional form. Backends implement
 * only OptimKernels; composeKernels applies this to each. Delete it with PositionalOptimKernels once no caller
 * uses the positional forms.
 */
export function acceptPositionalForms(optim: OptimKernels): OptimKernels & PositionalOptimKernels {
  return {
    ...optim,
    neuroplasticTraces(
      n: number,
      g: Float32Array,
      act: Float32Array,
      m: Float32Array,
      v: Float32Array,
      mem: Float32Array,
      startFromSignal: boolean,
      terms: TraceTerms | number,
      sumsOrMomentumDecay: Float64Array | number,
      varianceDecay?: number,
      eps?: number,
      sums?: Float64Array,
    ) {
      if (typeof terms !== 'number')
        return optim.neuroplasticTraces(
          n,
          g,
          act,
          m,
          v,
          mem,
          startFromSignal,
          terms,
          sumsOrMomentumDecay as Float64Array,
        );
      const positional: TraceTerms = {
        activityDecay: terms,
        momentumDecay: sumsOrMomentumDecay as number,
        varianceDecay: varianceDecay!,
        eps: eps!,
      };
      optim.neuroplasticTraces(n, g, act, m, v, mem, startFromSignal, positional, sums!);
    },
    neuroplasticUpdate(
      n: number,
      g: Float32Array,
      w: Float32Array,
      act: Float32Array,
      mem: Float32Array,
      upd: Float32Array,
      alpha: AlphaTerms | number,
      l2OrActivityCoef: number,
      gradientCoef?: number,
      memoryCoef?: number,
      alphaMin?: number,
      alphaMax?: number,
      mix?: number,
      l2?: number,
    ) {
      if (typeof alpha !== 'number')
        return optim.neuroplasticUpdate(n, g, w, act, mem, upd, alpha, l2OrActivityCoef);
      const positional: AlphaTerms = {
        gradScale: alpha,
        activityCoef: l2OrActivityCoef,
        gradientCoef: gradientCoef!,
        memoryCoef: memoryCoef!,
        alphaMin: alphaMin!,
        alphaMax: alphaMax!,
        mix: mix!,
      };
      return optim.neuroplasticUpdate(n, g, w, act, mem, upd, positional, l2!);
    },
    baseDirection(
      n: number,
      kind: 0 | 1,
      g: Float32Array,
      w: Float32Array,
      m: Float32Array,
      v: Float32Array,
      out: Float32Array,
      terms: BaseDirectionTerms | number,
      beta2?: number,
      invBc1?: number,
      invBc2?: number,
      eps?: number,
      weightDecay?: number,
    ) {
      if (typeof terms !== 'number') return optim.baseDirection(n, kind, g, w, m, v, out, terms);
      const positional: BaseDirectionTerms = {
        beta1: terms,
        beta2: beta2!,
        invBc1: invBc1!,
        invBc2: invBc2!,
        eps: eps!,
        weightDecay: weightDecay!,
      };
      optim.baseDirection(n, kind, g, w, m, v, out, positional);
    },
    neuroplasticResidual(
      n: number,
      g: Float32Array,
      act: Float32Array,
      mem: Float32Array,
      base: Float32Array,
      out: Float32Array,
      alpha: AlphaTerms | number,
      strengthOrActivityCoef: number,
      sumsOrGradientCoef: Float64Array | number,
      memoryCoef?: number,
      alphaMin?: number,
      alphaMax?: number,
      mix?: number,
      strength?: number,
      sums?: Float64Array,
    ) {
      if (typeof alpha !== 'number')
        return optim.neuroplasticResidual(
          n,
          g,
          act,
          mem,
          base,
          out,
          alpha,
          strengthOrActivityCoef,
          sumsOrGradientCoef as Float64Array,
        );
      const positional: AlphaTerms = {
        gradScale: alpha,
        activityCoef: strengthOrActivityCoef,
        gradientCoef: sumsOrGradientCoef as number,
        memoryCoef: memoryCoef!,
        alphaMin: alphaMin!,
        alphaMax: alphaMax!,
        mix: mix!,
      };
      optim.neuroplasticResidual(n, g, act, mem, base, out, positional, strength!, sums!);
    },
    adamUpdate(
      n: number,
      w: Float32Array,
      g: Float32Array,
      m: Float32Array,
      v: Float32Array,
      terms: AdamTerms | number,
      beta2?: number,
      l2?: number,
      shrink?: number,
      stepSize?: number,
      invSqrtBc2?: number,
      eps?: number,
    ) {
      if (typeof terms !== 'number') return optim.adamUpdate(n, w, g, m, v, terms);
      const positional: AdamTerms = {
        beta1: terms,
        beta2: beta2!,
        l2: l2!,
        shrink: shrink!,
        stepSize: stepSize!,
        invSqrtBc2: invSqrtBc2!,
        eps: eps!,
      };
      optim.adamUpdate(n, w, g, m, v, positional);
    },
  };
}
