import { z } from 'zod';
import {
  DEFAULT_DIALECT_OPTIONS,
  DIALECT_METHODS,
  runDialectSeed,
  type DialectOptions,
  type DialectSeedResult,
} from '../../../adapt/dialect/index.js';
import { WORD_LISTS, readWordList, type WordListName } from '../../../data/index.js';
import { experimentFields, refineDistinct, seedList } from '../../config.js';
import { finishedCells, runCellGrid, type CellGrid } from '../../cell-grid.js';
import type { TaskRunContext } from '../../task-kind.js';
import { meanCurve, summarizeMethods, type AdaptSummaryBase } from '../../adapt-summary.js';

const positiveInt = z.number().int().positive();
const positive = z.number().positive();
const lists = Object.keys(WORD_LISTS) as [WordListName, ...WordListName[]];
const d = DEFAULT_DIALECT_OPTIONS;

export const dialectSchema = z
  .strictObject({
    ...experimentFields,
    task: z.strictObject({
      kind: z.literal('adapt-dialect'),
      /** The dialect learnt first and the one met afterwards (Debian word lists). */
      first: z.enum(lists).default('american'),
      second: z.enum(lists).default('british'),
    }),
    methods: z
      .array(z.enum(DIALECT_METHODS))
      .min(1)
      .default([...DIALECT_METHODS]),
    seeds: seedList,
    model: z
      .strictObject({ contextChars: positiveInt.max(16), hiddenUnits: positiveInt.max(4096) })
      .default({ contextChars: d.contextChars, hiddenUnits: d.hiddenUnits }),
    heldOutFraction: z.number().gt(0).lt(1).default(d.heldOutFraction),
    sharedTestWords: positiveInt.default(d.sharedTestWords),
    pretrain: z
      .strictObject({
        epochs: positiveInt.max(100),
        batchSize: positiveInt.max(65536),
        learningRate: positive,
        maxWords: positiveInt.nullable().default(null),
      })
      .default(d.pretrain),
    stream: z
      .strictObject({
        wordsPerBatch: positiveInt.max(4096),
        maxWords: positiveInt.nullable().default(null),
        evalPoints: positiveInt.max(1000),
      })
      .default(d.stream),
    finetune: z.strictObject({ learningRate: positive }).default(d.finetune),
    fastWeights: z
      .strictObject({ learningRate: positive, decay: z.number().gt(0).max(1) })
      .default(d.fastWeights),
    neuromodulation: z
      .strictObject({ learningRate: positive, statsRate: z.number().gt(0).lt(1), maxFactor: positive })
      .default(d.neuromodulation),
    quick: z
      .strictObject({
        seeds: seedList,
        pretrainWords: positiveInt,
        epochs: positiveInt,
        streamWords: positiveInt,
      })
      .optional(),
  })
  .superRefine((cfg, ctx) => {
    refineDistinct(ctx, cfg.methods, 'methods', 'method');
    if (cfg.task.first === cfg.task.second)
      ctx.addIssue({
        code: 'custom',
        path: ['task', 'second'],
        message: `expected a word list other than the first (${cfg.task.first}), found the same`,
      });
  });

export type DialectConfig = z.output<typeof dialectSchema>;

export const optionsOf = (cfg: DialectConfig): DialectOptions => ({
  ...cfg.model,
  heldOutFraction: cfg.heldOutFraction,
  sharedTestWords: cfg.sharedTestWords,
  pretrain: cfg.pretrain,
  stream: cfg.stream,
  finetune: cfg.finetune,
  fastWeights: cfg.fastWeights,
  neuromodulation: cfg.neuromodulation,
});

export interface DialectCell {
  config: DialectConfig;
  seed: number;
}

export interface DialectCellSummary extends DialectSeedResult {
  kind: 'adapt-dialect-cell';
  wordLists: { first: string; second: string };
}

export async function runDialectCell(cell: DialectCell): Promise<DialectCellSummary> {
  const { config: cfg, seed } = cell;
  const first = await readWordList(cfg.task.first);
  const second = await readWordList(cfg.task.second);
  const r = runDialectSeed(first.words, second.words, optionsOf(cfg), seed, cfg.methods);
  const round = (x: number | null | undefined) => (typeof x === 'number' ? Number(x.toFixed(5)) : x);
  for (const m of Object.values(r.methods))
    m.curve = m.curve.map(
      (p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, round(v)])) as unknown as typeof p,
    );
  return { kind: 'adapt-dialect-cell', wordLists: { first: first.path, second: second.path }, ...r };
}

