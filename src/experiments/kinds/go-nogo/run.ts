import { mean } from '../../../util/stats.js';
import { accuracyCurve, shiftKinds, type ShiftKind } from '../../../neuromod/index.js';
import { finishedCells, runCellGrid, type CellGrid } from '../../cell-grid.js';
import type { TaskRunContext } from '../../task-kind.js';
import { runGoNoGoCell, type GoNoGoCell, type GoNoGoCellSummary } from './cell.js';
import type { GoNoGoConfig, Learner } from './config.js';

type PerCondition<T> = Record<string, T>;

/** One learner's results, per condition; "per shift" lists follow `shifts`, "per block" lists the blocks. */
export interface GoNoGoLearnerSummary {
  /** Trials to criterion after each shift, mean over seeds; a seed that never reached it counts the block's length. */
  trials_to_criterion: PerCondition<number[]>;
  /** The same over the seeds that reached it (null: none did). */
  trials_to_criterion_reached: PerCondition<(number | null)[]>;
  /** Fraction of seeds reaching criterion within the block, per shift. */
  readapted_fraction: PerCondition<number[]>;
  /** Fraction of seeds reaching it within `luckyWithin` trials, per shift (DA-only's "lucky" runs). */
  lucky_fraction: PerCondition<number[]>;
  false_alarm_rate: PerCondition<number[]>;
  hit_rate: PerCondition<number[]>;
  d_prime: PerCondition<number[]>;
  /** H(A|C) in bits per trial, mean over seeds (the entropy curve). */
  entropy_curve: PerCondition<number[]>;
  /** Per shift: mean H(A|C) over the window after the shift minus the window before it. */
  entropy_rise: PerCondition<number[]>;
  /**
   * Per trial, the fraction correct over the criterion's window within the block, mean over seeds; absent when a
   * cell from before it was recorded is among them (the curves then cover the same seeds as the other metrics).
   */
  accuracy_curve: PerCondition<number[]>;
  /**
   * Per shift, the accuracy curve over the seeds that re-adapted within `luckyWithin` trials of it ("lucky") and
   * over the others (null where none): DA-only's two kinds of run. The curves run from trial `from` (the criterion's
   * window before the shift) to the block's end.
   */
  lucky_curves: PerCondition<
    {
      block: number;
      from: number;
      lucky_seeds: number;
      other_seeds: number;
      lucky: number[] | null;
      others: number[] | null;
    }[]
  >;
  /** Noradrenaline's level per trial, mean over seeds. */
  noradrenaline_curve: PerCondition<number[]>;
  /** Per seed, per shift, trials to criterion (null: not reached). */
  per_seed: PerCondition<(number | null)[][]>;
  /**
   * Retention, per block where an earlier rule returns: trials to criterion when the rule was first learned and when
   * it returns, over the seeds that learned it first and reached criterion in every block in between (a seed that
   * never learned the intermediate rules has nothing to forget, so it would reward perseveration).
   */
  retention: PerCondition<
    {
      block: number;
      firstBlock: number;
      trialsFirst: number | null;
      trialsReturn: number | null;
      n: number;
    }[]
  >;
}

/** summary.json of a Go/No-Go grid; the top-level metrics are the first learner's. */
export interface GoNoGoSummary extends GoNoGoLearnerSummary {
  kind: 'go-nogo';
  name: string;
  learners: Learner[];
  conditions: string[];
  seeds: number[];
  blocks: { go: string[]; trials: number; shift: ShiftKind }[];
  /** The blocks after the first, where the rule may change. */
  shifts: { block: number; kind: ShiftKind }[];
  criterion: GoNoGoConfig['criterion'];
  luckyWithin: number;
  by_learner: Partial<Record<Learner, GoNoGoLearnerSummary>>;
  runs: { done: number; total: number };
}

const cellName = (learner: string, condition: string, seed: number) => `${learner}-${condition}-s${seed}`;

