import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  checkRedis,
  evaluationSeed,
  poolEvaluator,
  queueEvaluator,
  spikingRuleProblem,
  startQueueWorker,
  type EvaluationJob,
  type Evaluator,
  type QueueEvaluator,
} from '../evolution/index.js';
import { Rng } from '../util/rng.js';
import { freeLoopbackPort } from '../util/net.js';

/** A throwaway redis-server on a free loopback port (no persistence), or null when none is installed. */
export async function startRedis(): Promise<{ url: string; child: ChildProcess } | null> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return null;
  const port = await freeLoopbackPort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      await checkRedis(url, 200);
      return { url, child };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill('SIGKILL');
  return null;
}

/** Wall seconds of evaluating every job once through `evaluator`. */
async function timeOnce(evaluator: Evaluator, jobs: EvaluationJob[]): Promise<number> {
  const problem = spikingRuleProblem();
  const t = performance.now();
  await evaluator.evaluate(problem, jobs);
  return (performance.now() - t) / 1000;
}

const round = (x: number, d = 3) => Number(x.toFixed(d));

/**
 * Evaluations per second of a fixed spiking evaluation (`spiking-rule`: 200 Poisson inputs onto 240 excitatory and
 * 60 inhibitory LIF neurons, the input synapses under a Taylor rule, 1 simulated second), with 1 and 2 local worker
 * threads and, when redis-server is installed, 1 and 2 queue workers on loopback (a Redis the bench starts and
 * stops). Each configuration evaluates the same `evaluations` genomes with the same seeds, `repeats` times; the best time counts and the
 * range is reported. The queue's overhead per job is its time with one worker minus the local pool's with one,
 * over the evaluations.
 */
export async function benchEvolve(
  o: { evaluations?: number; repeats?: number } = {},
): Promise<Record<string, unknown>> {
  const n = o.evaluations ?? 8;
  const repeats = o.repeats ?? 3;
  const problem = spikingRuleProblem();
  const rng = new Rng(11);
  const genomes = Array.from({ length: n }, () =>
    problem.low.map((lo, i) => lo + (problem.high[i] - lo) * rng.float()),
  );
  // The same jobs for every configuration (each queue timing gets its own results hash, so none is answered from
  // an earlier one).
  const jobs = () => genomes.map((x, i) => ({ id: `bench/0/${i}/0`, x, seed: evaluationSeed(7, 0, i, 0) }));
  const ref = { name: 'spiking-rule', options: {} };
  const measure = async (evaluator: Evaluator | ((timing: number) => Evaluator)) => {
    const at = (k: number) => (typeof evaluator === 'function' ? evaluator(k) : evaluator);
    await timeOnce(at(0), jobs().slice(0, 2)); // warm-up: threads started, code compiled
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) times.push(await timeOnce(at(r + 1), jobs()));
    return { best: Math.min(...times), worst: Math.max(...times) };
  };
  const local: Record<number, { best: number; worst: number }> = {};
  for (const workers of [1, 2]) {
    const pool = poolEvaluator(ref, workers);
    try {
      local[workers] = await measure(pool);
    } finally {
      await pool.close();
    }
  }
  const out: Record<string, unknown> = {
    problem: 'spiking-rule (200 inputs, 240 E + 60 I LIF, Taylor rule on the input synapses, 1 simulated s)',
    evaluations: n,
    repeats,
    evaluation_ms: round((1000 * local[1].best) / n, 1),
    evals_per_s_1: round(n / local[1].best),
    evals_per_s_2: round(n / local[2].best),
    evals_per_s_1_range: [round(n / local[1].worst), round(n / local[1].best)],
    evals_per_s_2_range: [round(n / local[2].worst), round(n / local[2].best)],
    speedup_local_2: round(local[1].best / local[2].best),
  };
  const redis = await startRedis();
  if (!redis) {
    out.queue = 'not run: redis-server is not installed (apt-get install redis-server)';
    return out;
  }
  try {
    const queued: Record<number, { best: number; worst: number }> = {};
    for (const workers of [1, 2]) {
      const stops = await Promise.all(
        Array.from({ length: workers }, () => startQueueWorker({ url: redis.url, threads: 1 })),
      );
      const evaluators: QueueEvaluator[] = [];
      const fresh = (timing: number) => {
        const e = queueEvaluator({
          url: redis.url,
          problem: ref,
          runKey: `bench-${workers}-${timing}`,
          pollMs: 5,
        });
        evaluators.push(e);
        return e;
      };
      try {
        queued[workers] = await measure(fresh);
      } finally {
        await Promise.all(evaluators.map((e) => e.close()));
        await Promise.all(stops.map((stop) => stop()));
      }
    }
    out.queue_evals_per_s_1 = round(n / queued[1].best);
    out.queue_evals_per_s_2 = round(n / queued[2].best);
    out.speedup_queue_2 = round(queued[1].best / queued[2].best);
    out.queue_overhead_ms = round((1000 * (queued[1].best - local[1].best)) / n, 1);
    out.queue_overhead_fraction = round((queued[1].best - local[1].best) / local[1].best, 4);
  } finally {
    redis.child.kill('SIGKILL');
  }
  return out;
}
