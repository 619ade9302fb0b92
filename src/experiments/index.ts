/** Experiments: validated experiment files, run directories, checkpoints and the training loop. */
export {
  experimentSchema,
  validateExperiment,
  validateAnyExperiment,
  loadExperimentFile,
  type ExperimentConfig,
  type AnyExperimentConfig,
} from './config.js';
export {
  runDiehlCookExperiment,
  diehlCookExperimentSchema,
  type DiehlCookExperimentConfig,
  type DiehlCookSummary,
} from './diehl-cook.js';
export { RunDir } from './run-dir.js';
export { runExperiment, type RunRequest, type RunResult } from './runner.js';
export {
  runClassification,
  evaluate,
  type ClassificationSummary,
  type EpochRecord,
} from './classification.js';
export { saveCheckpoint, loadCheckpoint } from './checkpoint.js';
export { summarizeGrid, summarizeGridRun, type GridSummary, type CellStats } from './grid.js';
