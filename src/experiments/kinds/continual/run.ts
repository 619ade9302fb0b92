import { getStrategyKind, type Scenario } from '../../../continual/index.js';
import { mean, sampleStd } from '../../../util/stats.js';
import type { TaskRunContext } from '../../task-kind.js';
import { finishedCells, runCellGrid, type CellGrid } from '../../cell-grid.js';
import { runContinualCell, type ContinualCell, type ContinualCellSummary } from './cell.js';
import { methodEntry, scenarioKey, type ContinualConfig } from './config.js';

type ScenarioKey = ReturnType<typeof scenarioKey>;

/** A statistic over seeds. */
export interface SeedStats {
  mean: number;
  /** Sample standard deviation over seeds, and the standard error of the mean (the paper's +- is the SEM). */
  std: number;
  sem: number;
  n: number;
  values: number[];
}

type PerScenario<T> = Partial<Record<ScenarioKey, Record<string, T>>>;

/** summary.json of a continual grid: per scenario and method, statistics over seeds. */
export interface ContinualSummary {
  kind: 'continual';
  name: string;
  benchmark: string;
  dataset: string;
  protocol: ContinualConfig['protocol'];
  /** How the protocol is reduced from the paper's, when it is (a --quick run says so too). */
  reduced: string | null;
  methods: string[];
  scenarios: ScenarioKey[];
  /** The head of each scenario: multi-head for task-IL, single-head otherwise. */
  heads: Partial<Record<ScenarioKey, 'multi-head' | 'single-head'>>;
  seeds: number[];
  /** Final average accuracy (ACC) over seeds. */
  acc: PerScenario<SeedStats>;
  bwt: PerScenario<SeedStats>;
  fwt: PerScenario<SeedStats>;
  forgetting: PerScenario<SeedStats>;
  /** The mean accuracy matrix: matrix[scenario][method][i][j], context j after training context i. */
  matrix: PerScenario<number[][]>;
  /** Mean accuracy over the contexts seen so far, after each context (the accuracy-over-contexts curve). */
  curves: PerScenario<number[]>;
  /** Task-free methods' detection of the context changes: mean delay (steps), false detections and misses per run. */
  switch_detection: PerScenario<{
    delay_mean: number | null;
    false_detections: number;
    missed: number;
    n: number;
  }>;
  /** Published accuracies (fractions) beside ours, with their source. */
  reference: { source: string; acc: PerScenario<number> } | null;
  warnings: string[];
  runs: { done: number; total: number };
}

const cellName = (method: string, scenario: Scenario, seed: number) => `${method}-${scenario}-s${seed}`;

function stats(values: number[]): SeedStats {
  const std = sampleStd(values);
  return {
    mean: mean(values),
    std,
    sem: values.length > 0 ? std / Math.sqrt(values.length) : Number.NaN,
    n: values.length,
    values,
  };
}

/** The class-IL warning: regularisation-only methods are expected to forget there. */
export function classIlWarnings(cfg: ContinualConfig): string[] {
  if (!cfg.scenarios.includes('class')) return [];
  const regularising = Object.keys(cfg.methods).filter(
    (m) => getStrategyKind(methodEntry(cfg, m).strategy).regularisationOnly,
  );
  if (regularising.length === 0) return [];
  return [
    `${regularising.join(', ')} ${regularising.length > 1 ? 'regularise' : 'regularises'} parameters and replay nothing: ` +
      'in class-incremental learning such methods are expected to forget almost as much as fine-tuning ' +
      '(van de Ven & Tolias: EWC, online EWC and SI all near 20% on Split MNIST); a low class-IL score there is the ' +
      'method, not a bug. Replay (stored or generated) is what works in that scenario.',
  ];
}

