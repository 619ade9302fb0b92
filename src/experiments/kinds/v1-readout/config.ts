import { z } from 'zod';
import { experimentFields, refineDistinct, refineWith } from '../../config.js';
import { createPlasticityRule } from '../../../spiking/index.js';
import { v1ModelFields } from '../v1-rates/model.js';

const count = z.number().int().positive();
const ms = z.number().int().positive();
const selector = z.union([z.string(), z.array(z.string()).min(1)]);
const imageCounts = {
  /** Training images shown before the readout's images, with the rule on in the plastic condition (no labels used). */
  exposureImages: z.number().int().min(0),
  /** Training images (after the exposure's) the readout learns from, and test images it is scored on. */
  trainImages: count,
  testImages: count,
};

/** Pair STDP on the LGN's synapses onto excitatory cells: the default rule of the plastic condition. */
const DEFAULT_PLASTICITY = [
  {
    pre: 'LGN',
    post: 'E',
    rule: { kind: 'pair-stdp', aPlus: 0.5, aMinus: 0.6, tauPlusMs: 20, tauMinusMs: 20, wMax: 300 },
  },
];

/**
 * A linear readout of the V1 model's responses to still images: the model is fitted as in v1-rates, shown the
 * exposure images (with `plasticity` active in the `plastic` condition, frozen afterwards), then each readout image;
 * every neuron's spike count during an image is a feature.
 */
export const v1ReadoutSchema = z
  .strictObject({
    ...experimentFields,
    task: z.strictObject({
      kind: z.literal('v1-readout'),
      dataset: z.enum(['fashion-mnist', 'mnist', 'cifar10']).default('fashion-mnist'),
      neurons: z.number().int().min(200).max(230924).default(5000),
      exposureImages: imageCounts.exposureImages.default(1000),
      trainImages: imageCounts.trainImages.default(1000),
      testImages: imageCounts.testImages.default(500),
    }),
    ...v1ModelFields,
    presentation: z
      .strictObject({
        imageMs: ms.default(150),
        grayMs: ms.default(100),
        /** Height of the image on the visual field (deg), centred on the column's receptive fields. */
        imageHeightDeg: z.number().positive().default(30),
      })
      .default({ imageMs: 150, grayMs: 100, imageHeightDeg: 30 }),
    /** `pixels`: the same readout on the images' pixels (the baseline); `fixed`, `plastic`: on the column's responses. */
    conditions: z
      .array(z.enum(['pixels', 'fixed', 'plastic']))
      .min(1)
      .default(['pixels', 'fixed', 'plastic']),
    plasticity: z
      .array(z.strictObject({ pre: selector, post: selector, rule: z.record(z.string(), z.unknown()) }))
      .min(1)
      .default(DEFAULT_PLASTICITY),
    readout: z
      .strictObject({
        epochs: count.default(60),
        batchSize: count.default(50),
        learningRate: z.number().positive().default(0.003),
        weightDecay: z.number().min(0).default(0.01),
      })
      .default({ epochs: 60, batchSize: 50, learningRate: 0.003, weightDecay: 0.01 }),
    quick: z
      .strictObject({
        neurons: z.number().int().min(200).max(230924).default(1000),
        fitIterations: z.number().int().min(0).default(6),
        ...imageCounts,
      })
      .default({ neurons: 1000, fitIterations: 4, exposureImages: 100, trainImages: 200, testImages: 100 }),
  })
  // Each rule description builds, so a typo is named with its field before any work.
  .superRefine((cfg, ctx) => {
    cfg.plasticity.forEach((a, k) =>
      refineWith(ctx, ['plasticity', k], () => createPlasticityRule(a.rule, 'rule')),
    );
    refineDistinct(ctx, cfg.conditions, 'conditions', 'condition');
  });

export type V1ReadoutConfig = z.output<typeof v1ReadoutSchema>;

export function quickV1Readout(cfg: V1ReadoutConfig): V1ReadoutConfig {
  const q = cfg.quick;
  return {
    ...cfg,
    name: `${cfg.name}-quick`,
    task: {
      ...cfg.task,
      neurons: q.neurons,
      exposureImages: q.exposureImages,
      trainImages: q.trainImages,
      testImages: q.testImages,
    },
    fit: { ...cfg.fit, iterations: q.fitIterations },
  };
}
