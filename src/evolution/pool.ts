import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { ConfigError } from '../util/errors.js';
import { unwrapOutcome, type WorkerOutcome } from '../util/worker-outcome.js';
import type { Problem } from './problem.js';
import type { EvaluationJob, Evaluator } from './search.js';

/** What a worker needs to rebuild a registered problem and evaluate a batch of jobs. */
export interface EvaluationBatch {
  problem: string;
  options: Record<string, unknown>;
  jobs: { x: number[]; seed: number }[];
  /** Modules that register problems beyond the built-in ones, imported by the worker first (file URLs). */
  modules: string[];
}

/** A registered problem's name and options: enough for another thread (or machine) to build the same problem. */
export interface ProblemRef {
  name: string;
  options: Record<string, unknown>;
  modules?: string[];
}

export interface PoolEvaluator extends Evaluator {
  readonly workers: number;
  close(): Promise<void>;
}

/** Worker threads that evaluate batches of any registered problem (each thread on one kernel thread). */
export interface EvaluationPool {
  readonly threads: number;
  run(batch: EvaluationBatch): Promise<number[][]>;
  close(): Promise<void>;
}

export function evaluationPool(threads = availableParallelism()): EvaluationPool {
  if (!Number.isInteger(threads) || threads < 1)
    throw new ConfigError('workers', `expected an integer >= 1, found ${JSON.stringify(threads)}`);
  const pool = new Piscina({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    env: { ...process.env, NEUROPLAST_THREADS: '1' },
  });
  return {
    threads,
    run: async (batch) => unwrapOutcome((await pool.run(batch)) as WorkerOutcome<number[][]>),
    close: () => pool.destroy(),
  };
}

/**
 * Evaluations on worker threads (one simulator per worker), batched so that each worker gets a few messages per
 * generation rather than one per evaluation. Results come back in job order, so they are the same as the inline
 * evaluator's whatever the number of workers.
 */
export function poolEvaluator(ref: ProblemRef, workers = availableParallelism()): PoolEvaluator {
  const pool = evaluationPool(workers);
  return {
    workers,
    async evaluate(_problem: Problem, jobs: EvaluationJob[]) {
      const batches = Math.min(jobs.length, workers * 4);
      const size = Math.ceil(jobs.length / Math.max(1, batches));
      const parts: Promise<number[][]>[] = [];
      for (let start = 0; start < jobs.length; start += size)
        parts.push(
          pool.run({
            problem: ref.name,
            options: ref.options,
            modules: ref.modules ?? [],
            jobs: jobs.slice(start, start + size).map((j) => ({ x: j.x, seed: j.seed })),
          }),
        );
      return (await Promise.all(parts)).flat();
    },
    close: () => pool.close(),
  };
}
