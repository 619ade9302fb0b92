import { ConfigError } from '../../util/errors.js';
import { requireFinite, requireTimeConstant } from '../params.js';
import type { NeuronPopulation } from '../types.js';
import type { KindDescription } from '../registries.js';
import { savedSpikes, stateArray, type SavedState } from '../saved-state.js';

/**
 * Izhikevich (2003) neuron: dv/dt = 0.04 v^2 + 5 v + 140 - u + I, du/dt = a (b v - u); v >= 30 mV: v = c, u += d
 * (v in mV, t in ms, I in the model's current units). Integrated with two half steps for v per step, as in the
 * paper's reference code, then u.
 */
export interface IzhikevichParameters {
  a: number;
  b: number;
  c: number;
  d: number;
}

export const IZHIKEVICH_REGULAR_SPIKING: IzhikevichParameters = { a: 0.02, b: 0.2, c: -65, d: 8 };
export const IZHIKEVICH_FAST_SPIKING: IzhikevichParameters = { a: 0.1, b: 0.2, c: -65, d: 2 };

export class IzhikevichGroup implements NeuronPopulation {
  readonly kind = 'izhikevich';
  readonly v: Float32Array;
  readonly u: Float32Array;
  readonly exc: Float32Array;
  readonly inh: Float32Array;
  readonly input: Float32Array;
  spikes: Int32Array = new Int32Array(0);
  private readonly spikeBuf: Int32Array;

  constructor(
    readonly name: string,
    readonly size: number,
    readonly params: IzhikevichParameters,
    readonly dtMs: number,
    readonly tauSynMs = 5,
  ) {
    if (!Number.isInteger(size) || size <= 0)
      throw new ConfigError(`${name}.size`, `expected a positive integer, found ${size}`);
    if (dtMs > 1)
      throw new ConfigError(`${name}.dtMs`, `the Izhikevich model needs dt <= 1 ms, found ${dtMs}`);
    for (const k of ['a', 'b', 'c', 'd'] as const) requireFinite(name, k, params[k]);
    requireTimeConstant(name, 'tauSynMs', tauSynMs, dtMs);
    this.v = new Float32Array(size).fill(params.c);
    this.u = Float32Array.from(this.v, (v) => params.b * v);
    this.exc = new Float32Array(size);
    this.inh = new Float32Array(size);
    this.input = new Float32Array(size);
    this.spikeBuf = new Int32Array(size);
  }

  step(): void {
    const { a, b, c, d } = this.params;
    const h = this.dtMs / 2;
    const decay = Math.exp(-this.dtMs / this.tauSynMs);
    let count = 0;
    for (let i = 0; i < this.size; i++) {
      const current = this.input[i] + this.exc[i] - this.inh[i];
      let v = this.v[i];
      let u = this.u[i];
      v += h * (0.04 * v * v + 5 * v + 140 - u + current);
      v += h * (0.04 * v * v + 5 * v + 140 - u + current);
      u += this.dtMs * a * (b * v - u);
      if (v >= 30) {
        this.spikeBuf[count++] = i;
        v = c;
        u += d;
      }
      this.v[i] = v;
      this.u[i] = u;
      this.exc[i] *= decay;
      this.inh[i] *= decay;
    }
    this.spikes = this.spikeBuf.subarray(0, count);
  }

  /** Kind, name, size, parameters and synaptic time constant: what persist.ts's group-kind table builds it from. */
  describe(): KindDescription {
    return {
      kind: 'izhikevich',
      name: this.name,
      size: this.size,
      params: { ...this.params },
      tauSynMs: this.tauSynMs,
    };
  }

  /** Every per-neuron variable (views) and the last step's spikes. */
  saveState(): SavedState {
    const { v, u, exc, inh, input, spikes } = this;
    return { v, u, exc, inh, input, spikes };
  }

  loadState(state: SavedState, where: string): void {
    for (const k of ['v', 'u', 'exc', 'inh', 'input'] as const)
      this[k].set(stateArray(state, k, 'float32', this.size, where, 'the group size'));
    const spikes = savedSpikes(state, where, this.size, this.size);
    this.spikeBuf.set(spikes);
    this.spikes = this.spikeBuf.subarray(0, spikes.length);
  }
}