/** Per seed and method: where it ended on each held-out set, and how far the first dialect moved. */
function seedMetrics(c: DialectCellSummary, method: string): Record<string, number> {
  const m = c.methods[method];
  const start = m.curve[0];
  const end = m.curve[m.curve.length - 1];
  return {
    bpc_second_only: end.secondOnly,
    bpc_first_only: end.firstOnly,
    bpc_shared: end.shared,
    bpc_stream: m.streamBitsPerChar,
    first_only_change: end.firstOnly - start.firstOnly,
    second_only_gain: start.secondOnly - end.secondOnly,
  };
}

export interface DialectSummary extends AdaptSummaryBase {
  kind: 'adapt-dialect';
  wordLists: { first: string; second: string };
  /** Mean over seeds, per method, of bits per character on each held-out set against words streamed. */
  curves: Record<
    string,
    { firstOnly: [number, number][]; secondOnly: [number, number][]; shared: [number, number][] }
  >;
  words: DialectSeedResult['words'] | null;
}

const DESCRIPTIONS: Record<string, string> = {
  bpc_second_only:
    'bits per character on held-out words spelt only in the second dialect, after the stream (the dialect shift)',
  bpc_first_only: 'bits per character on held-out words spelt only in the first dialect, after the stream',
  bpc_shared: 'bits per character on held-out words both dialects spell alike, after the stream',
  bpc_stream: 'bits per character over the whole stream, each batch predicted before learning from it',
  first_only_change:
    'after minus before the stream on first-dialect-only words (retention: positive means the first dialect was partly forgotten)',
  second_only_gain: 'before minus after the stream on second-dialect-only words (adaptation)',
};

export function summarizeDialect(cfg: DialectConfig, cells: Map<string, DialectCellSummary>): DialectSummary {
  const done = cfg.seeds.map((s) => cells.get(`s${s}`)).filter((c) => c !== undefined);
  const perSeed = Object.fromEntries(cfg.methods.map((m) => [m, done.map((c) => seedMetrics(c, m))]));
  const curveOf = (m: string, key: 'firstOnly' | 'secondOnly' | 'shared') =>
    meanCurve(done.map((c) => c.methods[m].curve.map((p) => [p.words, p[key]] as [number, number])));
  return {
    kind: 'adapt-dialect',
    name: cfg.name,
    headline: { metric: 'bpc_second_only', description: DESCRIPTIONS.bpc_second_only, better: 'lower' },
    metricDescriptions: DESCRIPTIONS,
    methods: summarizeMethods(perSeed, 'bpc_second_only'),
    seeds: cfg.seeds,
    runs: { done: done.length, total: cfg.seeds.length },
    wordLists: { first: cfg.task.first, second: cfg.task.second },
    curves: Object.fromEntries(
      cfg.methods.map((m) => [
        m,
        done.length
          ? {
              firstOnly: curveOf(m, 'firstOnly'),
              secondOnly: curveOf(m, 'secondOnly'),
              shared: curveOf(m, 'shared'),
            }
          : { firstOnly: [], secondOnly: [], shared: [] },
      ]),
    ),
    words: done[0]?.words ?? null,
  };
}

function dialectGrid(cfg: DialectConfig): CellGrid<DialectCell, DialectCellSummary> {
  return {
    cells: cfg.seeds.map((seed) => ({ config: cfg, seed })),
    name: (c) => `s${c.seed}`,
    run: runDialectCell,
    workerFile: new URL('./cell-worker.js', import.meta.url),
    metric: (c) => ({
      type: 'cell',
      seed: c.seed,
      ...Object.fromEntries(
        Object.keys(c.methods).map((m) => [`bpc_second_only/${m}`, seedMetrics(c, m).bpc_second_only]),
      ),
      seconds: c.seconds,
    }),
    nameOfMetric: (r) => (r.type === 'cell' ? `s${Number(r.seed)}` : null),
    progress: (c, s) =>
      `seed ${c.seed}: bits per character on second-dialect-only words ${Object.keys(s.methods)
        .map((m) => `${m} ${seedMetrics(s, m).bpc_second_only.toFixed(3)}`)
        .join(', ')} (${s.seconds.toFixed(0)} s)`,
  };
}

export async function runDialectGrid(cfg: DialectConfig, ctx: TaskRunContext): Promise<DialectSummary> {
  return summarizeDialect(cfg, await runCellGrid(dialectGrid(cfg), ctx));
}

export async function summarizeDialectRun(runPath: string, cfg: DialectConfig): Promise<DialectSummary> {
  return summarizeDialect(cfg, await finishedCells(runPath, dialectGrid(cfg)));
}
