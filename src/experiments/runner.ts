import { hostname } from 'node:os';
import { join } from 'node:path';
import { NeuroplastError } from '../util/errors.js';
import { writeRunReport } from '../viz/index.js';
import {
  isDiehlCook,
  loadExperimentFile,
  validateAnyExperiment,
  type AnyExperimentConfig,
} from './config.js';
import { runDiehlCookExperiment, type DiehlCookSummary } from './diehl-cook.js';
import { RunDir } from './run-dir.js';
import { runClassification, type ClassificationSummary, type TrainOptions } from './classification.js';
import { quickConfig, runGrid, type GridSummary } from './grid.js';
import { VERSION } from '../version.js';

export interface RunRequest {
  /** Experiment file (fresh runs). */
  experimentPath?: string;
  /** Already-parsed config (fresh runs), instead of a file. */
  config?: AnyExperimentConfig;
  /** Run directory: created for fresh runs; read for --resume. */
  outDir?: string;
  resumeDir?: string;
  /** Overrides the config's seed. */
  seed?: number;
  /** Runs the grid's reduced `quick` form (grid experiments only). */
  quick?: boolean;
  quiet?: boolean;
  onCheckpoint?: TrainOptions['onCheckpoint'];
}

export interface RunResult {
  runDir: string;
  reportPath: string;
  summary: ClassificationSummary | GridSummary | DiehlCookSummary;
}

function defaultRunDir(name: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
  return join(process.cwd(), 'runs', `${name}-${stamp}`);
}

/** The main job: validate the experiment before any work, run it into its run directory, write summary and report. */
export async function runExperiment(req: RunRequest): Promise<RunResult> {
  let cfg: AnyExperimentConfig;
  let runDir: RunDir;
  const resume = req.resumeDir !== undefined;
  if (resume) {
    runDir = new RunDir(req.resumeDir!);
    const raw = await runDir.readJson<unknown>(runDir.configPath);
    cfg = validateAnyExperiment(raw, runDir.configPath);
    const status = await runDir
      .readJson<{ status: string }>(runDir.statusPath)
      .catch(() => ({ status: 'unknown' }));
    if (status.status === 'completed')
      throw new NeuroplastError(`${runDir.path}: run already completed; nothing to resume`);
  } else {
    if (req.config) cfg = req.config;
    else if (req.experimentPath) cfg = await loadExperimentFile(req.experimentPath);
    else throw new NeuroplastError('run: an experiment file is required');
    if (req.seed !== undefined) cfg = { ...cfg, seed: req.seed };
    if (req.quick)
      cfg = isDiehlCook(cfg) ? { ...cfg, task: { ...cfg.task, ...cfg.quick } } : quickConfig(cfg);
    runDir = new RunDir(req.outDir ?? defaultRunDir(cfg.name));
    await runDir.create();
    await runDir.writeJson(runDir.configPath, cfg);
  }
  const started = Date.now();
  const status = {
    status: 'running',
    neuroplastVersion: VERSION,
    host: hostname(),
    pid: process.pid,
    startedAt: new Date(started).toISOString(),
    resumed: resume,
  };
  await runDir.writeJson(runDir.statusPath, status);
  let summary: ClassificationSummary | GridSummary | DiehlCookSummary;
  try {
    summary = isDiehlCook(cfg)
      ? await runDiehlCookExperiment(cfg, {
          runDir,
          resume,
          quiet: req.quiet,
          onCheckpoint: req.onCheckpoint,
        })
      : cfg.grid
        ? await runGrid(
            cfg,
            runDir,
            async (cell) =>
              (
                await runExperiment({
                  config: cell.config,
                  outDir: cell.resume ? undefined : cell.dir,
                  resumeDir: cell.resume ? cell.dir : undefined,
                  quiet: true,
                })
              ).summary as ClassificationSummary,
            req.quiet,
          )
        : await runClassification(cfg, {
            runDir,
            resume,
            quiet: req.quiet,
            onCheckpoint: req.onCheckpoint,
          });
  } catch (err) {
    await runDir.writeJson(runDir.statusPath, {
      ...status,
      status: 'failed',
      error: (err as Error).message,
      finishedAt: new Date().toISOString(),
    });
    throw err;
  }
  await runDir.writeJson(runDir.summaryPath, summary);
  await runDir.writeJson(runDir.statusPath, {
    ...status,
    status: 'completed',
    finishedAt: new Date().toISOString(),
    wallSeconds: (Date.now() - started) / 1000,
  });
  const reportPath = await writeRunReport(runDir.path);
  return { runDir: runDir.path, reportPath, summary };
}
