import { ConfigError } from '../util/errors.js';
import { Registry } from '../util/registry.js';
import { checkObjectives, type ObjectiveSpec } from './objectives.js';

/**
 * What is searched: a box of real genes and objectives with directions. `evaluate` is a pure function of the genome
 * and a seed (the same pair always gives the same values), which is what lets evaluations run anywhere (a worker
 * thread, another machine) and be repeated with other seeds to estimate noise.
 */
export interface Problem {
  readonly name: string;
  readonly low: readonly number[];
  readonly high: readonly number[];
  readonly objectives: readonly ObjectiveSpec[];
  /** Objective values in the objectives' own directions. */
  evaluate(x: readonly number[], seed: number): number[] | Promise<number[]>;
  /** Total constraint violation (0 when feasible), for problems with constraints. */
  violation?(x: readonly number[]): number;
}

/** A benchmark problem whose answer is known. */
export interface KnownProblem extends Problem {
  /** `n` points of the true Pareto front (costs), or the optimum's value for one objective. */
  front(n: number): number[][];
  /** The values without noise, for noisy problems. */
  noiseless?(x: readonly number[]): number[];
}

/** Checks a problem's box and objectives before any work. */
export function checkProblem(p: Problem, where: string): void {
  if (p.low.length === 0 || p.low.length !== p.high.length)
    throw new ConfigError(
      `${where}.bounds`,
      `expected as many low as high bounds (at least one), found ${p.low.length} and ${p.high.length}`,
    );
  p.low.forEach((lo, i) => {
    if (!Number.isFinite(lo) || !Number.isFinite(p.high[i]) || lo >= p.high[i])
      throw new ConfigError(
        `${where}.bounds[${i}]`,
        `expected finite low < high, found low ${lo}, high ${p.high[i]}`,
      );
  });
  checkObjectives(p.objectives, `${where}.objectives`);
}

export type ProblemFactory = (options: Record<string, unknown>, where: string) => Problem;

/** Problems by name, for experiment files: a file under problems/ and one registration line. */
export const problems = new Registry<ProblemFactory>('problem');

export function registerProblem(name: string, factory: ProblemFactory): void {
  problems.register(name, factory);
}
