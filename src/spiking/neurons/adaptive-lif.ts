import { ConfigError } from '../../util/errors.js';
import { requireTimeConstant } from '../params.js';
import type { NeuronPopulation } from '../types.js';
import { validateLifMembrane, type LifMembraneParameters } from './lif.js';
import type { KindDescription } from '../registries.js';
import { savedSpikes, stateArray, type SavedState } from '../saved-state.js';

/**
 * Adaptive LIF with both classic forms of spike-frequency adaptation (current-based synapses):
 *   Cm dv/dt = gL (EL - v) - w + I_syn + I,   tau_w dw/dt = a (v - EL) - w,   on a spike: w += b, theta += deltaThetaMv
 *   threshold = vThreshMv + theta,            tau_theta dtheta/dt = -theta
 * (adaptation current: Brette & Gerstner's a, b without the exponential term; threshold adaptation: an adaptive
 * threshold). Integrated with exponential Euler on v (w held over the step) and exact decay of theta.
 */
export interface AdaptiveLifParameters extends LifMembraneParameters {
  tauSynMs: number;
  /** Subthreshold adaptation conductance a (nS) and spike-triggered increment b (pA), time constant tau_w. */
  aNs?: number;
  bPa?: number;
  tauAdaptMs?: number;
  /** Threshold jump per spike (mV) and its decay time constant. */
  deltaThetaMv?: number;
  tauThetaMs?: number;
}

export class AdaptiveLifGroup implements NeuronPopulation {
  readonly kind = 'adaptive-lif';
  readonly v: Float32Array;
  readonly w: Float32Array;
  readonly theta: Float32Array;
  readonly exc: Float32Array;
  readonly inh: Float32Array;
  readonly inputPa: Float32Array;
  private readonly refractory: Int32Array;
  spikes: Int32Array = new Int32Array(0);
  private readonly spikeBuf: Int32Array;

  constructor(
    readonly name: string,
    readonly size: number,
    readonly params: AdaptiveLifParameters,
    readonly dtMs: number,
  ) {
    if (!Number.isInteger(size) || size <= 0)
      throw new ConfigError(`${name}.size`, `expected a positive integer, found ${size}`);
    const p = params;
    validateLifMembrane(name, p, dtMs);
    requireTimeConstant(name, 'tauSynMs', p.tauSynMs, dtMs);
    requireTimeConstant(name, 'tauAdaptMs', p.tauAdaptMs ?? 100, dtMs);
    requireTimeConstant(name, 'tauThetaMs', p.tauThetaMs ?? 100, dtMs);
    this.v = new Float32Array(size).fill(p.eLeakMv);
    this.w = new Float32Array(size);
    this.theta = new Float32Array(size);
    this.exc = new Float32Array(size);
    this.inh = new Float32Array(size);
    this.inputPa = new Float32Array(size);
    this.refractory = new Int32Array(size);
    this.spikeBuf = new Int32Array(size);
  }

  step(): void {
    const p = this.params;
    const dt = this.dtMs;
    const a = p.aNs ?? 0;
    const b = p.bPa ?? 0;
    const tauW = p.tauAdaptMs ?? 100;
    const decayTheta = Math.exp(-dt / (p.tauThetaMs ?? 100));
    const decayW = Math.exp(-dt / tauW);
    const decaySyn = Math.exp(-dt / p.tauSynMs);
    const leak = Math.exp((-dt * p.gLeakNs) / p.cmPf);
    const refractorySteps = Math.max(0, Math.round(p.refractoryMs / dt) - 1);
    let count = 0;
    for (let i = 0; i < this.size; i++) {
      const vOld = this.v[i];
      // w relaxes exactly toward a (v - EL) with v held at the start of the step.
      const wInf = a * (vOld - p.eLeakMv);
      this.w[i] = wInf + (this.w[i] - wInf) * decayW;
      this.theta[i] *= decayTheta;
      if (this.refractory[i] > 0) {
        this.refractory[i]--;
        this.v[i] = p.vResetMv;
      } else {
        const vInf = p.eLeakMv + (this.exc[i] - this.inh[i] - this.w[i] + this.inputPa[i]) / p.gLeakNs;
        let v = vInf + (vOld - vInf) * leak;
        if (v > p.vThreshMv + this.theta[i]) {
          this.spikeBuf[count++] = i;
          v = p.vResetMv;
          this.w[i] += b;
          this.theta[i] += p.deltaThetaMv ?? 0;
          this.refractory[i] = refractorySteps;
        }
        this.v[i] = v;
      }
      this.exc[i] *= decaySyn;
      this.inh[i] *= decaySyn;
    }
    this.spikes = this.spikeBuf.subarray(0, count);
  }

  /** Kind, name, size and parameters: what the group-kind table of persist.ts builds it from. */
  describe(): KindDescription {
    return { kind: 'adaptive-lif', name: this.name, size: this.size, params: { ...this.params } };
  }

  /** Every per-neuron variable (views), refractory steps left and the last step's spikes. */
  saveState(): SavedState {
    const { v, w, theta, exc, inh, inputPa, refractory, spikes } = this;
    return { v, w, theta, exc, inh, inputPa, refractory, spikes };
  }

  loadState(state: SavedState, where: string): void {
    for (const k of ['v', 'w', 'theta', 'exc', 'inh', 'inputPa'] as const)
      this[k].set(stateArray(state, k, 'float32', this.size, where, 'the group size'));
    this.refractory.set(stateArray(state, 'refractory', 'int32', this.size, where, 'the group size'));
    const spikes = savedSpikes(state, where, this.size, this.size);
    this.spikeBuf.set(spikes);
    this.spikes = this.spikeBuf.subarray(0, spikes.length);
  }
}
