import { ConfigError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import type { Problem } from '../../evolution/problem.js';
import { runSearch } from '../../evolution/search.js';
import { openAiEs } from '../../evolution/strategies/openai-es.js';
import { sepCmaEs } from '../../evolution/strategies/sep-cma-es.js';
import type { Strategy } from '../../evolution/strategy.js';
import {
  FixedNetworkController,
  fixedNetworkGenomeSize,
  HebbianNetworkController,
  hebbianGenomeSize,
  type Controller,
} from './controllers.js';
import { checkCartPoleParams, type CartPoleParams } from './env.js';
import { runEpisodes } from './evaluate.js';

export interface CartPoleProblemOptions {
  controller: 'fixed' | 'hebbian';
  hidden: number;
  /** Episodes per evaluation, each from its own random start (and, for the Hebbian network, random weights). */
  episodes: number;
  maxSteps: number;
  /** Changes to the standard dynamics. */
  params?: Partial<CartPoleParams>;
  /**
   * Several bodies instead of one: each evaluation runs `episodes` episodes on each (changes to the standard
   * dynamics), so the search favours controllers that cope with all of them.
   */
  bodies?: Partial<CartPoleParams>[];
  /** Every gene lies in [-geneBound, geneBound] (default 3 for the fixed network's weights, 1 for Hebbian coefficients). */
  geneBound?: number;
}

/** The controller a genome encodes. */
export function controllerFromGenome(
  kind: 'fixed' | 'hebbian',
  hidden: number,
  genome: readonly number[],
): Controller {
  return kind === 'fixed'
    ? new FixedNetworkController(genome, hidden)
    : new HebbianNetworkController(genome, hidden);
}

/**
 * One objective, maximised: the mean number of steps balanced over `episodes` episodes of the given dynamics. The
 * evaluation is a pure function of genome and seed: the seed alone draws the starts (and Hebbian initial weights).
 */
export function cartPoleProblem(options: CartPoleProblemOptions): Problem {
  const where = 'cartPoleProblem';
  const { controller, hidden, episodes, maxSteps } = options;
  if (controller !== 'fixed' && controller !== 'hebbian')
    throw new ConfigError(
      `${where}.controller`,
      `expected fixed or hebbian, found ${JSON.stringify(controller)}`,
    );
  for (const [key, v] of [
    ['episodes', episodes],
    ['maxSteps', maxSteps],
  ] as const)
    if (!Number.isInteger(v) || v < 1)
      throw new ConfigError(`${where}.${key}`, `expected an integer >= 1, found ${JSON.stringify(v)}`);
  const params = options.params ?? {};
  checkCartPoleParams(params, `${where}.params`);
  const bodies = options.bodies ?? [params];
  if (bodies.length === 0) throw new ConfigError(`${where}.bodies`, 'expected at least one body, found none');
  bodies.forEach((b, i) => checkCartPoleParams(b, `${where}.bodies[${i}]`));
  const genes = controller === 'fixed' ? fixedNetworkGenomeSize(hidden) : hebbianGenomeSize(hidden);
  const bound = options.geneBound ?? (controller === 'fixed' ? 3 : 1);
  if (!(bound > 0) || !Number.isFinite(bound))
    throw new ConfigError(
      `${where}.geneBound`,
      `expected a finite number > 0, found ${JSON.stringify(options.geneBound)}`,
    );
  return {
    name: `cart-pole-${controller}`,
    low: new Array<number>(genes).fill(-bound),
    high: new Array<number>(genes).fill(bound),
    objectives: [{ name: 'balanceSteps', direction: 'max' }],
    evaluate(x, seed) {
      const results = runEpisodes(
        controllerFromGenome(controller, hidden, x),
        bodies.map((body) => ({ episodes, params: body })),
        maxSteps,
        new Rng(seed >>> 0),
      );
      return [results.reduce((s, r) => s + r.steps, 0) / results.length];
    },
  };
}

export interface EvolveOptions {
  strategy: 'sep-cma-es' | 'openai-es';
  generations: number;
  populationSize: number;
  seed: number;
  /** Stop early once the best fitness reaches this. */
  targetFitness?: number;
}

export interface EvolveResult {
  /** The best genome found and its fitness (as evaluated, with its evaluation seed). */
  best: number[];
  fitness: number;
  /** The best fitness found so far, after each generation. */
  bestPerGeneration: number[];
}

/** Runs `runSearch` inline (no workers) on a one-objective maximisation problem. */
export async function evolveController(problem: Problem, options: EvolveOptions): Promise<EvolveResult> {
  if (problem.objectives.length !== 1)
    throw new ConfigError(
      'evolveController.problem',
      `expected one objective, found ${problem.objectives.length}`,
    );
  const strategyOptions = { populationSize: options.populationSize };
  let strategy: Strategy;
  if (options.strategy === 'sep-cma-es') strategy = sepCmaEs(strategyOptions, 'evolveController') as Strategy;
  else if (options.strategy === 'openai-es')
    strategy = openAiEs(strategyOptions, 'evolveController') as Strategy;
  else
    throw new ConfigError(
      'evolveController.strategy',
      `expected sep-cma-es or openai-es, found ${JSON.stringify(options.strategy)}`,
    );
  const objective = problem.objectives[0];
  const sign = objective.direction === 'max' ? -1 : 1;
  const result = await runSearch({
    problem,
    strategy,
    seed: options.seed,
    termination: {
      generations: options.generations,
      ...(options.targetFitness !== undefined ? { targetCost: sign * options.targetFitness } : {}),
    },
  });
  const elite = result.elites[0];
  return {
    best: [...elite.x],
    fitness: sign * elite.costs.mean[0],
    bestPerGeneration: result.history.map((h) => h.best[objective.name]),
  };
}
