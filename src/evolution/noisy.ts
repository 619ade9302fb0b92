import { dominates } from './pareto.js';

/**
 * A candidate's costs estimated from repeated noisy evaluations: the mean and the sample variance of each cost over
 * `n` evaluations with different seeds.
 */
export interface CostEstimate {
  mean: number[];
  variance: number[];
  n: number;
}

/** The standard normal distribution function (Abramowitz & Stegun 7.1.26 through erf; error below 1.5e-7). */
export function normalCdf(z: number): number {
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * The probability that a's cost k is below b's: Phi((mu_b - mu_a) / sqrt(s_a^2/n_a + s_b^2/n_b)). Without spread
 * it is 1, 0 or, for equal means, 1/2.
 */
export function probabilityBetter(a: CostEstimate, b: CostEstimate, k: number): number {
  const diff = b.mean[k] - a.mean[k];
  const se = Math.sqrt(a.variance[k] / a.n + b.variance[k] / b.n);
  if (se === 0 || !Number.isFinite(se)) return diff > 0 ? 1 : diff < 0 ? 0 : 0.5;
  return normalCdf(diff / se);
}

/**
 * The probability that a dominates b, the costs' noise taken as independent: the product over costs. Estimates
 * without spread give plain dominance (1 or 0; a tie in one cost and a win in another is a win).
 */
export function dominanceProbability(a: CostEstimate, b: CostEstimate): number {
  const exact = a.variance.every((v) => v === 0) && b.variance.every((v) => v === 0);
  if (exact) return dominates(a.mean, b.mean) ? 1 : 0;
  let p = 1;
  for (let k = 0; k < a.mean.length; k++) p *= probabilityBetter(a, b, k);
  return p;
}

/** Each estimate's expected number of dominators, sum over the others of the probability that they dominate it. */
export function expectedDominators(estimates: readonly CostEstimate[]): Float64Array {
  const n = estimates.length;
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) if (i !== j) e[i] += dominanceProbability(estimates[j], estimates[i]);
  return e;
}

/**
 * Probabilistic non-dominated sorting: points ranked by their expected number of dominators (Hughes 2001's ranking
 * under uncertainty, with the per-objective probabilities above) in levels `levelWidth` wide, best first. Without
 * noise this is the domination-count ranking of Fonseca & Fleming 1993; with noise a point that only looks dominated
 * by lucky estimates keeps most of its standing, where plain sorting would drop it.
 */
export function probabilisticSort(estimates: readonly CostEstimate[], levelWidth = 0.5): number[][] {
  const e = expectedDominators(estimates);
  const levels = new Map<number, number[]>();
  e.forEach((v, i) => {
    const level = Math.floor(v / levelWidth + 1e-9);
    const list = levels.get(level);
    if (list) list.push(i);
    else levels.set(level, [i]);
  });
  return [...levels.keys()].sort((a, b) => a - b).map((k) => levels.get(k)!);
}

/** Mean and sample variance of each cost over repeated evaluations (rows: evaluations). */
export function estimateCosts(evaluations: readonly (readonly number[])[]): CostEstimate {
  const n = evaluations.length;
  const m = evaluations[0].length;
  const mean = new Array<number>(m).fill(0);
  const variance = new Array<number>(m).fill(0);
  for (const e of evaluations) for (let k = 0; k < m; k++) mean[k] += e[k] / n;
  if (n > 1)
    for (const e of evaluations) for (let k = 0; k < m; k++) variance[k] += (e[k] - mean[k]) ** 2 / (n - 1);
  return { mean, variance, n };
}
