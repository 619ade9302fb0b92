/** The V1 model as the v1 experiments build and fit it: the config fields they share, the build, the fit. */
import { z } from 'zod';
import type { V1Setup } from '../../../cortex/index.js';

const ms = z.number().int().positive();
export const directions = z.array(z.number().min(0).lt(360)).min(1);

/** The fields of an experiment file that describe the model and its fit (spread into each v1 kind's schema). */
export const v1ModelFields = {
  /** Independent Poisson background per neuron (Hz); its weight per class is fitted. */
  backgroundHz: z.number().positive().default(1000),
  /** The background weights the fit starts from: alone, they hold each class this fraction of the way to threshold. */
  backgroundFraction: z.number().positive().default(0.9),
  /** Log-space spread of each neuron's background weight around its class's (0: all alike). */
  backgroundSpread: z.number().min(0).max(3).default(0),
  lgn: z
    .strictObject({
      tilesX: z.number().int().min(1).max(15).default(5),
      tilesY: z.number().int().min(1).max(10).default(5),
      unitsPerTile: z.number().int().min(14).max(116).default(116),
      /** Diameter of the visual-field disc the column maps onto (deg). */
      rfSpanDeg: z.number().positive().default(25),
      /**
       * LGN connections per L4 Exc neuron (other classes in the successor's proportions) and their base weight (pA),
       * which the fit scales per class: placeholders (docs/cortex.md).
       */
      l4ExcInputs: z.number().int().min(0).default(60),
      weightPa: z.number().positive().default(100),
      /** Rate bins (ms) of the precomputed LGN responses. */
      binMs: z.number().int().min(1).max(10).default(5),
    })
    .default({
      tilesX: 5,
      tilesY: 5,
      unitsPerTile: 116,
      rfSpanDeg: 25,
      l4ExcInputs: 60,
      weightPa: 100,
      binMs: 5,
    }),
  grating: z
    .strictObject({
      sfCpd: z.number().positive().default(0.04),
      tfHz: z.number().positive().default(2),
      contrast: z.number().min(0).max(1).default(0.8),
    })
    .default({ sfCpd: 0.04, tfHz: 2, contrast: 0.8 }),
  fit: z
    .strictObject({
      iterations: z.number().int().min(0).default(12),
      settleMs: ms.default(200),
      measureMs: ms.default(1000),
      /** Gratings shown per iteration to fit the LGN weights, each `gratingMs` long. */
      directionsDeg: directions.default([0, 90]),
      gratingMs: ms.default(500),
      /** Fit each class's mean rate to the recorded mean, or its median to the recorded median. */
      statistic: z.enum(['mean', 'median']).default('mean'),
    })
    .default({
      iterations: 12,
      settleMs: 200,
      measureMs: 1000,
      directionsDeg: [0, 90],
      gratingMs: 500,
      statistic: 'mean',
    }),
};

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- only its type is used
const modelSchema = z.strictObject(v1ModelFields);
export type V1ModelConfig = z.output<typeof modelSchema> & { seed: number };
// The schema's output is the cortex's setup: a field added to one and not the other fails to compile here.
export const SETUP_MATCHES_SCHEMA: V1ModelConfig extends V1Setup
  ? V1Setup extends V1ModelConfig
    ? true
    : false
  : false = true;

export {
  buildV1Setup as buildV1Experiment,
  fitV1Weights,
  gratingStimuli,
  type V1FittedWeights,
} from '../../../cortex/index.js';
