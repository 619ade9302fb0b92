import { kernels } from '../../../engine/index.js';
import type { RunDir } from '../../run-dir.js';
import { runExperiment } from '../../runner.js';
import { cellPool, defaultJobs } from '../../parallel.js';
import type { ClassificationConfig } from './config.js';
import { runGrid, type GridCell, type GridSummary } from './grid.js';
import type { ClassificationSummary } from './train.js';

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

/**
 * A grid with jobs > 1 runs its cells in a pool of worker threads, each cell on one kernel thread (faster than one
 * after the other on both threads, with identical results: docs/benchmarks.md, parallel grid cells).
 */
export async function runGridWithJobs(
  cfg: ClassificationConfig,
  runDir: RunDir,
  { jobs = defaultJobs(), quiet }: { jobs?: number; quiet?: boolean },
): Promise<GridSummary> {
  if (jobs <= 1) return runGrid(cfg, runDir, runGridCell, { quiet });
  const pool = cellPool<GridCell, ClassificationSummary>(new URL('./cell-worker.js', import.meta.url), jobs);
  try {
    return await runGrid(cfg, runDir, (cell) => pool.run(cell), { quiet, jobs });
  } finally {
    await pool.destroy();
  }
}
