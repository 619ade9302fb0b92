/**
 * Measuring the V1 model as the Neuropixels recordings were summarised: each neuron's rate on a gray screen and
 * during drifting gratings of several directions, class medians against the recorded 10th-90th percentile range,
 * and orientation selectivity.
 */
import { ConfigError } from '../util/errors.js';
import type { LgnRates } from './lgn.js';
import { spontaneousLgnRates } from './lgn-wiring.js';
import { buildV1Network, type V1Model } from './model.js';
import type { RateSummary } from './tables.js';

export interface V1ResponseOptions {
  /** Gray screen shown first and discarded (ms). */
  settleMs: number;
  /** Gray screen measured (ms): the spontaneous rates. */
  spontaneousMs: number;
  /** Gratings shown in this order, each after `grayGapMs` of gray (not counted); each one's rates are measured. */
  gratings: { directionDeg: number; rates: LgnRates }[];
  grayGapMs: number;
}

export interface V1Responses {
  /** Per class, each neuron's gray-screen rate (Hz). */
  spontaneousHz: Float32Array[];
  directionsDeg: number[];
  /** Each grating's duration (ms). */
  gratingMs: number[];
  /** Per grating, per class, each neuron's rate (Hz) while it was shown. */
  gratingHz: Float32Array[][];
}

/** Simulates a model on a gray screen, then through the gratings, counting every neuron's spikes in each window. */
export function measureV1Responses(model: V1Model, opts: V1ResponseOptions): V1Responses {
  if (!model.lgn && opts.gratings.length > 0)
    throw new ConfigError('gratings', 'expected a model with an LGN to show gratings to');
  const v = buildV1Network(model);
  v.net.run(opts.settleMs);
  v.counter.reset();
  v.net.run(opts.spontaneousMs);
  const spontaneousHz = v.counter.neuronRatesHz();
  const gratingHz: Float32Array[][] = [];
  for (const g of opts.gratings) {
    v.lgn!.setRates(spontaneousLgnRates(model.lgn!.model));
    v.net.run(opts.grayGapMs);
    v.lgn!.setRates(g.rates);
    v.counter.reset();
    v.net.run(g.rates.durationMs);
    gratingHz.push(v.counter.neuronRatesHz());
  }
  return {
    spontaneousHz,
    directionsDeg: opts.gratings.map((g) => g.directionDeg),
    gratingMs: opts.gratings.map((g) => g.rates.durationMs),
    gratingHz,
  };
}

/** Each neuron's mean rate over all gratings (Hz), per class. */
export function meanGratingRates(r: V1Responses): Float32Array[] {
  return r.spontaneousHz.map((s, c) => {
    const out = new Float32Array(s.length);
    for (const g of r.gratingHz) for (let i = 0; i < out.length; i++) out[i] += g[c][i] / r.gratingHz.length;
    return out;
  });
}

/**
 * Each neuron's orientation selectivity index over the gratings' directions, the global (vector) definition
 * |sum_d r_d exp(2 i theta_d)| / sum_d r_d; NaN for a neuron that fired fewer than `minSpikes` spikes (at least one)
 * over all gratings (a few spikes give a large index by chance).
 */
export function orientationSelectivity(r: V1Responses, classId: number, minSpikes = 1): Float32Array {
  const n = r.spontaneousHz[classId].length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let re = 0;
    let im = 0;
    let sum = 0;
    let spikes = 0;
    r.gratingHz.forEach((g, d) => {
      spikes += (g[classId][i] * r.gratingMs[d]) / 1000;
      const a = (2 * r.directionsDeg[d] * Math.PI) / 180;
      re += g[classId][i] * Math.cos(a);
      im += g[classId][i] * Math.sin(a);
      sum += g[classId][i];
    });
    out[i] = sum > 0 && spikes >= Math.max(1, minSpikes) - 1e-6 ? Math.hypot(re, im) / sum : NaN;
  }
  return out;
}

/** Median of the finite values (linear interpolation, numpy's default); NaN when there are none. */
export function median(values: ArrayLike<number>): number {
  const xs = Array.from(values)
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const h = (xs.length - 1) / 2;
  const lo = Math.floor(h);
  return xs[lo] + (h - lo) * (xs[Math.min(lo + 1, xs.length - 1)] - xs[lo]);
}

/** One class in one condition: the model's median and mean, the recorded median and range, and the verdict. */
export interface ClassRateCheck {
  median: number;
  mean: number;
  target: number;
  range: [number, number];
  inRange: boolean;
  /** No neuron of the class fired. */
  silent: boolean;
  /** The class median is above three times the recorded 90th percentile. */
  runaway: boolean;
}

export function checkClassRates(rates: Float32Array, target: RateSummary): ClassRateCheck {
  const m = median(rates);
  const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
  return {
    median: m,
    mean,
    target: target.median,
    range: [target.p10, target.p90],
    inRange: m >= target.p10 && m <= target.p90,
    silent: rates.every((x) => x === 0),
    runaway: m > 3 * target.p90,
  };
}
