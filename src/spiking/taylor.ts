import { ConfigError } from '../util/errors.js';
import { requirePositive, requireTimeConstant } from './params.js';
import type { Projection } from './projection.js';
import { DEFAULT_MODULATOR } from './modulators.js';
import type { ModulatedRule } from './types.js';
import type { KindDescription } from './registries.js';
import { stateArray, stateNumber, type SavedState } from './saved-state.js';

/** The variables a Taylor-expanded rule can combine, in this order in `powers`. */
export const TAYLOR_VARIABLES = ['pre', 'post', 'xPre', 'xPost', 'eligibility', 'modulator', 'w'] as const;

export interface TaylorTerm {
  /** Exponent of each variable in TAYLOR_VARIABLES order (non-negative integers). */
  powers: readonly [number, number, number, number, number, number, number];
  coefficient: number;
}

export interface TaylorRuleParameters {
  terms: TaylorTerm[];
  tauPreMs: number;
  tauPostMs: number;
  /** Eligibility: an EMA of pre x xPost + post x xPre pairings, decaying with this time constant. */
  tauEligibilityMs?: number;
  wMax: number;
  /** The signal M stands for (default "dopamine"), handed over by a network with modulators. */
  modulatorName?: string;
  /** Scales the rule's changes to a set size outside the rule (off when absent); see `AdaptiveScaling`. */
  adaptiveScaling?: AdaptiveScaling;
}

/**
 * Adaptive scaling of weight updates, applied after the rule and before the weight bounds: each step's changes are
 * divided by the root of a bias-corrected running mean of past squared changes (an average over the synapses each
 * step changes, then an exponential average over such steps), so the applied changes have a root mean square of
 * `stepFraction` x wMax whatever the scale of the rule's coefficients. The rule then sets the direction and the
 * relative size of changes; this sets their size per synapse type, so that types whose weights differ by orders of
 * magnitude learn at comparable relative rates.
 */
export interface AdaptiveScaling {
  /** Root mean square of an applied change, as a fraction of wMax, in (0, 1]. */
  stepFraction: number;
  /** Memory of the running mean, in weight-changing steps (>= 1; 1 normalises every step on its own). */
  averagingSteps: number;
}

/**
 * A plasticity rule given by the coefficients of a truncated Taylor expansion (Confavreux et al. 2020; Jordan et al.
 * 2021): dw = sum_k c_k pre^a post^b xPre^c xPost^d e^f M^g w^h per step, where pre/post are this step's spike
 * indicators (0 or 1), xPre/xPost exponential traces, e an eligibility trace and M the modulator. The search space of
 * the evolution part. Terms with a pre or post factor are evaluated only at spikes (event driven); terms without are
 * evaluated for every synapse every step. M is the signal `modulatorName`, set each step by a network with
 * modulators (or by hand through `modulator` in a network without).
 */
export class TaylorRule implements ModulatedRule {
  readonly kind = 'taylor';
  modulator = 0;
  readonly modulatorNames: readonly string[];
  private projection: Projection | null = null;
  private xPre = new Float32Array(0);
  private xPost = new Float32Array(0);
  private elig = new Float32Array(0);
  private seenVersion = -1;
  // Per-step scratch, allocated on attach (and on rewiring), reused every step.
  private dw = new Float64Array(0);
  private touched = new Uint8Array(0);
  private touchedList = new Int32Array(0);
  private touchedCount = 0;
  private preNow = new Uint8Array(0);
  private postNow = new Uint8Array(0);
  private readonly vars = new Float64Array(7);
  private decay = { pre: 1, post: 1, elig: 1 };
  // Adaptive scaling: running mean of squared changes and the number of steps averaged into it.
  private meanSquare = 0;
  private scaledSteps = 0;
  private readonly preTerms: TaylorTerm[];
  private readonly postTerms: TaylorTerm[];
  private readonly bothTerms: TaylorTerm[];
  private readonly everyStepTerms: TaylorTerm[];

