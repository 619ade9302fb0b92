import { z } from 'zod';

const count = z.number().int().nonnegative();
const num = z.number();
const cellSpec = z
  .strictObject({
    vRestMv: num,
    vResetMv: num,
    vThreshMv: num,
    refractoryMs: num,
    tauMembraneMs: num,
    tauExcMs: num,
    tauInhMs: num,
    eExcMv: num,
    eInhMv: num,
  })
  .partial();

/** Overrides of the Diehl & Cook defaults (src/spiking/diehl-cook.ts), checked again semantically when built. */
const networkSpec = z
  .strictObject({
    neurons: z.number().int().positive(),
    dtMs: num,
    presentMs: num,
    restMs: num,
    inputIntensity: num,
    minSpikes: num,
    maxIntensity: num,
    excitatory: cellSpec,
    inhibitory: cellSpec,
    thetaPlusMv: num,
    tauThetaMs: num,
    thetaInitMv: num,
    thetaOffsetMv: num,
    excToInhWeight: num,
    inhToExcWeight: num,
    tauPreMs: num,
    tauPost1Ms: num,
    tauPost2Ms: num,
    nuPre: num,
    nuPost: num,
    wMax: num,
    initWeightMin: num,
    initWeightMax: num,
    columnSum: num,
    inputDelayMaxMs: num,
    eulerMaxRate: num,
  })
  .partial();

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
  network: networkSpec.default({}),
  checkpoint: z.strictObject({ everyImages: count.default(5000) }).default({ everyImages: 5000 }),
  /** What `neuroplast run --quick` uses instead of the task's image counts. */
  quick: imageCounts.default({ trainImages: 1000, labelImages: 1000, testImages: 1000 }),
});

export type DiehlCookExperimentConfig = z.output<typeof diehlCookExperimentSchema>;
