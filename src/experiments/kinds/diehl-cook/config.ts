import { z } from 'zod';
import { experimentFields } from '../../config.js';
import { diehlCookOverridesSchema, diehlCookParameters } from '../../../spiking/index.js';
import { ConfigError } from '../../../util/errors.js';

const count = z.number().int().nonnegative();
const imageCounts = z.strictObject({ trainImages: count, labelImages: count, testImages: count });

/** An unsupervised STDP experiment (Diehl & Cook 2015) run by `neuroplast run`. */
export const diehlCookExperimentSchema = z
  .strictObject({
    ...experimentFields,
    task: z.strictObject({
      kind: z.literal('diehl-cook'),
      dataset: z.enum(['mnist', 'fashion-mnist']).default('mnist'),
      trainImages: count.default(60000),
      /** Training images presented frozen to label the neurons (the paper: the training set). */
      labelImages: count.default(10000),
      testImages: count.default(10000),
    }),
    /** Overrides of the Diehl & Cook defaults: the spiking model's own schema, checked again semantically when built. */
    network: diehlCookOverridesSchema.default({}),
    checkpoint: z.strictObject({ everyImages: count.default(5000) }).default({ everyImages: 5000 }),
    /** What `neuroplast run --quick` uses instead of the task's image counts. */
    quick: imageCounts.default({ trainImages: 1000, labelImages: 1000, testImages: 1000 }),
  })
  // The model's own checks of how its parameters relate, before any work, at the file's path of the field.
  .superRefine((cfg, ctx) => {
    try {
      diehlCookParameters(cfg.network);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const at = /^diehl-cook\.([\w.]+): (.*)$/.exec(err.message);
      ctx.addIssue({
        code: 'custom',
        path: ['network', ...(at ? at[1].split('.') : [])],
        message: at ? at[2] : err.message,
      });
    }
  });

export type DiehlCookExperimentConfig = z.output<typeof diehlCookExperimentSchema>;
