import { ConfigError } from '../util/errors.js';
import { estimateCosts, type CostEstimate } from './noisy.js';
import { fromCosts, toCosts } from './objectives.js';
import { hypervolume } from './pareto.js';
import { checkProblem, type Problem } from './problem.js';
import type { Elite, Strategy, StrategyState } from './strategy.js';

/** When a search stops: whichever limit is reached first (at least one must be given). */
export interface Termination {
  generations?: number;
  evaluations?: number;
  /** Single objective: stop once the best cost is at or below this (in cost terms: minimised). */
  targetCost?: number;
}

/** One evaluation to run: a pure function of genome and seed; the id is the same wherever and whenever it runs. */
export interface EvaluationJob {
  id: string;
  x: number[];
  seed: number;
}

/** Runs evaluations (inline, in a worker pool, through a queue) and returns each job's objective values in order. */
export interface Evaluator {
  evaluate(problem: Problem, jobs: EvaluationJob[]): Promise<number[][]>;
}

export const inlineEvaluator: Evaluator = {
  async evaluate(problem, jobs) {
    const out: number[][] = [];
    for (const j of jobs) out.push(await problem.evaluate(j.x, j.seed));
    return out;
  },
};

/** What a search saves after each generation: enough to continue exactly where it stopped. */
export interface SearchCheckpoint<S extends StrategyState = StrategyState> {
  generation: number;
  evaluations: number;
  state: S;
}

/** One generation's line in metrics.jsonl. */
export interface GenerationRecord {
  generation: number;
  evaluations: number;
  /** Per objective, the best value among the elites, in the objective's own direction. */
  best: Record<string, number>;
  eliteCount: number;
  /** Of the elites' costs, against `referencePoint` (when given and the problem has several objectives). */
  hypervolume?: number;
}

export interface SearchOptions<S extends StrategyState> {
  problem: Problem;
  strategy: Strategy<S>;
  seed: number;
  termination: Termination;
  /** Evaluations per candidate, each with its own seed; the strategy gets their mean and spread. */
  repeats?: number;
  evaluator?: Evaluator;
  /** Objective values (own directions) bounding the hypervolume reported per generation. */
  referencePoint?: number[];
  /** A name for job ids (the run); default "run". */
  runId?: string;
  resumeFrom?: SearchCheckpoint<S>;
  /** Called after each generation with its record and the checkpoint to save (before the next ask). */
  onGeneration?(record: GenerationRecord, checkpoint: SearchCheckpoint<S>): void | Promise<void>;
}

export interface SearchResult<S extends StrategyState> {
  checkpoint: SearchCheckpoint<S>;
  elites: Elite[];
  history: GenerationRecord[];
}

