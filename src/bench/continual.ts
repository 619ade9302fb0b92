import { loadavg } from 'node:os';
import { loadDataset } from '../data/index.js';
import { getBackend } from '../engine/index.js';
import {
  ContinualLearner,
  createStrategy,
  splitBenchmark,
  splitContexts,
  type ContinualBenchmark,
} from '../continual/index.js';
import { median } from '../util/stats.js';
import { runPythonAnchor } from './anchors.js';

/** The methods timed, with the settings they are made with (the weights do not change a step's cost). */
const METHODS = {
  finetune: {},
  // van de Ven & Tolias's class-IL weight; the Fisher over 500 samples only to keep the set-up short.
  ewc: { lambda: 1e8, fisherSamples: 500 },
  si: { c: 1e8 },
} as const;
type Method = keyof typeof METHODS;
const NAMES = Object.keys(METHODS) as Method[];

/** The context whose steps are timed: the third of five, so EWC holds 2 anchors and 6 of 10 outputs are active. */
const TIMED_CONTEXT = 2;
const BATCH = 128;

export interface ContinualBenchOptions {
  /** Timing seconds of each method in each configuration (ours on 2 and 1 threads, each of PyTorch's). */
  seconds?: number;
  /** Alternating rounds per configuration (an even number: PyTorch runs between the two halves). */
  rounds?: number;
  /** Steps of each earlier context before the timed one (so EWC's and SI's anchors exist). */
  warmupIterations?: number;
  /** Run the PyTorch anchor (default true; it reports "not run" with the reason when torch is absent). */
  torch?: boolean;
}

/**
 * A learner of the Split MNIST class-IL protocol (MLP 784-400-400-10, batch 128, Adam 1e-3) with `method`, trained
 * through the contexts before TIMED_CONTEXT and standing at the start of it, as trainContext would leave it after
 * its beforeContext hook: its trainStep() is then the step being timed.
 */
function learnerInTimedContext(
  benchmark: ContinualBenchmark,
  method: Method,
  iterations: number,
): ContinualLearner {
  const learner = new ContinualLearner(
    benchmark,
    {
      scenario: 'class',
      hidden: [400, 400],
      lr: 1e-3,
      betas: [0.9, 0.999],
      iterationsPerContext: iterations,
      batchSize: BATCH,
      seed: 0,
    },
    createStrategy(method, METHODS[method], 'class'),
  );
  for (let k = 0; k < TIMED_CONTEXT; k++) learner.trainContext(k);
  learner.context = TIMED_CONTEXT;
  learner.step = 0;
  learner.strategy.beforeContext?.(learner);
  return learner;
}

/** Steps per second of `step` over about `ms` milliseconds. */
function stepsPerSecond(step: () => void, ms: number): number {
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    step();
    steps++;
  }
  return (1000 * steps) / (performance.now() - t0);
}

/** One PyTorch run: each method's per-round steps/s (the script alternates the methods in rounds). */
type TorchRounds = Record<Method, number[]>;

/**
 * PyTorch's configurations: 1 thread, 2 threads, and 2 threads with OpenMP's passive wait policy (on a loaded
 * machine the default busy-waiting threads can lose their core to other processes and stall for a time slice).
 */
const TORCH_CONFIGS = {
  '1_thread': { threads: 1, env: {} },
  '2_threads': { threads: 2, env: {} },
  '2_threads_passive': { threads: 2, env: { OMP_WAIT_POLICY: 'PASSIVE' } },
} as const;
type TorchConfig = keyof typeof TORCH_CONFIGS;
const TORCH_NAMES = Object.keys(TORCH_CONFIGS) as TorchConfig[];

function runTorch(
  config: TorchConfig,
  seconds: number,
  rounds: number,
): { rounds: TorchRounds; version: string } | { reason: string } {
  const { threads, env } = TORCH_CONFIGS[config];
  const r = runPythonAnchor(
    'torch_continual_step.py',
    ['all', String(seconds), String(threads), String(rounds)],
    120_000 + 4000 * seconds,
    threads,
    env,
  );
  if (!r.result) return { reason: r.reason ?? 'no result' };
  const methods = r.result.methods as Record<Method, { rounds: number[] }>;
  return {
    rounds: Object.fromEntries(NAMES.map((m) => [m, methods[m].rounds])) as TorchRounds,
    version: String(r.result.torch),
  };
}

const round = (x: number, d = 1) => Number(x.toFixed(d));
/** Median and range of a configuration's per-round figures. */
const summary = (xs: number[], d = 1) => ({
  median: round(median(xs), d),
  min: round(Math.min(...xs), d),
  max: round(Math.max(...xs), d),
});
/** Per round: how much longer a method's step takes than fine-tuning's (0.25: 25% more time). */
const overheads = (method: number[], finetune: number[]) => method.map((m, i) => finetune[i] / m - 1);

/**
 * Iterations per second of the Split MNIST class-IL training step in context 2 of 5 (MLP 784-400-400-10 with ReLU,
 * batch 128 of real MNIST, cross-entropy over the 6 classes seen so far, Adam lr 1e-3) under fine-tuning, EWC (its
 * penalty over 2 anchors) and SI (penalty and the per-step path-integral update): the real ContinualLearner's
 * trainStep(), on the kernel thread (2 threads) and on 1 thread, against PyTorch running the same step
 * (scripts/torch_continual_step.py) on 1 thread, 2 threads, and 2 threads with OMP_WAIT_POLICY=PASSIVE. Timings
 * alternate the methods and thread counts in rounds, PyTorch's runs between the two halves of ours; medians and
 * ranges over the rounds. Goal: ours at least 1.5x PyTorch's best configuration.
 */
