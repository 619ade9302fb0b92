import { z } from 'zod';
import { experimentFields } from '../../config.js';
import { directions, v1ModelFields } from './model.js';

const ms = z.number().int().positive();
const scales = z.array(z.number().int().min(200).max(230924)).min(1);

/** What `--quick` replaces: smaller networks, shorter windows, fewer fit iterations. */
const quickFields = z.strictObject({
  neurons: scales.default([1000, 2000]),
  fitIterations: z.number().int().min(0).default(8),
  spontaneousMs: ms.default(2000),
  gratingMs: ms.default(1000),
});

/**
 * The V1 model's firing rates against the Neuropixels targets: per scale, the background and LGN weights are fitted
 * on a column built from `seed`, then a column built from `task.measureSeed` is measured on a gray screen and through
 * drifting gratings.
 */
export const v1RatesSchema = z.strictObject({
  ...experimentFields,
  task: z.strictObject({
    kind: z.literal('v1-rates'),
    /** Network sizes, smallest first; the summary's top-level figures are the last one's. */
    neurons: scales.default([5000, 20000]),
    /** The measured column's seed (default: the experiment's seed + 1). */
    measureSeed: z.number().int().min(0).max(0xffffffff).optional(),
  }),
  ...v1ModelFields,
  measure: z
    .strictObject({
      settleMs: ms.default(300),
      spontaneousMs: ms.default(5000),
      directionsDeg: directions.default([0, 45, 90, 135, 180, 225, 270, 315]),
      /** Neurons with fewer spikes over all gratings get no OSI. */
      osiMinSpikes: z.number().int().min(1).default(10),
      /** Each grating's duration (the recordings': 2 s) and the gray before each (not counted). */
      gratingMs: ms.default(2000),
      grayGapMs: ms.default(500),
    })
    .default({
      settleMs: 300,
      spontaneousMs: 5000,
      directionsDeg: [0, 45, 90, 135, 180, 225, 270, 315],
      osiMinSpikes: 10,
      gratingMs: 2000,
      grayGapMs: 500,
    }),
  quick: quickFields.default({
    neurons: [1000, 2000],
    fitIterations: 8,
    spontaneousMs: 2000,
    gratingMs: 1000,
  }),
});

export type V1RatesConfig = z.output<typeof v1RatesSchema>;

export function quickV1Rates(cfg: V1RatesConfig): V1RatesConfig {
  const q = cfg.quick;
  return {
    ...cfg,
    name: `${cfg.name}-quick`,
    task: { ...cfg.task, neurons: q.neurons },
    fit: { ...cfg.fit, iterations: q.fitIterations },
    measure: { ...cfg.measure, spontaneousMs: q.spontaneousMs, gratingMs: q.gratingMs },
  };
}
