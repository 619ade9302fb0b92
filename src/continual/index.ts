/**
 * Continual learning: van de Ven & Tolias's three scenarios (context splits, the heads of each scenario), the
 * benchmarks (Split and Permuted), the training loop with methods as strategy plugins, and the metrics over an
 * accuracy matrix.
 */
import './strategies/index.js';

export {
  SCENARIOS,
  validateSplit,
  splitContexts,
  pixelPermutations,
  scenarioHeads,
  type Scenario,
  type ContextSplit,
  type Heads,
} from './contexts.js';
export {
  continualMetrics,
  avalancheForgetting,
  avalancheBwt,
  checkAccuracyMatrix,
  type ContinualMetrics,
} from './metrics.js';
export {
  splitBenchmark,
  permutedBenchmark,
  type ContinualBenchmark,
  type ContinualContext,
  type Part,
} from './benchmark.js';
export { termsLoss, softTargets, fillRange, type LossTerm, type TrainingBatch } from './loss.js';
export { diagonalFisher, type FisherLabels, type FisherSamples } from './fisher.js';
export { ContinualLearner, type ProtocolOptions, type ProtocolResult } from './learner.js';
export {
  registerStrategy,
  strategyNames,
  getStrategyKind,
  createStrategy,
  settingsFor,
  supportedScenarios,
  type ContinualStrategy,
  type StrategyKind,
  type Replay,
} from './strategy.js';
/** The seeded generator every run draws from (also exported by neuroplast/spiking). */
export { Rng } from '../util/rng.js';
export { distillationTerms, distillationOver, type DistillationRange } from './distill.js';
export { QuadraticPenalty } from './quadratic.js';
export { Vae, type VaeOptions, type VaeBatch, type VaeLoss } from './vae.js';
export { generatorSettings, replayGenerator } from './strategies/generative-replay.js';
