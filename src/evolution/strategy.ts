import { Registry } from '../util/registry.js';
import type { RngState } from '../util/rng.js';
import type { CostEstimate } from './noisy.js';

/** What a strategy searches: a box of real genes, and how many costs each candidate gets. */
export interface SearchSpace {
  low: readonly number[];
  high: readonly number[];
  objectives: number;
}

/** Every strategy's state is plain JSON (checkpointed each generation, resumed exactly) and carries its generator. */
export interface StrategyState {
  strategy: string;
  generation: number;
  rng: RngState;
}

/** One candidate of the strategy's current answer with its cost estimate. */
export interface Elite {
  x: number[];
  costs: CostEstimate;
  violation?: number;
}

/**
 * An ask/tell search strategy (evosax, pymoo): `ask` proposes candidates, `tell` takes their costs (every objective
 * minimised, estimated over one or more evaluations) and returns the next state. Neither mutates its input state,
 * so any state can be saved and the search continued from it with the same numbers.
 */
export interface Strategy<S extends StrategyState = StrategyState> {
  readonly name: string;
  /** Single-objective strategies refuse a problem with several objectives, and the other way round. */
  readonly objectives: 'single' | 'multi';
  init(space: SearchSpace, seed: number): S;
  ask(state: S): { state: S; candidates: number[][] };
  /** `violations`: each candidate's total constraint violation (0 when feasible), for strategies that use it. */
  tell(state: S, candidates: number[][], costs: CostEstimate[], violations?: number[]): S;
  /** The best candidate (single objective) or the non-dominated set found (multi-objective). */
  elites(state: S): Elite[];
}

/** A strategy's factory from its options as an experiment file gives them (validated there, naming each field). */
export type StrategyFactory = (options: Record<string, unknown>, where: string) => Strategy;

/** Strategies by name: adding one is a file under strategies/ and one line in strategies/index.ts. */
export const strategies = new Registry<StrategyFactory>('strategy');

export function registerStrategy(name: string, factory: StrategyFactory): void {
  strategies.register(name, factory);
}

/** A deep copy of a JSON state, so ask and tell leave theirs untouched. */
export const copyState = <S>(state: S): S => structuredClone(state);
