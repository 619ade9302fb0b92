import { html, type ReportView } from '../../../viz/index.js';
import { methodCurves, methodsTable } from '../../adapt-summary.js';
import type { TaskKind } from '../../task-kind.js';
import {
  runVisionGrid,
  summarizeVisionRun,
  visionSchema,
  type VisionConfig,
  type VisionSummary,
} from './run.js';

/** `run --quick`: fewer seeds and datasets, a smaller training set, short segments. */
export function quickVision(cfg: VisionConfig): VisionConfig {
  const q = cfg.quick ?? {
    seeds: cfg.seeds.slice(0, 2),
    datasets: cfg.task.datasets.slice(0, 1),
    trainImages: 5000,
    epochs: 1,
    batchesPerSegment: 2,
  };
  return {
    ...cfg,
    name: `${cfg.name}-quick`,
    seeds: q.seeds,
    task: { ...cfg.task, datasets: q.datasets },
    train: { ...cfg.train, images: Math.min(cfg.train.images, q.trainImages), epochs: q.epochs },
    stream: {
      ...cfg.stream,
      segments: cfg.stream.segments.map((s) => ({ ...s, batches: Math.min(s.batches, q.batchesPerSegment) })),
    },
    recovery: { ...cfg.recovery, window: Math.min(cfg.recovery.window, q.batchesPerSegment) },
  };
}

export function describeVision(s: VisionSummary): string[] {
  const lines = s.runs.done < s.runs.total ? [`unfinished: ${s.runs.done} of ${s.runs.total} runs`] : [];
  for (const [dataset, d] of Object.entries(s.by_dataset)) {
    lines.push(
      `${dataset}: accuracy over the corrupted stream, clean after it, batches to recover (mean ± std over ${d.seeds} seeds)`,
    );
    for (const [m, r] of Object.entries(d.methods))
      lines.push(
        `  ${m}\t${r.mean.toFixed(3)} ± ${r.std.toFixed(3)}\tclean after ${r.metrics.clean_after?.mean.toFixed(3) ?? '-'}\trecovery ${r.metrics.recovery_batches?.mean.toFixed(1) ?? '-'}`,
      );
  }
  return lines;
}

const visionView: ReportView = {
  name: 'adapt-vision',
  matches: (run) => run.summary.kind === 'adapt-vision',
  async render(run) {
    const s = run.summary as unknown as VisionSummary;
    return {
      title: `neuroplast vision under changing conditions: ${s.name}`,
      body: html`<p>Stream segments (batches of ${s.batchSize}, from batch): ${s.segments
        .map((g) => `${g.name} (${g.firstBatch}${g.ramp ? ', gradual' : ''})`)
        .join('; ')}.</p>
        ${Object.entries(s.by_dataset).map(
          ([dataset, d]) => html`<h2>${dataset}</h2>
            ${methodsTable({ ...s, methods: d.methods, runs: { done: d.seeds, total: s.seeds.length } })}
            ${methodCurves(d.curves, {
              title: `${dataset}: accuracy per batch over the stream, mean over seeds`,
              xLabel: 'batch',
              yLabel: 'accuracy',
            })}`,
        )}`,
    };
  },
};

/** Vision under changing conditions: a classifier trained on clean images meets a corrupted stream. */
export const visionTask: TaskKind<VisionConfig, VisionSummary> = {
  name: 'adapt-vision',
  description:
    'a classifier trained on clean images meets MNIST-C corruptions and drifts: frozen, fine-tuned, test-time and plastic adaptation',
  schema: visionSchema,
  quick: quickVision,
  parallel: () => true,
  run: runVisionGrid,
  partialSummary: (runPath, cfg) => summarizeVisionRun(runPath, cfg),
  describe: describeVision,
  reportViews: [visionView],
};
