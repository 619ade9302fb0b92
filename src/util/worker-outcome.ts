import { NeuroplastError } from './errors.js';

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

/** The value of an outcome, or its user-facing error raised again in this thread. */
export function unwrapOutcome<T>(outcome: WorkerOutcome<T>): T {
  if (!outcome.ok) throw new NeuroplastError(outcome.message, outcome.exitCode);
  return outcome.value;
}