  constructor(readonly p: TaylorRuleParameters) {
    requirePositive('taylor', 'tauPreMs', p.tauPreMs);
    requirePositive('taylor', 'tauPostMs', p.tauPostMs);
    requirePositive('taylor', 'wMax', p.wMax);
    if (p.adaptiveScaling !== undefined) checkAdaptiveScaling(p.adaptiveScaling);
    if (!Array.isArray(p.terms))
      throw new ConfigError(
        'taylor.terms',
        `expected a list of { powers, coefficient }, found ${JSON.stringify(p.terms)}`,
      );
    p.terms.forEach((t, i) => {
      if (
        !Array.isArray(t?.powers) ||
        t.powers.length !== TAYLOR_VARIABLES.length ||
        t.powers.some((e) => !Number.isInteger(e) || e < 0)
      )
        throw new ConfigError(
          `taylor.terms[${i}].powers`,
          `expected ${TAYLOR_VARIABLES.length} non-negative integers (${TAYLOR_VARIABLES.join(', ')}), found ${JSON.stringify(t?.powers)}`,
        );
      if (!Number.isFinite(t.coefficient))
        throw new ConfigError(
          `taylor.terms[${i}].coefficient`,
          `expected a finite number, found ${t.coefficient}`,
        );
    });
    const live = p.terms.filter((t) => t.coefficient !== 0);
    this.preTerms = live.filter((t) => t.powers[0] > 0 && t.powers[1] === 0);
    this.postTerms = live.filter((t) => t.powers[1] > 0 && t.powers[0] === 0);
    this.bothTerms = live.filter((t) => t.powers[0] > 0 && t.powers[1] > 0);
    this.everyStepTerms = live.filter((t) => t.powers[0] === 0 && t.powers[1] === 0);
    // Only a rule with a term in M reads a signal (so a network need not provide one for the others).
    this.modulatorNames = live.some((t) => t.powers[5] > 0) ? [p.modulatorName ?? DEFAULT_MODULATOR] : [];
  }

  modulate(values: Float64Array): void {
    this.modulator = values[0];
  }

  attach(projection: Projection): void {
    const dt = projection.dtMs;
    requireTimeConstant('taylor', 'tauPreMs', this.p.tauPreMs, dt);
    requireTimeConstant('taylor', 'tauPostMs', this.p.tauPostMs, dt);
    this.projection = projection;
    this.xPre = new Float32Array(projection.sourceSize);
    this.xPost = new Float32Array(projection.targetSize);
    this.preNow = new Uint8Array(projection.sourceSize);
    this.postNow = new Uint8Array(projection.targetSize);
    this.seenVersion = -1;
    this.decay = {
      pre: Math.exp(-dt / this.p.tauPreMs),
      post: Math.exp(-dt / this.p.tauPostMs),
      elig: Math.exp(-dt / (this.p.tauEligibilityMs ?? 1000)),
    };
  }

  /** One term's value; `vars` holds this synapse's variables in TAYLOR_VARIABLES order (reused, no allocation). */
  private term(t: TaylorTerm, vars: Float64Array): number {
    let prod = t.coefficient;
    for (let q = 0; q < 7; q++) {
      const e = t.powers[q];
      if (e > 0) prod *= e === 1 ? vars[q] : vars[q] ** e;
    }
    return prod;
  }

  /** Adds the terms to synapse k's pending change, recording k the first time it is touched this step. */
  private accumulate(
    terms: TaylorTerm[],
    k: number,
    pre: number,
    post: number,
    xPre: number,
    xPost: number,
  ): void {
    const v = this.vars;
    v[0] = pre;
    v[1] = post;
    v[2] = xPre;
    v[3] = xPost;
    v[4] = this.elig[k];
    v[5] = this.modulator;
    v[6] = this.projection!.weight[k];
    let d = 0;
    for (const t of terms) d += this.term(t, v);
    if (!this.touched[k]) {
      this.touched[k] = 1;
      this.touchedList[this.touchedCount++] = k;
    }
    this.dw[k] += d;
  }

