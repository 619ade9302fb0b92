import { z } from 'zod';
import { experimentFields } from '../../config.js';

const options = z.record(z.string(), z.unknown()).default({});
const count = z.number().int().positive();

/** One search of the experiment: a strategy on the experiment's problem (with overrides), until its termination. */
const searchSchema = z.strictObject({
  strategy: z.string(),
  strategyOptions: options,
  /** Merged over task.problemOptions (e.g. a multi-objective variant of the problem). */
  problemOptions: options,
  termination: z
    .strictObject({
      generations: count.optional(),
      evaluations: count.optional(),
      targetCost: z.number().optional(),
    })
    .refine((t) => t.generations !== undefined || t.evaluations !== undefined || t.targetCost !== undefined, {
      message: 'expected at least one of generations, evaluations, targetCost',
    }),
  /** Evaluations per candidate with different seeds (noisy problems). */
  repeats: count.default(1),
  /** Objective values bounding the hypervolume reported per generation (multi-objective). */
  referencePoint: z.array(z.number()).optional(),
  /**
   * Multi-objective rediscovery: the rule found is the simplest one on the front whose first objective (the error) is
   * at most this; without it (or when none is), the one with the lowest error.
   */
  acceptError: z.number().positive().optional(),
});

/** An evolution experiment, run by `neuroplast evolve` (or `run`): named searches of one problem. */
export const evolutionExperimentSchema = z.strictObject({
  ...experimentFields,
  task: z.strictObject({
    kind: z.literal('evolution'),
    problem: z.string(),
    problemOptions: options,
    /** Modules that register problems beyond the built-in ones: `package:FOLDER/FILE.js` of this package, or file: URLs. */
    modules: z.array(z.string().regex(/^(package|file):/, 'expected a package: or file: URL')).default([]),
  }),
  searches: z
    .record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, "_" or "-"'), searchSchema)
    .refine((s) => Object.keys(s).length > 0, { message: 'expected at least one search' }),
  /** What `--quick` runs instead: every search stops after this many generations. */
  quick: z.strictObject({ generations: count }).default({ generations: 5 }),
});

export type EvolutionExperimentConfig = z.output<typeof evolutionExperimentSchema>;
export type EvolutionSearchConfig = EvolutionExperimentConfig['searches'][string];
