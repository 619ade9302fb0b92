import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { mean, pairedTTest, sampleStd, type PairedTest } from '../../../util/stats.js';
import { exists } from '../../../util/fsx.js';
import { runInLanes } from '../../../util/lanes.js';
import { NeuroplastError } from '../../../util/errors.js';
import type { RunDir } from '../../run-dir.js';
import type { ClassificationConfig } from './config.js';
import type { ClassificationSummary } from './train.js';

/** One aggregated cell: test accuracy over seeds. */
export interface CellStats {
  mean: number;
  std: number;
  n: number;
  /** Per finished seed, in the order of `seeds` (all of them once the grid is complete). */
  values: number[];
  /** The seeds `values` are for. */
  seeds: number[];
}

export interface GridSummary {
  kind: 'grid';
  name: string;
  dataset: string;
  /** The loader's notes (e.g. a partial CIFAR-10 subset), so a reduced run says so. */
  datasetNotes: string[];
  model: ClassificationConfig['model'];
  epochs: number;
  trainFractions: number[];
  optimizers: string[];
  seeds: number[];
  /** acc[fraction][optimizer]: test accuracy over seeds. */
  acc: Record<string, Record<string, CellStats>>;
  /** Seed-matched paired t-tests of a - b per fraction, for each configured pair. */
  paired: ({ fraction: number; a: string; b: string } & PairedTest)[];
  /** Mean evaluation accuracy per epoch, curves[fraction][optimizer]. */
  curves: Record<string, Record<string, number[]>>;
  /** Finished runs out of the grid's; fewer while it runs (a partial summary, see summarizeGridRun). */
  runs: { done: number; total: number };
}

/** A finished cell's summary.json; a damaged one is named (delete it to run that cell again). */
async function readCellSummary(file: string): Promise<ClassificationSummary> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as ClassificationSummary;
  } catch (err) {
    throw new NeuroplastError(
      `${file}: not a readable run summary (${(err as Error).message}); delete it to run that cell again`,
    );
  }
}

/** A grid cell's directory name under DIR/cells/. */
const cellName = (fraction: number, optimizer: string, seed: number) => `f${fraction}-${optimizer}-s${seed}`;

/** The reduced grid `run --quick` runs; the result is an ordinary grid config (stored so --resume repeats it). */
export function quickConfig(cfg: ClassificationConfig): ClassificationConfig {
  const grid = cfg.grid;
  if (!grid) throw new NeuroplastError(`--quick: experiment ${cfg.name} has no grid to reduce`, 2);
  const q = grid.quick ?? {};
  const keep = q.optimizers ?? Object.keys(grid.optimizers);
  return {
    ...cfg,
    name: `${cfg.name}-quick`,
    model: q.model ?? cfg.model,
    learner: { ...cfg.learner, epochs: q.epochs ?? cfg.learner.epochs },
    grid: {
      trainFractions: q.trainFractions ?? grid.trainFractions,
      seeds: q.seeds ?? grid.seeds,
      optimizers: Object.fromEntries(keep.map((k) => [k, grid.optimizers[k]])),
      compare: grid.compare.filter(([a, b]) => keep.includes(a) && keep.includes(b)),
    },
  };
}

/** One grid cell to run: a complete experiment config and its run directory (resumed when it has a checkpoint). */
export interface GridCell {
  config: ClassificationConfig;
  dir: string;
  resume: boolean;
}

export type CellRunner = (cell: GridCell) => Promise<ClassificationSummary>;

/**
 * Runs every (fraction, optimizer, seed) cell into DIR/cells/<cell>/ (each a complete, resumable run) and
 * aggregates. Completed cells are read back, a killed cell resumes from its checkpoint, so a grid killed at any
 * point continues where it stopped. Up to `jobs` cells run at once (runCell decides where); the summary does not
 * depend on how many, since it is aggregated in the grid's order.
 */
