/** Experiments: task kinds, validated experiment files, run directories, checkpoints and the training loop. */
import './kinds/index.js';

export {
  registerTaskKind,
  getTaskKind,
  taskKindNames,
  type TaskKind,
  type TaskRunContext,
  type ExperimentBase,
  type RunSummary,
} from './task-kind.js';
export { validateAnyExperiment, loadExperimentFile, parseWith, experimentFields } from './config.js';
export {
  classificationSchema,
  validateClassificationExperiment,
  type ClassificationConfig,
} from './kinds/classification/config.js';
export { diehlCookExperimentSchema, type DiehlCookExperimentConfig } from './kinds/diehl-cook/config.js';
export { runDiehlCookExperiment, type DiehlCookSummary } from './kinds/diehl-cook/run.js';
export { v1RulesSchema, type V1RulesConfig } from './kinds/v1-rules/config.js';
export { type V1RulesSummary } from './kinds/v1-rules/run.js';
export { RunDir } from './run-dir.js';
export { writeRunReport, reportRun, type RunReport } from './report.js';
export { runExperiment, type RunRequest, type RunResult } from './runner.js';
export {
  runClassification,
  evaluate,
  type ClassificationSummary,
  type EpochRecord,
} from './kinds/classification/train.js';
export {
  SupervisedTrainer,
  learningRateSchedule,
  constantLearningRate,
  type LearningRateSchedule,
  type SupervisedTrainerOptions,
  type StepResult,
} from './training.js';
export { saveCheckpoint, loadCheckpoint } from './checkpoint.js';
export {
  summarizeGrid,
  summarizeGridRun,
  type GridSummary,
  type CellStats,
} from './kinds/classification/grid.js';