function learnerSummary(
  cfg: GoNoGoConfig,
  learner: Learner,
  cells: Map<string, GoNoGoCellSummary>,
): GoNoGoLearnerSummary {
  const blocks = cfg.task.blocks;
  const starts = blocks.map((_, i) => blocks.slice(0, i).reduce((a, b) => a + b.trials, 0));
  const shiftBlocks = blocks.map((_, i) => i).slice(1);
  const w = cfg.criterion.window;
  const out: GoNoGoLearnerSummary = {
    trials_to_criterion: {},
    trials_to_criterion_reached: {},
    readapted_fraction: {},
    lucky_fraction: {},
    false_alarm_rate: {},
    hit_rate: {},
    d_prime: {},
    entropy_curve: {},
    entropy_rise: {},
    accuracy_curve: {},
    lucky_curves: {},
    noradrenaline_curve: {},
    per_seed: {},
    retention: {},
  };
  const kinds = shiftKinds(cfg.task);
  const rule = (b: number) => [...blocks[b].go].sort().join('+');
  for (const condition of cfg.conditions) {
    const runs = cfg.seeds
      .map((s) => cells.get(cellName(learner, condition, s)))
      .filter((c) => c !== undefined);
    if (runs.length === 0) continue;
    const ttc = (r: GoNoGoCellSummary, b: number) => r.blocks[b].trialsToCriterion;
    out.per_seed[condition] = runs.map((r) => shiftBlocks.map((b) => ttc(r, b)));
    out.trials_to_criterion[condition] = shiftBlocks.map((b) =>
      mean(runs.map((r) => ttc(r, b) ?? blocks[b].trials)),
    );
    out.trials_to_criterion_reached[condition] = shiftBlocks.map((b) => {
      const reached = runs.map((r) => ttc(r, b)).filter((x): x is number => x !== null);
      return reached.length ? mean(reached) : null;
    });
    out.readapted_fraction[condition] = shiftBlocks.map((b) =>
      mean(runs.map((r) => (ttc(r, b) !== null ? 1 : 0))),
    );
    out.lucky_fraction[condition] = shiftBlocks.map((b) =>
      mean(runs.map((r) => ((ttc(r, b) ?? Infinity) <= cfg.luckyWithin ? 1 : 0))),
    );
    out.false_alarm_rate[condition] = blocks.map((_, b) => mean(runs.map((r) => r.blocks[b].falseAlarmRate)));
    out.hit_rate[condition] = blocks.map((_, b) => mean(runs.map((r) => r.blocks[b].hitRate)));
    out.d_prime[condition] = blocks.map((_, b) => mean(runs.map((r) => r.blocks[b].dPrime)));
    const curve = runs[0].entropy.map((_, t) => mean(runs.map((r) => r.entropy[t])));
    out.entropy_curve[condition] = curve.map((x) => Number(x.toFixed(4)));
    if (runs.every((r) => r.correct)) {
      const curves = runs.map((r) => accuracyCurve(r.correct!, starts, w));
      const meanCurve = (cs: Float64Array[], from = 0, to = cs[0]?.length ?? 0) =>
        cs.length
          ? Array.from({ length: to - from }, (_, t) => Number(mean(cs.map((c) => c[from + t])).toFixed(4)))
          : null;
      out.accuracy_curve[condition] = meanCurve(curves)!;
      out.lucky_curves[condition] = shiftBlocks.map((b) => {
        const lucky = runs.map((r) => (ttc(r, b) ?? Infinity) <= cfg.luckyWithin);
        const from = Math.max(0, starts[b] - w);
        const to = starts[b] + blocks[b].trials;
        return {
          block: b,
          from,
          lucky_seeds: lucky.filter(Boolean).length,
          other_seeds: lucky.filter((x) => !x).length,
          lucky: meanCurve(
            curves.filter((_, i) => lucky[i]),
            from,
            to,
          ),
          others: meanCurve(
            curves.filter((_, i) => !lucky[i]),
            from,
            to,
          ),
        };
      });
    }
    out.noradrenaline_curve[condition] = runs[0].noradrenaline.map((_, t) =>
      Number(mean(runs.map((r) => r.noradrenaline[t])).toFixed(4)),
    );
    out.retention[condition] = shiftBlocks
      .filter((b) => kinds[b] === 'return')
      .map((b) => {
        const first = blocks.findIndex((_, i) => rule(i) === rule(b));
        const kept = runs.filter((r) => r.blocks.slice(first, b).every((x) => x.trialsToCriterion !== null));
        const meanOf = (xs: (number | null)[]) => {
          const got = xs.filter((x): x is number => x !== null);
          return got.length ? mean(got) : null;
        };
        return {
          block: b,
          firstBlock: first,
          trialsFirst: meanOf(kept.map((r) => ttc(r, first))),
          trialsReturn: meanOf(kept.map((r) => ttc(r, b) ?? blocks[b].trials)),
          n: kept.length,
        };
      });
    out.entropy_rise[condition] = shiftBlocks.map((b) => {
      const at = starts[b];
      return mean(curve.slice(at + 1, at + 1 + w)) - mean(curve.slice(Math.max(0, at - w), at));
    });
  }
  return out;
}

