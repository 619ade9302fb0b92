import type { TaskKind } from '../../task-kind.js';
import { goNoGoSchema, type GoNoGoConfig } from './config.js';
import { goNoGoView } from './report-view.js';
import { runGoNoGoGrid, summarizeGoNoGoRun, type GoNoGoSummary } from './run.js';

/** `run --quick`: fewer seeds, shorter blocks and, when the file says so, fewer conditions. */
export function quickGoNoGo(cfg: GoNoGoConfig): GoNoGoConfig {
  const q = cfg.quick ?? { seeds: cfg.seeds.slice(0, 3), trialsPerBlock: 60 };
  return {
    ...cfg,
    name: `${cfg.name}-quick`,
    seeds: q.seeds,
    conditions: q.conditions ?? cfg.conditions,
    task: { ...cfg.task, blocks: cfg.task.blocks.map((b) => ({ ...b, trials: q.trialsPerBlock })) },
    luckyWithin: Math.min(cfg.luckyWithin, q.trialsPerBlock),
  };
}

const fmt = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(1));

export function describeGoNoGo(s: GoNoGoSummary): string[] {
  const lines: string[] = [];
  if (s.runs.done < s.runs.total)
    lines.push(`unfinished grid: ${s.runs.done} of ${s.runs.total} runs finished`);
  for (const learner of s.learners) {
    const l = s.by_learner[learner]!;
    lines.push(
      `${learner}: trials to criterion after each shift (${s.shifts.map((x) => x.kind).join(', ')}), mean over seeds; re-adapted fraction`,
    );
    for (const c of s.conditions)
      if (l.trials_to_criterion[c])
        lines.push(
          `  ${c}\t${l.trials_to_criterion[c].map(fmt).join(' / ')}\tre-adapted ${l.readapted_fraction[c].map((x) => x.toFixed(2)).join(' / ')}`,
        );
  }
  return lines;
}

/** The set-shifting Go/No-Go task: learners x modulator conditions x seeds. */
export const goNoGoTask: TaskKind<GoNoGoConfig, GoNoGoSummary> = {
  name: 'go-nogo',
  description: 'set-shifting Go/No-Go: spiking and gradient actor-critics under neuromodulator conditions',
  schema: goNoGoSchema,
  quick: quickGoNoGo,
  parallel: () => true,
  run: runGoNoGoGrid,
  partialSummary: (runPath, cfg) => summarizeGoNoGoRun(runPath, cfg),
  describe: describeGoNoGo,
  reportViews: [goNoGoView],
};