export async function benchContinual(options: ContinualBenchOptions = {}): Promise<Record<string, unknown>> {
  const seconds = options.seconds ?? 2;
  const rounds = Math.max(2, 2 * Math.round((options.rounds ?? 6) / 2));
  const iterations = options.warmupIterations ?? 20;
  const loadBefore = loadavg()[0];
  const backend = getBackend();
  await backend.prepare?.();
  const threads = backend.threads ?? 1;
  const oneThread = !!backend.setThreads && threads > 1;
  const setupStart = performance.now();
  const benchmark = splitBenchmark(await loadDataset('mnist'), splitContexts(10, 2, 0));
  const learners = Object.fromEntries(
    NAMES.map((m) => [m, learnerInTimedContext(benchmark, m, iterations)]),
  ) as Record<Method, ContinualLearner>;
  const setupS = (performance.now() - setupStart) / 1000;

  const withThreads = <T>(n: number, f: () => T): T => {
    if (!oneThread) return f();
    backend.setThreads!(n);
    try {
      return f();
    } finally {
      backend.setThreads!(threads);
    }
  };
  const configs = oneThread ? [threads, 1] : [threads];
  // Warm-up: V8's optimisation of each strategy's hooks and the kernel thread's wait loop, for each thread count.
  const warmupMs = Math.min(300, 150 * seconds);
  for (const m of NAMES)
    for (const n of configs) withThreads(n, () => stepsPerSecond(() => learners[m].trainStep(), warmupMs));

  const perMethod = () =>
    Object.fromEntries(NAMES.map((m) => [m, [] as number[]])) as Record<Method, number[]>;
  const ours = Object.fromEntries(configs.map((n) => [n, perMethod()])) as Record<
    number,
    Record<Method, number[]>
  >;
  const slice = (1000 * seconds) / rounds;
  const ourRounds = (count: number) => {
    for (let r = 0; r < count; r++)
      for (const m of NAMES)
        for (const n of configs)
          ours[n][m].push(withThreads(n, () => stepsPerSecond(() => learners[m].trainStep(), slice)));
  };
  const torchRuns = Object.fromEntries(TORCH_NAMES.map((c) => [c, perMethod()])) as Record<
    TorchConfig,
    TorchRounds
  >;
  let torchVersion = '';
  let torchReason: string | null = options.torch === false ? 'not run (disabled)' : null;
  const torchHalf = () => {
    for (const c of TORCH_NAMES) {
      if (torchReason) return;
      const t = runTorch(c, seconds / 2, rounds / 2);
      if ('reason' in t) {
        torchReason = `not run: ${t.reason}`;
        return;
      }
      torchVersion = t.version;
      for (const m of NAMES) torchRuns[c][m].push(...t.rounds[m]);
    }
  };
  ourRounds(rounds / 2);
  torchHalf();
  ourRounds(rounds / 2);
  torchHalf();

  const finalLoss = Object.fromEntries(NAMES.map((m) => [m, round(learners[m].trainStep(), 4)]));
  const methods: Record<string, unknown> = {};
  for (const m of NAMES) {
    const two = ours[threads][m];
    const out: Record<string, unknown> = {
      steps_per_s: summary(two),
      step_ms: round(1000 / median(two), 3),
    };
    if (oneThread) out.steps_per_s_1_thread = summary(ours[1][m]);
    if (m !== 'finetune') {
      out.overhead_vs_finetune = summary(overheads(two, ours[threads].finetune), 3);
      if (oneThread) out.overhead_vs_finetune_1_thread = summary(overheads(ours[1][m], ours[1].finetune), 3);
    }
    if (!torchReason) {
      for (const c of TORCH_NAMES) out[`torch_${c}`] = summary(torchRuns[c][m]);
      const best = TORCH_NAMES.reduce((a, b) => (median(torchRuns[b][m]) > median(torchRuns[a][m]) ? b : a));
      const bestRate = median(torchRuns[best][m]);
      out.torch_best = { config: best, steps_per_s: round(bestRate) };
      out.ratio_vs_torch_best = round(median(two) / bestRate, 3);
      if (oneThread) out.ratio_1_thread_vs_torch_best = round(median(ours[1][m]) / bestRate, 3);
      if (m !== 'finetune')
        for (const c of TORCH_NAMES)
          out[`torch_overhead_vs_finetune_${c}`] = summary(
            overheads(torchRuns[c][m], torchRuns[c].finetune),
            3,
          );
    }
    methods[m] = out;
  }
  return {
    benchmark: 'split mnist, class-IL, context 2 of 5 (6 of 10 outputs active)',
    model: 'mlp 784-400-400-10 relu',
    parameters: learners.finetune.model.parameterCount(),
    batch: BATCH,
    optimizer: 'adam lr 1e-3 betas 0.9/0.999',
    settings: METHODS,
    backend: backend.name,
    threads,
    rounds,
    seconds_per_config: seconds,
    setup_s: round(setupS, 2),
    // The 1-minute load average before and after (the bench's own threads included in the second).
    load_average: [round(loadBefore, 2), round(loadavg()[0], 2)],
    ...(torchReason ? { torch: torchReason } : { torch_version: torchVersion }),
    methods,
    last_loss: finalLoss,
    goal_ratio: 1.5,
  };
}
