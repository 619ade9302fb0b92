import type { z } from 'zod';
import { ConfigError } from '../util/errors.js';
import { Registry } from '../util/registry.js';
import { SCENARIOS, type Scenario } from './contexts.js';
import type { LossTerm, TrainingBatch } from './loss.js';
import type { Sequential } from '../engine/index.js';
import type { Optimizer } from '../optim/index.js';
import type { Rng } from '../util/rng.js';
import type { ContinualBenchmark, Part } from './benchmark.js';
import type { Heads } from './contexts.js';

/** The protocol of a run (ContinualLearner's options). */
export interface ProtocolOptions {
  scenario: Scenario;
  /** Hidden widths of the ReLU MLP (784-400-400 on Split MNIST, 1024-1000-1000 on Permuted MNIST). */
  hidden: readonly number[];
  /** Adam's learning rate and betas (1e-3, (0.9, 0.999) on Split MNIST). */
  lr: number;
  betas?: readonly [number, number];
  iterationsPerContext: number;
  batchSize: number;
  seed: number;
  /** Test samples per context evaluated (all when absent). */
  evalSamples?: number;
  evalBatchSize?: number;
}

/** Samples of one context read into rows, with their targets and the outputs they are trained on. */
export interface ContextSamples {
  x: Float32Array;
  targets: Int32Array;
  rows: number;
  from: number;
  to: number;
}

/** What a strategy's hooks see of the learner running them (ContinualLearner implements it). */
export interface ContinualLearner {
  readonly benchmark: ContinualBenchmark;
  readonly options: ProtocolOptions;
  readonly heads: Heads;
  readonly model: Sequential;
  /** The network's optimizer (its lrScales may be set per step). */
  readonly optimizer: Optimizer;
  readonly rng: Rng;
  readonly outputs: number;
  /** The context being trained (from 0). */
  context: number;
  /** Steps taken in the current context. */
  step: number;
  strategy: ContinualStrategy;
  buildModel(): Sequential;
  snapshot(into?: Sequential): Sequential;
  trainingRange(of: number, during?: number): [number, number];
  gather(
    k: number,
    part: Part,
    idx: ArrayLike<number>,
    from: number,
    to: number,
    x: Float32Array,
    y: Int32Array,
  ): void;
  contextBatch(k: number, rows?: number): TrainingBatch;
  /** The stream's next batch (the current context's) without naming the context. */
  nextBatch(): TrainingBatch;
  samples(k: number, count?: number, rng?: Rng): ContextSamples;
  logits(x: Float32Array, rows: number, model?: Sequential): Float32Array;
  trainStep(): number;
  accuracy(j: number, after?: number): number;
}

/** What a strategy adds to a step besides the current batch: terms on the batch's own rows, and other batches. */
export interface Replay {
  /** Terms scored on the current batch's rows (LwF's distillation of the current inputs). */
  terms?: LossTerm[];
  /** Batches of other inputs (stored or generated samples). */
  batches?: TrainingBatch[];
  /**
   * The replayed part's share of the step's loss (the current batch gets the rest); default k/(k+1) in context k.
   * A strategy that finds context changes itself gives its own.
   */
  share?: number;
}

/**
 * A continual-learning method as plugins around the training loop (as Avalanche's strategy plugins are). Every hook is
 * optional; the learner calls them in this order for each context k:
 * beforeContext, then per step: sampleBatch (or the context's own batch), replay, penalty, the optimizer's step,
 * afterStep; then afterContext. When `replay` gives anything in context k, the current batch's terms are weighted
 * 1/(k+1) and the replayed ones k/(k+1) in all, as van de Ven & Tolias weight current and replayed data (or as
 * the replay's `share` says). `replay` is asked from the first context on: with nothing to replay it returns null.
 */
export interface ContinualStrategy {
  readonly name: string;
  beforeContext?(learner: ContinualLearner): void;
  /** The step's batch when the strategy draws it (joint training draws from every context so far). */
  sampleBatch?(learner: ContinualLearner): TrainingBatch;
  /** Replay for the step, given the current batch; its terms' weights are relative (they are rescaled). */
  replay?(learner: ContinualLearner, current: TrainingBatch): Replay | null;
  /** Adds the gradient of the strategy's penalty into the parameters' gradients; returns the penalty. */
  penalty?(learner: ContinualLearner): number;
  afterStep?(learner: ContinualLearner): void;
  afterContext?(learner: ContinualLearner): void;
}

/**
 * The strategy's settings for one scenario: each field given per scenario is replaced by that scenario's value; one
 * missing for the scenario is an error naming it (`methods.ewc.lambda.domain`).
 */
export function settingsFor(
  settings: Record<string, unknown>,
  scenario: Scenario,
  where: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    const keyed =
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.keys(value).every((k) => (SCENARIOS as readonly string[]).includes(k));
    if (!keyed) {
      out[key] = value;
      continue;
    }
    const v = (value as Record<string, unknown>)[scenario];
    if (v === undefined)
      throw new ConfigError(
        `${where}.${key}.${scenario}`,
        `expected a value for the ${scenario}-incremental scenario, found none`,
      );
    out[key] = v;
  }
  return out;
}

/** A registered method: its settings' schema, which scenarios it runs in, and how it is made for one run. */
export interface StrategyKind<S extends z.ZodTypeAny = z.ZodTypeAny> {
  readonly name: string;
  readonly description: string;
  /** The method's settings for one scenario (an experiment file may give any field per scenario: settingsFor). */
  readonly settings: S;
  /** Scenarios it supports (all when absent). */
  readonly scenarios?: readonly Scenario[];
  /** Only methods that regularise parameters and replay nothing: named in the class-IL warning. */
  readonly regularisationOnly?: boolean;
  /** Makes the strategy for one run; `settings` are resolved for the scenario and validated again. */
  create(settings: z.output<S>, scenario: Scenario): ContinualStrategy;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const STRATEGIES = new Registry<StrategyKind<any>>('continual-learning method');

export function registerStrategy<S extends z.ZodTypeAny>(kind: StrategyKind<S>): void {
  STRATEGIES.register(kind.name, kind);
}

export function strategyNames(): string[] {
  return STRATEGIES.names();
}

export function getStrategyKind(name: unknown, where = 'strategy'): StrategyKind {
  return STRATEGIES.get(name, where);
}

/** The scenarios a method supports. */
export function supportedScenarios(kind: StrategyKind): readonly Scenario[] {
  return kind.scenarios ?? SCENARIOS;
}

/**
 * Makes a registered method's strategy for a scenario, refusing a scenario it does not support and settings that
 * do not validate, naming `where` (e.g. `methods.ewc`).
 */
export function createStrategy(
  name: string,
  settings: Record<string, unknown>,
  scenario: Scenario,
  where = `methods.${name}`,
): ContinualStrategy {
  const kind = getStrategyKind(name, `${where}.strategy`);
  if (!supportedScenarios(kind).includes(scenario))
    throw new ConfigError(
      where,
      `${name} supports the ${supportedScenarios(kind).join(', ')}-incremental scenarios, found ${scenario}`,
    );
  const resolved = settingsFor(settings, scenario, where);
  const parsed = kind.settings.safeParse(resolved);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    let found: unknown = resolved;
    for (const key of issue.path) found = (found as Record<PropertyKey, unknown> | undefined)?.[key];
    const shown = found === undefined ? 'nothing' : JSON.stringify(found);
    throw new ConfigError([where, ...issue.path.map(String)].join('.'), `${issue.message}; found ${shown}`);
  }
  return kind.create(parsed.data, scenario);
}
