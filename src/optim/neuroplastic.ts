import {
  kernels,
  ResidualSum,
  TraceSum,
  type AlphaTerms,
  type BaseDirectionTerms,
  type Param,
  type TraceTerms,
} from '../engine/index.js';
import { Optimizer, checkDecay, checkNonNegative, checkPositive, type StepContext } from './optimizer.js';
import { ConfigError } from '../util/errors.js';

export const NEUROPLASTIC_ABLATIONS = [
  'none',
  'grad-only',
  'no-activity',
  'no-memory',
  'no-homeostasis',
] as const;
export type NeuroPlasticAblation = (typeof NEUROPLASTIC_ABLATIONS)[number];

export interface NeuroPlasticOptions {
  lr: number;
  weightDecay?: number;
  /** Decay theta directly (theta -= lr*wd*theta) instead of adding wd*theta to the update (classic base only). */
  decoupledWeightDecay?: boolean;
  /**
   * 'classic': theta -= lr * stabilize(alpha*g + wd*theta), as published. 'adamw' / 'sgd-momentum': that base
   * optimizer's update, plus modulationStrength*(alpha - 1)*update, bounded to modulationMaxRatio of its norm.
   */
  base?: 'classic' | 'adamw' | 'sgd-momentum';
  ablation?: NeuroPlasticAblation;
  activityWeight?: number;
  gradientWeight?: number;
  memoryWeight?: number;
  /** Decay of the activity trace EMA. */
  activityDecay?: number;
  /**
   * The trace's first value: 'signal' (the first |g|, as the issue specifies) or 'zero' (an EMA started from 0,
   * giving (1 - decay)|g| first: what the reference code's zero-initialised state does).
   */
  activityInit?: 'signal' | 'zero';
  /** Decays of the memory EMAs m (of g) and v (of g^2). */
  momentumDecay?: number;
  varianceDecay?: number;
  /** Multiplies (alpha_full - alpha_grad); gated in linearly over warmupEpochs. */
  plasticityScale?: number;
  warmupEpochs?: number;
  alphaMin?: number;
  alphaMax?: number;
  /** false collapses alpha to its tensor mean (the reference's earlier "layerwise" form; see docs). */
  parameterwise?: boolean;
  eps?: number;
  maxUpdateNorm?: number;
  targetRms?: number;
  adaptationRate?: number;
  modulationStrength?: number;
  modulationMaxRatio?: number;
  baseMomentum?: number;
  baseBeta2?: number;
  baseEps?: number;
}

/** Per-step statistics of the modulation, over all parameters (collected when asked for). */
export interface NeuroPlasticDiagnostics {
  step: number;
  alphaMean: number;
  alphaStd: number;
  alphaMin: number;
  alphaMax: number;
  /** Fraction of alphas within 5% of the clip range of each bound. */
  fractionNearMin: number;
  fractionNearMax: number;
  /** Counts over HISTOGRAM_BINS equal bins spanning `histogramRange`. */
  histogram: number[];
  /** The clip bounds of alpha, which the histogram's bins span. */
  histogramRange: [number, number];
  /** ||applied update|| / ||gradient|| over all parameters (lr excluded). */
  updateToGradientNorm: number;
  gate: number;
}

export const HISTOGRAM_BINS = 20;

/**
 * NeuroPlastic (Jiang et al., arXiv 2604.26297; reference code Sunnylincc/NeuroPlastic-Optimizer): each
 * gradient is scaled by a plasticity modulation alpha built from per-parameter gradient, activity and memory
 * signals, each divided by its tensor mean:
 *   g_hat = |g| / mean|g|;  a = EMA_0.95(|g|) / mean;  m_hat = (|m| / (sqrt(v) + eps)) / mean
 *   alpha_full = clip(0.4 a + 0.4 g_hat + 0.2 m_hat, 0.2, 2);  alpha_grad = clip(g_hat, 0.2, 2)
 *   alpha = alpha_grad + gate * plasticityScale * (alpha_full - alpha_grad),  gate = min(epoch / warmup, 1)
 *   theta <- theta - lr * stabilize(alpha * g + wd * theta)
 * where stabilize clips the update's L2 norm to 1 and multiplies by clamp(1 + 0.01 (0.02 - rms), 0.5, 1.5).
 */
