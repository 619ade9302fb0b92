import { z } from 'zod';
import { datasetNames, getDatasetSpec } from '../../../data/index.js';
import { NEUROPLASTIC_ABLATIONS } from '../../../optim/index.js';
import { formatAmount, modelBudget, overBudget, MODEL_BYTES } from '../../../util/budget.js';
import { experimentFields, parseWith, seedList } from '../../config.js';

const positiveInt = z.number().int().positive();
/** Sane upper bounds: far above any model or run this engine trains, low enough that no count is absurd. */
const LIMITS = {
  units: 1 << 16,
  channels: 1 << 12,
  layers: 64,
  convStages: 16,
  batch: 1 << 16,
  epochs: 100_000,
};
const units = positiveInt.max(LIMITS.units);
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
    hidden: z.array(units).max(LIMITS.layers).default([128]),
    dropout,
  }),
  /** Conv(3x3)+ReLU+MaxPool(2) per entry of `channels`, then Dense layers: [32, 64] is the small CNN. */
  z.strictObject({
    type: z.literal('cnn'),
    channels: z.array(positiveInt.max(LIMITS.channels)).min(1).max(LIMITS.convStages).default([32, 64]),
    kernelSize: z
      .number()
      .int()
      .positive()
      .max(31)
      .refine((k) => k % 2 === 1, 'expected an odd kernel size')
      .default(3),
    hidden: z.array(units).max(LIMITS.layers).default([]),
    batchNorm: z.boolean().default(false),
    dropout,
  }),
  z.strictObject({
    type: z.literal('resnet18'),
    widthMultiplier: z.number().positive().max(64).default(1),
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
const epochs = positiveInt.max(LIMITS.epochs);
const batchSize = positiveInt.max(LIMITS.batch);
const cellName = z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"');

/**
 * A grid of runs: every training fraction x optimizer x seed, each a full run of the experiment with those
 * three settings replaced; the summary aggregates test accuracy per cell and pairs optimizers by seed.
 */
const gridLimits = { fractions: 100, seeds: 1000, optimizers: 100, compare: 1000 };
const gridFractions = z.array(fraction).min(1).max(gridLimits.fractions);
const gridSeeds = seedList.max(gridLimits.seeds);
const gridSpec = z.strictObject({
  trainFractions: gridFractions,
  seeds: gridSeeds,
  optimizers: z.record(cellName, optimizerSpec).refine((o) => {
    const n = Object.keys(o).length;
    return n > 0 && n <= gridLimits.optimizers;
  }, `expected 1 to ${gridLimits.optimizers} optimizers`),
  /** Pairs [a, b] to compare with a seed-matched paired t-test in every fraction. */
  compare: z
    .array(z.tuple([cellName, cellName]))
    .max(gridLimits.compare)
    .default([]),
  /** What `neuroplast run --quick` keeps: a reduced grid. */
  quick: z
    .strictObject({
      trainFractions: gridFractions.optional(),
      seeds: gridSeeds.optional(),
      optimizers: z.array(cellName).min(1).max(gridLimits.optimizers).optional(),
      epochs: epochs.optional(),
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
  batchSize: batchSize.default(64),
  epochs: epochs.default(1),
  evalBatchSize: batchSize.default(1000),
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

type ModelConfig = z.output<typeof modelSpec>;
type ClassificationInput = {
  task: z.output<typeof taskSpec>;
  learner: { batchSize: number; evalBatchSize: number };
};

/** What a model holds: parameters, and the values one image's forward pass keeps per layer (outputs the backward pass reads). */
interface ModelCost {
  params: number;
  activations: number;
}

/** Dense+ReLU per hidden width, then the readout. */
function denseCost(cost: ModelCost, features: number, hidden: number[], numClasses: number): ModelCost {
  for (const h of [...hidden, numClasses]) {
    cost.params += features * h + h;
    cost.activations += 2 * h;
    features = h;
  }
  return cost;
}

/**
 * The model's size from its config alone, as src/engine/models.ts builds it, without allocating it; or the field
 * and reason where the shape cannot be built (pooling shrinks the image to nothing).
 */
function modelCost(
  model: ModelConfig,
  [c, h, w]: [number, number, number],
  numClasses: number,
): ModelCost | { field: string; message: string } {
  const cost: ModelCost = { params: 0, activations: 0 };
  if (model.type === 'mlp') return denseCost(cost, c * h * w, model.hidden, numClasses);
  if (model.type === 'cnn') {
    const image = `${h}x${w}`;
    for (const [i, out] of model.channels.entries()) {
      cost.params += out * c * model.kernelSize ** 2 + out * (model.batchNorm ? 3 : 1);
      cost.activations += out * h * w * (model.batchNorm ? 3 : 1);
      [c, h, w] = [out, Math.floor(h / 2), Math.floor(w / 2)];
      if (h < 1 || w < 1)
        return {
          field: 'channels',
          message: `${i + 1} conv+pool stages halve ${image} images to nothing; expected at most ${i}`,
        };
      cost.activations += c * h * w;
    }
    return denseCost(cost, c * h * w, model.hidden, numClasses);
  }
  const width = (n: number) => Math.max(1, Math.round(n * model.widthMultiplier));
  const stem = width(64);
  cost.params += stem * c * 9 + 2 * stem;
  cost.activations += 3 * stem * h * w;
  c = stem;
  for (const [stage, base] of [64, 128, 256, 512].entries()) {
    const out = width(base);
    for (let b = 0; b < 2; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      [h, w] = [Math.floor((h - 1) / stride) + 1, Math.floor((w - 1) / stride) + 1];
      const shortcut = stride !== 1 || c !== out;
      cost.params += out * c * 9 + out * out * 9 + 4 * out + (shortcut ? out * c + 2 * out : 0);
      cost.activations += out * h * w * (shortcut ? 8 : 6);
      c = out;
    }
  }
  cost.activations += c;
  return denseCost(cost, c, [], numClasses);
}

/**
 * Memory to train and evaluate, estimated: each parameter with its gradient and up to three optimizer states, and
 * the activations of a training batch (outputs, their gradients and masks) or of an evaluation batch.
 */
function modelBytes(cost: ModelCost, batchSize: number, evalBatchSize: number): number {
  return 4 * (5 * cost.params + cost.activations * Math.max(3 * batchSize, evalBatchSize));
}

type Issue = { path: PropertyKey[]; message: string };

/** The dataset's spec, or null where the name is unknown (already an issue of its own). */
const datasetOf = (cfg: ClassificationInput) =>
  datasetNames().includes(cfg.task.dataset) ? getDatasetSpec(cfg.task.dataset) : null;

function checkModel(model: ModelConfig, at: PropertyKey[], cfg: ClassificationInput): Issue | null {
  const spec = datasetOf(cfg);
  if (!spec) return null;
  const cost = modelCost(model, spec.shape, spec.classes.length);
  if ('field' in cost) return { path: [...at, cost.field], message: cost.message };
  const { batchSize, evalBatchSize } = cfg.learner;
  const bytes = modelBytes(cost, batchSize, evalBatchSize);
  const limit = modelBudget();
  if (bytes <= limit) return null;
  const found =
    `needs about ${formatAmount(bytes, 'bytes')} to train: ${cost.params} parameters, ${cost.activations} ` +
    `activations per ${spec.shape.join('x')} image, batchSize ${batchSize}, evalBatchSize ${evalBatchSize}`;
  return { path: at, message: overBudget(found, MODEL_BYTES, limit, bytes) };
}

/**
 * A fraction of the training set too small to keep an image per class, from the dataset's full size (a partial local
 * copy is checked again when it is loaded, by `stratifiedSubset`).
 */
function checkFraction(fraction: number, at: PropertyKey[], cfg: ClassificationInput): Issue | null {
  const spec = datasetOf(cfg);
  if (!spec) return null;
  const classes = spec.classes.length;
  const kept = spec.trainCount * (1 - cfg.task.validationFraction);
  if (fraction >= 1 || fraction * kept >= classes) return null;
  return {
    path: at,
    message:
      `too small to keep an image per class: ${spec.name} has ${spec.trainCount} training images in ${classes} ` +
      `classes, this keeps ${(fraction * kept).toPrecision(3)}; expected at least ${((classes / kept) * 1.005).toPrecision(3)}`,
  };
}

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
    const issues = [
      checkModel(cfg.model, ['model'], cfg),
      cfg.grid?.quick?.model ? checkModel(cfg.grid.quick.model, ['grid', 'quick', 'model'], cfg) : null,
      checkFraction(cfg.task.trainFraction, ['task', 'trainFraction'], cfg),
      ...(cfg.grid?.trainFractions ?? []).map((f, i) => checkFraction(f, ['grid', 'trainFractions', i], cfg)),
      ...(cfg.grid?.quick?.trainFractions ?? []).map((f, i) =>
        checkFraction(f, ['grid', 'quick', 'trainFractions', i], cfg),
      ),
    ];
    for (const issue of issues) if (issue) ctx.addIssue({ code: 'custom', ...issue });
  });

export type ClassificationConfig = z.output<typeof classificationSchema>;

/** Validates a parsed classification experiment; on failure one line naming the source, field path, expected and found. */
export function validateClassificationExperiment(raw: unknown, source: string): ClassificationConfig {
  return parseWith(classificationSchema, raw, source);
}
