import { ConfigError } from '../util/errors.js';
import { requirePositive, requireTimeConstant } from './params.js';
import type { Projection } from './projection.js';

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
}

/**
 * A plasticity rule given by the coefficients of a truncated Taylor expansion (Confavreux et al. 2020; Jordan et al.
 * 2021): dw = sum_k c_k pre^a post^b xPre^c xPost^d e^f M^g w^h per step, where pre/post are this step's spike
 * indicators (0 or 1), xPre/xPost exponential traces, e an eligibility trace and M the modulator. The search space of
 * the evolution part. Terms with a pre or post factor are evaluated only at spikes (event driven); terms without are
 * evaluated for every synapse every step.
 */
export class TaylorRule {
  readonly kind = 'taylor';
  modulator = 0;
  private projection: Projection | null = null;
  private xPre = new Float32Array(0);
  private xPost = new Float32Array(0);
  private elig = new Float32Array(0);
  private seenVersion = 0;
  private decay = { pre: 1, post: 1, elig: 1 };
  private readonly preTerms: TaylorTerm[];
  private readonly postTerms: TaylorTerm[];
  private readonly bothTerms: TaylorTerm[];
  private readonly everyStepTerms: TaylorTerm[];

  constructor(readonly p: TaylorRuleParameters) {
    requirePositive('taylor', 'tauPreMs', p.tauPreMs);
    requirePositive('taylor', 'tauPostMs', p.tauPostMs);
    requirePositive('taylor', 'wMax', p.wMax);
    p.terms.forEach((t, i) => {
      if (t.powers.length !== TAYLOR_VARIABLES.length || t.powers.some((e) => !Number.isInteger(e) || e < 0))
        throw new ConfigError(
          `taylor.terms[${i}].powers`,
          `expected ${TAYLOR_VARIABLES.length} non-negative integers (${TAYLOR_VARIABLES.join(', ')}), found [${t.powers}]`,
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
  }

  attach(projection: Projection): void {
    const dt = projection.dtMs;
    requireTimeConstant('taylor', 'tauPreMs', this.p.tauPreMs, dt);
    requireTimeConstant('taylor', 'tauPostMs', this.p.tauPostMs, dt);
    this.projection = projection;
    this.xPre = new Float32Array(projection.sourceSize);
    this.xPost = new Float32Array(projection.targetSize);
    this.elig = new Float32Array(projection.synapseCount);
    this.decay = {
      pre: Math.exp(-dt / this.p.tauPreMs),
      post: Math.exp(-dt / this.p.tauPostMs),
      elig: Math.exp(-dt / (this.p.tauEligibilityMs ?? 1000)),
    };
  }

  private term(t: TaylorTerm, k: number, pre: number, post: number, xPre: number, xPost: number): number {
    const v = [pre, post, xPre, xPost, this.elig[k], this.modulator, this.projection!.weight[k]];
    let prod = t.coefficient;
    for (let q = 0; q < v.length; q++) if (t.powers[q] > 0) prod *= v[q] ** t.powers[q];
    return prod;
  }

  step(preSpikes: Int32Array, postSpikes: Int32Array): void {
    const proj = this.projection;
    if (!proj) throw new Error('TaylorRule: not attached to a projection');
    const w = proj.weight;
    if (this.seenVersion !== proj.version) {
      // Rewired (structural plasticity): per-synapse eligibility starts over.
      this.elig = new Float32Array(proj.synapseCount);
      this.seenVersion = proj.version;
    }
    const { xPre, xPost, elig } = this;
    for (let i = 0; i < xPre.length; i++) xPre[i] *= this.decay.pre;
    for (let j = 0; j < xPost.length; j++) xPost[j] *= this.decay.post;
    for (let k = 0; k < elig.length; k++) elig[k] *= this.decay.elig;
    const dw = new Map<number, number>();
    const add = (k: number, v: number) => dw.set(k, (dw.get(k) ?? 0) + v);
    const postNow = new Uint8Array(proj.targetSize);
    for (const j of postSpikes) postNow[j] = 1;
    const preNow = new Uint8Array(proj.sourceSize);
    for (const i of preSpikes) preNow[i] = 1;
    for (const i of preSpikes)
      for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++) {
        const j = proj.post[k];
        elig[k] += xPost[j];
        for (const t of this.preTerms) add(k, this.term(t, k, 1, 0, xPre[i], xPost[j]));
        if (postNow[j]) for (const t of this.bothTerms) add(k, this.term(t, k, 1, 1, xPre[i], xPost[j]));
      }
    const { start, synapses } = proj.columns();
    for (const j of postSpikes)
      for (let c = start[j]; c < start[j + 1]; c++) {
        const k = synapses[c];
        const i = proj.rowOf(k);
        elig[k] += xPre[i];
        for (const t of this.postTerms) add(k, this.term(t, k, 0, 1, xPre[i], xPost[j]));
      }
    if (this.everyStepTerms.length > 0)
      for (let k = 0; k < w.length; k++) {
        const i = proj.rowOf(k);
        const j = proj.post[k];
        for (const t of this.everyStepTerms)
          add(k, this.term(t, k, preNow[i], postNow[j], xPre[i], xPost[j]));
      }
    for (const [k, d] of dw) w[k] = Math.min(this.p.wMax, Math.max(0, w[k] + d));
    for (const i of preSpikes) xPre[i] += 1;
    for (const j of postSpikes) xPost[j] += 1;
  }
}
