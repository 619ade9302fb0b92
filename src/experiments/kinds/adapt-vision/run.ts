import { z } from 'zod';
import {
  ADAPTER_NAMES,
  CORRUPTION_NAMES,
  checkStreamSizes,
  resolveAdapterOptions,
  runVisionSeed,
  type VisionSeedResult,
} from '../../../adapt/vision/index.js';
import { getDatasetSpec, loadDataset } from '../../../data/index.js';
import { mean } from '../../../util/stats.js';
import { experimentFields, refineDistinct, seedList, refineWith } from '../../config.js';
import { finishedCells, runCellGrid, type CellGrid } from '../../cell-grid.js';
import type { TaskRunContext } from '../../task-kind.js';
import {
  meanCurve,
  summarizeMethods,
  type AdaptMethodSummary,
  type AdaptSummaryBase,
} from '../../adapt-summary.js';

const positiveInt = z.number().int().positive();
const DATASETS = ['fashion-mnist', 'mnist'] as const;

const segmentSchema = z.strictObject({
  /** Default: the corruption's name, with "-gradual" when it ramps. */
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a lower-case name')
    .optional(),
  corruption: z.enum(['none', ...CORRUPTION_NAMES]),
  batches: positiveInt.max(100_000),
  ramp: z.boolean().default(false),
});

export const visionSchema = z
  .strictObject({
    ...experimentFields,
    task: z.strictObject({
      kind: z.literal('adapt-vision'),
      /** Each dataset is a case of its own; the first one's results are summary.json's `methods`. */
      datasets: z.array(z.enum(DATASETS)).min(1),
    }),
    methods: z.array(z.enum(ADAPTER_NAMES)).min(1),
    seeds: seedList,
    model: z
      .strictObject({ channels: z.array(positiveInt.max(512)).min(1).max(4) })
      .default({ channels: [16, 32] }),
    train: z.strictObject({
      images: positiveInt,
      epochs: positiveInt.max(100),
      batchSize: z.number().int().min(2).max(65536),
      learningRate: z.number().positive(),
    }),
    heldOutImages: positiveInt.default(2000),
    stream: z.strictObject({
      batchSize: z.number().int().min(2).max(10_000),
      segments: z.array(segmentSchema).min(2),
    }),
    /** A shift counts as recovered at the first `window` batches averaging `fraction` of the clean accuracy. */
    recovery: z
      .strictObject({ window: positiveInt, fraction: z.number().gt(0).max(1) })
      .default({ window: 3, fraction: 0.9 }),
    adapterOptions: z
      .strictObject({
        learningRate: z.number().positive().optional(),
        surpriseLearningRate: z.number().positive().optional(),
        surpriseGain: z.number().positive().optional(),
        maxFactor: z.number().positive().optional(),
        surpriseWindow: z.number().positive().optional(),
        homeostaticRate: z.number().positive().max(1).optional(),
      })
      .default({}),
    quick: z
      .strictObject({
        seeds: seedList,
        datasets: z.array(z.enum(DATASETS)).min(1),
        trainImages: positiveInt,
        epochs: positiveInt,
        batchesPerSegment: positiveInt,
      })
      .optional(),
  })
  .superRefine((cfg, ctx) => {
    refineDistinct(ctx, cfg.methods, 'methods', 'method');
    refineDistinct(ctx, cfg.task.datasets, 'task.datasets', 'dataset');
    refineDistinct(
      ctx,
      segmentsOf(cfg).map((s) => s.name),
      'stream.segments',
      'segment name',
    );
    refineWith(ctx, [], () => resolveAdapterOptions(cfg.adapterOptions));
    // Each dataset's split sizes: the training set holds the training and held-out images, and the stream uses every
    // test image and held-out image at most once.
    for (const name of cfg.task.datasets) {
      const spec = getDatasetSpec(name);
      if (cfg.train.images + cfg.heldOutImages > spec.trainCount)
        ctx.addIssue({
          code: 'custom',
          path: ['train', 'images'],
          message: `expected train.images + heldOutImages at most the ${spec.trainCount} training images of ${name}, found ${cfg.train.images + cfg.heldOutImages}`,
        });
      refineWith(ctx, [], () =>
        checkStreamSizes(spec.testCount, cfg.heldOutImages, segmentsOf(cfg), cfg.stream.batchSize),
      );
    }
  });

