import { Rng } from '../util/rng.js';

/** Cost vectors (every objective minimised). */
export type Costs = readonly number[];

/** a dominates b: no worse in every cost and better in one. */
export function dominates(a: Costs, b: Costs): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) better = true;
  }
  return better;
}

/**
 * Constrained dominance (Deb 2000): a feasible point beats an infeasible one, the smaller total violation beats the
 * larger, and between feasible points plain dominance decides.
 */
export function constrainedDominates(a: Costs, va: number, b: Costs, vb: number): boolean {
  if (va <= 0 && vb > 0) return true;
  if (va > 0 && vb > 0) return va < vb;
  if (va > 0) return false;
  return dominates(a, b);
}

/**
 * Fast non-dominated sorting (Deb et al. 2002): the indices of each front, best first. `better(i, j)` says point i
 * dominates point j; the default is plain dominance of `points`.
 */
export function nonDominatedSort(
  points: readonly Costs[],
  better: (i: number, j: number) => boolean = (i, j) => dominates(points[i], points[j]),
): number[][] {
  const n = points.length;
  const dominatedBy = Array.from({ length: n }, () => [] as number[]);
  const count = new Int32Array(n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      if (better(i, j)) {
        dominatedBy[i].push(j);
        count[j]++;
      } else if (better(j, i)) {
        dominatedBy[j].push(i);
        count[i]++;
      }
    }
  const fronts: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (count[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) for (const j of dominatedBy[i]) if (--count[j] === 0) next.push(j);
    current = next;
  }
  // A `better` that is not a strict order (a probabilistic one can cycle) leaves points unsorted: they go last.
  const sorted = fronts.reduce((s, f) => s + f.length, 0);
  if (sorted < n) {
    const placed = new Uint8Array(n);
    for (const f of fronts) for (const i of f) placed[i] = 1;
    fronts.push([...Array(n).keys()].filter((i) => !placed[i]));
  }
  return fronts;
}

/** The indices of the points no other point dominates. */
export function nonDominated(points: readonly Costs[]): number[] {
  return points.length === 0 ? [] : nonDominatedSort(points)[0];
}

/**
 * Crowding distance (Deb et al. 2002) of each point of one front: the sum over objectives of the normalised gap
 * between its neighbours; the extremes of every objective get Infinity.
 */
export function crowdingDistance(points: readonly Costs[]): number[] {
  const n = points.length;
  const d = new Array<number>(n).fill(0);
  if (n === 0) return d;
  const m = points[0].length;
  for (let k = 0; k < m; k++) {
    const order = [...Array(n).keys()].sort((a, b) => points[a][k] - points[b][k]);
    const lo = points[order[0]][k];
    const hi = points[order[n - 1]][k];
    d[order[0]] = Infinity;
    d[order[n - 1]] = Infinity;
    if (hi === lo) continue;
    for (let r = 1; r < n - 1; r++)
      d[order[r]] += (points[order[r + 1]][k] - points[order[r - 1]][k]) / (hi - lo);
  }
  return d;
}

function hypervolume2d(points: readonly Costs[], ref: Costs): number {
  const inside = points
    .filter((p) => p[0] < ref[0] && p[1] < ref[1])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let volume = 0;
  let bestY = ref[1];
  for (let i = 0; i < inside.length; i++) {
    const [x, y] = inside[i];
    if (y >= bestY) continue;
    // The slab from this x to the next point that lowers y (or the reference) is covered down to this y.
    let j = i + 1;
    while (j < inside.length && inside[j][1] >= y) j++;
    const xNext = j < inside.length ? inside[j][0] : ref[0];
    volume += (xNext - x) * (ref[1] - y);
    bestY = y;
    i = j - 1;
  }
  return volume;
}

function hypervolume3d(points: readonly Costs[], ref: Costs): number {
  // Sweep along the third cost: between consecutive levels the covered area is the 2-D hypervolume of the points
  // at or below the level.
  const inside = points
    .filter((p) => p[0] < ref[0] && p[1] < ref[1] && p[2] < ref[2])
    .sort((a, b) => a[2] - b[2]);
  let volume = 0;
  const active: Costs[] = [];
  for (let i = 0; i < inside.length; i++) {
    active.push(inside[i]);
    const zNext = i + 1 < inside.length ? inside[i + 1][2] : ref[2];
    if (zNext > inside[i][2]) volume += hypervolume2d(active, ref) * (zNext - inside[i][2]);
  }
  return volume;
}

/**
 * The hypervolume a set of cost vectors dominates up to `ref`: exact in 2 and 3 objectives; beyond, a Monte Carlo
 * estimate from `samples` uniform points in the box between the set's ideal point and `ref` (seeded).
 */
export function hypervolume(
  points: readonly Costs[],
  ref: Costs,
  opts: { samples?: number; seed?: number } = {},
): number {
  const m = ref.length;
  if (points.some((p) => p.length !== m))
    throw new RangeError(`hypervolume: every point needs ${m} costs, as the reference point has`);
  if (m === 1) return Math.max(0, ref[0] - Math.min(ref[0], ...points.map((p) => p[0])));
  if (m === 2) return hypervolume2d(points, ref);
  if (m === 3) return hypervolume3d(points, ref);
  const inside = points.filter((p) => p.every((v, k) => v < ref[k]));
  if (inside.length === 0) return 0;
  const ideal = ref.map((_, k) => Math.min(...inside.map((p) => p[k])));
  const box = ref.reduce((v, r, k) => v * (r - ideal[k]), 1);
  const rng = new Rng(opts.seed ?? 0);
  const samples = opts.samples ?? 100_000;
  const x = new Array<number>(m);
  let hits = 0;
  for (let s = 0; s < samples; s++) {
    for (let k = 0; k < m; k++) x[k] = ideal[k] + (ref[k] - ideal[k]) * rng.float();
    if (inside.some((p) => p.every((v, k) => v <= x[k]))) hits++;
  }
  return (box * hits) / samples;
}

/** Inverted generational distance: the mean distance from each point of a reference front to the nearest found point. */
export function igd(found: readonly Costs[], referenceFront: readonly Costs[]): number {
  if (found.length === 0) return Infinity;
  let total = 0;
  for (const r of referenceFront) {
    let best = Infinity;
    for (const p of found) {
      let d = 0;
      for (let k = 0; k < r.length; k++) d += (p[k] - r[k]) ** 2;
      if (d < best) best = d;
    }
    total += Math.sqrt(best);
  }
  return total / referenceFront.length;
}

/**
 * Fronts with repeated cost vectors moved out: the first point with given costs stays where it is, later ones go to
 * a last front. Without this a population fills with copies of one cheap point (a rule with every gate shut) and
 * the front stops spreading.
 */
export function duplicatesLast(fronts: number[][], points: readonly Costs[]): number[][] {
  const seen = new Set<string>();
  const repeats: number[] = [];
  const out = fronts
    .map((front) =>
      front.filter((i) => {
        const key = points[i].join(',');
        if (seen.has(key)) {
          repeats.push(i);
          return false;
        }
        seen.add(key);
        return true;
      }),
    )
    .filter((f) => f.length > 0);
  if (repeats.length > 0) out.push(repeats);
  return out;
}
