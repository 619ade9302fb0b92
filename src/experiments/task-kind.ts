import type { z } from 'zod';
import { ConfigError } from '../util/errors.js';
import { Registry } from '../util/registry.js';
import { registerReportView, reportViewNames, type ReportView } from '../viz/index.js';
import type { RunDir } from './run-dir.js';

/** What every experiment file has, whatever its kind; `task.kind` chooses the kind. */
export interface ExperimentBase {
  name: string;
  seed: number;
  task: { kind: string };
}

/**
 * What every summary.json has: `kind` names the summary's shape, the task kind or a mode of it (a classification
 * grid writes 'grid'); reports and the CLI find the task kind in the run's config.json.
 */
export interface RunSummary {
  kind: string;
  name: string;
}

/** How a run of any kind is driven: where it writes, whether it resumes, and how it reports progress. */
export interface TaskRunContext {
  runDir: RunDir;
  resume: boolean;
  quiet?: boolean;
  /** Called after each checkpoint with the kind's progress count (steps, images); tests kill runs there. */
  onCheckpoint?: (at: number) => void;
  /** Parallel work items at once (only kinds that say `parallel`); undefined: the kind's default. */
  jobs?: number;
  /** A Redis queue (`redis://HOST:PORT`) whose workers evaluate, for kinds that evaluate (evolution). */
  evaluationQueue?: string;
  /** The hash of the run's config: checkpoints record it, and resume refuses one written for another config. */
  configSha256?: string;
  /** Resume was told to accept a changed config (--allow-config-change). */
  allowConfigChange?: boolean;
}

/**
 * Refuses resuming from a checkpoint written for another config than the run's (a checkpoint copied from another
 * run, or a config edited without --allow-config-change); checkpoints written before they recorded it pass.
 */
export function checkCheckpointConfig(path: string, recorded: unknown, ctx: TaskRunContext): void {
  if (typeof recorded !== 'string' || !ctx.configSha256 || ctx.allowConfigChange) return;
  if (recorded !== ctx.configSha256)
    throw new ConfigError(
      path,
      `written for another config (sha256 ${recorded.slice(0, 12)}...) than this run's ` +
        `(${ctx.configSha256.slice(0, 12)}...); resume the run it belongs to, or pass --allow-config-change`,
    );
}

/**
 * An experiment kind (`task.kind` in an experiment file): how its file is validated, run, reduced by `--quick`,
 * summarised on the terminal and shown in a report. Adding a kind is a folder under `kinds/` and one line in
 * `kinds/index.ts`.
 */
export interface TaskKind<C extends ExperimentBase = ExperimentBase, S extends RunSummary = RunSummary> {
  /** The value of `task.kind`. */
  readonly name: string;
  /** One line for listings and errors. */
  readonly description: string;
  /** Validates the whole experiment file (defaults applied); its paths name the file's fields. */
  readonly schema: z.ZodType<C>;
  /** The reduced experiment `run --quick` runs; stored as the run's config, so --resume repeats it. */
  quick(cfg: C): C;
  /** Whether this experiment has independent parts that `--jobs N` can run in parallel. */
  parallel?(cfg: C): boolean;
  /** Runs the experiment into ctx.runDir and returns what summary.json records. */
  run(cfg: C, ctx: TaskRunContext): Promise<S>;
  /**
   * The summary of an unfinished run from the parts it has finished (e.g. a grid's cells), for `report`;
   * null when the run has none to show.
   */
  partialSummary?(runPath: string, cfg: C): Promise<S | null>;
  /** The lines the CLI prints about a summary. */
  describe(summary: S): string[];
  /** Report views for this kind's runs, registered with the kind (a view without `kinds` shows this kind's runs). */
  readonly reportViews?: readonly ReportView[];
}

// The registry stores kinds of every config and summary type; each is called only with what its schema produced.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyTaskKind = TaskKind<any, any>;
const KINDS = new Registry<AnyTaskKind>('task kind');

/** Makes a kind available to experiment files, the runner, the CLI and reports. */
export function registerTaskKind<C extends ExperimentBase, S extends RunSummary>(kind: TaskKind<C, S>): void {
  // All or nothing: a clash of names leaves nothing half registered.
  if (taskKindNames().includes(kind.name)) throw new Error(`task kind ${kind.name} is registered twice`);
  for (const view of kind.reportViews ?? [])
    if (reportViewNames().includes(view.name))
      throw new Error(`report view ${view.name} is registered twice`);
  KINDS.register(kind.name, kind);
  for (const view of kind.reportViews ?? [])
    registerReportView(view.kinds ? view : { ...view, kinds: [kind.name] });
}

export function taskKindNames(): string[] {
  return KINDS.names();
}

/** The kind named by `task.kind`; an unknown or missing one is a one-line error naming the known kinds. */
export function getTaskKind(name: unknown, where = 'task.kind'): AnyTaskKind {
  return KINDS.get(name, where);
}
