import { availableParallelism, freemem, hostname } from 'node:os';
import { Piscina } from 'piscina';
import { join } from 'node:path';
import { NeuroplastError } from '../util/errors.js';
import { writeRunReport } from '../viz/index.js';
import {
  isDiehlCook,
  loadExperimentFile,
  validateAnyExperiment,
  type AnyExperimentConfig,
  type ExperimentConfig,
} from './config.js';
import { runDiehlCookExperiment, type DiehlCookSummary } from './diehl-cook.js';
import { RunDir } from './run-dir.js';
import { runClassification, type ClassificationSummary, type TrainOptions } from './classification.js';
import { quickConfig, runGrid, type GridCell, type GridSummary } from './grid.js';
import type { CellOutcome } from './cell-worker.js';
import { VERSION } from '../version.js';
import { kernels } from '../engine/index.js';

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
  /** Grid cells run at once (default: defaultJobs()); 1 runs them one by one in this thread. */
  jobs?: number;
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

/** Runs one grid cell as its own run directory (in this thread, or in a worker of a parallel grid). */
export async function runGridCell(cell: GridCell): Promise<ClassificationSummary> {
  // A cell's model, optimizer state and activations (hundreds of MB at evaluation batch sizes) are freed when it
  // ends: left to the collector, a worker's memory grew by that much per cell.
  kernels.beginStateScope();
  try {
    const r = await runExperiment({
      config: cell.config,
      outDir: cell.resume ? undefined : cell.dir,
      resumeDir: cell.resume ? cell.dir : undefined,
      quiet: true,
    });
    return r.summary as ClassificationSummary;
  } finally {
    kernels.endStateScope();
  }
}

/** Memory set aside per parallel grid job when choosing the default job count. */
const BYTES_PER_JOB = 2 * 1024 ** 3;

/** The default number of parallel grid cells: one per core, as many as free memory allows at 2 GiB each. */
function defaultJobs(): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(freemem() / BYTES_PER_JOB)));
}

/**
 * A grid with jobs > 1 runs its cells in a pool of worker threads, each cell on one kernel thread: on 2 cores two
 * single-threaded CNN cells finished 1.3x sooner than one after the other on both threads, with identical results.
 */
async function runGridWithJobs(cfg: ExperimentConfig, runDir: RunDir, req: RunRequest): Promise<GridSummary> {
  const jobs = req.jobs ?? defaultJobs();
  if (jobs <= 1) return runGrid(cfg, runDir, runGridCell, { quiet: req.quiet });
  const pool = new Piscina({
    filename: new URL('./cell-worker.js', import.meta.url).href,
    maxThreads: jobs,
    env: { ...process.env, NEUROPLAST_THREADS: '1' },
  });
  try {
    return await runGrid(
      cfg,
      runDir,
      async (cell) => {
        const outcome = (await pool.run(cell)) as CellOutcome;
        if (!outcome.ok) throw new NeuroplastError(outcome.message, outcome.exitCode);
        return outcome.summary;
      },
      { quiet: req.quiet, jobs },
    );
  } finally {
    await pool.destroy();
  }
}

/** --jobs is for grids only; anything else is told so before any work. */
function checkJobs(cfg: AnyExperimentConfig, jobs: number | undefined): void {
  if (jobs !== undefined && (isDiehlCook(cfg) || !cfg.grid))
    throw new NeuroplastError(
      `--jobs: experiment ${cfg.name} has no grid whose cells could run in parallel`,
      2,
    );
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
    checkJobs(cfg, req.jobs);
    const status = await runDir
      .readJson<{ status: string; backend?: string }>(runDir.statusPath)
      .catch(() => ({ status: 'unknown', backend: undefined }));
    if (status.status === 'completed')
      throw new NeuroplastError(`${runDir.path}: run already completed; nothing to resume`);
    if (status.backend && status.backend !== kernels.name)
      process.emitWarning(
        `${runDir.path} started on the ${status.backend} kernels and resumes on ${kernels.name}: its numbers will ` +
          `differ in rounding from an uninterrupted run (NEUROPLAST_BACKEND=${status.backend} resumes on the same)`,
      );
  } else {
    if (req.config) cfg = req.config;
    else if (req.experimentPath) cfg = await loadExperimentFile(req.experimentPath);
    else throw new NeuroplastError('run: an experiment file is required');
    if (req.seed !== undefined) cfg = { ...cfg, seed: req.seed };
    if (req.quick)
      cfg = isDiehlCook(cfg) ? { ...cfg, task: { ...cfg.task, ...cfg.quick } } : quickConfig(cfg);
    checkJobs(cfg, req.jobs);
    runDir = new RunDir(req.outDir ?? defaultRunDir(cfg.name));
    await runDir.create();
    await runDir.writeJson(runDir.configPath, cfg);
  }
  const started = Date.now();
  const status = {
    status: 'running',
    neuroplastVersion: VERSION,
    // Results agree across kernel backends only to rounding: record which one ran.
    backend: kernels.name,
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
        ? await runGridWithJobs(cfg, runDir, req)
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