export class NeuroPlastic extends Optimizer {
  readonly kind = 'neuroplastic';
  readonly o: Required<NeuroPlasticOptions>;
  /** Signal weights after the ablation (renormalised to sum to 1 when one is removed). */
  readonly weights: { activity: number; gradient: number; memory: number };
  private alphas = new Float32Array(0);
  private stage: Float32Array = new Float32Array(0);
  /** The sums pass 1 (TraceSum) or the hybrid residual (ResidualSum) returns. */
  private readonly sums = new Float64Array(Math.max(TraceSum.SIZE, ResidualSum.SIZE));
  /** Pass 1's terms, fixed by the options (filled once in the constructor). */
  private readonly traceTerms: TraceTerms;
  /** The current tensor's modulation terms and base-direction terms, refilled per tensor (no allocation per step). */
  private readonly alpha: AlphaTerms = {
    gradScale: 0,
    activityCoef: 0,
    gradientCoef: 0,
    memoryCoef: 0,
    alphaMin: 0,
    alphaMax: 0,
    mix: 0,
  };
  private readonly baseTerms: BaseDirectionTerms = {
    beta1: 0,
    beta2: 0,
    invBc1: 1,
    invBc2: 1,
    eps: 0,
    weightDecay: 0,
  };
  private gate = 0;
  private collect = false;
  private diag = newDiagAccumulator();
  /** The last step's diagnostics, when they were collected (`step(params, { diagnostics: true })`). */
  lastDiagnostics: NeuroPlasticDiagnostics | null = null;

  constructor(options: NeuroPlasticOptions) {
    super(options.lr);
    const o = (this.o = {
      weightDecay: 0,
      decoupledWeightDecay: false,
      base: 'classic',
      ablation: 'none',
      activityWeight: 0.4,
      gradientWeight: 0.4,
      memoryWeight: 0.2,
      activityDecay: 0.95,
      activityInit: 'signal',
      momentumDecay: 0.9,
      varianceDecay: 0.99,
      plasticityScale: 1,
      warmupEpochs: 0,
      alphaMin: 0.2,
      alphaMax: 2,
      parameterwise: true,
      eps: 1e-8,
      maxUpdateNorm: 1,
      targetRms: 0.02,
      adaptationRate: 0.01,
      modulationStrength: 0.15,
      modulationMaxRatio: 0.25,
      baseMomentum: 0.9,
      baseBeta2: 0.999,
      baseEps: 1e-8,
      ...stripUndefined(options),
    } as Required<NeuroPlasticOptions>);
    validateNeuroPlastic(o);
    this.traceTerms = {
      activityDecay: o.activityDecay,
      momentumDecay: o.momentumDecay,
      varianceDecay: o.varianceDecay,
      eps: o.eps,
    };
    let { activityWeight: wa, memoryWeight: wm } = o;
    const wg = o.gradientWeight;
    if (o.ablation === 'no-activity') wa = 0;
    if (o.ablation === 'no-memory') wm = 0;
    const total = wa + wg + wm;
    const removed = o.ablation === 'no-activity' || o.ablation === 'no-memory';
    this.weights = removed
      ? { activity: wa / total, gradient: wg / total, memory: wm / total }
      : { activity: wa, gradient: wg, memory: wm };
  }

  override step(params: Param[], ctx: StepContext = {}): void {
    const { warmupEpochs } = this.o;
    // The reference sets a 1-based epoch once per epoch: the gate is 0 in the first epoch, 1 after warmupEpochs.
    const completed = Math.floor(ctx.epoch ?? 0);
    this.gate =
      this.o.ablation === 'grad-only' ? 0 : warmupEpochs <= 0 ? 1 : Math.min(completed / warmupEpochs, 1);
    this.collect = ctx.diagnostics === true;
    if (this.collect) this.diag = newDiagAccumulator();
    super.step(params, ctx);
    this.lastDiagnostics = this.collect
      ? finishDiagnostics(this.diag, this.stepCount, this.gate, [this.o.alphaMin, this.o.alphaMax])
      : null;
  }

