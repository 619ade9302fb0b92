import { createHash } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { ConfigError, NeuroplastError } from '../util/errors.js';
import { evaluationPool } from './pool.js';
import type { ProblemRef } from './pool.js';
import type { Problem } from './problem.js';
import type { EvaluationJob, Evaluator } from './search.js';

/** The BullMQ queue every coordinator and worker shares (one per Redis database). */
export const QUEUE_NAME = 'neuroplast-evaluations';

/** Host and port of a `redis://HOST:PORT[/DB]` address, or an error naming it. */
export function parseRedisUrl(url: string, where = '--queue'): { host: string; port: number; db: number } {
  const m = /^redis:\/\/([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})(?:\/(\d{1,2}))?$/.exec(url);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535)
    throw new ConfigError(where, `expected redis://HOST:PORT[/DB], found ${JSON.stringify(url)}`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port, db: m[3] ? Number(m[3]) : 0 };
}

/** Connects and pings within `timeoutMs`, or throws an error naming the address and why. */
export async function checkRedis(url: string, timeoutMs = 3000, where = '--queue'): Promise<void> {
  const { host, port, db } = parseRedisUrl(url, where);
  const client = new Redis({
    host,
    port,
    db,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new ConfigError(where, `Redis at ${url} is unreachable (${(err as Error).message || 'no answer'})`);
  } finally {
    client.disconnect();
  }
}

/** What a queued job carries: everything a worker needs, and where its result goes. */
export interface QueuedEvaluation {
  problem: string;
  options: Record<string, unknown>;
  modules: string[];
  x: number[];
  seed: number;
  resultsKey: string;
}

/** BullMQ ids cannot be integers or hold ':'; the search's ids (`run/generation/individual/repeat`) become safe. */
export const queueJobId = (id: string) => `e_${id.replace(/[^A-Za-z0-9._-]/g, '_')}`;

export interface QueueEvaluator extends Evaluator {
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The coordinator's side of the queue: each evaluation becomes a BullMQ job with a deterministic id, and its result
 * is read from a Redis hash that workers write first-write-wins, so a job BullMQ runs twice (a stalled lock) counts
 * once and a restarted coordinator finds the results of the jobs it had queued. Jobs whose result is missing are
 * queued again now and then (adding an id that exists is a no-op), which recovers jobs lost in a Redis restart; a
 * job that failed for good fails the search with its reason.
 */
export function queueEvaluator(opts: {
  url: string;
  problem: ProblemRef;
  /** Names the run's results hash: a changed config must not read another run's results. */
  runKey: string;
  pollMs?: number;
  resubmitMs?: number;
  attempts?: number;
}): QueueEvaluator {
  const { host, port, db } = parseRedisUrl(opts.url);
  const connection = { host, port, db, maxRetriesPerRequest: null };
  const queue = new Queue(QUEUE_NAME, { connection });
  const redis = new Redis(connection);
  queue.on('error', () => {});
  redis.on('error', () => {});
  const runHash = createHash('sha256').update(opts.runKey).digest('hex').slice(0, 24);
  const resultsKey = `neuroplast:results:${runHash}`;
  const pollMs = opts.pollMs ?? 50;
  const resubmitMs = opts.resubmitMs ?? 2000;
  const attempts = opts.attempts ?? 3;
  return {
    async evaluate(_problem: Problem, jobs: EvaluationJob[]) {
      // The run's hash in every id: another run (or another config under the same name) never meets these jobs.
      const ids = jobs.map((j) => queueJobId(`${runHash}/${j.id}`));
      const submit = async (which: number[]) =>
        queue.addBulk(
          which.map((k) => ({
            name: 'evaluate',
            data: {
              problem: opts.problem.name,
              options: opts.problem.options,
              modules: opts.problem.modules ?? [],
              x: jobs[k].x,
              seed: jobs[k].seed,
              resultsKey,
            } satisfies QueuedEvaluation,
            // Completed jobs are kept an hour: adding one again is then a no-op, so a job that finishes between reading the
            // results and queueing what is missing does not run twice.
            opts: { jobId: ids[k], attempts, removeOnComplete: { age: 3600 }, removeOnFail: false },
          })),
        );
      const results: (number[] | null)[] = new Array(jobs.length).fill(null);
      let lastSubmit = -Infinity;
      for (;;) {
        const missing = results.flatMap((r, k) => (r === null ? [k] : []));
        if (missing.length > 0) {
          const got = await redis.hmget(resultsKey, ...missing.map((k) => ids[k]));
          got.forEach((v, n) => {
            if (v !== null) results[missing[n]] = JSON.parse(v) as number[];
          });
        }
        const still = results.flatMap((r, k) => (r === null ? [k] : []));
        if (still.length === 0) return results as number[][];
        if (Date.now() - lastSubmit >= resubmitMs) {
          if (lastSubmit > -Infinity)
            for (const k of still) {
              const job = await queue.getJob(ids[k]);
              if (job && (await job.getState()) === 'failed' && job.attemptsMade >= attempts)
                throw new NeuroplastError(
                  `queue job ${ids[k]}: failed after ${job.attemptsMade} attempts: ${job.failedReason}`,
                );
            }
          await submit(still);
          lastSubmit = Date.now();
        }
        await sleep(pollMs);
      }
    },
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}

/** Checks a job's data before any work; a malformed job fails with the reason and the worker goes on serving. */
export function parseQueuedEvaluation(data: unknown): QueuedEvaluation {
  const d = data as Partial<QueuedEvaluation> | null;
  const bad = (what: string) => new Error(`malformed job: ${what}`);
  if (d === null || typeof d !== 'object')
    throw bad(`expected an object, found ${JSON.stringify(data)?.slice(0, 60)}`);
  if (typeof d.problem !== 'string')
    throw bad(`problem: expected a name, found ${JSON.stringify(d.problem)}`);
  if (d.options === null || typeof d.options !== 'object') throw bad('options: expected an object');
  if (
    !Array.isArray(d.modules) ||
    d.modules.some((m) => typeof m !== 'string' || !(m.startsWith('file:') || m.startsWith('package:')))
  )
    throw bad('modules: expected file: or package: URLs');
  if (!Array.isArray(d.x) || d.x.some((v) => typeof v !== 'number' || !Number.isFinite(v)))
    throw bad('x: expected finite numbers');
  if (!Number.isInteger(d.seed) || (d.seed as number) < 0)
    throw bad(`seed: expected an integer >= 0, found ${d.seed}`);
  if (typeof d.resultsKey !== 'string' || !d.resultsKey.startsWith('neuroplast:results:'))
    throw bad('resultsKey: expected a neuroplast results key');
  return d as QueuedEvaluation;
}

export interface QueueWorkerOptions {
  url: string;
  /** Evaluations at once, each on a worker thread. */
  threads: number;
  /** BullMQ's job lock (renewed at half of it while an evaluation runs, the event loop being free). */
  lockMs?: number;
  /** Told of each evaluation done (job id) and each reconnection, for logs and tests. */
  onEvent?: (event: { kind: 'evaluated' | 'failed' | 'reconnected'; id?: string; reason?: string }) => void;
}

/**
 * The worker's side: takes jobs from the queue and evaluates them on its threads, writing each result to the run's
 * hash first-write-wins. Evaluations run off the main thread, so BullMQ keeps renewing the job locks however long
 * they take. After Redis comes back from a restart, the BullMQ worker is replaced by a new one (a worker can
 * otherwise stop taking jobs without an error). Returns a function that stops it.
 */
export async function startQueueWorker(opts: QueueWorkerOptions): Promise<() => Promise<void>> {
  await checkRedis(opts.url);
  const { host, port, db } = parseRedisUrl(opts.url);
  const connection = { host, port, db, maxRetriesPerRequest: null };
  const pool = evaluationPool(opts.threads);
  const redis = new Redis(connection);
  redis.on('error', () => {});
  const lockMs = opts.lockMs ?? 30_000;
  const process = async (job: Job) => {
    const d = parseQueuedEvaluation(job.data);
    const [values] = await pool.run({
      problem: d.problem,
      options: d.options,
      modules: d.modules,
      jobs: [{ x: d.x, seed: d.seed }],
    });
    await redis.hsetnx(d.resultsKey, job.id!, JSON.stringify(values));
    opts.onEvent?.({ kind: 'evaluated', id: job.id });
  };
  const make = () => {
    const w = new Worker(QUEUE_NAME, process, {
      connection,
      concurrency: opts.threads,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: 3,
    });
    w.on('error', () => {});
    w.on('failed', (job, err) => opts.onEvent?.({ kind: 'failed', id: job?.id, reason: err.message }));
    return w;
  };
  let worker = make();
  let stopping = false;
  let replacing: Promise<void> | null = null;
  const replace = () => {
    if (stopping || replacing) return;
    replacing = (async () => {
      const old = worker;
      worker = make();
      await old.close(true).catch(() => {});
      opts.onEvent?.({ kind: 'reconnected' });
    })().finally(() => (replacing = null));
  };
  let readies = 0;
  redis.on('ready', () => {
    if (++readies > 1) replace();
  });
  const watchdog = setInterval(() => {
    if (!worker.isRunning()) replace();
  }, 1000);
  return async () => {
    stopping = true;
    clearInterval(watchdog);
    await replacing;
    await worker.close();
    await pool.close();
    redis.disconnect();
  };
}
