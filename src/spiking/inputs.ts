import { Rng } from '../util/rng.js';
import { ConfigError } from '../util/errors.js';
import { requireNonNegative } from './params.js';
import type { SpikeSource } from './types.js';
import type { KindDescription } from './registries.js';
import { savedSpikes, stateArray, stateNumber, stateRng, type SavedState } from './saved-state.js';

/** Independent Poisson spike trains: each neuron fires in a step with probability rateHz * dt. */
export class PoissonGroup implements SpikeSource {
  readonly kind = 'poisson';
  readonly rateHz: Float32Array;
  spikes: Int32Array = new Int32Array(0);
  private readonly spikeBuf: Int32Array;
  private readonly rng: Rng;

  constructor(
    readonly name: string,
    readonly size: number,
    rateHz: number | Float32Array,
    readonly dtMs: number,
    seed: number,
  ) {
    if (!Number.isInteger(size) || size <= 0)
      throw new ConfigError(`${name}.size`, `expected a positive integer, found ${size}`);
    this.rateHz = typeof rateHz === 'number' ? new Float32Array(size).fill(rateHz) : rateHz;
    if (this.rateHz.length !== size)
      throw new ConfigError(`${name}.rateHz`, `expected ${size} rates, found ${this.rateHz.length}`);
    let maxRate = 0;
    this.rateHz.forEach((r, i) => {
      requireNonNegative(name, `rateHz[${i}]`, r);
      if (r > maxRate) maxRate = r;
    });
    const maxP = (maxRate * dtMs) / 1000;
    if (maxP > 1) throw new ConfigError(`${name}.rateHz`, `rate x dt = ${maxP} > 1: lower the rate or dt`);
    this.spikeBuf = new Int32Array(size);
    this.rng = new Rng(seed, 7);
  }

  step(): void {
    const k = this.dtMs / 1000;
    let count = 0;
    for (let i = 0; i < this.size; i++) if (this.rng.float() < this.rateHz[i] * k) this.spikeBuf[count++] = i;
    this.spikes = this.spikeBuf.subarray(0, count);
  }

  /** Kind, name and size; the rates are state (they may be changed between runs). */
  describe(): KindDescription {
    return { kind: 'poisson', name: this.name, size: this.size };
  }

  /** The rates, the generator's state and the last step's spikes. */
  saveState(): SavedState {
    return { rateHz: this.rateHz, rng: this.rng.getState(), spikes: this.spikes };
  }

  loadState(state: SavedState, where: string): void {
    const rates = stateArray(state, 'rateHz', 'float32', this.size, where, 'the group size');
    rates.forEach((r, i) => {
      requireNonNegative(where, `rateHz[${i}]`, r);
      if ((r * this.dtMs) / 1000 > 1)
        throw new ConfigError(`${where}.rateHz[${i}]`, `rate x dt = ${(r * this.dtMs) / 1000} > 1`);
    });
    this.rateHz.set(rates);
    this.rng.setState(stateRng(state, 'rng', where));
    const spikes = savedSpikes(state, where, this.size, this.size);
    this.spikeBuf.set(spikes);
    this.spikes = this.spikeBuf.subarray(0, spikes.length);
  }
}

/** Replays given spike times (ms) of given neurons, as Brian2's SpikeGeneratorGroup. */
export class SpikeSourceArray implements SpikeSource {
  readonly kind = 'spike-source';
  spikes: Int32Array = new Int32Array(0);
  private readonly byStep = new Map<number, number[]>();
  private stepIndex = 0;

  constructor(
    readonly name: string,
    readonly size: number,
    indices: ArrayLike<number>,
    timesMs: ArrayLike<number>,
    readonly dtMs: number,
  ) {
    if (indices.length !== timesMs.length)
      throw new ConfigError(
        `${name}`,
        `indices (${indices.length}) and times (${timesMs.length}) differ in length`,
      );
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (!Number.isInteger(i) || i < 0 || i >= size)
        throw new ConfigError(`${name}.indices[${k}]`, `expected an integer in [0, ${size}), found ${i}`);
      requireNonNegative(name, `timesMs[${k}]`, timesMs[k]);
      const s = Math.round(timesMs[k] / dtMs);
      const list = this.byStep.get(s) ?? [];
      list.push(i);
      this.byStep.set(s, list);
    }
  }

  step(): void {
    this.spikes = Int32Array.from(this.byStep.get(this.stepIndex++) ?? []);
  }

  /** Kind, name and size; the spike times are state (`saveState`), as a group built with none is loaded into. */
  describe(): KindDescription {
    return { kind: 'spike-source', name: this.name, size: this.size };
  }

  /**
   * The schedule as parallel arrays (the step of each spike and its neuron, in the order they are emitted), the
   * position in it (the next step) and the last step's spikes.
   */
  saveState(): SavedState {
    const n = [...this.byStep.values()].reduce((t, l) => t + l.length, 0);
    const steps = new Float64Array(n);
    const indices = new Int32Array(n);
    let k = 0;
    for (const [s, list] of this.byStep)
      for (const i of list) {
        steps[k] = s;
        indices[k++] = i;
      }
    return { steps, indices, stepIndex: this.stepIndex, spikes: this.spikes };
  }

  loadState(state: SavedState, where: string): void {
    const steps = stateArray(state, 'steps', 'float64', null, where);
    const indices = stateArray(state, 'indices', 'int32', steps.length, where, 'one per spike step');
    const byStep = new Map<number, number[]>();
    for (let k = 0; k < steps.length; k++) {
      const i = indices[k];
      if (!(Number.isSafeInteger(steps[k]) && steps[k] >= 0))
        throw new ConfigError(`${where}.steps[${k}]`, `expected a step count, found ${steps[k]}`);
      if (!(i >= 0 && i < this.size))
        throw new ConfigError(
          `${where}.indices[${k}]`,
          `expected an integer in [0, ${this.size}), found ${i}`,
        );
      const list = byStep.get(steps[k]) ?? [];
      list.push(i);
      byStep.set(steps[k], list);
    }
    this.stepIndex = stateNumber(state, 'stepIndex', where, 'count');
    const spikes = savedSpikes(state, where, this.size, null);
    this.byStep.clear();
    for (const [s, list] of byStep) this.byStep.set(s, list);
    this.spikes = Int32Array.from(spikes);
  }
}
