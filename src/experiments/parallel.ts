import { availableParallelism, freemem } from 'node:os';
import { Piscina } from 'piscina';
import { NeuroplastError } from '../util/errors.js';

/** Memory set aside per parallel job when choosing the default job count. */
const BYTES_PER_JOB = 2 * 1024 ** 3;

/** The default number of parallel grid cells: one per core, as many as free memory allows at 2 GiB each. */
export function defaultJobs(): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(freemem() / BYTES_PER_JOB)));
}

/** A worker's result as it crosses threads: errors thrown across threads lose their class. */
export type WorkerOutcome<T> = { ok: true; value: T } | { ok: false; message: string; exitCode: number };

/**
 * A worker entry (a module's default export) that returns a user-facing error as data, so the main thread raises it
 * again as the same kind of error; other errors propagate as they are.
 */
export function workerEntry<A, T>(work: (arg: A) => Promise<T>): (arg: A) => Promise<WorkerOutcome<T>> {
  return async (arg) => {
    try {
      return { ok: true, value: await work(arg) };
    } catch (err) {
      if (err instanceof NeuroplastError) return { ok: false, message: err.message, exitCode: err.exitCode };
      throw err;
    }
  };
}

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
      const outcome = (await pool.run(arg)) as WorkerOutcome<T>;
      if (!outcome.ok) throw new NeuroplastError(outcome.message, outcome.exitCode);
      return outcome.value;
    },
    destroy: () => pool.destroy(),
  };
}
