import { requireFinite, requireNonNegative, requirePositive, requireTimeConstant } from './params.js';
import { ConfigError } from '../util/errors.js';

/**
 * Leaky integrate-and-fire neuron (units in the names):
 *   Cm dv/dt = gL (EL - v) + I_syn + I_bias,   v > vThresh -> v = vReset, clamped for refractoryMs.
 * Synapses are exponentially decaying: current-based (I_syn = Ie - Ii, in pA) or conductance-based
 * (I_syn = ge (Ee - v) + gi (Ei - v), in nS), as in Vogels & Abbott (2005) and Brian2's COBA example.
 * Integration is exponential Euler: over a step the synaptic drive is held, so v relaxes exactly toward its
 * steady state; the synaptic variables decay exactly.
 */
export interface LifParameters {
  cmPf: number;
  gLeakNs: number;
  eLeakMv: number;
  vThreshMv: number;
  vResetMv: number;
  refractoryMs: number;
  synapse: 'current' | 'conductance';
  tauExcMs: number;
  tauInhMs: number;
  /** Reversal potentials (conductance synapses only). */
  eExcMv?: number;
  eInhMv?: number;
  /** Constant injected current. */
  biasCurrentPa?: number;
}

export function validateLif(where: string, p: LifParameters, dtMs: number): void {
  requirePositive(where, 'cmPf', p.cmPf);
  requirePositive(where, 'gLeakNs', p.gLeakNs);
  requireTimeConstant(where, 'membrane time constant (cmPf / gLeakNs)', p.cmPf / p.gLeakNs, dtMs);
  requireTimeConstant(where, 'tauExcMs', p.tauExcMs, dtMs);
  requireTimeConstant(where, 'tauInhMs', p.tauInhMs, dtMs);
  requireNonNegative(where, 'refractoryMs', p.refractoryMs);
  for (const k of ['eLeakMv', 'vThreshMv', 'vResetMv'] as const) requireFinite(where, k, p[k]);
  if (!(p.vResetMv < p.vThreshMv))
    throw new ConfigError(
      `${where}.vResetMv`,
      `must be below vThreshMv, found ${p.vResetMv} >= ${p.vThreshMv}`,
    );
  if (p.synapse === 'conductance') {
    requireFinite(where, 'eExcMv', p.eExcMv ?? Number.NaN);
    requireFinite(where, 'eInhMv', p.eInhMv ?? Number.NaN);
  } else if (p.synapse !== 'current') {
    throw new ConfigError(
      `${where}.synapse`,
      `expected current or conductance, found ${JSON.stringify(p.synapse)}`,
    );
  }
}

/** A population of LIF neurons sharing one parameter set (a cell type); state is per neuron. */
export class LifGroup {
  readonly kind = 'lif';
  readonly v: Float32Array;
  /** Excitatory and inhibitory synaptic variables: conductance (nS) or current (pA). */
  readonly exc: Float32Array;
  readonly inh: Float32Array;
  /** Extra current per neuron (pA), e.g. set by an experiment; added to biasCurrentPa. */
  readonly inputPa: Float32Array;
  /** Steps of refractoriness left. */
  readonly refractory: Int32Array;
  /** Indices of the neurons that spiked in the last step. */
  spikes: Int32Array = new Int32Array(0);
  private readonly spikeBuf: Int32Array;

  constructor(
    readonly name: string,
    readonly size: number,
    readonly params: LifParameters,
    readonly dtMs: number,
  ) {
    if (!Number.isInteger(size) || size <= 0)
      throw new ConfigError(`${name}.size`, `expected a positive integer, found ${size}`);
    validateLif(name, params, dtMs);
    this.v = new Float32Array(size).fill(params.eLeakMv);
    this.exc = new Float32Array(size);
    this.inh = new Float32Array(size);
    this.inputPa = new Float32Array(size);
    this.refractory = new Int32Array(size);
    this.spikeBuf = new Int32Array(size);
  }

  /** Advances one step and records which neurons crossed threshold (they are reset and become refractory). */
  step(): void {
    const p = this.params;
    const dt = this.dtMs;
    const gL = p.gLeakNs;
    const cm = p.cmPf;
    const conductance = p.synapse === 'conductance';
    const eE = p.eExcMv ?? 0;
    const eI = p.eInhMv ?? 0;
    const bias = p.biasCurrentPa ?? 0;
    const decayE = Math.exp(-dt / p.tauExcMs);
    const decayI = Math.exp(-dt / p.tauInhMs);
    // nS * mV = pA; pF / nS = ms.
    const leakDecay = Math.exp((-dt * gL) / cm);
    // Brian2's convention: refractory while t - lastspike < refractoryMs, i.e. for the next round(ref/dt) - 1 steps.
    const refractorySteps = Math.max(0, Math.round(p.refractoryMs / dt) - 1);
    const { v, exc, inh, refractory, inputPa } = this;
    let count = 0;
    for (let i = 0; i < this.size; i++) {
      const ge = exc[i];
      const gi = inh[i];
      if (refractory[i] > 0) {
        refractory[i]--;
        v[i] = p.vResetMv;
      } else {
        let vi = v[i];
        if (conductance) {
          const gTot = gL + ge + gi;
          const vInf = (gL * p.eLeakMv + ge * eE + gi * eI + bias + inputPa[i]) / gTot;
          vi = vInf + (vi - vInf) * Math.exp((-dt * gTot) / cm);
        } else {
          const vInf = p.eLeakMv + (ge - gi + bias + inputPa[i]) / gL;
          vi = vInf + (vi - vInf) * leakDecay;
        }
        if (vi > p.vThreshMv) {
          this.spikeBuf[count++] = i;
          vi = p.vResetMv;
          refractory[i] = refractorySteps;
        }
        v[i] = vi;
      }
      exc[i] = ge * decayE;
      inh[i] = gi * decayI;
    }
    this.spikes = this.spikeBuf.subarray(0, count);
  }

  /** Analytic firing rate (Hz) of an uncoupled current-based neuron driven by a constant current. */
  static analyticRateHz(p: LifParameters, currentPa: number): number {
    const tau = p.cmPf / p.gLeakNs;
    const vInf = p.eLeakMv + currentPa / p.gLeakNs;
    if (vInf <= p.vThreshMv) return 0;
    const isiMs = p.refractoryMs + tau * Math.log((vInf - p.vResetMv) / (vInf - p.vThreshMv));
    return 1000 / isiMs;
  }
}
