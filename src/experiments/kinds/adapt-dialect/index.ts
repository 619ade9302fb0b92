import { html, type ReportView } from '../../../viz/index.js';
import { methodCurves, methodsTable } from '../../adapt-summary.js';
import type { TaskKind } from '../../task-kind.js';
import {
  dialectSchema,
  runDialectGrid,
  summarizeDialectRun,
  type DialectConfig,
  type DialectSummary,
} from './run.js';

/** `run --quick`: fewer seeds, fewer words, fewer epochs. */
export function quickDialect(cfg: DialectConfig): DialectConfig {
  const q = cfg.quick ?? { seeds: cfg.seeds.slice(0, 2), pretrainWords: 8000, epochs: 2, streamWords: 4000 };
  return {
    ...cfg,
    name: `${cfg.name}-quick`,
    seeds: q.seeds,
    pretrain: { ...cfg.pretrain, epochs: q.epochs, maxWords: q.pretrainWords },
    stream: { ...cfg.stream, maxWords: q.streamWords, evalPoints: Math.min(cfg.stream.evalPoints, 5) },
  };
}

export function describeDialect(s: DialectSummary): string[] {
  const lines = s.runs.done < s.runs.total ? [`unfinished: ${s.runs.done} of ${s.runs.total} seeds`] : [];
  lines.push(
    `${s.headline.metric} (${s.headline.better} is better), mean ± std over seeds; first-dialect-only change`,
  );
  for (const [m, r] of Object.entries(s.methods))
    lines.push(
      `  ${m}\t${r.mean.toFixed(3)} ± ${r.std.toFixed(3)}\t${r.metrics.first_only_change.mean >= 0 ? '+' : ''}${r.metrics.first_only_change.mean.toFixed(3)}`,
    );
  return lines;
}

const dialectView: ReportView = {
  name: 'adapt-dialect',
  matches: (run) => run.summary.kind === 'adapt-dialect',
  async render(run) {
    const s = run.summary as unknown as DialectSummary;
    const curves = (key: 'firstOnly' | 'secondOnly' | 'shared', what: string) =>
      methodCurves(Object.fromEntries(Object.entries(s.curves).map(([m, c]) => [m, c[key]])), {
        title: `${what}: bits per character, mean over seeds`,
        xLabel: `${s.wordLists.second} words streamed`,
        yLabel: 'bits per character',
      });
    return {
      title: `neuroplast dialect shift: ${s.name} (${s.wordLists.first} then ${s.wordLists.second})`,
      body: html`<p>A character-level next-character predictor learns the ${s.wordLists.first} word list, then meets the
          ${s.wordLists.second} list as a stream. Words: ${JSON.stringify(s.words)}.</p>
        ${methodsTable(s)} ${curves('secondOnly', `held-out words spelt only in ${s.wordLists.second}`)}
        ${curves('firstOnly', `held-out words spelt only in ${s.wordLists.first}`)}
        ${curves('shared', 'held-out words spelt alike')}`,
    };
  },
};

/** Language with a shifting dialect: frozen, fine-tuned and plastic predictors meeting a second spelling. */
export const dialectTask: TaskKind<DialectConfig, DialectSummary> = {
  name: 'adapt-dialect',
  description:
    'a character-level predictor learns one dialect, then meets another: frozen, fine-tuned and plastic',
  schema: dialectSchema,
  quick: quickDialect,
  parallel: () => true,
  run: runDialectGrid,
  partialSummary: (runPath, cfg) => summarizeDialectRun(runPath, cfg),
  describe: describeDialect,
  reportViews: [dialectView],
};