  /**
   * One tensor's step as backend kernels (WASM SIMD where available): pass 1 (traces, moments, memory signal and the
   * sums for the mean normalisations), then pass 2 (alpha and the update, with its squared norm) and pass 3 (the
   * stabilised apply), or the hybrid bases' kernels. Diagnostics only read beside them, so collecting them never
   * changes the update.
   */
  protected update(p: Param): void {
    const o = this.o;
    const n = p.value.length;
    const g = p.grad;
    const w = p.value;
    const first = !this.hasSlot(p, 'activity');
    const act = this.slot(p, 'activity');
    if (this.stage.length < n) this.stage = kernels.allocState(n);
    const mem = this.stage.subarray(0, n);
    const sums = this.sums;
    kernels.neuroplasticTraces(
      n,
      g,
      act,
      this.slot(p, 'momentum'),
      this.slot(p, 'variance'),
      mem,
      first && o.activityInit === 'signal',
      this.traceTerms,
      sums,
    );
    const meanG = sums[TraceSum.ABS_GRAD] / n;
    const meanA = sums[TraceSum.TRACE] / n;
    const meanM = sums[TraceSum.MEMORY] / n;
    const invG = 1 / (meanG + o.eps);
    const invA = 1 / (meanA + o.eps);
    const invM = 1 / (meanM + o.eps);
    const { activity: wa, gradient: wg, memory: wm } = this.weights;
    const alpha = this.alpha;
    alpha.gradScale = invG;
    alpha.activityCoef = wa * invA;
    alpha.gradientCoef = wg;
    alpha.memoryCoef = wm * invM;
    // Per parameter, alpha blends clip(g_hat) toward clip(full) by mix. The tensor-mean form (parameterwise: false)
    // is the same rule on the means, which the mean normalisations make ~1: one alpha for the whole tensor, given to
    // the kernels as equal clip bounds with mix 0.
    alpha.alphaMin = o.alphaMin;
    alpha.alphaMax = o.alphaMax;
    alpha.mix = this.gate * o.plasticityScale;
    if (!o.parameterwise) {
      alpha.alphaMin = alpha.alphaMax = parameterAlpha(
        meanG * invG,
        meanA * invA,
        meanM * invM,
        this.weights,
        alpha,
      );
      alpha.mix = 0;
    }
    if (this.collect) {
      const alphas = this.alphaScratch(n);
      const weights = this.weights;
      for (let i = 0; i < n; i++)
        alphas[i] = parameterAlpha(Math.abs(g[i]) * invG, act[i] * invA, mem[i] * invM, weights, alpha);
      recordAlphas(this.diag, alphas, o.alphaMin, o.alphaMax);
    }
    if (o.base !== 'classic') {
      this.hybridUpdate(p, act, mem, alpha);
      return;
    }
    const l2 = o.decoupledWeightDecay ? 0 : o.weightDecay;
    const sumSq = kernels.neuroplasticUpdate(n, g, w, act, mem, mem, alpha, l2);
    const scale = this.stabilizerScale(sumSq, n);
    const lr = this.rateOf(p);
    const shrink = o.weightDecay > 0 && !l2 ? 1 - lr * o.weightDecay : 1;
    kernels.applyUpdate(n, w, mem, shrink, lr * scale);
    if (this.collect) this.recordNorms(g, scale * scale * sumSq);
  }

  /** Room for one tensor's alphas while diagnostics are collected. */
  private alphaScratch(n: number): Float32Array {
    if (this.alphas.length < n) this.alphas = new Float32Array(n);
    return this.alphas.subarray(0, n);
  }

  private recordNorms(g: Float32Array, updateSq: number): void {
    let gSq = 0;
    for (let i = 0; i < g.length; i++) gSq += g[i] * g[i];
    this.diag.gradSq += gSq;
    this.diag.updateSq += updateSq;
  }

  /**
   * The hybrid modes after pass 1 (`mem` holds the memory signal): the base direction b, the residual
   * d = strength (alpha - 1) b (into `mem`), scaled by k so that its norm is at most modulationMaxRatio times b's, then
   * the stabiliser on u = b + k d, whose squared norm follows from the residual kernel's sums without another pass.
   */
  private hybridUpdate(p: Param, act: Float32Array, mem: Float32Array, alpha: AlphaTerms): void {
    const o = this.o;
    const n = p.value.length;
    const base = this.baseUpdate(p);
    const sums = this.sums;
    kernels.neuroplasticResidual(n, p.grad, act, mem, base, mem, alpha, o.modulationStrength, sums);
    const sumBaseSq = sums[ResidualSum.BASE_SQ];
    const sumDeltaSq = sums[ResidualSum.RESIDUAL_SQ];
    const sumCross = sums[ResidualSum.CROSS];
    const k = this.residualBound(sumBaseSq, sumDeltaSq);
    const sumSq = Math.max(0, sumBaseSq + 2 * k * sumCross + k * k * sumDeltaSq);
    const scale = this.stabilizerScale(sumSq, n);
    const lr = this.rateOf(p);
    const shrink = o.weightDecay > 0 && o.base === 'adamw' ? 1 - lr * o.weightDecay : 1;
    kernels.applyResidualUpdate(n, p.value, base, mem, k, shrink, lr * scale);
    if (this.collect) this.recordNorms(p.grad, scale * scale * sumSq);
  }

