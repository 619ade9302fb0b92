import { Rng } from '../util/rng.js';
import { ConfigError } from '../util/errors.js';
import { requireNonNegative } from './params.js';
import type { SpikeSource } from './types.js';
import { kernels } from '../engine/index.js';
import { allocInt32State } from './neurons/lif.js';
import type { KindDescription } from './registries.js';
import { savedSpikes, stateArray, stateNumber, stateRng, type SavedState } from './saved-state.js';

/**
 * Independent Poisson spike trains: each neuron fires in a step with probability rateHz * dt, decided by one draw
 * of its xoshiro128** stream per neuron per step (the `poissonStep` kernel).
 */
export class PoissonGroup implements SpikeSource {
  readonly kind = 'poisson';
  readonly rateHz: Float32Array;
  spikes: Int32Array = new Int32Array(0);
  private readonly spikeBuf: Int32Array;
  /** The generator's four state words, in kernel storage beside the spike buffer. */
  private readonly rngState: Int32Array;
  private readonly storage: Float32Array[] = [];

  constructor(
    readonly name: string,
    readonly size: number,
    rateHz: number | Float32Array,
    readonly dtMs: number,
    seed: number,
  ) {
    if (!Number.isInteger(size) || size <= 0)
      throw new ConfigError(`${name}.size`, `expected a positive integer, found ${size}`);
    this.rateHz = typeof rateHz === 'number' ? kernels.allocState(size).fill(rateHz) : rateHz;
    if (this.rateHz.length !== size)
      throw new ConfigError(`${name}.rateHz`, `expected ${size} rates, found ${this.rateHz.length}`);
    let maxRate = 0;
    this.rateHz.forEach((r, i) => {
      requireNonNegative(name, `rateHz[${i}]`, r);
      if (r > maxRate) maxRate = r;
    });
    const maxP = (maxRate * dtMs) / 1000;
    if (maxP > 1) throw new ConfigError(`${name}.rateHz`, `rate x dt = ${maxP} > 1: lower the rate or dt`);
    this.spikeBuf = allocInt32State(this.storage, size);
    this.rngState = allocInt32State(this.storage, 4);
    this.rngState.set(new Rng(seed, 7).getState());
  }

  step(): void {
    // u / 2^32 < rate x dt exactly when u < rate x (dt x 2^32): scaling by 2^32 is exact.
    const scale = (this.dtMs / 1000) * 4294967296;
    const count = kernels.poissonStep(this.size, this.rateHz, scale, this.rngState, this.spikeBuf);
    this.spikes = this.spikeBuf.subarray(0, count);
  }

  /** Kind, name and size; the rates are state (they may be changed between runs). */
  describe(): KindDescription {
    return { kind: 'poisson', name: this.name, size: this.size };
  }

  /** The rates, the generator's state and the last step's spikes. */
  saveState(): SavedState {
    return { rateHz: this.rateHz, rng: Array.from(this.rngState, (w) => w >>> 0), spikes: this.spikes };
  }

