import { ConfigError } from '../../util/errors.js';
import type { NeuronPopulation } from '../types.js';
import { validateDiehlCookCell, type DiehlCookCellParameters } from './parameters.js';

/**
 * One membrane step of tau dv/dt = (vRest - v) + ge (eExc - v) + gi (eInh - v), with k = dt / tau: forward Euler
 * (the original's method) while the step's rate k (1 + ge + gi) is below `eulerMaxRate`, else the exact relaxation
 * toward the held steady state. Under large conductances (several inhibitory spikes in one step) Euler overshoots
 * past the reversal potential, and beyond rate 2 it diverges.
 */
export function membraneStep(
  v: number,
  ge: number,
  gi: number,
  k: number,
  vRest: number,
  eExc: number,
  eInh: number,
  eulerMaxRate: number,
): number {
  const rate = k * (1 + ge + gi);
  if (rate < eulerMaxRate) return v + k * (vRest - v + ge * (eExc - v) + gi * (eInh - v));
  const vInf = (vRest + ge * eExc + gi * eInh) / (1 + ge + gi);
  return vInf + (v - vInf) * Math.exp(-rate);
}

/**
 * A population of Diehl & Cook cells: conductances in units of the leak, decaying by forward Euler as in the
 * original, the membrane stepped by `membraneStep`, optionally with an adaptive threshold vThresh + theta - offset
 * (theta is read, not changed: the network raises it on spikes when learning). A `NeuronPopulation`, so it can also
 * stand in a generic `Network` (its `exc` and `inh` are `ge` and `gi`).
 */
export class DiehlCookCellGroup implements NeuronPopulation {
  readonly kind = 'diehl-cook-cell';
  readonly v: Float32Array;
  readonly ge: Float32Array;
  readonly gi: Float32Array;
  readonly refractory: Int32Array;
  readonly spikeBuf: Int32Array;
  /** How many neurons spiked in the last step (`spikeBuf[0..spikeCount)`). */
  spikeCount = 0;
  private readonly k: number;
  private readonly decayGe: number;
  private readonly decayGi: number;
  readonly refractorySteps: number;

  constructor(
    readonly name: string,
    readonly size: number,
    readonly c: DiehlCookCellParameters,
    readonly dtMs: number,
    private readonly eulerMaxRate: number,
    private readonly threshold: { theta: Float32Array; offsetMv: number } | null = null,
  ) {
    if (!Number.isInteger(size) || size <= 0)
      throw new ConfigError(`${name}.size`, `expected a positive integer, found ${size}`);
    validateDiehlCookCell(name, c, dtMs);
    if (threshold && threshold.theta.length !== size)
      throw new ConfigError(`${name}.theta`, `expected ${size} values, found ${threshold.theta.length}`);
    this.v = new Float32Array(size).fill(c.vRestMv);
    this.ge = new Float32Array(size);
    this.gi = new Float32Array(size);
    this.refractory = new Int32Array(size);
    this.spikeBuf = new Int32Array(size);
    this.k = dtMs / c.tauMembraneMs;
    this.decayGe = 1 - dtMs / c.tauExcMs;
    this.decayGi = 1 - dtMs / c.tauInhMs;
    this.refractorySteps = Math.round(c.refractoryMs / dtMs);
  }

  get exc(): Float32Array {
    return this.ge;
  }

  get inh(): Float32Array {
    return this.gi;
  }

  get spikes(): Int32Array {
    return this.spikeBuf.subarray(0, this.spikeCount);
  }

  /** One Euler step; a spike resets v and starts the refractory period, during which v is held at reset. */
  step(): void {
    const { v, ge, gi, refractory, spikeBuf, k, decayGe, decayGi } = this;
    const { vRestMv, vResetMv, vThreshMv, eExcMv, eInhMv } = this.c;
    const threshold = this.threshold === null ? null : this.threshold.theta;
    const thresholdShift = this.threshold === null ? 0 : this.threshold.offsetMv;
    let count = 0;
    for (let j = 0; j < this.size; j++) {
      const e = ge[j];
      const i = gi[j];
      ge[j] = e * decayGe;
      gi[j] = i * decayGi;
      if (refractory[j] > 0) {
        refractory[j]--;
        continue;
      }
      const vj = v[j];
      const vNew = membraneStep(vj, e, i, k, vRestMv, eExcMv, eInhMv, this.eulerMaxRate);
      const thresh = threshold === null ? vThreshMv : vThreshMv + threshold[j] - thresholdShift;
      if (vNew > thresh) {
        v[j] = vResetMv;
        refractory[j] = this.refractorySteps;
        spikeBuf[count++] = j;
      } else v[j] = vNew;
    }
    this.spikeCount = count;
  }

  reset(): void {
    this.v.fill(this.c.vRestMv);
    this.ge.fill(0);
    this.gi.fill(0);
    this.refractory.fill(0);
  }
}