  step(preSpikes: Int32Array, postSpikes: Int32Array): void {
    const proj = this.projection;
    if (!proj) throw new Error('TaylorRule: not attached to a projection');
    const w = proj.weight;
    if (this.seenVersion !== proj.version || this.dw.length !== proj.synapseCount) {
      // Rewired (structural plasticity): per-synapse state starts over.
      const n = proj.synapseCount;
      this.elig = new Float32Array(n);
      this.dw = new Float64Array(n);
      this.touched = new Uint8Array(n);
      this.touchedList = new Int32Array(n);
      this.seenVersion = proj.version;
    }
    const { xPre, xPost, elig, preNow, postNow } = this;
    for (let i = 0; i < xPre.length; i++) xPre[i] *= this.decay.pre;
    for (let j = 0; j < xPost.length; j++) xPost[j] *= this.decay.post;
    for (let k = 0; k < elig.length; k++) elig[k] *= this.decay.elig;
    for (const j of postSpikes) postNow[j] = 1;
    for (const i of preSpikes) preNow[i] = 1;
    this.touchedCount = 0;
    for (const i of preSpikes)
      for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++) {
        const j = proj.post[k];
        elig[k] += xPost[j];
        if (this.preTerms.length) this.accumulate(this.preTerms, k, 1, 0, xPre[i], xPost[j]);
        if (postNow[j] && this.bothTerms.length) this.accumulate(this.bothTerms, k, 1, 1, xPre[i], xPost[j]);
      }
    const { start, synapses } = proj.columns();
    for (const j of postSpikes)
      for (let c = start[j]; c < start[j + 1]; c++) {
        const k = synapses[c];
        const i = proj.rowOf(k);
        elig[k] += xPre[i];
        if (this.postTerms.length) this.accumulate(this.postTerms, k, 0, 1, xPre[i], xPost[j]);
      }
    if (this.everyStepTerms.length > 0)
      for (let k = 0; k < w.length; k++) {
        const i = proj.rowOf(k);
        const j = proj.post[k];
        this.accumulate(this.everyStepTerms, k, preNow[i], postNow[j], xPre[i], xPost[j]);
      }
    const gain = this.touchedCount > 0 ? this.updateGain() : 1;
    for (let t = 0; t < this.touchedCount; t++) {
      const k = this.touchedList[t];
      w[k] = Math.min(this.p.wMax, Math.max(0, w[k] + gain * this.dw[k]));
      this.dw[k] = 0;
      this.touched[k] = 0;
    }
    for (const i of preSpikes) {
      xPre[i] += 1;
      preNow[i] = 0;
    }
    for (const j of postSpikes) {
      xPost[j] += 1;
      postNow[j] = 0;
    }
  }

  /** The factor this step's changes are multiplied by: 1, or the adaptive scaling's normalisation. */
  private updateGain(): number {
    const scaling = this.p.adaptiveScaling;
    if (!scaling) return 1;
    let sum = 0;
    for (let t = 0; t < this.touchedCount; t++) sum += this.dw[this.touchedList[t]] ** 2;
    const keep = 1 - 1 / scaling.averagingSteps;
    this.meanSquare = keep * this.meanSquare + (1 - keep) * (sum / this.touchedCount);
    this.scaledSteps++;
    const corrected = this.meanSquare / (1 - keep ** this.scaledSteps);
    return corrected > 0 ? (scaling.stepFraction * this.p.wMax) / Math.sqrt(corrected) : 0;
  }

  /** The description `createPlasticityRule` builds this rule from (for saving). */
  describe(): KindDescription {
    return {
      kind: 'taylor',
      ...this.p,
      terms: this.p.terms.map((t) => ({ powers: [...t.powers], coefficient: t.coefficient })),
      ...(this.p.adaptiveScaling ? { adaptiveScaling: { ...this.p.adaptiveScaling } } : {}),
    };
  }

  /**
   * The traces, the eligibility of every synapse, the rewiring it has seen and the modulator value (the per-step
   * scratch is all zero between steps).
   */
  saveState(): SavedState {
    return {
      xPre: this.xPre,
      xPost: this.xPost,
      eligibility: this.elig,
      seenVersion: this.seenVersion,
      modulator: this.modulator,
      ...(this.p.adaptiveScaling ? { meanSquare: this.meanSquare, scaledSteps: this.scaledSteps } : {}),
    };
  }

  loadState(state: SavedState, where: string): void {
    const proj = this.projection;
    if (!proj) throw new Error('TaylorRule: not attached to a projection');
    this.xPre.set(stateArray(state, 'xPre', 'float32', proj.sourceSize, where, 'the source size'));
    this.xPost.set(stateArray(state, 'xPost', 'float32', proj.targetSize, where, 'the target size'));
    const seen = stateNumber(state, 'seenVersion', where, 'integer');
    this.modulator = stateNumber(state, 'modulator', where, 'any');
    if (this.p.adaptiveScaling) {
      this.meanSquare = stateNumber(state, 'meanSquare', where, 'finite');
      this.scaledSteps = stateNumber(state, 'scaledSteps', where, 'count');
    }
    if (seen !== proj.version) {
      // Not stepped since attached or rewired: the next step starts the per-synapse state over, as it would have.
      stateArray(state, 'eligibility', 'float32', null, where);
      this.seenVersion = -1;
      return;
    }
    const n = proj.synapseCount;
    this.elig = Float32Array.from(stateArray(state, 'eligibility', 'float32', n, where, 'the synapse count'));
    this.dw = new Float64Array(n);
    this.touched = new Uint8Array(n);
    this.touchedList = new Int32Array(n);
    this.seenVersion = seen;
  }
}

function checkAdaptiveScaling(a: AdaptiveScaling): void {
  const fraction = a?.stepFraction;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1))
    throw new ConfigError(
      'taylor.adaptiveScaling.stepFraction',
      `expected a number in (0, 1], found ${fraction}`,
    );
  const steps = a.averagingSteps;
  if (typeof steps !== 'number' || !(steps >= 1) || !Number.isFinite(steps))
    throw new ConfigError('taylor.adaptiveScaling.averagingSteps', `expected a number >= 1, found ${steps}`);
}
