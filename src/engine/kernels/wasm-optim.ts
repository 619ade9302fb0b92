import type { AlphaTerms, OptimKernels } from './types.js';
import { ResidualSum, TraceSum } from './layouts.js';
import { referenceOptim as ref } from './reference-optim.js';
import type { WasmFunction, WasmFunctions, WasmRuntime } from './wasm-runtime.js';

/**
 * The optimizer kernels do 10-20 operations per element, so WASM wins from a few vectors up even when operands must
 * be copied. The choice depends on n alone, never on where the arrays live, so a run's numbers do not either.
 */
const OPTIM_VECTOR_MIN = 64;
/** Optimizer kernels from this many values up are cut in two halves (one per thread), at a multiple of this. */
const OPTIM_PARALLEL_MIN = 1 << 15;
const OPTIM_SPLIT_ALIGN = 256;

/**
 * NeuroPlastic's alpha (AlphaTerms) as the WASM kernels take it: (1 - mix) clip(g_hat) + mix clip(full) with each
 * factor folded into its clip's input and bounds (k clip(x, lo, hi) = clip(k x, k lo, k hi), bounds swapped when
 * k < 0), which saves the arithmetic-bound pass 2 two vector operations. Returns the kernels' arguments
 * [kGrad, gradLo, gradHi, kAct, kGradFull, kMem, fullLo, fullHi].
 */
function foldAlpha(alpha: AlphaTerms): number[] {
  const { gradScale, activityCoef, gradientCoef, memoryCoef, alphaMin: lo, alphaMax: hi, mix } = alpha;
  const keep = 1 - mix;
  return [
    keep * gradScale,
    Math.min(keep * lo, keep * hi),
    Math.max(keep * lo, keep * hi),
    mix * activityCoef,
    mix * gradientCoef * gradScale,
    mix * memoryCoef,
    Math.min(mix * lo, mix * hi),
    Math.max(mix * lo, mix * hi),
  ];
}

