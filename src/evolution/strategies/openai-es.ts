import { ConfigError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import type { CostEstimate } from '../noisy.js';
import { checkSingleObjectiveSpace, normalisedStart, numberOption } from '../options.js';
import { copyState, type Elite, type SearchSpace, type Strategy, type StrategyState } from '../strategy.js';

/**
 * OpenAI-ES (Salimans, Ho, Chen, Sidor & Sutskever 2017): a Gaussian-smoothed gradient estimate from mirrored
 * perturbations (each draw used as +eps and -eps, which removes the cost's constant and even-order terms from the
 * estimate), costs replaced by centred ranks (invariant to monotone transforms of the cost and robust to outliers),
 * and Adam on the mean.
 *
 * Like sep-CMA-ES it works in the box's normalised coordinates (each gene mapped to [0, 1]), so `learningRate`,
 * `learningRateMin`, `sigma0` and `sigmaMin` are fractions of the box width, while `mean0` is in the problem's units.
 * Candidates are clipped to the box; the gradient uses the unclipped perturbations, and the mean is kept inside the
 * box.
 */
export interface OpenAiEsOptions {
  /** Candidates per generation, an even number (mirrored pairs; default 2 (4 + floor(3 ln n))). */
  populationSize?: number;
  /** Adam's step size (default 0.05). */
  learningRate?: number;
  /**
   * The step size is multiplied by this after each generation (default 1, no decay) but not below `learningRateMin`
   * (default 0): Adam's steps keep a roughly constant length, so without decay the mean jitters at that scale.
   */
  learningRateDecay?: number;
  learningRateMin?: number;
  /** Adam's decay rates for the first and second moments (defaults 0.9 and 0.999). */
  beta1?: number;
  beta2?: number;
  /** Perturbation scale (default 0.1). */
  sigma0?: number;
  /**
   * sigma is multiplied by this after each generation (default 1, no decay) but not below `sigmaMin` (default 0):
   * candidates lie about sigma sqrt(n) from the mean, so a fixed sigma bounds how close the best gets to an optimum.
   */
  sigmaDecay?: number;
  sigmaMin?: number;
  /** Initial mean in the problem's units (default the box centre). */
  mean0?: number[];
}

export interface OpenAiEsState extends StrategyState {
  strategy: 'openai-es';
  low: number[];
  high: number[];
  populationSize: number;
  /** Mean in normalised coordinates. */
  mean: number[];
  sigma: number;
  learningRate: number;
  /** Adam's first and second moment estimates and step count. */
  m: number[];
  v: number[];
  t: number;
  /** The perturbations of the last `ask`, one per mirrored pair (candidates 2k and 2k + 1); null after `tell`. */
  pending: number[][] | null;
  evaluations: number;
  best: { x: number[]; costs: CostEstimate } | null;
}

const PREFIX = 'openai-es';
const ADAM_EPSILON = 1e-8;

/**
 * Centred ranks in [-0.5, 0.5], lowest cost first; ties share their average rank (so a mirrored pair of equal cost
 * contributes nothing) and NaN costs rank last.
 */
function centredRanks(costs: readonly number[]): number[] {
  const key = costs.map((c) => (Number.isNaN(c) ? Infinity : c));
  const order = key.map((_, i) => i).sort((a, b) => key[a] - key[b] || a - b);
  const ranks = new Array<number>(key.length);
  for (let r = 0; r < order.length;) {
    let end = r + 1;
    while (end < order.length && key[order[end]] === key[order[r]]) end++;
    for (let j = r; j < end; j++) ranks[order[j]] = (r + end - 1) / 2;
    r = end;
  }
  const scale = key.length > 1 ? key.length - 1 : 1;
  return ranks.map((r) => r / scale - 0.5);
}

export function openAiEs(
  options: OpenAiEsOptions | Record<string, unknown> = {},
  where = 'strategy',
): Strategy<OpenAiEsState> {
  const o = options as Record<string, unknown>;
  const populationSize = o.populationSize;
  if (
    populationSize !== undefined &&
    (typeof populationSize !== 'number' ||
      !Number.isInteger(populationSize) ||
      populationSize < 2 ||
      populationSize % 2 !== 0)
  )
    throw new ConfigError(
      `${where}.populationSize`,
      `expected an even integer >= 2 (mirrored pairs), found ${JSON.stringify(populationSize)}`,
    );
  const learningRate = numberOption(o, 'learningRate', 0.05, (v) => v > 0, 'a finite number > 0', where);
  const learningRateDecay = numberOption(
    o,
    'learningRateDecay',
    1,
    (v) => v > 0 && v <= 1,
    'a number in (0, 1]',
    where,
  );
  const learningRateMin = numberOption(
    o,
    'learningRateMin',
    0,
    (v) => v >= 0 && v <= learningRate,
    `a number in [0, learningRate = ${learningRate}]`,
    where,
  );
  const beta1 = numberOption(o, 'beta1', 0.9, (v) => v >= 0 && v < 1, 'a number in [0, 1)', where);
  const beta2 = numberOption(o, 'beta2', 0.999, (v) => v >= 0 && v < 1, 'a number in [0, 1)', where);
  const sigma0 = numberOption(o, 'sigma0', 0.1, (v) => v > 0, 'a finite number > 0', where);
  const sigmaDecay = numberOption(o, 'sigmaDecay', 1, (v) => v > 0 && v <= 1, 'a number in (0, 1]', where);
  const sigmaMin = numberOption(
    o,
    'sigmaMin',
    0,
    (v) => v >= 0 && v <= sigma0,
    `a number in [0, sigma0 = ${sigma0}]`,
    where,
  );
  const mean0Raw = o.mean0;
  if (
    mean0Raw !== undefined &&
    (!Array.isArray(mean0Raw) ||
      mean0Raw.length === 0 ||
      mean0Raw.some((e) => typeof e !== 'number' || !Number.isFinite(e)))
  )
    throw new ConfigError(
      `${where}.mean0`,
      `expected a non-empty array of finite numbers, found ${JSON.stringify(mean0Raw)}`,
    );
  const mean0 = mean0Raw === undefined ? undefined : [...(mean0Raw as number[])];

  return {
    name: PREFIX,
    objectives: 'single',

    init(space: SearchSpace, seed: number): OpenAiEsState {
      checkSingleObjectiveSpace(space, PREFIX, where);
      const n = space.low.length;
      const low = [...space.low];
      const high = [...space.high];
      const mean = normalisedStart(mean0, low, high, where);
      return {
        strategy: PREFIX,
        generation: 0,
        rng: new Rng(seed >>> 0).getState(),
        low,
        high,
        populationSize: (populationSize as number | undefined) ?? 2 * (4 + Math.floor(3 * Math.log(n))),
        mean,
        sigma: sigma0,
        learningRate,
        m: new Array<number>(n).fill(0),
        v: new Array<number>(n).fill(0),
        t: 0,
        pending: null,
        evaluations: 0,
        best: null,
      };
    },

    ask(state: OpenAiEsState) {
      const s = copyState(state);
      const n = s.mean.length;
      // A fresh generator from the saved words each call: Rng caches a spare normal that its state does not hold.
      const rng = Rng.fromState(s.rng);
      const pending: number[][] = [];
      const candidates: number[][] = [];
      const toBox = (u: number, i: number) =>
        Math.min(
          s.high[i],
          Math.max(s.low[i], s.low[i] + Math.min(1, Math.max(0, u)) * (s.high[i] - s.low[i])),
        );
      for (let k = 0; k < s.populationSize / 2; k++) {
        const eps = Array.from({ length: n }, () => rng.normal());
        pending.push(eps);
        candidates.push(eps.map((e, i) => toBox(s.mean[i] + s.sigma * e, i)));
        candidates.push(eps.map((e, i) => toBox(s.mean[i] - s.sigma * e, i)));
      }
      s.pending = pending;
      s.rng = rng.getState();
      return { state: s, candidates };
    },

    tell(state: OpenAiEsState, candidates: number[][], costs: CostEstimate[]): OpenAiEsState {
      const s = copyState(state);
      const pending = s.pending;
      if (!pending) throw new Error(`${PREFIX}: tell without a pending ask`);
      if (candidates.length !== 2 * pending.length || costs.length !== 2 * pending.length)
        throw new Error(
          `${PREFIX}: expected ${2 * pending.length} candidates and costs (the last ask), found ${candidates.length} and ${costs.length}`,
        );
      const n = s.mean.length;

      for (let k = 0; k < costs.length; k++) {
        const f = costs[k].mean[0];
        if (Number.isFinite(f) && (s.best === null || f < s.best.costs.mean[0]))
          s.best = { x: [...candidates[k]], costs: structuredClone(costs[k]) };
      }
      s.evaluations += costs.length;

      // Gradient of the smoothed (rank-shaped) cost: 1 / (N sigma) sum_k (u(+eps_k) - u(-eps_k)) eps_k.
      const u = centredRanks(costs.map((c) => c.mean[0]));
      const g = new Array<number>(n).fill(0);
      for (let k = 0; k < pending.length; k++) {
        const w = (u[2 * k] - u[2 * k + 1]) / (costs.length * s.sigma);
        for (let i = 0; i < n; i++) g[i] += w * pending[k][i];
      }
      s.t += 1;
      const c1 = 1 - Math.pow(beta1, s.t);
      const c2 = 1 - Math.pow(beta2, s.t);
      for (let i = 0; i < n; i++) {
        s.m[i] = beta1 * s.m[i] + (1 - beta1) * g[i];
        s.v[i] = beta2 * s.v[i] + (1 - beta2) * g[i] * g[i];
        const step = (s.learningRate * (s.m[i] / c1)) / (Math.sqrt(s.v[i] / c2) + ADAM_EPSILON);
        s.mean[i] = Math.min(1, Math.max(0, s.mean[i] - step));
      }
      s.sigma = Math.max(sigmaMin, s.sigma * sigmaDecay);
      s.learningRate = Math.max(learningRateMin, s.learningRate * learningRateDecay);

      s.pending = null;
      s.generation += 1;
      return s;
    },

    elites(state: OpenAiEsState): Elite[] {
      return state.best ? [{ x: [...state.best.x], costs: structuredClone(state.best.costs) }] : [];
    },
  };
}
