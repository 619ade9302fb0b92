export { GO, NO_GO, validateTask, shiftKinds, drawTrials, outcomeOf, standardTask } from './task.js';
export type { GoNoGoTaskSpec, GoNoGoBlock, ShiftKind, Trial, Outcome } from './task.js';
export {
  accuracyCurve,
  blockMetrics,
  conditionalActionEntropy,
  DEFAULT_CRITERION,
  isCorrect,
} from './metrics.js';
export type { BlockMetrics, Criterion, TrialRecord } from './metrics.js';
export type { GoNoGoAgent } from './agent.js';
export { SpikingActorCritic, DEFAULT_SPIKING_AGENT, type SpikingAgentParameters } from './spiking-agent.js';
export {
  GradientActorCritic,
  DEFAULT_GRADIENT_AGENT,
  type GradientAgentParameters,
} from './gradient-agent.js';
export { runGoNoGo, type GoNoGoRunOptions, type GoNoGoRunResult, type ModulationTrace } from './run.js';
export { removedBy, ablationConditions } from './conditions.js';
export { goNoGoMapping, goNoGoModulators } from './presets.js';
export {
  OutcomeModules,
  DEFAULT_MODULE_SWITCHING,
  noradrenalineBurst,
  validateModuleSwitching,
  type ModuleSwitchingParameters,
  type ModuleChange,
} from './modules.js';
