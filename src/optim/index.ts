/** Optimizers: one interface seeing each parameter, its gradient and its layer's activity. */
export { Optimizer, type StepContext } from './optimizer.js';
export { SGD, type SgdOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { createOptimizer, type OptimizerSpec } from './factory.js';
export {
  NeuroPlastic,
  NEUROPLASTIC_ABLATIONS,
  HISTOGRAM_BINS,
  validateNeuroPlastic,
  type NeuroPlasticOptions,
  type NeuroPlasticAblation,
  type NeuroPlasticDiagnostics,
} from './neuroplastic.js';
export { learningRateAt, validateSchedule, clipGradNorm, type ScheduleSpec } from './schedule.js';
