/** The V1 model as the v1 experiments build and fit it: the config fields they share, the build, the fit. */
import { z } from 'zod';
import {
  buildLgnModel,
  buildV1Column,
  classGlifParameters,
  describeV1Model,
  driftingGrating,
  fitBackgroundWeights,
  lgnRates,
  restingBackgroundWeightPa,
  type LgnModel,
  type LgnTables,
  type V1PlasticityAttachment,
  type V1Tables,
} from '../../../cortex/index.js';

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

/** Fitted per-class weights: background (pA) and LGN factor. */
export interface V1FittedWeights {
  backgroundWeightPa: number[];
  lgnWeightScale: number[];
}

/** The column, its LGN and the model of `neurons` neurons from `seed` (the fit's starting weights without `weights`). */
export function buildV1Experiment(
  tables: V1Tables,
  lgnTables: LgnTables,
  cfg: V1ModelConfig,
  neurons: number,
  seed: number,
  weights?: V1FittedWeights,
  plasticity?: V1PlasticityAttachment[],
) {
  const column = buildV1Column(tables, { neurons, seed });
  const lgn = buildLgnModel(lgnTables, {
    seed,
    tilesX: cfg.lgn.tilesX,
    tilesY: cfg.lgn.tilesY,
    unitsPerTile: cfg.lgn.unitsPerTile,
  });
  const model = describeV1Model(tables, column, {
    backgroundHz: cfg.backgroundHz,
    backgroundSpread: cfg.backgroundSpread,
    backgroundWeightPa:
      weights?.backgroundWeightPa ??
      classGlifParameters(tables).map((p) =>
        restingBackgroundWeightPa(p, cfg.backgroundHz, cfg.backgroundFraction),
      ),
    lgn: {
      model: lgn,
      targets: { l4ExcInputsPerNeuron: cfg.lgn.l4ExcInputs, baseWeightPa: cfg.lgn.weightPa },
      wiring: { rfSpanDeg: cfg.lgn.rfSpanDeg },
      weightScale: weights?.lgnWeightScale,
    },
    plasticity,
  });
  return { column, lgn, model };
}

/** The LGN's rates for drifting gratings of the config's kind, one per direction. */
export function gratingStimuli(
  lgn: LgnModel,
  cfg: V1ModelConfig,
  directionsDeg: number[],
  durationMs: number,
) {
  return directionsDeg.map((d) => ({
    directionDeg: d,
    rates: lgnRates(
      lgn,
      driftingGrating({
        orientationDeg: d,
        sfCpd: cfg.grating.sfCpd,
        tfHz: cfg.grating.tfHz,
        contrast: cfg.grating.contrast,
        durationMs,
      }),
      { binMs: cfg.lgn.binMs },
    ),
  }));
}

/**
 * Fits each class's background weight to the recorded gray-screen mean (or median, `fit.statistic`) and its LGN factor
 * to the recorded ratio of grating to gray-screen means (or medians), on a column built from the config's seed.
 */
export function fitV1Weights(
  tables: V1Tables,
  lgnTables: LgnTables,
  cfg: V1ModelConfig,
  neurons: number,
  onIteration: (iteration: number, error: number) => void,
): V1FittedWeights & { bestIteration: number; error: number } {
  const fitting = buildV1Experiment(tables, lgnTables, cfg, neurons, cfg.seed);
  const stimuli = gratingStimuli(fitting.lgn, cfg, cfg.fit.directionsDeg, cfg.fit.gratingMs);
  const fit = fitBackgroundWeights(fitting.model, {
    targetsHz: tables.rates.map((r) => r.spontaneous[cfg.fit.statistic]),
    stimulus: {
      rates: stimuli.map((s) => s.rates),
      targetsHz: tables.rates.map((r) => r.gratings[cfg.fit.statistic]),
    },
    statistic: cfg.fit.statistic,
    iterations: cfg.fit.iterations,
    settleMs: cfg.fit.settleMs,
    measureMs: cfg.fit.measureMs,
    onIteration: (r) => onIteration(r.iteration, r.error),
  });
  const best = fit.history.reduce((a, b) => (b.error < a.error ? b : a));
  return {
    backgroundWeightPa: fit.model.classes.map((c) => c.backgroundWeightPa),
    lgnWeightScale: fit.model.lgn!.weightScale,
    bestIteration: best.iteration,
    error: best.error,
  };
}
