import { ConfigError } from '../util/errors.js';
import type { LgnRates } from './lgn.js';
import { V1_CLASS_COUNT } from './tables.js';
import { buildV1Network, withClassWeights, type V1Model, type V1Network } from './model.js';
import { median } from './responses.js';

export interface BackgroundFitOptions {
  /** Target rate per class (Hz) on a gray screen, e.g. the recorded spontaneous means. */
  targetsHz: number[];
  /**
   * With an LGN: stimuli (their LGN rates, shown back to back) and a target rate per class while they are shown;
   * each class's LGN weight factor is then fitted too.
   */
  stimulus?: { rates: LgnRates[]; targetsHz: number[] };
  iterations?: number;
  /** Per iteration: simulated time discarded, then measured (ms), on the gray screen. */
  settleMs?: number;
  measureMs?: number;
  /** Step of the multiplicative update in log space, and its decay per iteration (coupled classes overshoot). */
  step?: number;
  stepDecay?: number;
  /**
   * What a class's rate is: the mean over its neurons (default) or the median, the statistic the recordings'
   * ranges are judged by (with per-neuron background spread the two part: a few strongly driven cells carry the mean).
   */
  statistic?: 'mean' | 'median';
  onIteration?: (record: BackgroundFitRecord) => void;
}

export interface BackgroundFitRecord {
  iteration: number;
  ratesHz: number[];
  /** Class rates (the fit's statistic) while the stimuli were shown (with `stimulus`). */
  stimulusRatesHz?: number[];
  backgroundWeightPa: number[];
  lgnWeightScale?: number[];
  /** Mean over classes (and conditions) of |log((rate + 1) / (target + 1))|. */
  error: number;
}

function checkTargets(field: string, t: readonly number[]): void {
  if (t.length !== V1_CLASS_COUNT || t.some((x) => !(x >= 0)))
    throw new ConfigError(field, `expected ${V1_CLASS_COUNT} rates >= 0, found ${t.length}`);
}

const logErrors = (rates: number[], targets: number[]) =>
  rates.map((r, c) => Math.log((r + 1) / (targets[c] + 1)));
const meanAbs = (xs: number[]) => xs.reduce((a, e) => a + Math.abs(e), 0) / xs.length;

/**
 * Fits each class's background weight so the class's rate (mean or median over its neurons, `statistic`) on a gray
 * screen meets its target and, with
 * `stimulus`, each class's LGN weight factor so that the ratio of its stimulus rate to its gray-screen rate meets the
 * targets' ratio. Every iteration simulates the whole network, then moves each weight by exp(-step e), e the log
 * error of (rate + 1) / (target + 1) (for the LGN, of the ratio); recurrence couples the classes, so all move
 * together, the fit iterates and its step decays. Deterministic: the network and its inputs follow the model's seed.
 * Returns the model with the weights of the iteration with the smallest error, and the history.
 */
export function fitBackgroundWeights(
  model: V1Model,
  opts: BackgroundFitOptions,
): { model: V1Model; history: BackgroundFitRecord[] } {
  const { targetsHz, stimulus } = opts;
  checkTargets('targetsHz', targetsHz);
  if (stimulus) {
    checkTargets('stimulus.targetsHz', stimulus.targetsHz);
    if (!model.lgn) throw new ConfigError('stimulus', 'expected a model with an LGN to show stimuli to');
    if (stimulus.rates.length === 0)
      throw new ConfigError('stimulus.rates', 'expected at least one stimulus');
  }
  const iterations = opts.iterations ?? 12;
  const settleMs = opts.settleMs ?? 200;
  const measureMs = opts.measureMs ?? 500;
  const step = opts.step ?? 0.3;
  const stepDecay = opts.stepDecay ?? 0.85;
  const classRates = (v: V1Network) =>
    opts.statistic === 'median' ? v.counter.neuronRatesHz().map((r) => median(r)) : v.counter.groupRatesHz();
  let weights = model.classes.map((c) => c.backgroundWeightPa);
  let lgnScale = stimulus ? [...model.lgn!.weightScale] : undefined;
  const ceiling = weights.map((w) => 20 * w);
  const history: BackgroundFitRecord[] = [];
  for (let iteration = 0; iteration <= iterations; iteration++) {
    const v = buildV1Network(withClassWeights(model, weights, lgnScale));
    v.net.run(settleMs);
    v.counter.reset();
    v.net.run(measureMs);
    const ratesHz = classRates(v);
    const grayError = logErrors(ratesHz, targetsHz);
    let stimulusRatesHz: number[] | undefined;
    let ratioError: number[] | undefined;
    let error = meanAbs(grayError);
    if (stimulus) {
      v.counter.reset();
      for (const r of stimulus.rates) {
        v.lgn!.setRates(r);
        v.net.run(r.durationMs);
      }
      stimulusRatesHz = classRates(v);
      const stimulusError = logErrors(stimulusRatesHz, stimulus.targetsHz);
      ratioError = stimulusError.map((e, c) => e - grayError[c]);
      error = (error + meanAbs(stimulusError)) / 2;
    }
    const record: BackgroundFitRecord = {
      iteration,
      ratesHz,
      stimulusRatesHz,
      backgroundWeightPa: weights,
      lgnWeightScale: lgnScale,
      error,
    };
    history.push(record);
    opts.onIteration?.(record);
    if (iteration === iterations) break;
    const k = step * stepDecay ** iteration;
    weights = weights.map((w, c) => Math.min(ceiling[c], w * Math.exp(-k * grayError[c])));
    if (lgnScale && ratioError)
      lgnScale = lgnScale.map((s, c) => Math.min(100, Math.max(1e-3, s * Math.exp(-k * ratioError![c]))));
  }
  const best = history.reduce((a, b) => (b.error < a.error ? b : a));
  return { model: withClassWeights(model, best.backgroundWeightPa, best.lgnWeightScale), history };
}
