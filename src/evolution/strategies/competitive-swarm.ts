import { ConfigError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { probabilisticSort, probabilityBetter, type CostEstimate } from '../noisy.js';
import { emptySwarm, polynomialMutation, restingSwarm } from '../operators.js';
import { crowdingDistance, duplicatesLast, nonDominatedSort } from '../pareto.js';
import { copyState, type Elite, type SearchSpace, type Strategy, type StrategyState } from '../strategy.js';
import { positiveInt, positiveNumber } from '../options.js';

export interface CompetitiveSwarmOptions {
  populationSize?: number;
  /** Social factor phi: the pull of the swarm's centre on losers. */
  social?: number;
  /** 'probabilistic' (default) compares and sorts by the probability of being better from repeated evaluations; 'plain' by the means alone. */
  dominance?: 'probabilistic' | 'plain';
  /** Width of the levels of expected dominators that probabilistic sorting ranks in (default 0.5). */
  levelWidth?: number;
  /** Polynomial mutation of the moved losers (distribution index; 0 turns it off). */
  mutationEta?: number;
}

export interface SwarmMember extends Elite {
  velocity: number[];
}

export interface CompetitiveSwarmState extends StrategyState {
  low: number[];
  high: number[];
  population: SwarmMember[];
  /** The velocities of the candidates asked for, in order, until they are told. */
  pendingVelocities: number[][];
  frontSize: number;
}

/**
 * The noise-aware multi-objective competitive swarm of the rule-discovery study (Ye et al., ICLR 2026), after Cheng &
 * Jin's competitive swarm optimizer: members are paired at random and each pair compared on one randomly chosen
 * objective (the winner is the one more likely better, given the spread of repeated evaluations); the loser moves
 * toward the winner and the swarm's centre, v <- R1 v + R2 (x_w - x_l) + phi R3 (mean - x_l), and is evaluated
 * again; parents and moved losers then compete for places by probabilistic non-dominated sorting (levels of the
 * expected number of dominators), crowding distance breaking the last level.
 */
export function competitiveSwarm(
  options: CompetitiveSwarmOptions = {},
  where = 'strategy',
): Strategy<CompetitiveSwarmState> {
  const size = positiveInt(options.populationSize ?? 100, `${where}.populationSize`, 4);
  if (size % 2 !== 0)
    throw new ConfigError(
      `${where}.populationSize`,
      `expected an even number, found ${options.populationSize}`,
    );
  const phi = options.social ?? 0.1;
  if (typeof phi !== 'number' || !(phi >= 0 && phi <= 1))
    throw new ConfigError(`${where}.social`, `expected a number in [0, 1], found ${JSON.stringify(phi)}`);
  const mode = options.dominance ?? 'probabilistic';
  if (mode !== 'probabilistic' && mode !== 'plain')
    throw new ConfigError(
      `${where}.dominance`,
      `expected "probabilistic" or "plain", found ${JSON.stringify(mode)}`,
    );
  const levelWidth = positiveNumber(options.levelWidth ?? 0.5, `${where}.levelWidth`);
  const etaM =
    options.mutationEta === 0 ? 0 : positiveNumber(options.mutationEta ?? 20, `${where}.mutationEta`);

  const plain = (c: CostEstimate): CostEstimate => ({ mean: c.mean, variance: c.mean.map(() => 0), n: c.n });
  const view = (c: CostEstimate) => (mode === 'plain' ? plain(c) : c);
  return {
    name: 'competitive-swarm',
    objectives: 'multi',
    init(space: SearchSpace, seed: number): CompetitiveSwarmState {
      if (space.objectives < 2)
        throw new ConfigError(
          where,
          `competitive-swarm needs at least 2 objectives, found ${space.objectives}`,
        );
      return {
        strategy: 'competitive-swarm',
        generation: 0,
        rng: new Rng(seed, 13).getState(),
        low: [...space.low],
        high: [...space.high],
        population: [],
        pendingVelocities: [],
        frontSize: 0,
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
        const centre = new Array<number>(d).fill(0);
        for (const m of pop) for (let j = 0; j < d; j++) centre[j] += m.x[j] / pop.length;
        const order = rng.permutation(pop.length);
        const objectives = pop[0].costs.mean.length;
        for (let p = 0; p + 1 < order.length; p += 2) {
          const a = pop[order[p]];
          const b = pop[order[p + 1]];
          const k = rng.int(objectives);
          const pa = probabilityBetter(view(a.costs), view(b.costs), k);
          // Equal chances (ties, or identical estimates) are settled by a coin.
          const aWins = pa > 0.5 || (pa === 0.5 && rng.float() < 0.5);
          const [w, l] = aWins ? [a, b] : [b, a];
          const v = new Array<number>(d);
          const x = new Array<number>(d);
          for (let j = 0; j < d; j++) {
            v[j] =
              rng.float() * l.velocity[j] +
              rng.float() * (w.x[j] - l.x[j]) +
              phi * rng.float() * (centre[j] - l.x[j]);
            x[j] = Math.min(s.high[j], Math.max(s.low[j], l.x[j] + v[j]));
          }
          candidates.push(etaM > 0 ? polynomialMutation(rng, x, s.low, s.high, etaM) : x);
          velocities.push(v);
        }
      }
      s.pendingVelocities = velocities;
      s.rng = rng.getState();
      return { state: s, candidates };
    },
    tell(state, candidates, costs) {
      const s = copyState(state);
      const moved: SwarmMember[] = candidates.map((x, i) => ({
        x: [...x],
        costs: costs[i],
        velocity: s.pendingVelocities[i] ?? new Array<number>(x.length).fill(0),
      }));
      const all = [...s.population, ...moved];
      const means = all.map((m) => m.costs.mean);
      const fronts = duplicatesLast(
        mode === 'plain'
          ? nonDominatedSort(means)
          : probabilisticSort(
              all.map((m) => m.costs),
              levelWidth,
            ),
        means,
      );
      const next: SwarmMember[] = [];
      for (const front of fronts) {
        if (next.length >= size) break;
        if (next.length + front.length <= size) {
          for (const i of front) next.push(all[i]);
          continue;
        }
        const dist = crowdingDistance(front.map((i) => all[i].costs.mean));
        const order = [...front.keys()].sort((a, b) => dist[b] - dist[a] || a - b);
        for (const k of order.slice(0, size - next.length)) next.push(all[front[k]]);
      }
      s.population = next;
      s.frontSize = Math.min(fronts[0].length, size);
      s.pendingVelocities = [];
      s.generation++;
      return s;
    },
    elites(state) {
      // The first front of the survivors, by the means (what a user reads as "the front found").
      const pop = state.population;
      if (pop.length === 0) return [];
      return nonDominatedSort(pop.map((m) => m.costs.mean))[0].map((i) => ({
        x: pop[i].x,
        costs: pop[i].costs,
      }));
    },
  };
}