/** The optimizer kernels over the runtime `rt`, calling the functions `fns`. */
export function wasmOptim(rt: WasmRuntime, fns: WasmFunctions): OptimKernels {
  const sumOfSquares = new Float64Array(1);
  /** Room for `count` f64 sums from each of the two halves splitOptim may cut a kernel into. */
  const reserveSums = (count: number) => rt.reserve(2 * 2 * count);
  /**
   * Runs an element-wise optimizer kernel over [0, n), cut in two at a fixed place from OPTIM_PARALLEL_MIN values up
   * (the second half on the kernel thread when it runs). Kernels that sum write `count` f64 sums per half at
   * `sumsAt` (second half after the first); `sums` receives first + second, in that order.
   */
  const splitOptim = (
    fn: WasmFunction,
    n: number,
    run: (i0: number, i1: number, at: number) => number[],
    sumsAt = 0,
    count = 0,
    sums?: Float64Array,
  ) => {
    if (n < OPTIM_PARALLEL_MIN) fns.call(fn, ...run(0, n, sumsAt));
    else {
      const h = Math.floor(n / 2 / OPTIM_SPLIT_ALIGN) * OPTIM_SPLIT_ALIGN;
      fns.parallel(fn, run(0, h, sumsAt), run(h, n, sumsAt + 8 * count));
    }
    if (!sums) return;
    const halves = new Float64Array(rt.memory.buffer, sumsAt, 2 * count);
    for (let i = 0; i < count; i++)
      sums[i] = n < OPTIM_PARALLEL_MIN ? halves[i] : halves[i] + halves[count + i];
  };

  return {
    neuroplasticTraces(n, g, act, m, v, mem, startFromSignal, terms, sums) {
      if (n < OPTIM_VECTOR_MIN)
        return ref.neuroplasticTraces(n, g, act, m, v, mem, startFromSignal, terms, sums);
      rt.reset();
      const outs = [act, m, v, mem];
      const ptrs = outs.map((a) => rt.address(a, n));
      const pg = rt.address(g, n);
      const ps = reserveSums(TraceSum.SIZE);
      const run = (i0: number, i1: number, at: number) => [
        i1 - i0,
        pg + 4 * i0,
        ...ptrs.map((p) => p + 4 * i0),
        startFromSignal ? 1 : 0,
        terms.activityDecay,
        terms.momentumDecay,
        terms.varianceDecay,
        terms.eps,
        at,
      ];
      splitOptim('neuroplasticTraces', n, run, ps, TraceSum.SIZE, sums);
      outs.forEach((a, i) => rt.copyBack(a, ptrs[i], n));
    },
    neuroplasticUpdate(n, g, w, act, mem, upd, alpha, l2) {
      if (n < OPTIM_VECTOR_MIN) return ref.neuroplasticUpdate(n, g, w, act, mem, upd, alpha, l2);
      rt.reset();
      const [pg, pw, pa, pm] = [g, w, act, mem].map((a) => rt.address(a, n));
      const pu = upd === mem ? pm : rt.address(upd, n);
      const ps = reserveSums(1);
      const folded = foldAlpha(alpha);
      const run = (i0: number, i1: number, at: number) => [
        i1 - i0,
        ...[pg, pw, pa, pm, pu].map((p) => p + 4 * i0),
        ...folded,
        l2,
        at,
      ];
      splitOptim('neuroplasticUpdate', n, run, ps, 1, sumOfSquares);
      rt.copyBack(upd, pu, n);
      return sumOfSquares[0];
    },
    siStep(n, v, g, path, before, grad, omega, anchor, weight) {
      if (n < OPTIM_VECTOR_MIN) return ref.siStep(n, v, g, path, before, grad, omega, anchor, weight);
      rt.reset();
      const arrays = [v, g, path, before, grad, omega, anchor];
      const ptrs = arrays.map((a) => rt.address(a, n));
      const ps = reserveSums(1);
      const run = (i0: number, i1: number, at: number) => [
        i1 - i0,
        ...ptrs.map((p) => p + 4 * i0),
        weight,
        at,
      ];
      splitOptim('siStep', n, run, ps, 1, sumOfSquares);
      // v, omega and anchor are only read.
      [1, 2, 3, 4].forEach((k) => rt.copyBack(arrays[k], ptrs[k], n));
      return sumOfSquares[0];
    },
    applyUpdate(n, w, upd, shrink, stepSize) {
      if (n < OPTIM_VECTOR_MIN) return ref.applyUpdate(n, w, upd, shrink, stepSize);
      rt.reset();
      const pw = rt.address(w, n);
      const pu = rt.address(upd, n);
      const run = (i0: number, i1: number) => [i1 - i0, pw + 4 * i0, pu + 4 * i0, shrink, stepSize];
      splitOptim('applyUpdate', n, run);
      rt.copyBack(w, pw, n);
    },
    baseDirection(n, kind, g, w, m, v, out, terms) {
      if (n < OPTIM_VECTOR_MIN) return ref.baseDirection(n, kind, g, w, m, v, out, terms);
      rt.reset();
      const [pm, pv, po] = [m, v, out].map((a) => rt.address(a, n));
      const [pg, pw] = [g, w].map((a) => rt.address(a, n));
      const run = (i0: number, i1: number) => [
        i1 - i0,
        kind,
        ...[pg, pw, pm, pv, po].map((p) => p + 4 * i0),
        terms.beta1,
        terms.beta2,
        terms.invBc1,
        terms.invBc2,
        terms.eps,
        terms.weightDecay,
      ];
      splitOptim('baseDirection', n, run);
      rt.copyBack(m, pm, n);
      rt.copyBack(v, pv, n);
      rt.copyBack(out, po, n);
    },
    neuroplasticResidual(n, g, act, mem, base, out, alpha, strength, sums) {
      if (n < OPTIM_VECTOR_MIN)
        return ref.neuroplasticResidual(n, g, act, mem, base, out, alpha, strength, sums);
      rt.reset();
      const [pg, pa, pm, pb] = [g, act, mem, base].map((a) => rt.address(a, n));
      const po = out === mem ? pm : rt.address(out, n);
      const ps = reserveSums(ResidualSum.SIZE);
      const folded = foldAlpha(alpha);
      const run = (i0: number, i1: number, at: number) => [
        i1 - i0,
        ...[pg, pa, pm, pb, po].map((p) => p + 4 * i0),
        ...folded,
        strength,
        at,
      ];
      splitOptim('neuroplasticResidual', n, run, ps, ResidualSum.SIZE, sums);
      rt.copyBack(out, po, n);
    },
    applyResidualUpdate(n, w, base, resid, k, shrink, stepSize) {
      if (n < OPTIM_VECTOR_MIN) return ref.applyResidualUpdate(n, w, base, resid, k, shrink, stepSize);
      rt.reset();
      const [pw, pb, pr] = [w, base, resid].map((a) => rt.address(a, n));
      const run = (i0: number, i1: number) => [
        i1 - i0,
        pw + 4 * i0,
        pb + 4 * i0,
        pr + 4 * i0,
        k,
        shrink,
        stepSize,
      ];
      splitOptim('applyResidualUpdate', n, run);
      rt.copyBack(w, pw, n);
    },
    adamUpdate(n, w, g, m, v, terms) {
      if (n < OPTIM_VECTOR_MIN) return ref.adamUpdate(n, w, g, m, v, terms);
      rt.reset();
      const ptrs = [w, g, m, v].map((a) => rt.address(a, n));
      const [pw, , pm, pv] = ptrs;
      const run = (i0: number, i1: number) => [
        i1 - i0,
        ...ptrs.map((p) => p + 4 * i0),
        terms.beta1,
        terms.beta2,
        terms.l2,
        terms.shrink,
        terms.stepSize,
        terms.invSqrtBc2,
        terms.eps,
      ];
      splitOptim('adamUpdate', n, run);
      rt.copyBack(w, pw, n);
      rt.copyBack(m, pm, n);
      rt.copyBack(v, pv, n);
    },
  };
}
