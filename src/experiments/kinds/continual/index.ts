import type { TaskKind } from '../../task-kind.js';
import { continualSchema, type ContinualConfig } from './config.js';
import { continualView } from './report-view.js';
import { runContinualGrid, summarizeContinualRun, type ContinualSummary } from './run.js';

const pct = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : (100 * x).toFixed(1));

/** The reduced grid of `run --quick`: its seeds and iterations, labelled as reduced. */
export function quickContinual(cfg: ContinualConfig): ContinualConfig {
  const q = cfg.quick ?? {
    seeds: cfg.seeds.slice(0, 3),
    iterationsPerContext: Math.max(1, Math.round(cfg.protocol.iterationsPerContext / 20)),
  };
  const methods = Object.fromEntries(
    Object.entries(cfg.methods).map(([m, entry]) => [m, { ...entry, ...(q.methodSettings?.[m] ?? {}) }]),
  );
  return {
    ...cfg,
    name: `${cfg.name}-quick`,
    seeds: q.seeds,
    methods,
    protocol: {
      ...cfg.protocol,
      iterationsPerContext: q.iterationsPerContext,
      evalSamples: q.evalSamples ?? cfg.protocol.evalSamples,
    },
    reduced:
      `--quick: ${q.iterationsPerContext} iterations per context (not ${cfg.protocol.iterationsPerContext}), ${q.seeds.length} seeds` +
      (q.evalSamples ? `, ${q.evalSamples} test samples per context` : '') +
      (cfg.reduced ? `; ${cfg.reduced}` : ''),
  };
}

/** The accuracy table: ACC mean +- SEM per method and scenario, with the reference beside it. */
export function describeContinual(s: ContinualSummary): string[] {
  const lines: string[] = [];
  if (s.runs.done < s.runs.total)
    lines.push(`unfinished grid: ${s.runs.done} of ${s.runs.total} runs finished`);
  if (s.reduced) lines.push(`reduced protocol: ${s.reduced}`);
  lines.push(
    `average accuracy after the last context (%, mean +- SEM over seeds, as the paper gives it; reference in brackets), ${s.benchmark}:`,
  );
  lines.push(['method', ...s.scenarios.map((k) => `${k} (${s.heads[k]})`)].join('\t'));
  for (const m of s.methods)
    lines.push(
      [
        m,
        ...s.scenarios.map((k) => {
          const c = s.acc[k]![m];
          const ref = s.reference?.acc[k]?.[m];
          return `${c.n ? `${pct(c.mean)} +- ${pct(c.sem)}` : '-'}${c.n && c.n < s.seeds.length ? ` (n=${c.n})` : ''}${ref !== undefined ? ` [${pct(ref)}]` : ''}`;
        }),
      ].join('\t'),
    );
  for (const k of s.scenarios)
    for (const [m, d] of Object.entries(s.switch_detection?.[k] ?? {}))
      lines.push(
        `${m} ${k}: context changes found by itself ${d.delay_mean === null ? '' : `${d.delay_mean.toFixed(1)} steps after they happened, `}${d.false_detections.toFixed(2)} false and ${d.missed.toFixed(2)} missed per run (n=${d.n})`,
      );
  for (const w of s.warnings) lines.push(`warning: ${w}`);
  return lines;
}

/** Continual learning: methods x scenarios x seeds through a benchmark's contexts (van de Ven & Tolias's protocol). */
export const continualTask: TaskKind<ContinualConfig, ContinualSummary> = {
  name: 'continual',
  description:
    'continual learning: methods x scenarios x seeds on Split or Permuted MNIST (van de Ven & Tolias)',
  schema: continualSchema,
  quick: quickContinual,
  parallel: () => true,
  run: runContinualGrid,
  partialSummary: (runPath, cfg) => summarizeContinualRun(runPath, cfg),
  describe: describeContinual,
  reportViews: [continualView],
};
