import type { Rng } from '../util/rng.js';

/** Uniform random point in the box. */
export function uniformPoint(rng: Rng, low: readonly number[], high: readonly number[]): number[] {
  return low.map((lo, i) => lo + (high[i] - lo) * rng.float());
}

export function clip(x: number[], low: readonly number[], high: readonly number[]): number[] {
  for (let i = 0; i < x.length; i++) x[i] = Math.min(high[i], Math.max(low[i], x[i]));
  return x;
}

/**
 * Simulated binary crossover (Deb & Agrawal 1995) with distribution index `eta`, each gene crossed with probability
 * 1/2 when the pair is crossed; bounded form as in NSGA-II's reference code.
 */
export function sbx(
  rng: Rng,
  a: readonly number[],
  b: readonly number[],
  low: readonly number[],
  high: readonly number[],
  eta = 20,
): [number[], number[]] {
  const c1 = [...a];
  const c2 = [...b];
  for (let i = 0; i < a.length; i++) {
    if (rng.float() > 0.5 || Math.abs(a[i] - b[i]) < 1e-14) continue;
    const y1 = Math.min(a[i], b[i]);
    const y2 = Math.max(a[i], b[i]);
    const lo = low[i];
    const hi = high[i];
    const u = rng.float();
    const spread = (beta: number) => {
      const alpha = 2 - Math.pow(beta, -(eta + 1));
      return u <= 1 / alpha
        ? Math.pow(u * alpha, 1 / (eta + 1))
        : Math.pow(1 / (2 - u * alpha), 1 / (eta + 1));
    };
    const bq1 = spread(1 + (2 * (y1 - lo)) / (y2 - y1));
    const bq2 = spread(1 + (2 * (hi - y2)) / (y2 - y1));
    let v1 = Math.min(hi, Math.max(lo, 0.5 * (y1 + y2 - bq1 * (y2 - y1))));
    let v2 = Math.min(hi, Math.max(lo, 0.5 * (y1 + y2 + bq2 * (y2 - y1))));
    if (rng.float() < 0.5) [v1, v2] = [v2, v1];
    c1[i] = v1;
    c2[i] = v2;
  }
  return [c1, c2];
}

/** Polynomial mutation (Deb & Goyal 1996), each gene with probability `rate` (default 1/genes). */
export function polynomialMutation(
  rng: Rng,
  x: number[],
  low: readonly number[],
  high: readonly number[],
  eta = 20,
  rate = 1 / x.length,
): number[] {
  for (let i = 0; i < x.length; i++) {
    if (rng.float() >= rate) continue;
    const lo = low[i];
    const hi = high[i];
    const range = hi - lo;
    if (range <= 0) continue;
    const d1 = (x[i] - lo) / range;
    const d2 = (hi - x[i]) / range;
    const u = rng.float();
    const pow = 1 / (eta + 1);
    let dq: number;
    if (u < 0.5) {
      const v = 2 * u + (1 - 2 * u) * Math.pow(1 - d1, eta + 1);
      dq = Math.pow(v, pow) - 1;
    } else {
      const v = 2 * (1 - u) + 2 * (u - 0.5) * Math.pow(1 - d2, eta + 1);
      dq = 1 - Math.pow(v, pow);
    }
    x[i] = Math.min(hi, Math.max(lo, x[i] + dq * range));
  }
  return x;
}

/**
 * Das & Dennis's simplex lattice of `m`-dimensional weights with the most divisions H giving at most `n` vectors
 * (at least H = 1), each scaled to unit length.
 */
export function unitReferenceVectors(n: number, m: number): number[][] {
  const binomial = (a: number, k: number) => {
    let r = 1;
    for (let i = 1; i <= k; i++) r = (r * (a - k + i)) / i;
    return Math.round(r);
  };
  let h = 1;
  while (binomial(h + 1 + m - 1, m - 1) <= n) h++;
  const out: number[][] = [];
  const walk = (prefix: number[], left: number) => {
    if (prefix.length === m - 1) {
      const w = [...prefix, left];
      const norm = Math.hypot(...w);
      out.push(w.map((v) => v / norm));
      return;
    }
    for (let i = 0; i <= left; i++) walk([...prefix, i], left - i);
  };
  walk([], h);
  return out;
}

/** Swarm members spread uniformly over the box with zero velocity (the first generation of a swarm strategy). */
export function restingSwarm(
  rng: Rng,
  size: number,
  low: readonly number[],
  high: readonly number[],
): { candidates: number[][]; velocities: number[][] } {
  const candidates = Array.from({ length: size }, () => uniformPoint(rng, low, high));
  return { candidates, velocities: candidates.map((x) => new Array<number>(x.length).fill(0)) };
}

export const emptySwarm = (): { candidates: number[][]; velocities: number[][] } => ({
  candidates: [],
  velocities: [],
});