export type VisionConfig = z.output<typeof visionSchema>;

export const segmentsOf = (cfg: Pick<VisionConfig, 'stream'>) =>
  cfg.stream.segments.map((s) => ({
    ...s,
    name: s.name ?? (s.ramp ? `${s.corruption}-gradual` : s.corruption),
  }));

export interface VisionCell {
  config: VisionConfig;
  dataset: (typeof DATASETS)[number];
  seed: number;
}

export interface VisionCellSummary extends VisionSeedResult {
  kind: 'adapt-vision-cell';
}

export async function runVisionCell(cell: VisionCell): Promise<VisionCellSummary> {
  const { config: cfg, seed } = cell;
  const data = await loadDataset(cell.dataset);
  const r = runVisionSeed(
    data,
    {
      channels: cfg.model.channels,
      train: cfg.train,
      heldOutImages: cfg.heldOutImages,
      batchSize: cfg.stream.batchSize,
      segments: segmentsOf(cfg),
      adapters: cfg.methods,
      adapterOptions: cfg.adapterOptions,
    },
    seed,
  );
  return { kind: 'adapt-vision-cell', ...r };
}

/** Per seed and method: accuracy over the stream and per segment, clean before and after, recovery after shifts. */
export function visionMetrics(
  cfg: VisionConfig,
  c: VisionSeedResult,
  method: string,
): Record<string, number> {
  const acc = c.methods[method].batchAccuracy;
  const segs = segmentsOf(cfg);
  const out: Record<string, number> = {};
  let at = 0;
  const corrupted: number[] = [];
  const recovery: number[] = [];
  const { window, fraction } = cfg.recovery;
  const first = segs[0].corruption === 'none' ? mean(acc.slice(0, segs[0].batches)) : c.cleanAccuracy;
  segs.forEach((s, i) => {
    const part = acc.slice(at, at + s.batches);
    out[`accuracy/${s.name}`] = mean(part);
    if (s.corruption !== 'none') corrupted.push(...part);
    if (s.corruption === 'none' && i === 0) out.clean_before = mean(part);
    if (s.corruption === 'none' && i === segs.length - 1 && i > 0) out.clean_after = mean(part);
    if (s.corruption !== 'none' && !s.ramp) {
      let k = 0;
      while (k + window <= part.length && mean(part.slice(k, k + window)) < fraction * first) k++;
      // Never recovered within the segment: censored at its length.
      recovery.push(k + window <= part.length ? k : part.length);
    }
    at += s.batches;
  });
  out.stream_accuracy = mean(corrupted);
  if (recovery.length) {
    out.recovery_batches = mean(recovery);
    out.recovered_fraction = mean(
      recovery.map((k, i) => (k < segs.filter((s) => s.corruption !== 'none' && !s.ramp)[i].batches ? 1 : 0)),
    );
  }
  out.clean_accuracy_trained = c.cleanAccuracy;
  return out;
}

export interface VisionDatasetSummary {
  methods: Record<string, AdaptMethodSummary>;
  /** Accuracy per stream batch, mean over seeds, per method. */
  curves: Record<string, [number, number][]>;
  seeds: number;
}

export interface VisionSummary extends AdaptSummaryBase {
  kind: 'adapt-vision';
  /** The dataset whose results are `methods`. */
  dataset: string;
  by_dataset: Record<string, VisionDatasetSummary>;
  segments: { name: string; corruption: string; batches: number; ramp: boolean; firstBatch: number }[];
  batchSize: number;
}