  loadState(state: SavedState, where: string): void {
    const rates = stateArray(state, 'rateHz', 'float32', this.size, where, 'the group size');
    rates.forEach((r, i) => {
      requireNonNegative(where, `rateHz[${i}]`, r);
      if ((r * this.dtMs) / 1000 > 1)
        throw new ConfigError(`${where}.rateHz[${i}]`, `rate x dt = ${(r * this.dtMs) / 1000} > 1`);
    });
    this.rateHz.set(rates);
    this.rngState.set(stateRng(state, 'rng', where));
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
    /** The network step the times count from: a group added to a network that has run already starts there. */
    firstStep = 0,
  ) {
    this.stepIndex = firstStep;
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

/**
 * Independent Poisson inputs on the step grid, the process of `PoissonGroup` and of Brian2's PoissonGroup (each
 * input spikes in a step with probability p = rate x dt, independently), drawn per spike instead of per input per
 * step: the gap to an input's next spiking step is geometric, 1 + floor(ln U / ln(1 - p)), and a binary heap keeps
 * the inputs in order of their next step. With 1000 inputs at 15 Hz and dt 0.1 ms that is 1.5 draws per step
 * instead of 1000. Spikes of a step come out in ascending input order.
 */
export class SparsePoissonGroup implements SpikeSource {
  readonly kind = 'sparse-poisson';
  spikes: Int32Array = new Int32Array(0);
  private readonly spikeBuf: Int32Array;
  private readonly rng: Rng;
  /** Heap of inputs ordered by (next spiking step, index). */
  private readonly heap: Int32Array;
  private readonly next: Float64Array;
  private heapSize = 0;
  private readonly logQ: number;
  private stepIndex = 0;

  constructor(
    readonly name: string,
    readonly size: number,
    readonly rateHz: number,
    readonly dtMs: number,
    seed: number,
  ) {
    if (!Number.isInteger(size) || size <= 0)
      throw new ConfigError(`${name}.size`, `expected a positive integer, found ${size}`);
    const p = (rateHz * dtMs) / 1000;
    if (!(p >= 0 && p <= 1))
      throw new ConfigError(`${name}.rateHz`, `expected rate x dt in [0, 1], found ${p} (rate ${rateHz} Hz)`);
    this.logQ = Math.log1p(-p);
    this.rng = new Rng(seed, 23);
    this.spikeBuf = new Int32Array(size);
    this.heap = new Int32Array(size);
    this.next = new Float64Array(size);
    if (p > 0)
      for (let i = 0; i < size; i++) {
        this.next[i] = this.gap() - 1;
        this.push(i);
      }
  }

  /** Steps to the next spike, >= 1 (geometric with success probability p). */
  private gap(): number {
    // 1 - float() is in (0, 1]: ln of it is finite; with p = 1, logQ = -Infinity and every gap is 1.
    return 1 + Math.floor(Math.log(1 - this.rng.float()) / this.logQ);
  }

  private before(a: number, b: number): boolean {
    const na = this.next[a];
    const nb = this.next[b];
    return na < nb || (na === nb && a < b);
  }

  private push(i: number): void {
    const h = this.heap;
    let c = this.heapSize++;
    while (c > 0) {
      const parent = (c - 1) >> 1;
      if (!this.before(i, h[parent])) break;
      h[c] = h[parent];
      c = parent;
    }
    h[c] = i;
  }

  private pop(): number {
    const h = this.heap;
    const top = h[0];
    const last = h[--this.heapSize];
    let c = 0;
    for (;;) {
      let child = 2 * c + 1;
      if (child >= this.heapSize) break;
      if (child + 1 < this.heapSize && this.before(h[child + 1], h[child])) child++;
      if (!this.before(h[child], last)) break;
      h[c] = h[child];
      c = child;
    }
    h[c] = last;
    return top;
  }

  /** The description its group kind rebuilds it from (for saving). */
  describe(): KindDescription {
    return { kind: 'sparse-poisson', name: this.name, size: this.size, rateHz: this.rateHz };
  }

  /** The generator, each input's next spiking step (the heap is rebuilt from them), the position, the last spikes. */
  saveState(): SavedState {
    return { rng: this.rng.getState(), next: this.next, stepIndex: this.stepIndex, spikes: this.spikes };
  }

  loadState(state: SavedState, where: string): void {
    const next = stateArray(state, 'next', 'float64', this.size, where, 'one per input');
    const stepIndex = stateNumber(state, 'stepIndex', where, 'count');
    for (let i = 0; i < next.length; i++)
      if (!(Number.isSafeInteger(next[i]) && next[i] >= stepIndex))
        throw new ConfigError(
          `${where}.next[${i}]`,
          `expected a step from ${stepIndex} on, found ${next[i]}`,
        );
    this.rng.setState(stateRng(state, 'rng', where));
    this.stepIndex = stepIndex;
    this.heapSize = 0;
    if (this.logQ < 0)
      for (let i = 0; i < this.size; i++) {
        this.next[i] = next[i];
        this.push(i);
      }
    const spikes = savedSpikes(state, where, this.size, this.size);
    this.spikeBuf.set(spikes);
    this.spikes = this.spikeBuf.subarray(0, spikes.length);
  }

  step(): void {
    const s = this.stepIndex++;
    let count = 0;
    while (this.heapSize > 0 && this.next[this.heap[0]] === s) {
      const i = this.pop();
      this.spikeBuf[count++] = i;
      this.next[i] = s + this.gap();
      this.push(i);
    }
    this.spikes = this.spikeBuf.subarray(0, count);
  }
}