  /** The factor that keeps the modulation residual within modulationMaxRatio of the base update's norm. */
  private residualBound(sumBaseSq: number, sumDeltaSq: number): number {
    const limit = this.o.modulationMaxRatio * Math.sqrt(sumBaseSq);
    const dn = Math.sqrt(sumDeltaSq);
    return dn > limit ? limit / (dn + 1e-12) : 1;
  }

  /** The homeostatic stabiliser's factor for an update with squared norm `sumSq` over `n` values. */
  private stabilizerScale(sumSq: number, n: number): number {
    const o = this.o;
    if (o.ablation === 'no-homeostasis') return 1;
    let scale = 1;
    let norm = Math.sqrt(sumSq);
    if (norm > o.maxUpdateNorm) {
      scale = o.maxUpdateNorm / (norm + o.eps);
      norm *= scale;
    }
    const rms = Math.sqrt((norm * norm) / n + o.eps);
    return scale * clamp(1 + o.adaptationRate * (o.targetRms - rms), 0.5, 1.5);
  }

  /**
   * The hybrid bases' unmodulated direction (AdamW's m_hat / (sqrt(v_hat) + eps), or SGD momentum) into the
   * parameter's `base_update` slot.
   */
  private baseUpdate(p: Param): Float32Array {
    const o = this.o;
    const buf = this.slot(p, 'base_momentum');
    const out = this.slot(p, 'base_update');
    const adamw = o.base === 'adamw';
    const terms = this.baseTerms;
    terms.beta1 = o.baseMomentum;
    terms.beta2 = o.baseBeta2;
    terms.invBc1 = adamw ? 1 / (1 - Math.pow(o.baseMomentum, this.stepCount)) : 1;
    terms.invBc2 = adamw ? 1 / (1 - Math.pow(o.baseBeta2, this.stepCount)) : 1;
    terms.eps = o.baseEps;
    terms.weightDecay = adamw ? 0 : o.weightDecay;
    // SGD with momentum keeps no variance; the kernel leaves that argument alone then.
    const variance = adamw ? this.slot(p, 'base_variance') : out;
    kernels.baseDirection(p.value.length, adamw ? 0 : 1, p.grad, p.value, buf, variance, out, terms);
    return out;
  }
}

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Rejects invalid settings before training, naming the setting. */
export function validateNeuroPlastic(o: Required<NeuroPlasticOptions>): void {
  checkNonNegative('weightDecay', o.weightDecay);
  for (const k of ['activityWeight', 'gradientWeight', 'memoryWeight', 'plasticityScale'] as const)
    checkNonNegative(k, o[k]);
  for (const k of ['activityDecay', 'momentumDecay', 'varianceDecay', 'baseMomentum', 'baseBeta2'] as const)
    checkDecay(k, o[k]);
  for (const k of ['eps', 'maxUpdateNorm', 'baseEps', 'alphaMax'] as const) checkPositive(k, o[k]);
  checkNonNegative('alphaMin', o.alphaMin);
  checkNonNegative('targetRms', o.targetRms);
  checkNonNegative('adaptationRate', o.adaptationRate);
  checkNonNegative('modulationStrength', o.modulationStrength);
  checkNonNegative('modulationMaxRatio', o.modulationMaxRatio);
  if (!(o.alphaMin < o.alphaMax))
    throw new ConfigError(
      'alphaMin',
      `must be below alphaMax, found alphaMin ${o.alphaMin} >= alphaMax ${o.alphaMax}`,
    );
  if (!Number.isInteger(o.warmupEpochs) || o.warmupEpochs < 0)
    throw new ConfigError('warmupEpochs', `expected an integer >= 0, found ${o.warmupEpochs}`);
  if (!NEUROPLASTIC_ABLATIONS.includes(o.ablation))
    throw new ConfigError(
      'ablation',
      `unknown ablation ${JSON.stringify(o.ablation)} (known: ${NEUROPLASTIC_ABLATIONS.join(', ')})`,
    );
  if (!['classic', 'adamw', 'sgd-momentum'].includes(o.base))
    throw new ConfigError('base', `expected classic, adamw or sgd-momentum, found ${JSON.stringify(o.base)}`);
  if (!['signal', 'zero'].includes(o.activityInit))
    throw new ConfigError('activityInit', `expected signal or zero, found ${JSON.stringify(o.activityInit)}`);
  if (o.activityWeight + o.gradientWeight + o.memoryWeight <= 0)
    throw new ConfigError('activityWeight', 'the three signal weights must not all be 0');
  const remaining =
    o.gradientWeight +
    (o.ablation === 'no-activity' ? 0 : o.activityWeight) +
    (o.ablation === 'no-memory' ? 0 : o.memoryWeight);
  if (remaining <= 0)
    throw new ConfigError('ablation', `${o.ablation} leaves no signal with a positive weight`);
}

