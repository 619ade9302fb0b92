import { availableParallelism, freemem } from 'node:os';
import { Piscina } from 'piscina';
import { kernels } from '../../../engine/index.js';
import { NeuroplastError } from '../../../util/errors.js';
import type { RunDir } from '../../run-dir.js';
import { runExperiment } from '../../runner.js';
import type { ClassificationConfig } from './config.js';
import { runGrid, type CellOutcome, type GridCell, type GridSummary } from './grid.js';
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

/** Memory set aside per parallel grid job when choosing the default job count. */
const BYTES_PER_JOB = 2 * 1024 ** 3;

/** The default number of parallel grid cells: one per core, as many as free memory allows at 2 GiB each. */
function defaultJobs(): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(freemem() / BYTES_PER_JOB)));
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
      { quiet, jobs },
    );
  } finally {
    await pool.destroy();
  }
}