/** The seed of one evaluation, from the run's seed and where the evaluation sits (deterministic, spread by a hash). */
export function evaluationSeed(seed: number, generation: number, individual: number, repeat: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const v of [generation, individual, repeat]) {
    h = Math.imul(h ^ v, 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

export function checkTermination(t: Termination, where: string): void {
  const given = [t.generations, t.evaluations, t.targetCost].filter((v) => v !== undefined);
  if (given.length === 0)
    throw new ConfigError(where, 'expected at least one of generations, evaluations, targetCost; found none');
  for (const key of ['generations', 'evaluations'] as const) {
    const v = t[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 1))
      throw new ConfigError(`${where}.${key}`, `expected an integer >= 1, found ${JSON.stringify(v)}`);
  }
}

/**
 * Problem, strategy and termination are separate (pymoo): this loop asks the strategy for candidates, evaluates each
 * `repeats` times with seeds fixed by (seed, generation, individual, repeat), tells it their cost estimates, and
 * stops at the termination. The same seed, problem and strategy give the same numbers whichever evaluator runs the
 * jobs, and a search continued from a checkpoint gives what an uninterrupted one gives.
 */
export async function runSearch<S extends StrategyState>(opts: SearchOptions<S>): Promise<SearchResult<S>> {
  const { problem, strategy, termination } = opts;
  checkProblem(problem, `problem ${problem.name}`);
  checkTermination(termination, 'termination');
  const m = problem.objectives.length;
  if (strategy.objectives === 'single' && m !== 1)
    throw new ConfigError('strategy', `${strategy.name} optimises one objective; the problem has ${m}`);
  if (strategy.objectives === 'multi' && m < 2)
    throw new ConfigError('strategy', `${strategy.name} needs several objectives; the problem has ${m}`);
  const repeats = opts.repeats ?? 1;
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new ConfigError('repeats', `expected an integer >= 1, found ${JSON.stringify(opts.repeats)}`);
  if (opts.referencePoint && opts.referencePoint.length !== m)
    throw new ConfigError('referencePoint', `expected ${m} values, found ${opts.referencePoint.length}`);
  const evaluator = opts.evaluator ?? inlineEvaluator;
  const runId = opts.runId ?? 'run';
  let cp: SearchCheckpoint<S> = opts.resumeFrom ?? {
    generation: 0,
    evaluations: 0,
    state: strategy.init({ low: problem.low, high: problem.high, objectives: m }, opts.seed),
  };
  const refCosts = opts.referencePoint ? toCosts(opts.referencePoint, problem.objectives) : null;
  const history: GenerationRecord[] = [];
  const done = () =>
    (termination.generations !== undefined && cp.generation >= termination.generations) ||
    (termination.evaluations !== undefined && cp.evaluations >= termination.evaluations) ||
    (termination.targetCost !== undefined &&
      strategy.elites(cp.state).some((e) => e.costs.mean[0] <= termination.targetCost!));
  while (!done()) {
    const { state, candidates } = strategy.ask(cp.state);
    const jobs: EvaluationJob[] = [];
    candidates.forEach((x, i) => {
      for (let r = 0; r < repeats; r++)
        jobs.push({
          id: `${runId}/${cp.generation}/${i}/${r}`,
          x,
          seed: evaluationSeed(opts.seed, cp.generation, i, r),
        });
    });
    const values = await evaluator.evaluate(problem, jobs);
    const costs: CostEstimate[] = candidates.map((_, i) =>
      estimateCosts(
        values
          .slice(i * repeats, (i + 1) * repeats)
          .map((v) => toCosts(checkValues(v, m, jobs[i * repeats].id), problem.objectives)),
      ),
    );
    const violations = problem.violation ? candidates.map((x) => problem.violation!(x)) : undefined;
    cp = {
      generation: cp.generation + 1,
      evaluations: cp.evaluations + jobs.length,
      state: strategy.tell(state, candidates, costs, violations),
    };
    const elites = strategy.elites(cp.state);
    const bestCosts = problem.objectives.map((_, k) => Math.min(...elites.map((e) => e.costs.mean[k])));
    const bestValues = fromCosts(bestCosts, problem.objectives);
    const record: GenerationRecord = {
      generation: cp.generation,
      evaluations: cp.evaluations,
      best: Object.fromEntries(problem.objectives.map((o, k) => [o.name, bestValues[k]])),
      eliteCount: elites.length,
    };
    if (refCosts && m > 1)
      record.hypervolume = hypervolume(
        elites.map((e) => e.costs.mean),
        refCosts,
      );
    history.push(record);
    await opts.onGeneration?.(record, cp);
  }
  return { checkpoint: cp, elites: strategy.elites(cp.state), history };
}

function checkValues(v: unknown, m: number, id: string): number[] {
  if (!Array.isArray(v) || v.length !== m || v.some((x) => typeof x !== 'number' || Number.isNaN(x)))
    throw new ConfigError(
      `evaluation ${id}`,
      `expected ${m} objective values, found ${JSON.stringify(v)?.slice(0, 80)}`,
    );
  return v as number[];
}
