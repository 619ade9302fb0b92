import { ConfigError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import type { CostEstimate } from '../noisy.js';
import { emptySwarm, polynomialMutation, restingSwarm, unitReferenceVectors } from '../operators.js';
import { crowdingDistance, duplicatesLast, nonDominatedSort } from '../pareto.js';
import { copyState, type SearchSpace, type Strategy, type StrategyState } from '../strategy.js';
import { positiveInt, positiveNumber } from '../options.js';

export interface LmocsoOptions {
  /** Particles kept (even, at least 4); about as many reference vectors are spread for the selection. */
  populationSize?: number;
  /**
   * The generations the angle penalty is scheduled over (RVEA's t_max): the penalty grows as (t / generations)^2
   * and stays at its full weight after that many generations.
   */
  generations?: number;
  /** Distribution index of the polynomial mutation of the moved losers. */
  mutationEta?: number;
}

export interface LmocsoMember {
  x: number[];
  velocity: number[];
  costs: CostEstimate;
}

export interface LmocsoState extends StrategyState {
  low: number[];
  high: number[];
  objectives: number;
  population: LmocsoMember[];
  /** The velocities of the candidates asked for, in order, until they are told. */
  pendingVelocities: number[][];
}

/** The penalty exponent alpha of RVEA's angle-penalised distance. */
const ALPHA = 2;

export { unitReferenceVectors } from '../operators.js';

/**
 * Shift-based density estimation (Li, Yang & Liu 2014) of each point: with costs normalised by the set's ideal and
 * nadir points, the distance to its nearest neighbour after every other point's costs better than its own are
 * shifted up to its own. Larger is better (less crowded, and not beaten in one objective while poor in the others).
 */
export function shiftBasedDensity(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  if (n === 0) return [];
  const m = points[0].length;
  const lo = new Array<number>(m).fill(Infinity);
  const hi = new Array<number>(m).fill(-Infinity);
  for (const p of points)
    for (let k = 0; k < m; k++) {
      lo[k] = Math.min(lo[k], p[k]);
      hi[k] = Math.max(hi[k], p[k]);
    }
  const z = points.map((p) => p.map((v, k) => (hi[k] > lo[k] ? (v - lo[k]) / (hi[k] - lo[k]) : 0)));
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let d = 0;
      for (let k = 0; k < m; k++) {
        const gap = Math.max(z[j][k], z[i][k]) - z[i][k];
        d += gap * gap;
      }
      if (d < best) best = d;
    }
    out[i] = Math.sqrt(best);
  }
  return out;
}

/**
 * RVEA's reference-vector selection (Cheng, Jin, Olhofer & Sendhoff 2016) as LMOCSO uses it: costs translated by
 * the set's ideal point, each point assigned to the unit vector at the smallest angle, and per vector the point
 * with the smallest angle-penalised distance (1 + M theta angle / gamma) |f| kept, gamma being the vector's
 * smallest angle to another vector. Returns the indices kept (at most one per vector).
 */
export function referenceVectorSelection(
  points: readonly (readonly number[])[],
  vectors: readonly (readonly number[])[],
  gamma: readonly number[],
  theta: number,
): number[] {
  if (points.length === 0) return [];
  const m = points[0].length;
  const ideal = new Array<number>(m).fill(Infinity);
  for (const p of points) for (let k = 0; k < m; k++) ideal[k] = Math.min(ideal[k], p[k]);
  const best = new Array<number>(vectors.length).fill(-1);
  const bestApd = new Array<number>(vectors.length).fill(Infinity);
  points.forEach((p, i) => {
    const f = p.map((v, k) => v - ideal[k]);
    const norm = Math.hypot(...f);
    let vi = 0;
    let angle = 0;
    if (norm > 0) {
      let bestCos = -Infinity;
      vectors.forEach((v, j) => {
        let dot = 0;
        for (let k = 0; k < m; k++) dot += f[k] * v[k];
        if (dot > bestCos) {
          bestCos = dot;
          vi = j;
        }
      });
      angle = Math.acos(Math.min(1, Math.max(-1, bestCos / norm)));
    }
    const apd = (1 + (m * theta * angle) / gamma[vi]) * norm;
    if (apd < bestApd[vi]) {
      bestApd[vi] = apd;
      best[vi] = i;
    }
  });
  return best.filter((i) => i >= 0);
}

/**
 * LMOCSO (Tian, Zheng, Zhang & Jin 2020), a competitive swarm for large-scale multi-objective problems: particles
 * are paired at random and in each pair the one with the larger shift-based density (SDE) wins; the loser learns
 * from the winner by the two-stage update v' = r1 v + r2 (x_w - x_l), x' = x_l + v' + r1 (v' - v) (r1, r2 uniform
 * in [0, 1] per gene), is clipped to the box and polynomially mutated, and is evaluated again; winners pass on
 * unchanged. Parents and moved losers then compete by RVEA's reference-vector selection among their non-dominated
 * members (as in the authors' PlatEMO code), the penalty weight growing as (t / generations)^2. Where that keeps
 * fewer than populationSize (it keeps at most one per reference vector) the rest are filled by non-dominated
 * sorting of the others, crowding distance breaking the last front, so the swarm keeps its size. Costs are the
 * estimates' means.
 */
