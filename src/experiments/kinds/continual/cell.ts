import { loadDataset, type LabeledImageDataset } from '../../../data/index.js';
import {
  ContinualLearner,
  continualMetrics,
  createStrategy,
  permutedBenchmark,
  pixelPermutations,
  splitBenchmark,
  splitContexts,
  type ContinualBenchmark,
  type ContinualMetrics,
  type Scenario,
} from '../../../continual/index.js';
import { kernels } from '../../../engine/index.js';
// The task-free method registers itself with the continual methods (workers run cells in threads of their own).
import type { SwitchDetections } from '../../../neuromod/index.js';
import '../../../neuromod/index.js';
import { methodEntry, type ContinualConfig } from './config.js';

/** One run of the grid: a method in a scenario with a seed. */
export interface ContinualCell {
  config: ContinualConfig;
  method: string;
  scenario: Scenario;
  seed: number;
}

/** What a finished cell records (cells/<method>-<scenario>-s<seed>.json). */
export interface ContinualCellSummary {
  kind: 'continual-cell';
  method: string;
  strategy: string;
  scenario: Scenario;
  head: 'multi-head' | 'single-head';
  seed: number;
  /** The contexts' classes in training order (the split is permuted per seed). */
  contexts: number[][];
  accuracy: number[][];
  randomInit: number[];
  metrics: ContinualMetrics;
  finalLoss: number[];
  steps: number;
  seconds: number;
  /** A task-free method's detected context changes against the true ones (absent for methods told them). */
  switchDetection?: SwitchDetection;
  /** A task-free method's neuromodulation step by step, with the true and detected context changes (steps). */
  modulators?: ModulatorRecord;
}

/** What the neuromodulators view draws of a task-free cell (src/dashboard/figures/neuromodulators.ts reads it). */
export interface ModulatorRecord {
  /** Steps per point: each point is the largest value over its steps. */
  every: number;
  steps: number;
  /** The first step of each context (the learner is not told them). */
  contextStarts: number[];
  detectedAt: number[];
  values: Record<string, number[]>;
}

/** Detected context changes (steps over the whole run) matched to the true ones at k x iterations per context. */
export interface SwitchDetection {
  detectedAt: number[];
  /** Per true change: steps from it to the first detection before the next change (null: missed). */
  delays: (number | null)[];
  /** Detections matching no true change (before the first, or after one already found). */
  falseDetections: number;
}

export function matchSwitches(
  detectedAt: readonly number[],
  contexts: number,
  iterations: number,
): SwitchDetection {
  const delays: (number | null)[] = [];
  const used = new Set<number>();
  for (let k = 1; k < contexts; k++) {
    const at = k * iterations;
    const i = detectedAt.findIndex((d, j) => !used.has(j) && d >= at && d < at + iterations);
    if (i >= 0) used.add(i);
    delays.push(i >= 0 ? detectedAt[i] - at : null);
  }
  return { detectedAt: [...detectedAt], delays, falseDetections: detectedAt.length - used.size };
}

const datasets = new Map<string, Promise<LabeledImageDataset>>();

/** The benchmark of a config for a seed: the split's class order and Permuted's permutations are drawn per seed. */
export async function benchmarkFor(cfg: ContinualConfig, seed: number): Promise<ContinualBenchmark> {
  const task = cfg.task;
  if (!datasets.has(task.dataset)) datasets.set(task.dataset, loadDataset(task.dataset));
  const ds = await datasets.get(task.dataset)!;
  if (task.benchmark === 'split')
    return splitBenchmark(
      ds,
      task.contexts
        ? { contexts: task.contexts, classCount: ds.classes.length }
        : splitContexts(ds.classes.length, task.classesPerContext, seed),
    );
  const pixels = task.padTo * task.padTo;
  return permutedBenchmark(ds, pixelPermutations(task.contexts, pixels, seed), task.padTo);
}

/** Runs one cell through the whole protocol. */
export async function runContinualCell(cell: ContinualCell): Promise<ContinualCellSummary> {
  const { config: cfg, method, scenario, seed } = cell;
  const benchmark = await benchmarkFor(cfg, seed);
  const { strategy, settings } = methodEntry(cfg, method);
  const t0 = performance.now();
  // The networks, teachers and generators of a cell are freed when it ends.
  kernels.beginStateScope();
  try {
    const learner = new ContinualLearner(
      benchmark,
      { scenario, seed, ...cfg.protocol },
      createStrategy(strategy, settings, scenario, `methods.${method}`),
    );
    const strategyOfRun = learner.strategy as Partial<SwitchDetections>;
    const r = learner.run();
    return {
      kind: 'continual-cell',
      method,
      strategy,
      scenario,
      head: r.head,
      seed,
      contexts: benchmark.split.contexts.map((c) => [...c]),
      accuracy: r.accuracy,
      randomInit: r.randomInit,
      metrics: continualMetrics(r.accuracy, r.randomInit),
      finalLoss: r.finalLoss,
      steps: r.steps,
      seconds: (performance.now() - t0) / 1000,
      ...(strategyOfRun.detectedAt
        ? {
            switchDetection: matchSwitches(
              strategyOfRun.detectedAt,
              benchmark.contexts.length,
              cfg.protocol.iterationsPerContext,
            ),
          }
        : {}),
      ...(strategyOfRun.trace && strategyOfRun.detectedAt
        ? {
            modulators: {
              ...strategyOfRun.trace.toJSON(),
              contextStarts: benchmark.contexts.map((_, k) => k * cfg.protocol.iterationsPerContext),
              detectedAt: [...strategyOfRun.detectedAt],
            },
          }
        : {}),
    };
  } finally {
    kernels.endStateScope();
  }
}
