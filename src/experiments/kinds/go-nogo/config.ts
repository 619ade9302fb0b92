import { z } from 'zod';
import { experimentFields, refineDistinct, seedList, refineWith } from '../../config.js';
import {
  DEFAULT_GRADIENT_AGENT,
  DEFAULT_SPIKING_AGENT,
  MAPPING_PRESETS,
  NeuromodulatorySystem,
  goNoGoMapping,
  goNoGoModulators,
  removedBy,
  validateTask,
  type MappingEntry,
  validateModuleSwitching,
  type ModuleSwitchingParameters,
} from '../../../neuromod/index.js';
import { ConfigError } from '../../../util/errors.js';

const positiveInt = z.number().int().positive();
const probability = z.number().min(0).max(1);

export const LEARNERS = ['spiking', 'gradient'] as const;
export type Learner = (typeof LEARNERS)[number];

const blockSchema = z.strictObject({ go: z.array(z.string()), trials: positiveInt });

export const goNoGoSchema = z
  .strictObject({
    ...experimentFields,
    task: z.strictObject({
      kind: z.literal('go-nogo'),
      cues: z.strictObject({ visual: z.array(z.string()), auditory: z.array(z.string()) }),
      blocks: z.array(blockSchema).min(1),
      rewardProbability: probability,
      punishmentProbability: probability,
      cueNoise: probability.default(0),
    }),
    learners: z.array(z.enum(LEARNERS)).min(1),
    /** all, da, da_na, without_X, without_X_Y (X, Y among da, na, ach, 5ht). */
    conditions: z.array(z.string()).min(1),
    seeds: seedList,
    criterion: z
      .strictObject({ window: positiveInt, accuracy: probability })
      .default({ window: 20, accuracy: 0.8 }),
    /** A "lucky" run re-adapts within this many trials of a shift. */
    luckyWithin: positiveInt.default(100),
    /** The predictive module's change probability per trial. */
    changeProbability: z.number().gt(0).lt(1),
    /** A preset's name (go-nogo, doya, many-to-one) or a list of mapping entries. */
    mapping: z.union([z.string(), z.array(z.record(z.string(), z.unknown()))]).default('go-nogo'),
    /** Parameters per modulator, over the go-nogo defaults. */
    modulators: z.record(z.string(), z.record(z.string(), z.number())).default({}),
    /** Parameters of each learner, over their defaults. */
    agents: z
      .strictObject({
        spiking: z.record(z.string(), z.unknown()).default({}),
        gradient: z.record(z.string(), z.unknown()).default({}),
      })
      .default({ spiking: {}, gradient: {} }),
    quick: z
      .strictObject({
        seeds: seedList,
        trialsPerBlock: positiveInt,
        /** The conditions --quick runs (default: all of the file's). */
        conditions: z.array(z.string()).min(1).optional(),
      })
      .optional(),
  })
  .superRefine((cfg, ctx) => {
    // The task, the conditions, the mapping and the modulators built now, so a bad entry fails before any work.
    refineWith(ctx, [], () => validateTask(cfg.task, 'task'));
    cfg.conditions.forEach((c, i) => refineWith(ctx, [], () => removedBy(c, `conditions[${i}]`)));
    refineDistinct(ctx, cfg.conditions, 'conditions', 'condition');
    cfg.quick?.conditions?.forEach((c, i) =>
      refineWith(ctx, [], () => removedBy(c, `quick.conditions.${i}`)),
    );
    refineDistinct(ctx, cfg.learners, 'learners', 'learner');
    refineWith(ctx, [], () => new NeuromodulatorySystem(neuromodulationOf(cfg, 'all')));
    for (const [learner, defaults] of [
      ['spiking', DEFAULT_SPIKING_AGENT],
      ['gradient', DEFAULT_GRADIENT_AGENT],
    ] as const) {
      for (const key of Object.keys(cfg.agents[learner]))
        if (!(key in defaults))
          ctx.addIssue({
            code: 'custom',
            path: ['agents', learner, key],
            message: `expected one of ${Object.keys(defaults).join(', ')}; found an unknown parameter`,
          });
      refineWith(ctx, [], () =>
        validateModuleSwitching(
          { ...defaults, ...(cfg.agents[learner] as Partial<ModuleSwitchingParameters>) },
          `agents.${learner}`,
        ),
      );
    }
  });

export type GoNoGoConfig = z.output<typeof goNoGoSchema>;

const PRESETS: Record<string, () => MappingEntry[]> = { 'go-nogo': goNoGoMapping, ...MAPPING_PRESETS };

/** The modulatory system's options of a condition: the mapping, the modulators' parameters, what it removes. */
export function neuromodulationOf(cfg: Pick<GoNoGoConfig, 'mapping' | 'modulators'>, condition: string) {
  let mapping: MappingEntry[];
  if (typeof cfg.mapping === 'string') {
    const preset = PRESETS[cfg.mapping];
    if (!preset)
      throw new ConfigError(
        'mapping',
        `expected a preset (${Object.keys(PRESETS).join(', ')}) or a list of entries; found ${JSON.stringify(cfg.mapping)}`,
      );
    mapping = preset();
  } else mapping = cfg.mapping as unknown as MappingEntry[];
  const defaults = goNoGoModulators();
  const modulators = Object.fromEntries(
    [...new Set([...Object.keys(defaults), ...Object.keys(cfg.modulators)])].map((m) => [
      m,
      { ...defaults[m], ...cfg.modulators[m] },
    ]),
  );
  return { mapping, modulators, removed: removedBy(condition) };
}
