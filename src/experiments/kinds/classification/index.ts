import type { TaskKind } from '../../task-kind.js';
import { classificationSchema, type ClassificationConfig } from './config.js';
import { quickConfig, summarizeGridRun, type GridSummary } from './grid.js';
import { runGridWithJobs } from './grid-cell.js';
import { classificationView, gridView } from './report-views.js';
import { runClassification, type ClassificationSummary } from './train.js';

/** A grid's accuracy table and paired tests; an unfinished grid's cells show how many seeds they cover. */
export function describeGrid(s: GridSummary): string[] {
  const lines: string[] = [];
  const partial = s.runs && s.runs.done < s.runs.total;
  if (partial) lines.push(`unfinished grid: ${s.runs.done} of ${s.runs.total} runs finished`);
  lines.push(`test accuracy, mean +- std over ${s.seeds.length} seeds (${s.dataset}):`);
  lines.push(['fraction', ...s.optimizers].join('\t'));
  for (const f of s.trainFractions) {
    const cells = s.optimizers.map((o) => {
      const c = s.acc[String(f)][o];
      if (c.n === 0) return '-';
      const text = `${(100 * c.mean).toFixed(2)} +- ${(100 * c.std).toFixed(2)}`;
      return partial ? `${text} (n=${c.n})` : text;
    });
    lines.push([String(f), ...cells].join('\t'));
  }
  for (const p of s.paired)
    lines.push(
      `fraction ${p.fraction}: ${p.a} - ${p.b} = ${(100 * p.meanDiff).toFixed(2)} points, paired t p = ${p.p === null ? 'n/a' : p.p.toPrecision(3)} (${p.winsA}/${p.n} seeds won)`,
    );
  return lines;
}

/** Supervised image classification with gradient training; with `grid`, a grid of such runs over seeds. */
export const classificationTask: TaskKind<ClassificationConfig, ClassificationSummary | GridSummary> = {
  name: 'classification',
  description: 'supervised image classification (MLP, CNN, ResNet-18), optionally a grid over seeds',
  schema: classificationSchema,
  quick: (cfg) => quickConfig(cfg),
  parallel: (cfg) => cfg.grid !== undefined,
  run: (cfg, ctx) =>
    cfg.grid
      ? runGridWithJobs(cfg, ctx.runDir, { jobs: ctx.jobs, quiet: ctx.quiet })
      : runClassification(cfg, ctx),
  partialSummary: (runPath, cfg) => summarizeGridRun(runPath, cfg),
  describe: (s) =>
    s.kind === 'grid'
      ? describeGrid(s)
      : [
          `test accuracy: ${(100 * s.testAccuracy).toFixed(2)}% (${s.dataset}, ${s.testSamples} test images, ${s.trainSamples} trained on)`,
        ],
  reportViews: [gridView, classificationView],
};
