/**
 * Evolution: ask/tell search strategies with explicit, serialisable state (evosax, pymoo), benchmark problems with
 * known answers, multi-objective tools (non-dominated sorting, crowding, hypervolume, IGD, probabilistic dominance
 * for noisy evaluations) and the search loop that keeps problem, strategy and termination apart.
 */
import './benchmarks.js';
import './strategies/index.js';
import './rediscovery.js';
import './spiking-problem.js';

export {
  COEFFICIENT_SHARING,
  RATE_SIGNALS,
  RuleGenome,
  SPIKING_SIGNALS,
  expandTerms,
  spikingTermGroups,
  synapseTypeKey,
  termName,
  threeFactorTerms,
  type CoefficientSharing,
  type DecodedRule,
  type RuleGenomeFile,
  type RuleGenomeSpec,
  type SignalSpec,
} from './genome.js';
export { checkObjectives, toCosts, fromCosts, type Direction, type ObjectiveSpec } from './objectives.js';
export {
  constrainedDominates,
  crowdingDistance,
  dominates,
  hypervolume,
  igd,
  nonDominated,
  nonDominatedSort,
  type Costs,
} from './pareto.js';
export {
  dominanceProbability,
  expectedDominators,
  estimateCosts,
  normalCdf,
  probabilisticSort,
  probabilityBetter,
  type CostEstimate,
} from './noisy.js';
export {
  checkProblem,
  problems,
  registerProblem,
  type KnownProblem,
  type Problem,
  type ProblemFactory,
} from './problem.js';
export { BENCHMARKS } from './benchmarks.js';
export {
  copyState,
  registerStrategy,
  strategies,
  type Elite,
  type SearchSpace,
  type Strategy,
  type StrategyFactory,
  type StrategyState,
} from './strategy.js';
export { competitiveSwarm, lmocso, nsga2, openAiEs, sepCmaEs } from './strategies/index.js';
export type {
  CompetitiveSwarmOptions,
  CompetitiveSwarmState,
  LmocsoOptions,
  LmocsoState,
  Nsga2Options,
  Nsga2State,
  SwarmMember,
} from './strategies/index.js';
export {
  checkTermination,
  evaluationSeed,
  inlineEvaluator,
  runSearch,
  type EvaluationJob,
  type Evaluator,
  type GenerationRecord,
  type SearchCheckpoint,
  type SearchOptions,
  type SearchResult,
  type Termination,
} from './search.js';
export {
  evaluationPool,
  poolEvaluator,
  type EvaluationPool,
  type PoolEvaluator,
  type ProblemRef,
} from './pool.js';
export {
  QUEUE_NAME,
  checkRedis,
  parseQueuedEvaluation,
  parseRedisUrl,
  queueEvaluator,
  queueJobId,
  startQueueWorker,
  type QueueEvaluator,
  type QueueWorkerOptions,
  type QueuedEvaluation,
} from './queue.js';
export { spikingRuleProblem } from './spiking-problem.js';
export { moduleUrl } from './module-url.js';
export { ojaRediscovery, stdpRediscovery, type RediscoveryProblem } from './rediscovery.js';
