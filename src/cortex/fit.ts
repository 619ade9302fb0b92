import { ConfigError } from '../util/errors.js';
import { V1_CLASS_COUNT } from './tables.js';
import { buildV1Network, type V1Model } from './model.js';

export interface BackgroundFitOptions {
  /** Target rate per class (Hz), e.g. the recorded spontaneous medians. */
  targetsHz: number[];
  iterations?: number;
  /** Per iteration: simulated time discarded, then measured (ms). */
  settleMs?: number;
  measureMs?: number;
  /** Step of the multiplicative update in log space, and its decay per iteration (coupled classes overshoot). */
  step?: number;
  stepDecay?: number;
  onIteration?: (record: BackgroundFitRecord) => void;
}

export interface BackgroundFitRecord {
  iteration: number;
  ratesHz: number[];
  backgroundWeightPa: number[];
  /** Mean over classes of |log((rate + 1) / (target + 1))|. */
  error: number;
}

/**
 * Fits each class's background weight so the class's mean rate meets its target: every iteration simulates the
 * whole network, then moves each weight by exp(-step log((rate + 1) / (target + 1))) (recurrence couples the
 * classes, so all move together, the fit iterates and its step decays). Deterministic: the network and its inputs
 * follow the model's seed. Returns the model with the weights of the iteration with the smallest error, and the
 * history.
 */
export function fitBackgroundWeights(
  model: V1Model,
  opts: BackgroundFitOptions,
): { model: V1Model; history: BackgroundFitRecord[] } {
  const { targetsHz } = opts;
  if (targetsHz.length !== V1_CLASS_COUNT || targetsHz.some((t) => !(t >= 0)))
    throw new ConfigError('targetsHz', `expected ${V1_CLASS_COUNT} rates >= 0, found ${targetsHz.length}`);
  const iterations = opts.iterations ?? 12;
  const settleMs = opts.settleMs ?? 200;
  const measureMs = opts.measureMs ?? 500;
  const step = opts.step ?? 0.3;
  const stepDecay = opts.stepDecay ?? 0.85;
  let weights = model.classes.map((c) => c.backgroundWeightPa);
  const ceiling = weights.map((w) => 20 * w);
  const history: BackgroundFitRecord[] = [];
  const withWeights = (w: number[]): V1Model => ({
    ...model,
    classes: model.classes.map((c, id) => ({ ...c, backgroundWeightPa: w[id] })),
  });
  for (let iteration = 0; iteration <= iterations; iteration++) {
    const v = buildV1Network(withWeights(weights));
    v.net.run(settleMs);
    v.counter.reset();
    v.net.run(measureMs);
    const ratesHz = v.counter.groupRatesHz();
    const logError = ratesHz.map((r, c) => Math.log((r + 1) / (targetsHz[c] + 1)));
    const error = logError.reduce((a, e) => a + Math.abs(e), 0) / logError.length;
    const record = { iteration, ratesHz, backgroundWeightPa: weights, error };
    history.push(record);
    opts.onIteration?.(record);
    if (iteration === iterations) break;
    const k = step * stepDecay ** iteration;
    weights = weights.map((w, c) => Math.min(ceiling[c], w * Math.exp(-k * logError[c])));
  }
  const best = history.reduce((a, b) => (b.error < a.error ? b : a));
  return { model: withWeights(best.backgroundWeightPa), history };
}
