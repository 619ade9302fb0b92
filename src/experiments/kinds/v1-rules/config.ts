import { z } from 'zod';
import { experimentFields, seedList } from '../../config.js';
import { v1ModelFields } from '../v1-rates/model.js';

const ms = z.number().positive();
const count = z.number().int().positive();
const options = z.record(z.string(), z.unknown()).default({});
const sizes = z.array(z.number().int().min(200).max(230924));

/** The change-detection task (the defaults are discovery's CHANGE_DETECTION_DEFAULTS). */
const taskFields = z.strictObject({
  imageMs: ms.default(100),
  grayMs: ms.default(200),
  responseWindowMs: ms.default(150),
  plasticTrials: z.number().int().min(0).default(100),
  evalTrials: count.default(40),
  blockTrials: count.default(10),
  changeProbability: z.number().gt(0).lt(1).default(0.5),
  thresholdHz: z.number().min(0).default(10),
  rewardHistory: count.default(20),
  synchronyBinMs: ms.default(5),
});

/** One search of the study: a strategy with its options, a budget, and repeated evaluations per candidate. */
const searchSchema = z.strictObject({
  strategy: z.string(),
  strategyOptions: options,
  generations: count,
  repeats: count.default(1),
});

/**
 * The rule-discovery study (Ye et al., ICLR 2026) on the V1 model: random rules, multi-objective searches, the
 * heterogeneity comparison, then the best rules re-evaluated across scales and with few plastic trials.
 */
export const v1RulesSchema = z.strictObject({
  ...experimentFields,
  task: z.strictObject({
    kind: z.literal('v1-rules'),
    neurons: z.number().int().min(200).max(230924).default(3000),
    readoutNeurons: count.default(30),
    learningRate: z.number().positive().default(0.02),
    wMaxFactor: z.number().positive().default(2),
    maxRateHz: z.number().positive().default(200),
    gratingOrientationsDeg: z.array(z.number()).min(2).default([0, 22.5, 45, 67.5, 90, 112.5, 135, 157.5]),
    /** CIFAR-10 test images (indices into the batch file) shown as natural images. */
    naturalImages: z.array(z.number().int().min(0)).min(2).default([0, 1, 2, 3, 4, 5, 6, 7]),
    naturalImageFile: z.string().optional(),
    imageHeightDeg: z.number().positive().default(25),
    changeDetection: taskFields.default(taskFields.parse({})),
  }),
  ...v1ModelFields,
  /** Genomes drawn uniformly from the box, each evaluated once. */
  randomRules: z.strictObject({ count: z.number().int().min(0) }).default({ count: 1000 }),
  /** Named searches over per-type rules (the study's competitive swarm, NSGA-II as control). */
  searches: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), searchSchema).default({}),
  /** One shared rule against per-type rules: the same search, strategy and budget, per seed. */
  heterogeneity: z.strictObject({ search: searchSchema, seeds: seedList }).optional(),
  /** Evaluations per re-evaluated rule (seeds) for the best rules, the scales and the few-shot curve. */
  reevaluations: count.default(3),
  /**
   * `rules`: how many of the best candidates (by their search accuracy; as many of the best random rules join them)
   * are re-evaluated at the study's size; the best of those is then run at each of `neurons`.
   */
  scale: z
    .strictObject({ neurons: sizes.default([]), rules: count.default(3) })
    .default({ neurons: [], rules: 3 }),
  /** Plastic trials of the few-shot curve (0: plasticity off). */
  fewShot: z.array(z.number().int().min(0)).default([1, 5, 10]),
  /** What `--quick` runs instead: these fields replace the file's. */
  quick: options,
});

export type V1RulesConfig = z.output<typeof v1RulesSchema>;
export type V1RulesSearch = z.output<typeof searchSchema>;

/** The file with its `quick` fields laid over it (task fields merge one level deep). */
export function quickV1Rules(cfg: V1RulesConfig): V1RulesConfig {
  const q = cfg.quick as Partial<V1RulesConfig> & { task?: Partial<V1RulesConfig['task']> };
  const merged = {
    ...cfg,
    ...q,
    name: `${cfg.name}-quick`,
    task: {
      ...cfg.task,
      ...(q.task ?? {}),
      changeDetection: { ...cfg.task.changeDetection, ...(q.task?.changeDetection ?? {}) },
    },
    quick: {},
  };
  return v1RulesSchema.parse(merged);
}

/** The options of the `v1-change-detection` problem for a network of `neurons` with fitted `weights`. */
export function v1RuleProblemOptions(
  cfg: V1RulesConfig,
  neurons: number,
  weights: { backgroundWeightPa: number[]; lgnWeightScale: number[] },
  sharing = 'synapse-type',
): Record<string, unknown> {
  const t = cfg.task;
  return {
    neurons,
    networkSeed: cfg.seed,
    setup: {
      seed: cfg.seed,
      backgroundHz: cfg.backgroundHz,
      backgroundFraction: cfg.backgroundFraction,
      backgroundSpread: cfg.backgroundSpread,
      lgn: cfg.lgn,
      grating: cfg.grating,
      fit: cfg.fit,
    },
    weights,
    task: t.changeDetection,
    readoutNeurons: t.readoutNeurons,
    learningRate: t.learningRate,
    wMaxFactor: t.wMaxFactor,
    maxRateHz: t.maxRateHz,
    gratingOrientationsDeg: t.gratingOrientationsDeg,
    naturalImages: t.naturalImages,
    ...(t.naturalImageFile ? { naturalImageFile: t.naturalImageFile } : {}),
    imageHeightDeg: t.imageHeightDeg,
    coefficientSharing: sharing,
  };
}
