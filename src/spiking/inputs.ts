import { Rng } from '../util/rng.js';
import { ConfigError } from '../util/errors.js';
import { requireNonNegative } from './params.js';
import type { SpikeSource } from './types.js';

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
}