export async function runGrid(
  cfg: ClassificationConfig,
  runDir: RunDir,
  runCell: CellRunner,
  { quiet = false, jobs = 1 }: { quiet?: boolean; jobs?: number } = {},
): Promise<GridSummary> {
  const grid = cfg.grid!;
  const optimizers = Object.keys(grid.optimizers);
  const total = grid.trainFractions.length * optimizers.length * grid.seeds.length;
  const results = new Map<string, ClassificationSummary>();
  const pending: { name: string; label: string; cell: GridCell }[] = [];
  let done = 0;
  const finished = (name: string, label: string, summary: ClassificationSummary) => {
    results.set(name, summary);
    done++;
    if (!quiet)
      process.stderr.write(
        `[${done}/${total}] ${label}: test accuracy ${(100 * summary.testAccuracy).toFixed(2)}%\n`,
      );
  };
  for (const fraction of grid.trainFractions) {
    for (const opt of optimizers) {
      for (const seed of grid.seeds) {
        const name = cellName(fraction, opt, seed);
        const label = `fraction ${fraction} ${opt} seed ${seed}`;
        const dir = join(runDir.path, 'cells', name);
        if (await exists(join(dir, 'summary.json'))) {
          finished(name, label, await readCellSummary(join(dir, 'summary.json')));
          continue;
        }
        const resume = await exists(join(dir, 'checkpoints', 'last.nptb'));
        if (!resume) await fsp.rm(dir, { recursive: true, force: true });
        const config: ClassificationConfig = {
          ...cfg,
          grid: undefined,
          name: `${cfg.name}.${name}`,
          seed,
          task: { ...cfg.task, trainFraction: fraction },
          learner: { ...cfg.learner, optimizer: grid.optimizers[opt] },
        };
        pending.push({ name, label, cell: { config, dir, resume } });
      }
    }
  }
  await runInLanes(pending, jobs, async (next) => finished(next.name, next.label, await runCell(next.cell)));
  return summarizeGrid(cfg, results);
}

/**
 * Aggregates finished cells (keyed by cell name) into a grid summary. Missing cells are left out: a cell's stats
 * cover its finished seeds, and each paired test the seeds finished on both sides.
 */
export function summarizeGrid(
  cfg: ClassificationConfig,
  results: Map<string, ClassificationSummary>,
): GridSummary {
  const grid = cfg.grid!;
  const optimizers = Object.keys(grid.optimizers);
  const acc: GridSummary['acc'] = {};
  const curves: GridSummary['curves'] = {};
  for (const f of grid.trainFractions) {
    acc[String(f)] = {};
    curves[String(f)] = {};
    for (const o of optimizers) {
      const seeds = grid.seeds.filter((s) => results.has(cellName(f, o, s)));
      const runs = seeds.map((s) => results.get(cellName(f, o, s))!);
      const values = runs.map((r) => r.testAccuracy);
      acc[String(f)][o] = { mean: mean(values), std: sampleStd(values), n: values.length, values, seeds };
      const epochs = Math.max(0, ...runs.map((r) => r.history.length));
      curves[String(f)][o] = Array.from({ length: epochs }, (_, e) =>
        mean(runs.filter((r) => r.history[e]).map((r) => r.history[e].evalAccuracy)),
      );
    }
  }
  const paired = grid.trainFractions.flatMap((f) =>
    grid.compare.flatMap(([a, b]) => {
      const [ca, cb] = [acc[String(f)][a], acc[String(f)][b]];
      const both = ca.seeds.filter((s) => cb.seeds.includes(s));
      if (both.length === 0) return [];
      const pick = (c: CellStats) => both.map((s) => c.values[c.seeds.indexOf(s)]);
      return [{ fraction: f, a, b, ...pairedTTest(pick(ca), pick(cb)) }];
    }),
  );
  const first = results.values().next().value as ClassificationSummary | undefined;
  return {
    kind: 'grid',
    name: cfg.name,
    dataset: first?.dataset ?? cfg.task.dataset,
    datasetNotes: first?.datasetNotes ?? [],
    model: cfg.model,
    epochs: cfg.learner.epochs,
    trainFractions: grid.trainFractions,
    optimizers,
    seeds: grid.seeds,
    acc,
    paired,
    curves,
    runs: { done: results.size, total: grid.trainFractions.length * optimizers.length * grid.seeds.length },
  };
}

/**
 * The summary of a grid run directory from the cells finished so far (its config.json names the grid), so a long
 * grid can be looked at while it runs or after it was stopped; null when the run is not a grid.
 */
export async function summarizeGridRun(
  runPath: string,
  config?: ClassificationConfig,
): Promise<GridSummary | null> {
  const configPath = join(runPath, 'config.json');
  let cfg: ClassificationConfig;
  try {
    cfg = config ?? (JSON.parse(await fsp.readFile(configPath, 'utf8')) as ClassificationConfig);
  } catch (err) {
    throw new NeuroplastError(`${configPath}: cannot read the run's config (${(err as Error).message})`, 2);
  }
  if (!cfg.grid) return null;
  const results = new Map<string, ClassificationSummary>();
  for (const f of cfg.grid.trainFractions)
    for (const o of Object.keys(cfg.grid.optimizers))
      for (const s of cfg.grid.seeds) {
        const file = join(runPath, 'cells', cellName(f, o, s), 'summary.json');
        if (await exists(file)) results.set(cellName(f, o, s), await readCellSummary(file));
      }
  return summarizeGrid(cfg, results);
}
