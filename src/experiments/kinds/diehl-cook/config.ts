import { z } from 'zod';
import { diehlCookOverridesSchema } from '../../../spiking/index.js';

const count = z.number().int().nonnegative();
const imageCounts = z.strictObject({ trainImages: count, labelImages: count, testImages: count });

/** An unsupervised STDP experiment (Diehl & Cook 2015) run by `neuroplast run`. */
export const diehlCookExperimentSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"'),
  description: z.string().optional(),
  seed: z.number().int().min(0).max(0xffffffff).default(0),
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
});

export type DiehlCookExperimentConfig = z.output<typeof diehlCookExperimentSchema>;