/** Aggregates the finished cells; missing ones are left out (each statistic says its n). */
export function summarizeContinual(
  cfg: ContinualConfig,
  cells: Map<string, ContinualCellSummary>,
): ContinualSummary {
  const methods = Object.keys(cfg.methods);
  const per = <T>(f: (s: Scenario, m: string, runs: ContinualCellSummary[]) => T): PerScenario<T> =>
    Object.fromEntries(
      cfg.scenarios.map((s) => [
        scenarioKey(s),
        Object.fromEntries(
          methods.map((m) => [
            m,
            f(
              s,
              m,
              cfg.seeds.map((seed) => cells.get(cellName(m, s, seed))).filter((c) => c !== undefined),
            ),
          ]),
        ),
      ]),
    );
  const meanMatrix = (runs: ContinualCellSummary[]) =>
    runs.length === 0
      ? []
      : runs[0].accuracy.map((row, i) => row.map((_, j) => mean(runs.map((r) => r.accuracy[i][j]))));
  const matrix = per((_s, _m, runs) => meanMatrix(runs));
  const reference = cfg.reference
    ? {
        source: cfg.reference.source,
        acc: Object.fromEntries(
          Object.entries(cfg.reference.acc).map(([s, byMethod]) => [
            scenarioKey(s as Scenario),
            Object.fromEntries(
              Object.entries(byMethod).map(([m, v]) => [m, Number((v / 100).toPrecision(12))]),
            ),
          ]),
        ),
      }
    : null;
  return {
    kind: 'continual',
    name: cfg.name,
    benchmark: `${cfg.task.benchmark}-${cfg.task.dataset}`,
    dataset: cfg.task.dataset,
    protocol: cfg.protocol,
    reduced: cfg.reduced ?? null,
    methods,
    scenarios: cfg.scenarios.map(scenarioKey),
    heads: Object.fromEntries(
      cfg.scenarios.map((s) => [scenarioKey(s), s === 'task' ? 'multi-head' : 'single-head']),
    ),
    seeds: cfg.seeds,
    acc: per((_s, _m, runs) => stats(runs.map((r) => r.metrics.acc))),
    bwt: per((_s, _m, runs) => stats(runs.map((r) => r.metrics.bwt))),
    fwt: per((_s, _m, runs) => stats(runs.map((r) => r.metrics.fwt ?? Number.NaN))),
    forgetting: per((_s, _m, runs) => stats(runs.map((r) => r.metrics.forgetting))),
    matrix,
    curves: per((_s, _m, runs) => meanMatrix(runs).map((row, i) => mean(row.slice(0, i + 1)))),
    switch_detection: Object.fromEntries(
      Object.entries(
        per((_s, _m, runs) => {
          const detected = runs.filter((r) => r.switchDetection);
          if (detected.length === 0) return null;
          const delays = detected.flatMap((r) =>
            r.switchDetection!.delays.filter((d): d is number => d !== null),
          );
          return {
            delay_mean: delays.length ? mean(delays) : null,
            false_detections: mean(detected.map((r) => r.switchDetection!.falseDetections)),
            missed: mean(detected.map((r) => r.switchDetection!.delays.filter((d) => d === null).length)),
            n: detected.length,
          };
        }),
      ).map(([k, byMethod]) => [
        k,
        Object.fromEntries(Object.entries(byMethod!).filter(([, v]) => v !== null)),
      ]),
    ) as ContinualSummary['switch_detection'],
    reference,
    warnings: classIlWarnings(cfg),
    runs: { done: cells.size, total: cfg.scenarios.length * methods.length * cfg.seeds.length },
  };
}

/** Every cell of the grid in the order it runs: seed-major, so a stopped grid has whole seeds to show. */
function continualGrid(cfg: ContinualConfig): CellGrid<ContinualCell, ContinualCellSummary> {
  return {
    cells: cfg.seeds.flatMap((seed) =>
      cfg.scenarios.flatMap((scenario) =>
        Object.keys(cfg.methods).map((method) => ({ config: cfg, method, scenario, seed })),
      ),
    ),
    name: (c) => cellName(c.method, c.scenario, c.seed),
    run: runContinualCell,
    workerFile: new URL('./cell-worker.js', import.meta.url),
    metric: (c) => ({
      type: 'cell',
      method: c.method,
      scenario: c.scenario,
      seed: c.seed,
      acc: c.metrics.acc,
      seconds: c.seconds,
    }),
    nameOfMetric: (r) =>
      r.type === 'cell' ? cellName(String(r.method), r.scenario as Scenario, Number(r.seed)) : null,
    progress: (cell, s) =>
      `${cell.method} ${cell.scenario}-IL seed ${cell.seed}: ACC ${(100 * s.metrics.acc).toFixed(2)}% (${s.seconds.toFixed(0)} s)`,
  };
}

/** Runs the grid's unfinished cells (resumable, parallel) and aggregates. */
export async function runContinualGrid(cfg: ContinualConfig, ctx: TaskRunContext): Promise<ContinualSummary> {
  return summarizeContinual(cfg, await runCellGrid(continualGrid(cfg), ctx));
}

/** The summary of a grid run from the cells finished so far (for `report` on an unfinished run). */
export async function summarizeContinualRun(
  runPath: string,
  cfg: ContinualConfig,
): Promise<ContinualSummary> {
  return summarizeContinual(cfg, await finishedCells(runPath, continualGrid(cfg)));
}
