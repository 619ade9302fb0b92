import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { getStrategyKind, type Scenario } from '../../../continual/index.js';
import { NeuroplastError } from '../../../util/errors.js';
import { exists, writeFileAtomic } from '../../../util/fsx.js';
import { runInLanes } from '../../../util/lanes.js';
import { mean, sampleStd } from '../../../util/stats.js';
import type { TaskRunContext } from '../../task-kind.js';
import { cellPool, defaultJobs } from '../../parallel.js';
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
    reference,
    warnings: classIlWarnings(cfg),
    runs: { done: cells.size, total: cfg.scenarios.length * methods.length * cfg.seeds.length },
  };
}

async function readCell(file: string): Promise<ContinualCellSummary> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as ContinualCellSummary;
  } catch (err) {
    throw new NeuroplastError(
      `${file}: not a readable cell summary (${(err as Error).message}); delete it to run that cell again`,
    );
  }
}

/** Every cell of the grid in the order it runs: seed-major, so a stopped grid has whole seeds to show. */
function gridCells(cfg: ContinualConfig): ContinualCell[] {
  return cfg.seeds.flatMap((seed) =>
    cfg.scenarios.flatMap((scenario) =>
      Object.keys(cfg.methods).map((method) => ({ config: cfg, method, scenario, seed })),
    ),
  );
}

async function finishedCells(
  runPath: string,
  cfg: ContinualConfig,
): Promise<Map<string, ContinualCellSummary>> {
  const done = new Map<string, ContinualCellSummary>();
  for (const c of gridCells(cfg)) {
    const name = cellName(c.method, c.scenario, c.seed);
    const file = join(runPath, 'cells', `${name}.json`);
    if (await exists(file)) done.set(name, await readCell(file));
  }
  return done;
}

/**
 * Runs every (seed, scenario, method) cell not finished yet (each written atomically to cells/NAME.json when it
 * ends, so a stopped grid resumes at cell granularity), up to `jobs` at once in worker threads on one kernel thread
 * each, and aggregates.
 */
export async function runContinualGrid(cfg: ContinualConfig, ctx: TaskRunContext): Promise<ContinualSummary> {
  const runPath = ctx.runDir.path;
  const done = await finishedCells(runPath, cfg);
  const pending = gridCells(cfg).filter((c) => !done.has(cellName(c.method, c.scenario, c.seed)));
  const total = gridCells(cfg).length;
  await fsp.mkdir(join(runPath, 'cells'), { recursive: true });
  // The cell files are the record: on resume, metrics.jsonl keeps one line per finished cell (a line cut by a kill,
  // or one of a cell that did not finish, goes; a cell killed between its file and its line gets its line).
  const metric = (c: ContinualCellSummary) => ({
    type: 'cell',
    method: c.method,
    scenario: c.scenario,
    seed: c.seed,
    acc: c.metrics.acc,
    seconds: c.seconds,
  });
  if (ctx.resume) {
    const named = (r: Record<string, unknown>) =>
      cellName(String(r.method), r.scenario as Scenario, Number(r.seed));
    await ctx.runDir.trimMetrics((r) => r.type === 'cell' && done.has(named(r)));
    const logged = new Set((await ctx.runDir.readMetrics()).map(named));
    for (const [name, c] of done) if (!logged.has(name)) ctx.runDir.appendMetric(metric(c));
  }
  const jobs = Math.max(1, ctx.jobs ?? defaultJobs());
  const pool =
    jobs > 1 && pending.length > 1
      ? cellPool<ContinualCell, ContinualCellSummary>(new URL('./cell-worker.js', import.meta.url), jobs)
      : null;
  const runCell = async (cell: ContinualCell): Promise<ContinualCellSummary> => {
    try {
      return await (pool ? pool.run(cell) : runContinualCell(cell));
    } catch (err) {
      // Which cell failed, in front of what failed in it.
      if (err instanceof NeuroplastError)
        throw new NeuroplastError(
          `cells/${cellName(cell.method, cell.scenario, cell.seed)}: ${err.message}`,
          err.exitCode,
        );
      throw err;
    }
  };
  try {
    await runInLanes(pending, pool ? jobs : 1, async (cell) => {
      const summary = await runCell(cell);
      const name = cellName(cell.method, cell.scenario, cell.seed);
      await writeFileAtomic(join(runPath, 'cells', `${name}.json`), JSON.stringify(summary, null, 1) + '\n');
      done.set(name, summary);
      ctx.runDir.appendMetric(metric(summary));
      if (!ctx.quiet)
        process.stderr.write(
          `[${done.size}/${total}] ${cell.method} ${cell.scenario}-IL seed ${cell.seed}: ACC ${(100 * summary.metrics.acc).toFixed(2)}% (${summary.seconds.toFixed(0)} s)\n`,
        );
      ctx.onCheckpoint?.(done.size);
    });
  } finally {
    await pool?.destroy();
  }
  return summarizeContinual(cfg, done);
}

/** The summary of a grid run from the cells finished so far (for `report` on an unfinished run). */
export async function summarizeContinualRun(
  runPath: string,
  cfg: ContinualConfig,
): Promise<ContinualSummary> {
  return summarizeContinual(cfg, await finishedCells(runPath, cfg));
}
