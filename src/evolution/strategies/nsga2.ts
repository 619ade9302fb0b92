import { ConfigError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import type { CostEstimate } from '../noisy.js';
import { polynomialMutation, sbx, uniformPoint } from '../operators.js';
import { constrainedDominates, crowdingDistance, duplicatesLast, nonDominatedSort } from '../pareto.js';
import { copyState, type Elite, type SearchSpace, type Strategy, type StrategyState } from '../strategy.js';
import { positiveInt, positiveNumber, probability } from '../options.js';

export interface Nsga2Options {
  populationSize?: number;
  crossoverProbability?: number;
  crossoverEta?: number;
  mutationEta?: number;
  /** Per-gene mutation probability; default 1/genes. */
  mutationRate?: number;
}

export interface Nsga2State extends StrategyState {
  low: number[];
  high: number[];
  population: Elite[];
  /** Non-domination rank and crowding distance of each member (for the tournaments); null for Infinity. */
  rank: number[];
  crowding: (number | null)[];
}

/**
 * Sorts members by constrained non-domination, fills `size` places front by front and breaks the last front by
 * crowding distance; returns the survivors with their ranks and crowding.
 */
export function survivalByRankAndCrowding(
  members: Elite[],
  size: number,
): { survivors: Elite[]; rank: number[]; crowding: number[] } {
  const v = members.map((m) => m.violation ?? 0);
  const means = members.map((m) => m.costs.mean);
  const fronts = duplicatesLast(
    nonDominatedSort(means, (i, j) => constrainedDominates(means[i], v[i], means[j], v[j])),
    means,
  );
  const survivors: Elite[] = [];
  const rank: number[] = [];
  const crowding: number[] = [];
  for (let r = 0; r < fronts.length && survivors.length < size; r++) {
    const front = fronts[r];
    const d = crowdingDistance(front.map((i) => members[i].costs.mean));
    const order = [...front.keys()];
    if (survivors.length + front.length > size) order.sort((a, b) => d[b] - d[a] || a - b);
    for (const k of order.slice(0, size - survivors.length)) {
      survivors.push(members[front[k]]);
      rank.push(r);
      crowding.push(d[k]);
    }
  }
  return { survivors, rank, crowding };
}

/**
 * NSGA-II (Deb, Pratap, Agarwal & Meyarivan 2002): binary tournaments on rank then crowding, simulated binary
 * crossover and polynomial mutation, elitist survival of parents and offspring by non-dominated sorting and crowding
 * distance, with Deb's constrained dominance. Costs are the estimates' means.
 */
export function nsga2(options: Nsga2Options = {}, where = 'strategy'): Strategy<Nsga2State> {
  const size = positiveInt(options.populationSize ?? 100, `${where}.populationSize`, 4);
  if (size % 2 !== 0)
    throw new ConfigError(
      `${where}.populationSize`,
      `expected an even number, found ${options.populationSize}`,
    );
  const pc = probability(options.crossoverProbability ?? 0.9, `${where}.crossoverProbability`);
  const etaC = positiveNumber(options.crossoverEta ?? 20, `${where}.crossoverEta`);
  const etaM = positiveNumber(options.mutationEta ?? 20, `${where}.mutationEta`);
  const rate =
    options.mutationRate === undefined
      ? undefined
      : probability(options.mutationRate, `${where}.mutationRate`);

  const better = (s: Nsga2State, i: number, j: number) => {
    if (s.rank[i] !== s.rank[j]) return s.rank[i] < s.rank[j];
    return (s.crowding[i] ?? Infinity) > (s.crowding[j] ?? Infinity);
  };
  return {
    name: 'nsga2',
    objectives: 'multi',
    init(space: SearchSpace, seed: number): Nsga2State {
      if (space.objectives < 2)
        throw new ConfigError(where, `nsga2 needs at least 2 objectives, found ${space.objectives}`);
      return {
        strategy: 'nsga2',
        generation: 0,
        rng: new Rng(seed, 11).getState(),
        low: [...space.low],
        high: [...space.high],
        population: [],
        rank: [],
        crowding: [],
      };
    },
    ask(state) {
      const s = copyState(state);
      const rng = Rng.fromState(s.rng);
      const candidates: number[][] = [];
      if (s.population.length === 0) {
        for (let i = 0; i < size; i++) candidates.push(uniformPoint(rng, s.low, s.high));
      } else {
        const n = s.population.length;
        const tournament = () => {
          const a = rng.int(n);
          const b = rng.int(n);
          return better(s, b, a) ? b : a;
        };
        while (candidates.length < size) {
          const p1 = s.population[tournament()].x;
          const p2 = s.population[tournament()].x;
          let [c1, c2] = rng.float() < pc ? sbx(rng, p1, p2, s.low, s.high, etaC) : [[...p1], [...p2]];
          c1 = polynomialMutation(rng, c1, s.low, s.high, etaM, rate);
          c2 = polynomialMutation(rng, c2, s.low, s.high, etaM, rate);
          candidates.push(c1, c2);
        }
      }
      s.rng = rng.getState();
      return { state: s, candidates };
    },
    tell(state, candidates, costs: CostEstimate[], violations) {
      const s = copyState(state);
      const offspring: Elite[] = candidates.map((x, i) => ({
        x: [...x],
        costs: costs[i],
        violation: violations?.[i] ?? 0,
      }));
      const { survivors, rank, crowding } = survivalByRankAndCrowding([...s.population, ...offspring], size);
      s.population = survivors;
      s.rank = rank;
      s.crowding = crowding.map((d) => (Number.isFinite(d) ? d : null));
      s.generation++;
      return s;
    },
    elites(state) {
      return state.population.filter(
        (_, i) => state.rank[i] === 0 && (state.population[i].violation ?? 0) <= 0,
      );
    },
  };
}
