import { hostname } from 'node:os';
import { join } from 'node:path';
import { NeuroplastError } from '../util/errors.js';
import { renderRunReport } from '../viz/index.js';
import { loadExperimentFile, validateAnyExperiment } from './config.js';
import { RunDir } from './run-dir.js';
import { getTaskKind, type ExperimentBase, type RunSummary, type TaskRunContext } from './task-kind.js';
import { VERSION } from '../version.js';
import { kernels } from '../engine/index.js';

export interface RunRequest {
  /** Experiment file (fresh runs). */
  experimentPath?: string;
  /** Already-parsed config (fresh runs), instead of a file. */
  config?: ExperimentBase;
  /** Run directory: created for fresh runs; read for --resume. */
  outDir?: string;
  resumeDir?: string;
  /** Overrides the config's seed. */
  seed?: number;
  /** Runs the grid's reduced `quick` form (grid experiments only). */
  quick?: boolean;
  quiet?: boolean;
  onCheckpoint?: TaskRunContext['onCheckpoint'];
  /** Parallel parts at once, for kinds that have them (a grid's cells); 1 runs them one by one in this thread. */
  jobs?: number;
}

export interface RunResult {
  /** The experiment's task kind (its summary's `kind` may name a mode of it, e.g. grid). */
  kind: string;
  runDir: string;
  reportPath: string;
  summary: RunSummary;
}

function defaultRunDir(name: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
  return join(process.cwd(), 'runs', `${name}-${stamp}`);
}

/** --jobs is for experiments with parallel parts; anything else is told so before any work. */
function checkJobs(cfg: ExperimentBase, jobs: number | undefined): void {
  if (jobs !== undefined && !getTaskKind(cfg.task.kind).parallel?.(cfg))
    throw new NeuroplastError(
      `--jobs: experiment ${cfg.name} (task kind ${cfg.task.kind}) has no parts that could run in parallel (a grid's cells can)`,
      2,
    );
}

/** The main job: validate the experiment before any work, run it into its run directory, write summary and report. */
export async function runExperiment(req: RunRequest): Promise<RunResult> {
  let cfg: ExperimentBase;
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
    if (req.quick) cfg = getTaskKind(cfg.task.kind).quick(cfg);
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
  let summary: RunSummary;
  try {
    summary = await getTaskKind(cfg.task.kind).run(cfg, {
      runDir,
      resume,
      quiet: req.quiet,
      onCheckpoint: req.onCheckpoint,
      jobs: req.jobs,
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
  const reportPath = await renderRunReport(runDir.path);
  return { kind: cfg.task.kind, runDir: runDir.path, reportPath, summary };
}