/** Aggregates the finished cells (each statistic over the seeds finished so far). */
export function summarizeGoNoGo(cfg: GoNoGoConfig, cells: Map<string, GoNoGoCellSummary>): GoNoGoSummary {
  const kinds = shiftKinds(cfg.task);
  const byLearner = Object.fromEntries(
    cfg.learners.map((l) => [l, learnerSummary(cfg, l, cells)]),
  ) as Partial<Record<Learner, GoNoGoLearnerSummary>>;
  return {
    kind: 'go-nogo',
    name: cfg.name,
    learners: cfg.learners,
    conditions: cfg.conditions,
    seeds: cfg.seeds,
    blocks: cfg.task.blocks.map((b, i) => ({ go: b.go, trials: b.trials, shift: kinds[i] })),
    shifts: kinds.slice(1).map((kind, i) => ({ block: i + 1, kind })),
    criterion: cfg.criterion,
    luckyWithin: cfg.luckyWithin,
    ...byLearner[cfg.learners[0]]!,
    by_learner: byLearner,
    runs: { done: cells.size, total: cfg.learners.length * cfg.conditions.length * cfg.seeds.length },
  };
}

function goNoGoGrid(cfg: GoNoGoConfig): CellGrid<GoNoGoCell, GoNoGoCellSummary> {
  return {
    // Seed-major, so a stopped grid has whole seeds to compare.
    cells: cfg.seeds.flatMap((seed) =>
      cfg.learners.flatMap((learner) =>
        cfg.conditions.map((condition) => ({ config: cfg, learner, condition, seed })),
      ),
    ),
    name: (c) => cellName(c.learner, c.condition, c.seed),
    run: runGoNoGoCell,
    workerFile: new URL('./cell-worker.js', import.meta.url),
    metric: (c) => ({
      type: 'cell',
      learner: c.learner,
      condition: c.condition,
      seed: c.seed,
      trials_to_criterion: c.blocks.slice(1).map((b) => b.trialsToCriterion),
      seconds: c.seconds,
    }),
    nameOfMetric: (r) =>
      r.type === 'cell' ? cellName(String(r.learner), String(r.condition), Number(r.seed)) : null,
    progress: (c, s) =>
      `${c.learner} ${c.condition} seed ${c.seed}: trials to criterion after each shift ${s.blocks
        .slice(1)
        .map((b) => b.trialsToCriterion ?? '-')
        .join(', ')} (${s.seconds.toFixed(0)} s)`,
  };
}

export async function runGoNoGoGrid(cfg: GoNoGoConfig, ctx: TaskRunContext): Promise<GoNoGoSummary> {
  return summarizeGoNoGo(cfg, await runCellGrid(goNoGoGrid(cfg), ctx));
}

export async function summarizeGoNoGoRun(runPath: string, cfg: GoNoGoConfig): Promise<GoNoGoSummary> {
  return summarizeGoNoGo(cfg, await finishedCells(runPath, goNoGoGrid(cfg)));
}
