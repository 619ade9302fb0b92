import { promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { NeuroplastError } from '../util/errors.js';
import { renderRunReport } from '../viz/index.js';
import { loadExperimentFile, validateAnyExperiment } from './config.js';
import { RunDir } from './run-dir.js';
import { RunLock, type LockOwner } from './run-lock.js';
import { checkResumeConfig, configChanges, configSha256 } from './config-guard.js';
import { writeFileAtomicSync } from '../util/fsx.js';
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
  /** Resume even though config.json changed since the run started (otherwise refused, naming the fields). */
  allowConfigChange?: boolean;
  /** A Redis queue (`redis://HOST:PORT`) that evaluates instead of local threads (kinds that have one). */
  evaluationQueue?: string;
  /** The command's own kind (`neuroplast evolve` runs evolution experiments): any other is refused before any work. */
  taskKind?: { kinds: string[]; command: string };
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

function checkKind(cfg: ExperimentBase, req: RunRequest, where: string): void {
  if (req.taskKind && !req.taskKind.kinds.includes(cfg.task.kind))
    throw new NeuroplastError(
      `${where}: task.kind: expected ${req.taskKind.kinds.map((k) => `"${k}"`).join(' or ')} (what ${req.taskKind.command} runs; \`neuroplast run\` runs the others), found "${cfg.task.kind}"`,
      2,
    );
}

/** How a stale lock (left by a killed run of this host) is reported when it is removed. */
const reportStale = (dir: string) => (owner: LockOwner) =>
  process.emitWarning(
    `${dir}: process ${owner.pid} (since ${owner.since}) no longer runs; its stale lock is removed`,
  );

/** The main job: validate the experiment before any work, run it into its run directory, write summary and report. */
export async function runExperiment(req: RunRequest): Promise<RunResult> {
  let cfg: ExperimentBase;
  let runDir: RunDir;
  let lock: RunLock;
  const resume = req.resumeDir !== undefined;
  if (resume) {
    runDir = new RunDir(req.resumeDir!);
    const raw = await runDir.readJson<unknown>(runDir.configPath);
    cfg = validateAnyExperiment(raw, runDir.configPath);
    checkKind(cfg, req, runDir.configPath);
    checkJobs(cfg, req.jobs);
    lock = await RunLock.acquire(runDir.path, reportStale(runDir.path));
    try {
      type Status = { status?: string; backend?: string; configSha256?: string };
      const read = await runDir.readJson<Status | null>(runDir.statusPath).catch(() => null);
      // A missing, damaged or non-object run.json says nothing about the run: resume from the checkpoint alone.
      const status: Status = read !== null && typeof read === 'object' && !Array.isArray(read) ? read : {};
      if (status.status === 'completed')
        throw new NeuroplastError(`${runDir.path}: run already completed; nothing to resume`);
      if (status.configSha256) {
        const atStart = await runDir.readJson<unknown>(runDir.startConfigPath).catch(() => null);
        const check = { sha256: status.configSha256, config: atStart };
        if (checkResumeConfig(runDir.configPath, check, raw, !!req.allowConfigChange) === 'changed') {
          process.emitWarning(
            `${runDir.configPath}: resuming with a changed config (${configChanges(atStart, raw).join(', ')})`,
          );
          await runDir.writeJson(runDir.startConfigPath, raw);
        }
      }
      if (status.backend && status.backend !== kernels.name)
        process.emitWarning(
          `${runDir.path} started on the ${status.backend} kernels and resumes on ${kernels.name}: its numbers will ` +
            `differ in rounding from an uninterrupted run (NEUROPLAST_BACKEND=${status.backend} resumes on the same)`,
        );
    } catch (err) {
      await lock.release();
      throw err;
    }
  } else {
    if (req.config) cfg = req.config;
    else if (req.experimentPath) cfg = await loadExperimentFile(req.experimentPath);
    else throw new NeuroplastError('run: an experiment file is required');
    if (req.seed !== undefined) cfg = { ...cfg, seed: req.seed };
    checkKind(cfg, req, req.experimentPath ?? 'config');
    if (req.quick) cfg = getTaskKind(cfg.task.kind).quick(cfg);
    checkJobs(cfg, req.jobs);
    runDir = new RunDir(req.outDir ?? defaultRunDir(cfg.name));
    await fsp.mkdir(runDir.path, { recursive: true });
    lock = await RunLock.acquire(runDir.path, reportStale(runDir.path));
    try {
      await runDir.create();
      await runDir.writeJson(runDir.configPath, cfg);
      // What resume compares config.json with, to name the fields that changed.
      await runDir.writeJson(runDir.startConfigPath, cfg);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }
  try {
    return await runLocked(cfg, runDir, resume, req);
  } finally {
    await lock.release();
  }
}

/** Runs an experiment whose run directory this process owns: status, the kind's run, summary and report. */
async function runLocked(
  cfg: ExperimentBase,
  runDir: RunDir,
  resume: boolean,
  req: RunRequest,
): Promise<RunResult> {
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
    configSha256: configSha256(JSON.parse(JSON.stringify(cfg))),
  };
  await runDir.writeJson(runDir.statusPath, status);
  const finish = (fields: Record<string, unknown>) =>
    runDir.writeJson(runDir.statusPath, { ...status, ...fields, finishedAt: new Date().toISOString() });
  // Ctrl-C or a TERM mid-run: the last checkpoint stays, run.json says so, and the lock goes with the process.
  const interrupted = (signal: NodeJS.Signals) => {
    try {
      writeFileAtomicSync(
        runDir.statusPath,
        JSON.stringify(
          { ...status, status: 'interrupted', signal, finishedAt: new Date().toISOString() },
          null,
          2,
        ) + '\n',
      );
    } finally {
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let summary: RunSummary;
  try {
    summary = await getTaskKind(cfg.task.kind).run(cfg, {
      runDir,
      resume,
      quiet: req.quiet,
      onCheckpoint: req.onCheckpoint,
      jobs: req.jobs,
      evaluationQueue: req.evaluationQueue,
      configSha256: status.configSha256,
      allowConfigChange: req.allowConfigChange,
    });
  } catch (err) {
    // Keep the run's own error even when recording it fails too (a full disk).
    await finish({ status: 'failed', error: (err as Error).message }).catch(() => undefined);
    throw err;
  } finally {
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
  }
  await runDir.writeJson(runDir.summaryPath, summary);
  await finish({ status: 'completed', wallSeconds: (Date.now() - started) / 1000 });
  const reportPath = await renderRunReport(runDir.path);
  return { kind: cfg.task.kind, runDir: runDir.path, reportPath, summary };
}
