import { fitV1Weights, loadLgnTables, loadV1Tables } from '../cortex/index.js';
import { evaluateV1Rule, paperBestRule, v1RuleProblem } from '../discovery/index.js';
import { poolEvaluator, queueEvaluator, startQueueWorker } from '../evolution/index.js';
import { startRedis } from './evolve.js';
import { v1RuleProblemOptions, v1RulesSchema } from '../experiments/kinds/v1-rules/config.js';
import { randomGenes } from '../experiments/kinds/v1-rules/run.js';

const round = (x: number, d = 3) => Number(x.toFixed(d));

/**
 * `neuroplast bench v1-eval`: one change-detection evaluation of the study's V1 network (experiments/v1-rules.yaml's
 * defaults, 3,000 neurons unless --neurons), timed inline for the network with plasticity off (the anchor), the
 * paper's best rule and `rules` random rules, then the random rules again on 1 and 2 worker threads (evaluations per
 * second), and on two Redis queue workers when redis-server is installed. Each ratio is an evaluation's time over
 * the anchor's; the paper's 600,000 evaluations are converted into hours per machine like this one.
 */
export async function benchV1Eval(
  o: { neurons?: number; rules?: number } = {},
): Promise<Record<string, unknown>> {
  const cfg = v1RulesSchema.parse({
    name: 'bench',
    seed: 1,
    task: { kind: 'v1-rules', ...(o.neurons ? { neurons: o.neurons } : {}) },
  });
  const neurons = cfg.task.neurons;
  const t0 = performance.now();
  const weights = fitV1Weights(await loadV1Tables(), await loadLgnTables(), cfg, neurons, () => {});
  const fitS = (performance.now() - t0) / 1000;
  const t = cfg.task;
  const options = v1RuleProblemOptions(cfg, neurons, {
    backgroundWeightPa: weights.backgroundWeightPa,
    lgnWeightScale: weights.lgnWeightScale,
  });
  const problem = v1RuleProblem(options, 'bench');
  const prepared = await problem.prepared();
  const genome = problem.genome;
  const task = t.changeDetection;
  const trials = task.plasticTrials + 2 * task.evalTrials;
  const blocks =
    Math.ceil(task.plasticTrials / task.blockTrials) + 2 * Math.ceil(task.evalTrials / task.blockTrials);
  const simulatedS = ((trials + blocks) * (task.imageMs + task.grayMs)) / 1000;
  const time = (label: string, genes: number[]) => {
    const s = performance.now();
    const e = evaluateV1Rule(prepared, problem.options, genome.decode(genes), 11);
    const wall = (performance.now() - s) / 1000;
    return {
      rule: label,
      wall_s: round(wall),
      accuracy: round(e.objectives[0]),
      runaway: e.runaway !== null,
    };
  };
  const none = genome.low.map((lo, i) => (i < genome.parts.gates ? 0 : (lo + genome.high[i]) / 2));
  const anchor = time('plasticity off', none);
  const rows = [anchor, time('paper best rule', paperBestRule(genome))];
  const count = o.rules ?? 2;
  const random = Array.from({ length: count }, (_, k) => randomGenes(problem.low, problem.high, 7, k));
  random.forEach((g, k) => rows.push(time(`random ${k}`, g)));
  const perSecond: Record<string, number> = {};
  for (const workers of [1, 2]) {
    const pool = poolEvaluator(
      { name: 'v1-change-detection', options, modules: ['package:discovery/index.js'] },
      workers,
    );
    try {
      const s = performance.now();
      await pool.evaluate(
        problem,
        random.map((x, k) => ({ id: `bench/${k}`, x, seed: 11 + k })),
      );
      perSecond[`workers_${workers}`] = round(count / ((performance.now() - s) / 1000), 5);
    } finally {
      await pool.close();
    }
  }
  // The same evaluations through the Redis queue, served by two queue workers of one thread each (as two machines).
  const redis = await startRedis();
  let queue: Record<string, unknown> | string =
    'not run: redis-server is not installed (apt-get install redis-server)';
  if (redis)
    try {
      const stops = await Promise.all([0, 1].map(() => startQueueWorker({ url: redis.url, threads: 1 })));
      const evaluator = queueEvaluator({
        url: redis.url,
        problem: { name: 'v1-change-detection', options, modules: ['package:discovery/index.js'] },
        runKey: 'bench-v1-eval',
      });
      try {
        const s = performance.now();
        await evaluator.evaluate(
          problem,
          random.map((x, k) => ({ id: `bench/${k}`, x, seed: 11 + k })),
        );
        queue = { workers_2: round(count / ((performance.now() - s) / 1000), 5) };
      } finally {
        await evaluator.close();
        await Promise.all(stops.map((stop) => stop()));
      }
    } finally {
      redis.child.kill('SIGKILL');
    }
  return {
    bench: 'v1-eval',
    neurons,
    genes: genome.size,
    fit_s: round(fitS),
    simulated_s_per_evaluation: round(simulatedS),
    evaluations: rows.map((r) => ({
      ...r,
      ratio_to_anchor: round(r.wall_s / anchor.wall_s),
      wall_s_per_simulated_s: round(r.wall_s / simulatedS),
    })),
    evaluations_per_second: perSecond,
    queue_evaluations_per_second: queue,
    paper_search_hours_per_machine: round(600_000 / (perSecond.workers_2 ?? perSecond.workers_1) / 3600, 1),
  };
}
