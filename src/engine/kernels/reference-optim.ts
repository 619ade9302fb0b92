import type { OptimKernels } from './types.js';
import { ResidualSum, TraceSum } from './layouts.js';

/**
 * Reference optimizer kernels (the NeuroPlastic passes, its hybrid modes' and Adam's step), monomorphic so V8
 * compiles them tightly; the WASM backend's versions must agree with these.
 */
export const referenceOptim: OptimKernels = {
  neuroplasticTraces(n, g, act, m, v, mem, startFromSignal, terms, sums) {
    const { activityDecay: ba, momentumDecay: bm, varianceDecay: bv, eps } = terms;
    let sumG = 0;
    let sumA = 0;
    let sumM = 0;
    const ca = 1 - ba;
    const cm = 1 - bm;
    const cv = 1 - bv;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const ag = Math.abs(gi);
      const ai = startFromSignal ? ag : ba * act[i] + ca * ag;
      act[i] = ai;
      const mi = bm * m[i] + cm * gi;
      const vi = bv * v[i] + cv * gi * gi;
      m[i] = mi;
      v[i] = vi;
      const mm = Math.abs(mi) / (Math.sqrt(vi) + eps);
      mem[i] = mm;
      sumG += ag;
      sumA += ai;
      sumM += mm;
    }
    sums[TraceSum.ABS_GRAD] = sumG;
    sums[TraceSum.TRACE] = sumA;
    sums[TraceSum.MEMORY] = sumM;
  },
  neuroplasticUpdate(n, g, w, act, mem, upd, alpha, l2) {
    const { gradScale, activityCoef, gradientCoef, memoryCoef, alphaMin, alphaMax, mix } = alpha;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const gh = Math.abs(gi) * gradScale;
      const ag = Math.min(Math.max(gh, alphaMin), alphaMax);
      const full = activityCoef * act[i] + gradientCoef * gh + memoryCoef * mem[i];
      const af = Math.min(Math.max(full, alphaMin), alphaMax);
      const u = (ag + mix * (af - ag)) * gi + l2 * w[i];
      upd[i] = u;
      sq += u * u;
    }
    return sq;
  },
  siStep(n, v, g, path, before, grad, omega, anchor, weight) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const vi = v[i];
      path[i] -= grad[i] * (vi - before[i]);
      const d = vi - anchor[i];
      const od = omega[i] * d;
      sum += od * d;
      const gi = g[i] + weight * od;
      g[i] = gi;
      grad[i] = gi;
      before[i] = vi;
    }
    return sum;
  },
  applyUpdate(n, w, upd, shrink, stepSize) {
    for (let i = 0; i < n; i++) w[i] = w[i] * shrink - stepSize * upd[i];
  },
  baseDirection(n, kind, g, w, m, v, out, terms) {
    const { beta1: b1, beta2: b2, invBc1, invBc2, eps, weightDecay: wd } = terms;
    if (kind === 0) {
      for (let i = 0; i < n; i++) {
        const mi = (m[i] = b1 * m[i] + (1 - b1) * g[i]);
        const vi = (v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]);
        out[i] = (mi * invBc1) / (Math.sqrt(vi * invBc2) + eps);
      }
    } else for (let i = 0; i < n; i++) out[i] = m[i] = b1 * m[i] + g[i] + wd * w[i];
  },
  neuroplasticResidual(n, g, act, mem, base, out, alpha, strength, sums) {
    const { gradScale, activityCoef, gradientCoef, memoryCoef, alphaMin, alphaMax, mix } = alpha;
    let sb = 0;
    let sd = 0;
    let sx = 0;
    for (let i = 0; i < n; i++) {
      const gh = Math.abs(g[i]) * gradScale;
      const ag = Math.min(Math.max(gh, alphaMin), alphaMax);
      const full = activityCoef * act[i] + gradientCoef * gh + memoryCoef * mem[i];
      const af = Math.min(Math.max(full, alphaMin), alphaMax);
      const b = base[i];
      const d = (out[i] = strength * (ag + mix * (af - ag) - 1) * b);
      sb += b * b;
      sd += d * d;
      sx += b * d;
    }
    sums[ResidualSum.BASE_SQ] = sb;
    sums[ResidualSum.RESIDUAL_SQ] = sd;
    sums[ResidualSum.CROSS] = sx;
  },
  applyResidualUpdate(n, w, base, resid, k, shrink, stepSize) {
    for (let i = 0; i < n; i++) w[i] = w[i] * shrink - stepSize * (base[i] + k * resid[i]);
  },
  adamUpdate(n, w, g, m, v, terms) {
    const { beta1: b1, beta2: b2, l2, shrink, stepSize, invSqrtBc2, eps } = terms;
    const c1 = 1 - b1;
    const c2 = 1 - b2;
    for (let i = 0; i < n; i++) {
      const gi = g[i] + l2 * w[i];
      const mi = b1 * m[i] + c1 * gi;
      const vi = b2 * v[i] + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] = w[i] * shrink - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
    }
  },
};
