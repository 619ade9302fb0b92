import { z } from 'zod';
import { datasetNames } from '../../../data/index.js';
import { NEUROPLASTIC_ABLATIONS } from '../../../optim/index.js';
import { experimentFields, parseWith } from '../../config.js';

const positiveInt = z.number().int().positive();
const fraction = z.number().gt(0).lte(1);
const decay = z.number().gte(0).lt(1);

const sgdSpec = z.strictObject({
  name: z.literal('sgd'),
  lr: z.number().positive(),
  momentum: decay.default(0),
  dampening: decay.default(0),
  nesterov: z.boolean().default(false),
  weightDecay: z.number().nonnegative().default(0),
});
const adamSpec = z.strictObject({
  name: z.enum(['adam', 'adamw']),
  lr: z.number().positive(),
  beta1: decay.default(0.9),
  beta2: decay.default(0.999),
  eps: z.number().positive().default(1e-8),
  weightDecay: z.number().nonnegative().optional(),
});

const nonNegative = z.number().nonnegative();
/** NeuroPlastic; semantics and defaults in src/optim/neuroplastic.ts. */
const neuroplasticSpec = z
  .strictObject({
    name: z.literal('neuroplastic'),
    lr: z.number().positive(),
    weightDecay: nonNegative.optional(),
    decoupledWeightDecay: z.boolean().optional(),
    base: z.enum(['classic', 'adamw', 'sgd-momentum']).optional(),
    ablation: z.enum(NEUROPLASTIC_ABLATIONS).optional(),
    activityWeight: nonNegative.optional(),
    gradientWeight: nonNegative.optional(),
    memoryWeight: nonNegative.optional(),
    activityDecay: decay.optional(),
    activityInit: z.enum(['signal', 'zero']).optional(),
    momentumDecay: decay.optional(),
    varianceDecay: decay.optional(),
    plasticityScale: nonNegative.optional(),
    warmupEpochs: z.number().int().nonnegative().optional(),
    alphaMin: nonNegative.optional(),
    alphaMax: z.number().positive().optional(),
    parameterwise: z.boolean().optional(),
    eps: z.number().positive().optional(),
    maxUpdateNorm: z.number().positive().optional(),
    targetRms: nonNegative.optional(),
    adaptationRate: nonNegative.optional(),
    modulationStrength: nonNegative.optional(),
    modulationMaxRatio: nonNegative.optional(),
    baseMomentum: decay.optional(),
    baseBeta2: decay.optional(),
    baseEps: z.number().positive().optional(),
  })
  .refine((o) => (o.alphaMin ?? 0.2) < (o.alphaMax ?? 2), {
    error: (iss) => {
      const o = iss.input as { alphaMin?: number; alphaMax?: number };
      return `alphaMin must be below alphaMax, found alphaMin ${o.alphaMin ?? 0.2} >= alphaMax ${o.alphaMax ?? 2}`;
    },
    path: ['alphaMin'],
  });

const taskSpec = z.strictObject({
  kind: z.literal('classification'),
  dataset: z.string().refine((s) => datasetNames().includes(s), {
    error: (iss) => `unknown dataset ${JSON.stringify(iss.input)} (known: ${datasetNames().join(', ')})`,
  }),
  /** Stratified, seeded fraction of the training set to train on. */
  trainFraction: fraction.default(1),
  /** Stratified fraction of the (sub)set held out for validation; 0 evaluates on the test set each epoch. */
  validationFraction: z.number().gte(0).lt(1).default(0),
  /** "scale" maps pixels to [0,1]; "standardize" also subtracts the training mean and divides by the std per channel. */
  normalize: z.enum(['scale', 'standardize']).default('scale'),
});

const dropout = z.number().gte(0).lt(1).optional();
const modelSpec = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('mlp'),
    hidden: z.array(positiveInt).default([128]),
    dropout,
  }),
  /** Conv(3x3)+ReLU+MaxPool(2) per entry of `channels`, then Dense layers: [32, 64] is the small CNN. */
  z.strictObject({
    type: z.literal('cnn'),
    channels: z.array(positiveInt).min(1).default([32, 64]),
    kernelSize: z
      .number()
      .int()
      .positive()
      .refine((k) => k % 2 === 1, 'expected an odd kernel size')
      .default(3),
    hidden: z.array(positiveInt).default([]),
    batchNorm: z.boolean().default(false),
    dropout,
  }),
  z.strictObject({
    type: z.literal('resnet18'),
    widthMultiplier: z.number().positive().default(1),
  }),
]);