function descriptions(cfg: VisionConfig): Record<string, string> {
  const d: Record<string, string> = {
    stream_accuracy:
      'accuracy over every corrupted batch of the stream, each predicted before adapting on it',
    clean_before: 'accuracy on the clean batches that open the stream',
    clean_after:
      'accuracy on the clean batches that close the stream, after every shift (what adapting cost)',
    recovery_batches: `batches after an abrupt shift until ${cfg.recovery.window} batches average ${cfg.recovery.fraction} of the accuracy on the opening clean batches (the held-out clean accuracy when the stream opens corrupted; the segment's length when never), mean over shifts`,
    recovered_fraction: 'fraction of abrupt shifts recovered from within their segment',
    clean_accuracy_trained: 'the trained classifier on held-out clean training images',
  };
  for (const s of segmentsOf(cfg)) d[`accuracy/${s.name}`] = `accuracy during segment ${s.name}`;
  return d;
}

const cellName = (dataset: string, seed: number) => `${dataset}-s${seed}`;

export function summarizeVision(cfg: VisionConfig, cells: Map<string, VisionCellSummary>): VisionSummary {
  const byDataset: Record<string, VisionDatasetSummary> = {};
  for (const dataset of cfg.task.datasets) {
    const done = cfg.seeds.map((s) => cells.get(cellName(dataset, s))).filter((c) => c !== undefined);
    byDataset[dataset] = {
      methods: summarizeMethods(
        Object.fromEntries(cfg.methods.map((m) => [m, done.map((c) => visionMetrics(cfg, c, m))])),
        'stream_accuracy',
      ),
      curves: Object.fromEntries(
        cfg.methods.map((m) => [
          m,
          meanCurve(done.map((c) => c.methods[m].batchAccuracy.map((y, x) => [x, y]))),
        ]),
      ),
      seeds: done.length,
    };
  }
  let firstBatch = 0;
  const d = descriptions(cfg);
  return {
    kind: 'adapt-vision',
    name: cfg.name,
    headline: { metric: 'stream_accuracy', description: d.stream_accuracy, better: 'higher' },
    metricDescriptions: d,
    methods: byDataset[cfg.task.datasets[0]].methods,
    dataset: cfg.task.datasets[0],
    by_dataset: byDataset,
    seeds: cfg.seeds,
    runs: { done: cells.size, total: cfg.seeds.length * cfg.task.datasets.length },
    segments: segmentsOf(cfg).map((s) => {
      const out = { name: s.name, corruption: s.corruption, batches: s.batches, ramp: s.ramp, firstBatch };
      firstBatch += s.batches;
      return out;
    }),
    batchSize: cfg.stream.batchSize,
  };
}

function visionGrid(cfg: VisionConfig): CellGrid<VisionCell, VisionCellSummary> {
  return {
    cells: cfg.seeds.flatMap((seed) => cfg.task.datasets.map((dataset) => ({ config: cfg, dataset, seed }))),
    name: (c) => cellName(c.dataset, c.seed),
    run: runVisionCell,
    workerFile: new URL('./cell-worker.js', import.meta.url),
    metric: (c) => ({
      type: 'cell',
      dataset: c.dataset,
      seed: c.seed,
      ...Object.fromEntries(
        Object.keys(c.methods).map((m) => [`stream_accuracy/${m}`, visionMetrics(cfg, c, m).stream_accuracy]),
      ),
      seconds: c.seconds,
    }),
    nameOfMetric: (r) => (r.type === 'cell' ? cellName(String(r.dataset), Number(r.seed)) : null),
    progress: (c, s) =>
      `${c.dataset} seed ${c.seed}: clean ${s.cleanAccuracy.toFixed(3)}; accuracy over the stream ${Object.keys(
        s.methods,
      )
        .map((m) => `${m} ${visionMetrics(cfg, s, m).stream_accuracy.toFixed(3)}`)
        .join(', ')} (${s.seconds.toFixed(0)} s)`,
  };
}

export async function runVisionGrid(cfg: VisionConfig, ctx: TaskRunContext): Promise<VisionSummary> {
  return summarizeVision(cfg, await runCellGrid(visionGrid(cfg), ctx));
}

export async function summarizeVisionRun(runPath: string, cfg: VisionConfig): Promise<VisionSummary> {
  return summarizeVision(cfg, await finishedCells(runPath, visionGrid(cfg)));
}