interface DiagAccumulator {
  count: number;
  sum: number;
  sumSq: number;
  min: number;
  max: number;
  nearMin: number;
  nearMax: number;
  histogram: number[];
  gradSq: number;
  updateSq: number;
}

function newDiagAccumulator(): DiagAccumulator {
  return {
    count: 0,
    sum: 0,
    sumSq: 0,
    min: Infinity,
    max: -Infinity,
    nearMin: 0,
    nearMax: 0,
    histogram: new Array<number>(HISTOGRAM_BINS).fill(0),
    gradSq: 0,
    updateSq: 0,
  };
}

/**
 * Per-parameter alpha from the mean-normalised signals: clip(g_hat) blended toward clip(wa a_hat + wg g_hat + wm m_hat)
 * by `mix` (gate x plasticityScale), clipped to the terms' bounds.
 */
function parameterAlpha(
  gHat: number,
  aHat: number,
  mHat: number,
  w: { activity: number; gradient: number; memory: number },
  { alphaMin: lo, alphaMax: hi, mix }: AlphaTerms,
): number {
  const ag = gHat < lo ? lo : gHat > hi ? hi : gHat;
  const full = w.activity * aHat + w.gradient * gHat + w.memory * mHat;
  const af = full < lo ? lo : full > hi ? hi : full;
  return ag + mix * (af - ag);
}

function recordAlphas(d: DiagAccumulator, alphas: Float32Array, lo: number, hi: number): void {
  const range = hi - lo;
  const nearLo = lo + 0.05 * range + 1e-6;
  const nearHi = hi - 0.05 * range - 1e-6;
  const perBin = HISTOGRAM_BINS / range;
  const { histogram } = d;
  let { sum, sumSq, min, max, nearMin, nearMax } = d;
  for (let i = 0; i < alphas.length; i++) {
    const a = alphas[i];
    sum += a;
    sumSq += a * a;
    if (a < min) min = a;
    if (a > max) max = a;
    if (a <= nearLo) nearMin++;
    if (a >= nearHi) nearMax++;
    histogram[Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor((a - lo) * perBin)))]++;
  }
  Object.assign(d, { count: d.count + alphas.length, sum, sumSq, min, max, nearMin, nearMax });
}

function finishDiagnostics(
  d: DiagAccumulator,
  step: number,
  gate: number,
  range: [number, number],
): NeuroPlasticDiagnostics {
  const mean = d.count ? d.sum / d.count : 0;
  return {
    step,
    alphaMean: mean,
    alphaStd: d.count ? Math.sqrt(Math.max(0, d.sumSq / d.count - mean * mean)) : 0,
    alphaMin: d.count ? d.min : 0,
    alphaMax: d.count ? d.max : 0,
    fractionNearMin: d.count ? d.nearMin / d.count : 0,
    fractionNearMax: d.count ? d.nearMax / d.count : 0,
    histogram: d.histogram,
    histogramRange: range,
    updateToGradientNorm: d.gradSq > 0 ? Math.sqrt(d.updateSq / d.gradSq) : 0,
    gate,
  };
}