export function lmocso(options: LmocsoOptions = {}, where = 'strategy'): Strategy<LmocsoState> {
  const size = positiveInt(options.populationSize ?? 100, `${where}.populationSize`, 4);
  if (size % 2 !== 0)
    throw new ConfigError(
      `${where}.populationSize`,
      `expected an even number, found ${options.populationSize}`,
    );
  const tmax = positiveInt(options.generations ?? 100, `${where}.generations`);
  const etaM = positiveNumber(options.mutationEta ?? 20, `${where}.mutationEta`);

  // The reference vectors and each one's smallest angle to the others depend only on the number of objectives.
  const cache = new Map<number, { vectors: number[][]; gamma: number[] }>();
  const referenceFor = (m: number) => {
    let r = cache.get(m);
    if (!r) {
      const vectors = unitReferenceVectors(size, m);
      const gamma = vectors.map((v, i) => {
        let g = Infinity;
        vectors.forEach((u, j) => {
          if (j === i) return;
          let dot = 0;
          for (let k = 0; k < m; k++) dot += v[k] * u[k];
          g = Math.min(g, Math.acos(Math.min(1, Math.max(-1, dot))));
        });
        return Number.isFinite(g) && g > 0 ? g : 1e-6;
      });
      r = { vectors, gamma };
      cache.set(m, r);
    }
    return r;
  };

  return {
    name: 'lmocso',
    objectives: 'multi',
    init(space: SearchSpace, seed: number): LmocsoState {
      if (space.objectives < 2)
        throw new ConfigError(where, `lmocso needs at least 2 objectives, found ${space.objectives}`);
      if (space.objectives > size)
        throw new ConfigError(
          `${where}.populationSize`,
          `expected at least one particle per objective (${space.objectives}), found ${size}`,
        );
      return {
        strategy: 'lmocso',
        generation: 0,
        rng: new Rng(seed, 17).getState(),
        low: [...space.low],
        high: [...space.high],
        objectives: space.objectives,
        population: [],
        pendingVelocities: [],
      };
    },
    ask(state) {
      const s = copyState(state);
      const rng = Rng.fromState(s.rng);
      const d = s.low.length;
      // The first generation: members spread uniformly, at rest.
      const { candidates, velocities } =
        s.population.length === 0 ? restingSwarm(rng, size, s.low, s.high) : emptySwarm();
      if (s.population.length > 0) {
        const pop = s.population;
        const fitness = shiftBasedDensity(pop.map((m) => m.costs.mean));
        const order = rng.permutation(pop.length);
        for (let p = 0; p + 1 < order.length; p += 2) {
          const a = order[p];
          const b = order[p + 1];
          // Equal densities (copies of one point) are settled by a coin.
          const aWins = fitness[a] > fitness[b] || (fitness[a] === fitness[b] && rng.float() < 0.5);
          const w = pop[aWins ? a : b];
          const l = pop[aWins ? b : a];
          const v = new Array<number>(d);
          const x = new Array<number>(d);
          for (let j = 0; j < d; j++) {
            const r1 = rng.float();
            const r2 = rng.float();
            v[j] = r1 * l.velocity[j] + r2 * (w.x[j] - l.x[j]);
            const moved = l.x[j] + v[j] + r1 * (v[j] - l.velocity[j]);
            x[j] = Math.min(s.high[j], Math.max(s.low[j], moved));
          }
          candidates.push(polynomialMutation(rng, x, s.low, s.high, etaM));
          velocities.push(v);
        }
      }
      s.pendingVelocities = velocities;
      s.rng = rng.getState();
      return { state: s, candidates };
    },
    tell(state, candidates, costs) {
      const s = copyState(state);
      const moved: LmocsoMember[] = candidates.map((x, i) => ({
        x: [...x],
        velocity: s.pendingVelocities[i] ?? new Array<number>(x.length).fill(0),
        costs: costs[i],
      }));
      const all = [...s.population, ...moved];
      const means = all.map((m) => m.costs.mean);
      const { vectors, gamma } = referenceFor(s.objectives);
      // The penalty schedule counts this selection's generation (1 for the random start), capped at tmax.
      const theta = Math.min(1, (s.generation + 1) / tmax) ** ALPHA;
      const first = nonDominatedSort(means)[0];
      const chosen = referenceVectorSelection(
        first.map((i) => means[i]),
        vectors,
        gamma,
        theta,
      ).map((k) => first[k]);
      const next = chosen.slice(0, size);
      if (next.length < size) {
        const taken = new Set(next);
        const rest = [...all.keys()].filter((i) => !taken.has(i));
        const fronts = duplicatesLast(
          nonDominatedSort(rest.map((i) => means[i])),
          rest.map((i) => means[i]),
        );
        for (const front of fronts) {
          if (next.length >= size) break;
          const ids = front.map((k) => rest[k]);
          if (next.length + ids.length <= size) {
            next.push(...ids);
            continue;
          }
          const dist = crowdingDistance(ids.map((i) => means[i]));
          const order = [...ids.keys()].sort((a, b) => dist[b] - dist[a] || a - b);
          for (const k of order.slice(0, size - next.length)) next.push(ids[k]);
        }
      }
      s.population = next.map((i) => all[i]);
      s.pendingVelocities = [];
      s.generation++;
      return s;
    },
    elites(state) {
      const pop = state.population;
      if (pop.length === 0) return [];
      const means = pop.map((m) => m.costs.mean);
      return duplicatesLast(nonDominatedSort(means), means)[0].map((i) => ({
        x: pop[i].x,
        costs: pop[i].costs,
      }));
    },
  };
}