const warmupSteps = z.number().int().nonnegative().optional();
const scheduleSpec = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('constant'), warmupSteps }),
  z.strictObject({
    type: z.literal('step'),
    stepEpochs: positiveInt,
    gamma: z.number().gt(0).lte(1),
    warmupSteps,
  }),
  z.strictObject({ type: z.literal('cosine'), minLr: z.number().nonnegative().optional(), warmupSteps }),
]);

const optimizerSpec = z.discriminatedUnion('name', [sgdSpec, adamSpec, neuroplasticSpec]);
const cellName = z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"');
const seedValue = z.number().int().min(0).max(0xffffffff);

/**
 * A grid of runs: every training fraction x optimizer x seed, each a full run of the experiment with those
 * three settings replaced; the summary aggregates test accuracy per cell and pairs optimizers by seed.
 */
const gridSpec = z.strictObject({
  trainFractions: z.array(fraction).min(1),
  seeds: z.array(seedValue).min(1),
  optimizers: z
    .record(cellName, optimizerSpec)
    .refine((o) => Object.keys(o).length > 0, 'expected at least one optimizer'),
  /** Pairs [a, b] to compare with a seed-matched paired t-test in every fraction. */
  compare: z.array(z.tuple([cellName, cellName])).default([]),
  /** What `neuroplast run --quick` keeps: a reduced grid. */
  quick: z
    .strictObject({
      trainFractions: z.array(fraction).min(1).optional(),
      seeds: z.array(seedValue).min(1).optional(),
      optimizers: z.array(cellName).min(1).optional(),
      epochs: positiveInt.optional(),
      /** A smaller model for the reduced grid (e.g. a narrower ResNet-18). */
      model: modelSpec.optional(),
    })
    .optional(),
});

const learnerSpec = z.strictObject({
  optimizer: optimizerSpec,
  /** Learning-rate schedule over global steps (default constant). */
  schedule: scheduleSpec.default({ type: 'constant' }),
  /** Clip the global gradient L2 norm to this value before each step. */
  clipGradNorm: z.number().positive().optional(),
  batchSize: positiveInt.default(64),
  epochs: positiveInt.default(1),
  evalBatchSize: positiveInt.default(1000),
  /**
   * A loss that explodes without becoming NaN stops the run: the mean over each `windowSteps` steps above `factor`
   * times the starting loss (defaults 20 and 100).
   */
  divergence: z
    .strictObject({ windowSteps: positiveInt.optional(), factor: z.number().gt(1).optional() })
    .optional(),
  /** Stop when the validation (or test, without a validation split) loss has not improved for this many epochs. */
  earlyStopping: z
    .strictObject({
      patience: positiveInt,
      /** The smallest decrease in loss that counts as an improvement. */
      minDelta: z.number().nonnegative().default(0),
      /** Keep the best epoch's weights as the final model (default true). */
      restoreBest: z.boolean().default(true),
    })
    .optional(),
});

export const classificationSchema = z
  .strictObject({
    ...experimentFields,
    task: taskSpec,
    model: modelSpec,
    learner: learnerSpec,
    log: z.strictObject({ everySteps: positiveInt.default(100) }).default({ everySteps: 100 }),
    checkpoint: z
      .strictObject({
        /** Also checkpoint every N steps within an epoch (0: only at epoch ends). */
        everySteps: z.number().int().nonnegative().default(0),
      })
      .default({ everySteps: 0 }),
    grid: gridSpec.optional(),
  })
  .superRefine((cfg, ctx) => {
    const names = Object.keys(cfg.grid?.optimizers ?? {});
    const check = (name: string, path: PropertyKey[]) => {
      if (!names.includes(name))
        ctx.addIssue({
          code: 'custom',
          path,
          message: `unknown optimizer ${JSON.stringify(name)} (grid has: ${names.join(', ')})`,
        });
    };
    cfg.grid?.compare.forEach((pair, i) => pair.forEach((n, j) => check(n, ['grid', 'compare', i, j])));
    cfg.grid?.quick?.optimizers?.forEach((n, i) => check(n, ['grid', 'quick', 'optimizers', i]));
  });

export type ClassificationConfig = z.output<typeof classificationSchema>;

/** Validates a parsed classification experiment; on failure one line naming the source, field path, expected and found. */
export function validateClassificationExperiment(raw: unknown, source: string): ClassificationConfig {
  return parseWith(classificationSchema, raw, source);
}
