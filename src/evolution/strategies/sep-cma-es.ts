import { ConfigError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import type { CostEstimate } from '../noisy.js';
import { checkSingleObjectiveSpace, normalisedStart } from '../options.js';
import { copyState, type Elite, type SearchSpace, type Strategy, type StrategyState } from '../strategy.js';

/**
 * Separable CMA-ES (Ros & Hansen 2008): CMA-ES restricted to a diagonal covariance, so a generation costs O(lambda n)
 * time and O(n) memory instead of O(n^2), and the diagonal is learnt about (n + 2) / 3 times faster than a full
 * matrix would be. Constants follow Hansen's tutorial ("The CMA Evolution Strategy: A Tutorial", 2016).
 *
 * The search runs in the box's normalised coordinates (each gene mapped to [0, 1]) so that one step size fits
 * genes of very different ranges; `mean0` is given in the problem's own units and `sigma0` as a fraction of the box
 * width. The sampling distribution itself is unbounded: candidates are clipped to the box before `ask` returns
 * them, while the update uses the unclipped samples (so the distribution's statistics stay those of a Gaussian) and
 * the mean is kept inside the box so that it cannot drift away where every clipped candidate costs the same.
 */
export interface SepCmaEsOptions {
  /** lambda, candidates per generation (default 4 + floor(3 ln n)). */
  populationSize?: number;
  /** Initial step size as a fraction of the box width (default 0.3). */
  sigma0?: number;
  /** Initial mean in the problem's units (default the box centre). */
  mean0?: number[];
}

export interface SepCmaEsState extends StrategyState {
  strategy: 'sep-cma-es';
  low: number[];
  high: number[];
  lambda: number;
  /** Mean in normalised coordinates. */
  mean: number[];
  sigma: number;
  /** The covariance matrix's diagonal. */
  C: number[];
  ps: number[];
  pc: number[];
  /** The standard normal draws behind the candidates of the last `ask`, which `tell` ranks; null after `tell`. */
  pending: number[][] | null;
  evaluations: number;
  best: { x: number[]; costs: CostEstimate } | null;
}

const PREFIX = 'sep-cma-es';

function positiveNumber(options: Record<string, unknown>, key: string, where: string): number | undefined {
  const v = options[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new ConfigError(`${where}.${key}`, `expected a finite number > 0, found ${JSON.stringify(v)}`);
  return v;
}

function finiteArray(options: Record<string, unknown>, key: string, where: string): number[] | undefined {
  const v = options[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || v.some((e) => typeof e !== 'number' || !Number.isFinite(e)))
    throw new ConfigError(
      `${where}.${key}`,
      `expected a non-empty array of finite numbers, found ${JSON.stringify(v)}`,
    );
  return [...(v as number[])];
}

/** A cost for ranking: NaN ranks last rather than poisoning the comparison. */
const rankCost = (c: CostEstimate): number => (Number.isNaN(c.mean[0]) ? Infinity : c.mean[0]);

/** The log-rank recombination weights and derived constants for n genes and lambda candidates. */
function parameters(n: number, lambda: number) {
  const mu = Math.floor(lambda / 2);
  const raw = Array.from({ length: mu }, (_, i) => Math.log(mu + 0.5) - Math.log(i + 1));
  const sum = raw.reduce((s, w) => s + w, 0);
  const weights = raw.map((w) => w / sum);
  const mueff = 1 / weights.reduce((s, w) => s + w * w, 0);
  const cc = (4 + mueff / n) / (n + 4 + (2 * mueff) / n);
  const cs = (mueff + 2) / (n + mueff + 5);
  const c1Full = 2 / ((n + 1.3) ** 2 + mueff);
  const cmuFull = Math.min(1 - c1Full, (2 * (mueff - 2 + 1 / mueff)) / ((n + 2) ** 2 + mueff));
  // Ros & Hansen: a diagonal has n free parameters instead of n(n + 1) / 2, so it can be learnt (n + 2) / 3 faster.
  const c1 = Math.min(1, (c1Full * (n + 2)) / 3);
  const cmu = Math.min(1 - c1, (cmuFull * (n + 2)) / 3);
  const damps = 1 + 2 * Math.max(0, Math.sqrt((mueff - 1) / (n + 1)) - 1) + cs;
  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
  return { mu, weights, mueff, cc, cs, c1, cmu, damps, chiN };
}

export function sepCmaEs(
  options: SepCmaEsOptions | Record<string, unknown> = {},
  where = 'strategy',
): Strategy<SepCmaEsState> {
  const o = options as Record<string, unknown>;
  const populationSize = o.populationSize;
  if (
    populationSize !== undefined &&
    (typeof populationSize !== 'number' || !Number.isInteger(populationSize) || populationSize < 2)
  )
    throw new ConfigError(
      `${where}.populationSize`,
      `expected an integer >= 2, found ${JSON.stringify(populationSize)}`,
    );
  const sigma0 = positiveNumber(o, 'sigma0', where) ?? 0.3;
  const mean0 = finiteArray(o, 'mean0', where);

  return {
    name: PREFIX,
    objectives: 'single',

    init(space: SearchSpace, seed: number): SepCmaEsState {
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
        lambda: (populationSize as number | undefined) ?? 4 + Math.floor(3 * Math.log(n)),
        mean,
        sigma: sigma0,
        C: new Array<number>(n).fill(1),
        ps: new Array<number>(n).fill(0),
        pc: new Array<number>(n).fill(0),
        pending: null,
        evaluations: 0,
        best: null,
      };
    },

    ask(state: SepCmaEsState) {
      const s = copyState(state);
      const n = s.mean.length;
      // A fresh generator from the saved words each call: Rng caches a spare normal that its state does not hold.
      const rng = Rng.fromState(s.rng);
      const d = s.C.map(Math.sqrt);
      const pending: number[][] = [];
      const candidates: number[][] = [];
      for (let k = 0; k < s.lambda; k++) {
        const z = Array.from({ length: n }, () => rng.normal());
        pending.push(z);
        candidates.push(
          z.map((zi, i) => {
            const u = Math.min(1, Math.max(0, s.mean[i] + s.sigma * d[i] * zi));
            return Math.min(s.high[i], Math.max(s.low[i], s.low[i] + u * (s.high[i] - s.low[i])));
          }),
        );
      }
      s.pending = pending;
      s.rng = rng.getState();
      return { state: s, candidates };
    },

    tell(state: SepCmaEsState, candidates: number[][], costs: CostEstimate[]): SepCmaEsState {
      const s = copyState(state);
      const pending = s.pending;
      if (!pending) throw new Error(`${PREFIX}: tell without a pending ask`);
      if (candidates.length !== pending.length || costs.length !== pending.length)
        throw new Error(
          `${PREFIX}: expected ${pending.length} candidates and costs (the last ask), found ${candidates.length} and ${costs.length}`,
        );
      const n = s.mean.length;
      const { mu, weights, mueff, cc, cs, c1, cmu, damps, chiN } = parameters(n, s.lambda);

      for (let k = 0; k < costs.length; k++) {
        const f = costs[k].mean[0];
        if (Number.isFinite(f) && (s.best === null || f < s.best.costs.mean[0]))
          s.best = { x: [...candidates[k]], costs: structuredClone(costs[k]) };
      }
      s.evaluations += costs.length;

      const order = costs.map((_, k) => k).sort((a, b) => rankCost(costs[a]) - rankCost(costs[b]) || a - b);
      const d = s.C.map(Math.sqrt);
      // zw: weighted mean of the selected standard normal draws; yw = D zw, the mean's step in units of sigma.
      const zw = new Array<number>(n).fill(0);
      for (let r = 0; r < mu; r++) {
        const z = pending[order[r]];
        for (let i = 0; i < n; i++) zw[i] += weights[r] * z[i];
      }
      const yw = zw.map((v, i) => d[i] * v);
      for (let i = 0; i < n; i++) s.mean[i] = Math.min(1, Math.max(0, s.mean[i] + s.sigma * yw[i]));

      const csNorm = Math.sqrt(cs * (2 - cs) * mueff);
      for (let i = 0; i < n; i++) s.ps[i] = (1 - cs) * s.ps[i] + csNorm * zw[i];
      const psNorm = Math.sqrt(s.ps.reduce((acc, v) => acc + v * v, 0));
      const hsig =
        psNorm / Math.sqrt(1 - Math.pow(1 - cs, 2 * (s.generation + 1))) / chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
      const ccNorm = Math.sqrt(cc * (2 - cc) * mueff);
      for (let i = 0; i < n; i++) s.pc[i] = (1 - cc) * s.pc[i] + hsig * ccNorm * yw[i];

      const keep = 1 - c1 - cmu + (1 - hsig) * c1 * cc * (2 - cc);
      for (let i = 0; i < n; i++) {
        let rankMu = 0;
        for (let r = 0; r < mu; r++) {
          const y = d[i] * pending[order[r]][i];
          rankMu += weights[r] * y * y;
        }
        s.C[i] = keep * s.C[i] + c1 * s.pc[i] * s.pc[i] + cmu * rankMu;
      }
      s.sigma *= Math.exp((cs / damps) * (psNorm / chiN - 1));

      s.pending = null;
      s.generation += 1;
      return s;
    },

    elites(state: SepCmaEsState): Elite[] {
      return state.best ? [{ x: [...state.best.x], costs: structuredClone(state.best.costs) }] : [];
    },
  };
}
