import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { NeuroplastError } from '../util/errors.js';
import { exists, writeFileAtomic } from '../util/fsx.js';
import { runInLanes } from '../util/lanes.js';
import { cellPool, defaultJobs } from './parallel.js';
import type { TaskRunContext } from './task-kind.js';

/** A grid of independent cells, each written to cells/NAME.json when it ends. */
export interface CellGrid<C, S> {
  /** Every cell in the order it runs. */
  cells: C[];
  name(cell: C): string;
  /** Runs one cell in this thread (also what the worker module's default export runs). */
  run(cell: C): Promise<S>;
  /** The worker module (`workerEntry(run)` as its default export) for parallel cells. */
  workerFile: URL;
  /** A finished cell's line in metrics.jsonl; it carries what `nameOfMetric` reads back. */
  metric(summary: S): Record<string, unknown>;
  nameOfMetric(line: Record<string, unknown>): string | null;
  /** The progress line printed when a cell ends (unless quiet). */
  progress(cell: C, summary: S): string;
}

async function readCell<S>(file: string): Promise<S> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as S;
  } catch (err) {
    throw new NeuroplastError(
      `${file}: not a readable cell summary (${(err as Error).message}); delete it to run that cell again`,
    );
  }
}

/** The cells of the grid finished so far, by name. */
export async function finishedCells<C, S>(
  runPath: string,
  grid: Pick<CellGrid<C, S>, 'cells' | 'name'>,
): Promise<Map<string, S>> {
  const done = new Map<string, S>();
  for (const c of grid.cells) {
    const name = grid.name(c);
    const file = join(runPath, 'cells', `${name}.json`);
    if (await exists(file)) done.set(name, await readCell<S>(file));
  }
  return done;
}

/**
 * Runs every cell not finished yet (each written atomically to cells/NAME.json when it ends, so a stopped grid
 * resumes at cell granularity), up to `jobs` at once in worker threads on one kernel thread each; returns every
 * finished cell by name.
 */
export async function runCellGrid<C, S>(grid: CellGrid<C, S>, ctx: TaskRunContext): Promise<Map<string, S>> {
  const runPath = ctx.runDir.path;
  const done = await finishedCells<C, S>(runPath, grid);
  const pending = grid.cells.filter((c) => !done.has(grid.name(c)));
  await fsp.mkdir(join(runPath, 'cells'), { recursive: true });
  // The cell files are the record: on resume, metrics.jsonl keeps one line per finished cell (a line cut by a kill,
  // or one of a cell that did not finish, goes; a cell killed between its file and its line gets its line).
  if (ctx.resume) {
    await ctx.runDir.trimMetrics((r) => {
      const name = grid.nameOfMetric(r);
      return name !== null && done.has(name);
    });
    const logged = new Set((await ctx.runDir.readMetrics()).map(grid.nameOfMetric));
    for (const [name, s] of done) if (!logged.has(name)) ctx.runDir.appendMetric(grid.metric(s));
  }
  const jobs = Math.max(1, ctx.jobs ?? defaultJobs());
  const pool = jobs > 1 && pending.length > 1 ? cellPool<C, S>(grid.workerFile, jobs) : null;
  const runCell = async (cell: C): Promise<S> => {
    try {
      return await (pool ? pool.run(cell) : grid.run(cell));
    } catch (err) {
      // Which cell failed, in front of what failed in it.
      if (err instanceof NeuroplastError)
        throw new NeuroplastError(`cells/${grid.name(cell)}: ${err.message}`, err.exitCode);
      throw err;
    }
  };
  try {
    await runInLanes(pending, pool ? jobs : 1, async (cell) => {
      const summary = await runCell(cell);
      const name = grid.name(cell);
      await writeFileAtomic(join(runPath, 'cells', `${name}.json`), JSON.stringify(summary, null, 1) + '\n');
      done.set(name, summary);
      ctx.runDir.appendMetric(grid.metric(summary));
      if (!ctx.quiet)
        process.stderr.write(`[${done.size}/${grid.cells.length}] ${grid.progress(cell, summary)}\n`);
      ctx.onCheckpoint?.(done.size);
    });
  } finally {
    await pool?.destroy();
  }
  return done;
}
