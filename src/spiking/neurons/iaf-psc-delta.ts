import { requireFinite } from '../params.js';
import { ConfigError } from '../../util/errors.js';
import type { CellType, NeuronPopulation } from '../types.js';
import type { KindDescription } from '../registries.js';
import { savedSpikes, stateArray, type SavedState } from '../saved-state.js';
import { validateLifMembrane, type LifMembraneParameters } from './lif.js';

/**
 * NEST's `iaf_psc_delta`: a leaky integrate-and-fire neuron whose synapses are delta pulses (units in the names):
 *   tau_m dV/dt = -(V - EL) + R (I_bias + I_input),   tau_m = Cm / gL,   R = 1 / gL,
 * and each spike of weight w (mV) makes V jump by w (`exc`) or -w (`inh`).
 */
export interface IafPscDeltaParameters extends LifMembraneParameters {
  /** Constant injected current (pA). */
  biasCurrentPa?: number;
  /** Initial membrane potential (default eLeakMv; NEST's iaf_psc_delta starts at -70 mV whatever E_L is). */
  vInitMv?: number;
}

/** Checks an IafPscDeltaParameters set, naming the parameter at fault in one line. */
export function validateIafPscDelta(where: string, p: IafPscDeltaParameters, dtMs: number): void {
  validateLifMembrane(where, p, dtMs);
  requireFinite(where, 'biasCurrentPa', p.biasCurrentPa ?? 0);
  if (p.vInitMv !== undefined) requireFinite(where, 'vInitMv', p.vInitMv);
}

/** The float32 per-neuron variables saved and loaded. */
const FLOAT_STATE = ['v', 'exc', 'inh', 'inputPa'] as const;

/**
 * A population of NEST `iaf_psc_delta` neurons sharing one parameter set; state is per neuron. Each step, for a
 * neuron not refractory: V relaxes exactly toward the held current's steady state,
 * V = EL + R I + (V - EL - R I) e^{-dt/tau_m} (I = biasCurrentPa + inputPa), then the weights that arrived (`exc`
 * minus `inh`, mV, what projections added since the last step) are added, and the neuron fires when
 * **V >= vThreshMv** (NEST's convention for this model, unlike the strict `>` of LifGroup and the GLIF groups): V =
 * vResetMv, held for refractoryMs (Brian2's convention: round(refractoryMs / dt) - 1 steps after the spike's, as
 * the other groups). Input arriving while refractory is dropped (NEST's `refractory_input` false). `exc` and `inh`
 * are emptied every step. NEST's lower bound V_min (default -inf) is not modelled.
 */
export class IafPscDeltaGroup implements NeuronPopulation {
  readonly kind = 'iaf-psc-delta';
  readonly params: IafPscDeltaParameters;
  readonly v: Float32Array;
  /** The weights (mV) arrived since the last step, by receptor: V jumps by exc - inh in the next step. */
  readonly exc: Float32Array;
  readonly inh: Float32Array;
  /** Extra current per neuron (pA), e.g. set by an experiment; added to biasCurrentPa. */
  readonly inputPa: Float32Array;
  /** Steps of refractoriness left. */
  readonly refractory: Int32Array;
  spikes: Int32Array = new Int32Array(0);
  private readonly spikeBuf: Int32Array;
  private readonly leak: number;

  constructor(
    readonly name: string,
    readonly size: number,
    params: IafPscDeltaParameters,
    readonly dtMs: number,
    readonly cellType?: CellType,
  ) {
    if (!Number.isInteger(size) || size <= 0)
      throw new ConfigError(`${name}.size`, `expected a positive integer, found ${size}`);
    validateIafPscDelta(name, params, dtMs);
    this.params = { ...params };
    this.v = new Float32Array(size).fill(params.vInitMv ?? params.eLeakMv);
    this.exc = new Float32Array(size);
    this.inh = new Float32Array(size);
    this.inputPa = new Float32Array(size);
    this.refractory = new Int32Array(size);
    this.spikeBuf = new Int32Array(size);
    this.leak = Math.exp((-dtMs * params.gLeakNs) / params.cmPf);
  }

  /** Advances one step and records which neurons reached threshold (they are reset and become refractory). */
  step(): void {
    const p = this.params;
    const { v, exc, inh, inputPa, refractory, spikeBuf, leak } = this;
    const eL = p.eLeakMv;
    const gL = p.gLeakNs;
    const vTh = p.vThreshMv;
    const vReset = p.vResetMv;
    const bias = p.biasCurrentPa ?? 0;
    const refractorySteps = Math.max(0, Math.round(p.refractoryMs / this.dtMs) - 1);
    let count = 0;
    for (let i = 0; i < this.size; i++) {
      const jump = exc[i] - inh[i];
      exc[i] = 0;
      inh[i] = 0;
      if (refractory[i] > 0) {
        refractory[i]--;
        v[i] = vReset;
        continue;
      }
      const uInf = (bias + inputPa[i]) / gL;
      const vi = eL + uInf + (v[i] - eL - uInf) * leak + jump;
      if (vi >= vTh) {
        spikeBuf[count++] = i;
        v[i] = vReset;
        refractory[i] = refractorySteps;
      } else v[i] = vi;
    }
    this.spikes = spikeBuf.subarray(0, count);
  }

  /** Kind, name, size, parameters and cell type: what persist.ts's group-kind table builds it from. */
  describe(): KindDescription {
    return {
      kind: 'iaf-psc-delta',
      name: this.name,
      size: this.size,
      params: { ...this.params },
      cellType: this.cellType ? { name: this.cellType.name, transmitter: this.cellType.transmitter } : null,
    };
  }

  /** Every per-neuron variable (views), refractory steps left and the last step's spikes. */
  saveState(): SavedState {
    const { v, exc, inh, inputPa, refractory, spikes } = this;
    return { v, exc, inh, inputPa, refractory, spikes };
  }

  loadState(state: SavedState, where: string): void {
    for (const k of FLOAT_STATE)
      this[k].set(stateArray(state, k, 'float32', this.size, where, 'the group size'));
    this.refractory.set(stateArray(state, 'refractory', 'int32', this.size, where, 'the group size'));
    const spikes = savedSpikes(state, where, this.size, this.size);
    this.spikeBuf.set(spikes);
    this.spikes = this.spikeBuf.subarray(0, spikes.length);
  }
}
