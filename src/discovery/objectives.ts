/**
 * The rule-discovery study's objectives, each a plain function of what an evaluation measured (Ye et al., ICLR 2026:
 * task accuracy, rule complexity, maximum rate, synchrony, and two distances from the recorded mouse rates).
 */
import { ConfigError } from '../util/errors.js';

/**
 * The 1-Wasserstein (earth mover's) distance between two samples of a real quantity: the area between their
 * empirical distribution functions, integral |F_a(x) - F_b(x)| dx. In the samples' unit (here Hz).
 */
export function wasserstein1(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length === 0 || b.length === 0)
    throw new ConfigError(
      'wasserstein1',
      `expected two non-empty samples, found ${a.length} and ${b.length}`,
    );
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  // Sweep the merged values; between consecutive ones both distribution functions are constant.
  let i = 0;
  let j = 0;
  let prev = Math.min(x[0], y[0]);
  let area = 0;
  while (i < x.length || j < y.length) {
    const next = j >= y.length || (i < x.length && x[i] <= y[j]) ? x[i] : y[j];
    area += Math.abs(i / x.length - j / y.length) * (next - prev);
    prev = next;
    while (i < x.length && x[i] === next) i++;
    while (j < y.length && y[j] === next) j++;
  }
  return area;
}

/**
 * How far the model's per-class mean rates are from the recorded ones: the mean over classes of |model - recorded| /
 * recorded (0 when equal; a silent class adds 1; a class at 3x its recorded rate adds 2).
 */
export function rateDeviation(modelHz: readonly number[], recordedHz: readonly number[]): number {
  if (modelHz.length !== recordedHz.length || modelHz.length === 0)
    throw new ConfigError(
      'rateDeviation',
      `expected as many model as recorded rates (at least one), found ${modelHz.length} and ${recordedHz.length}`,
    );
  let sum = 0;
  recordedHz.forEach((t, c) => {
    if (!(t > 0)) throw new ConfigError(`rateDeviation.recorded[${c}]`, `expected a rate > 0, found ${t}`);
    sum += Math.abs(modelHz[c] - t) / t;
  });
  return sum / recordedHz.length;
}

/** The mean over classes of the Wasserstein distance between the model's and the recorded per-neuron rates (Hz). */
export function classWasserstein(
  modelHz: readonly ArrayLike<number>[],
  recordedHz: readonly ArrayLike<number>[],
): number {
  if (modelHz.length !== recordedHz.length || modelHz.length === 0)
    throw new ConfigError(
      'classWasserstein',
      `expected as many model as recorded classes (at least one), found ${modelHz.length} and ${recordedHz.length}`,
    );
  let sum = 0;
  for (let c = 0; c < modelHz.length; c++) sum += wasserstein1(modelHz[c], recordedHz[c]);
  return sum / modelHz.length;
}

/**
 * Synchrony of a population from binned spike counts, in bounded memory: the variance of the population's count per
 * bin divided by the sum of the neurons' own count variances, Var(sum_i c_i) / sum_i Var(c_i). Independent neurons
 * give 1 (the covariances vanish); N neurons firing in lockstep give N. This is N chi^2 of Golomb (2007), chi^2
 * being the same ratio for the population mean.
 */
export class SynchronyMeter {
  private readonly current: Uint16Array;
  private readonly touched: Int32Array;
  private touchedCount = 0;
  private readonly sum: Float64Array;
  private readonly sumSquares: Float64Array;
  private populationSum = 0;
  private populationSquares = 0;
  private binsClosed = 0;
  private stepsInBin = 0;
  private binCount = 0;

  constructor(
    readonly size: number,
    /** Steps per bin. */
    readonly binSteps: number,
  ) {
    if (!(Number.isInteger(binSteps) && binSteps >= 1))
      throw new ConfigError('synchrony.binSteps', `expected an integer >= 1, found ${binSteps}`);
    this.current = new Uint16Array(size);
    this.touched = new Int32Array(size);
    this.sum = new Float64Array(size);
    this.sumSquares = new Float64Array(size);
  }

  /** One step's spikes: neuron indices (0..size-1). */
  addStep(spikes: ArrayLike<number>, offset = 0): void {
    for (let k = 0; k < spikes.length; k++) {
      const i = spikes[k] + offset;
      if (this.current[i] === 0) this.touched[this.touchedCount++] = i;
      this.current[i]++;
      this.binCount++;
    }
  }

  /** Ends a step; every `binSteps` steps closes a bin. */
  endStep(): void {
    if (++this.stepsInBin < this.binSteps) return;
    for (let t = 0; t < this.touchedCount; t++) {
      const i = this.touched[t];
      const c = this.current[i];
      this.sum[i] += c;
      this.sumSquares[i] += c * c;
      this.current[i] = 0;
    }
    this.touchedCount = 0;
    this.populationSum += this.binCount;
    this.populationSquares += this.binCount * this.binCount;
    this.binCount = 0;
    this.stepsInBin = 0;
    this.binsClosed++;
  }

  get bins(): number {
    return this.binsClosed;
  }

  /** The ratio over the closed bins (NaN before two bins, or when no neuron's count varied). */
  ratio(): number {
    const n = this.binsClosed;
    if (n < 2) return Number.NaN;
    const mean = this.populationSum / n;
    const populationVariance = this.populationSquares / n - mean * mean;
    let own = 0;
    for (let i = 0; i < this.size; i++) {
      const m = this.sum[i] / n;
      own += this.sumSquares[i] / n - m * m;
    }
    return own > 0 ? populationVariance / own : Number.NaN;
  }
}
