import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  experimentFields,
  registerTaskKind,
  runExperiment,
  type TaskKind,
} from '../../src/experiments/index.js';
import { html, type ReportView } from '../../src/viz/index.js';

// A task kind: the schema of its experiment files, its run, its --quick form, its summary and how it is shown.
const countSchema = z.strictObject({
  ...experimentFields,
  task: z.strictObject({ kind: z.literal('count'), upTo: z.number().int().positive() }),
});
type CountConfig = z.output<typeof countSchema>;
interface CountSummary {
  kind: 'count';
  name: string;
  total: number;
}

// A kind's views show its runs; `html` escapes every value it is given.
const countView: ReportView = {
  name: 'count',
  render: async (run) => ({
    title: `count: ${String(run.summary.name)}`,
    body: html`<p>total ${run.summary.total} over ${run.metrics.length} steps</p>`,
  }),
};

export const countTask: TaskKind<CountConfig, CountSummary> = {
  name: 'count',
  description: 'sums 1..upTo, one metric line per step',
  schema: countSchema,
  quick: (cfg) => ({ ...cfg, task: { ...cfg.task, upTo: 3 } }),
  async run(cfg, { runDir }) {
    let total = 0;
    for (let i = 1; i <= cfg.task.upTo; i++) {
      total += i;
      runDir.appendMetric({ step: i, total });
    }
    return { kind: 'count', name: cfg.name, total };
  },
  describe: (s) => [`total: ${s.total}`],
  reportViews: [countView],
};

// The one registration line (the built-in kinds are registered in src/experiments/kinds/index.ts).
registerTaskKind(countTask);

/** Runs an experiment file of the new kind like any other: validated, into a run directory, with a report. */
export async function runCountExperiment(dir: string) {
  const file = join(dir, 'count.yaml');
  writeFileSync(file, 'name: count-to-ten\ntask: { kind: count, upTo: 10 }\n');
  return runExperiment({ experimentPath: file, outDir: join(dir, 'run'), quiet: true });
}
