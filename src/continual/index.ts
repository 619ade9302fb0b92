/**
 * Continual learning: the measuring instrument of van de Ven & Tolias's three scenarios (context splits, the heads
 * of each scenario) and the metrics over an accuracy matrix. Methods and the protocol runner come with the rest of
 * the continual-learning issue.
 */
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
