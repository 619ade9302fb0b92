/**
 * The V1 model as experiments set it up: a column of `neurons` from a seed, its LGN front end, background and LGN
 * weights (fitted, or the fit's starting point), and the fit of those weights to the recorded rates.
 */
import { buildV1Column } from './column.js';
import { fitBackgroundWeights } from './fit.js';
import { buildLgnModel, driftingGrating, lgnRates, type LgnModel, type LgnTables } from './lgn.js';
import { classGlifParameters, describeV1Model, restingBackgroundWeightPa } from './model.js';
import type { V1PlasticityAttachment } from './plasticity.js';
import type { V1Tables } from './tables.js';

/** What an experiment file says of the model and its fit (the v1 task kinds validate it). */
export interface V1Setup {
  seed: number;
  backgroundHz: number;
  backgroundFraction: number;
  backgroundSpread: number;
  lgn: {
    tilesX: number;
    tilesY: number;
    unitsPerTile: number;
    rfSpanDeg: number;
    l4ExcInputs: number;
    weightPa: number;
    binMs: number;
  };
  grating: { sfCpd: number; tfHz: number; contrast: number };
  fit: {
    iterations: number;
    settleMs: number;
    measureMs: number;
    directionsDeg: number[];
    gratingMs: number;
    statistic: 'mean' | 'median';
  };
}

/** Fitted per-class weights: background (pA) and LGN factor. */
export interface V1FittedWeights {
  backgroundWeightPa: number[];
  lgnWeightScale: number[];
}

/** The column, its LGN and the model of `neurons` neurons from `seed` (the fit's starting weights without `weights`). */
export function buildV1Setup(
  tables: V1Tables,
  lgnTables: LgnTables,
  cfg: V1Setup,
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
export function gratingStimuli(lgn: LgnModel, cfg: V1Setup, directionsDeg: number[], durationMs: number) {
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
  cfg: V1Setup,
  neurons: number,
  onIteration: (iteration: number, error: number) => void,
): V1FittedWeights & { bestIteration: number; error: number } {
  const fitting = buildV1Setup(tables, lgnTables, cfg, neurons, cfg.seed);
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
