import { ConfigError } from '../util/errors.js';

/**
 * The continual-learning metrics over an accuracy matrix R, where R[i][j] is the accuracy on context j after
 * training context i (T contexts, T x T), as Lopez-Paz & Ranzato (2017, GEM) and Chaudhry et al. (2018, RWalk)
 * define them:
 * - ACC = mean over j of R[T-1][j] (average accuracy after the last context);
 * - BWT = mean over j < T-1 of R[T-1][j] - R[j][j] (backward transfer: negative is forgetting);
 * - FWT = mean over j >= 1 of R[j-1][j] - b[j], with b[j] a randomly initialised network's accuracy on context j;
 * - forgetting = mean over j < T-1 of max over l in [j, T-2] of R[l][j], minus R[T-1][j] (the best accuracy a
 *   context ever had before the end, not only the one right after it was learned).
 * Avalanche's `forgetting` instead takes R[j][j] (right after training j) as the reference, and its BWT is minus
 * that: `avalancheForgetting` / `avalancheBwt` compute those, so results can be compared with either convention.
 */
export interface ContinualMetrics {
  acc: number;
  bwt: number;
  fwt: number | null;
  forgetting: number;
}

/** Checks R is square with accuracies in [0, 1], naming the entry at fault; returns the number of contexts. */
export function checkAccuracyMatrix(r: readonly (readonly number[])[], where = 'accuracy matrix'): number {
  const t = r.length;
  if (t === 0) throw new ConfigError(where, 'expected at least one context, found none');
  r.forEach((row, i) => {
    if (row.length !== t)
      throw new ConfigError(
        `${where}[${i}]`,
        `expected ${t} accuracies (one per context), found ${row.length}`,
      );
    row.forEach((a, j) => {
      if (!(Number.isFinite(a) && a >= 0 && a <= 1))
        throw new ConfigError(`${where}[${i}][${j}]`, `expected an accuracy in [0, 1], found ${a}`);
    });
  });
  return t;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

/** ACC, BWT, FWT (when `random` gives each context's accuracy at initialisation) and forgetting. */
export function continualMetrics(
  r: readonly (readonly number[])[],
  random?: readonly number[],
): ContinualMetrics {
  const t = checkAccuracyMatrix(r);
  if (random && random.length !== t)
    throw new ConfigError(
      'random-init accuracies',
      `expected ${t} (one per context), found ${random.length}`,
    );
  const last = r[t - 1];
  const earlier = Array.from({ length: t - 1 }, (_, j) => j);
  return {
    acc: mean([...last]),
    bwt: t > 1 ? mean(earlier.map((j) => last[j] - r[j][j])) : 0,
    fwt: random && t > 1 ? mean(earlier.map((j) => r[j][j + 1] - random[j + 1])) : null,
    forgetting:
      t > 1 ? mean(earlier.map((j) => Math.max(...r.slice(j, t - 1).map((row) => row[j])) - last[j])) : 0,
  };
}

/** Avalanche's forgetting: mean over j < T-1 of R[j][j] - R[T-1][j]. */
export function avalancheForgetting(r: readonly (readonly number[])[]): number {
  const t = checkAccuracyMatrix(r);
  return t > 1 ? mean(Array.from({ length: t - 1 }, (_, j) => r[j][j] - r[t - 1][j])) : 0;
}

/** Avalanche's BWT: minus its forgetting. */
export function avalancheBwt(r: readonly (readonly number[])[]): number {
  return -avalancheForgetting(r);
}
