import { availableParallelism, freemem } from 'node:os';
import { Piscina } from 'piscina';
import { unwrapOutcome, type WorkerOutcome } from '../util/worker-outcome.js';

/** Memory set aside per parallel job when choosing the default job count. */
const BYTES_PER_JOB = 2 * 1024 ** 3;

/** The default number of parallel grid cells: one per core, as many as free memory allows at 2 GiB each. */
export function defaultJobs(): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(freemem() / BYTES_PER_JOB)));
}

export { workerEntry, type WorkerOutcome } from '../util/worker-outcome.js';

/** A pool of worker threads running a `workerEntry` module, each on one kernel thread. */
export interface CellPool<A, T> {
  run(arg: A): Promise<T>;
  destroy(): Promise<void>;
}

/**
 * `jobs` worker threads running `workerFile`'s default export, each with one kernel thread (faster than one cell
 * after the other on both threads, with identical results: docs/benchmarks.md, parallel grid cells).
 */
export function cellPool<A, T>(workerFile: URL, jobs: number): CellPool<A, T> {
  const pool = new Piscina({
    filename: workerFile.href,
    maxThreads: jobs,
    env: { ...process.env, NEUROPLAST_THREADS: '1' },
  });
  return {
    async run(arg) {
      return unwrapOutcome((await pool.run(arg)) as WorkerOutcome<T>);
    },
    destroy: () => pool.destroy(),
  };
}
