import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import {
  checkClassRates,
  loadLgnTables,
  loadV1Tables,
  meanGratingRates,
  measureV1Responses,
  median,
  orientationSelectivity,
  type ClassRateCheck,
  type LgnTables,
  type V1Tables,
} from '../../../cortex/index.js';
import type { TaskRunContext } from '../../task-kind.js';
import type { V1RatesConfig } from './config.js';
import { buildV1Experiment, fitV1Weights, gratingStimuli } from './model.js';

/** One class's rates as the contract names them, plus the checks behind `classes_in_range`. */
export interface V1ClassRates {
  spontaneous: number;
  gratings: number;
  target_spontaneous: number;
  target_gratings: number;
  range_spontaneous: [number, number];
  range_gratings: [number, number];
  mean_spontaneous: number;
  mean_gratings: number;
  in_range_spontaneous: boolean;
  in_range_gratings: boolean;
  silent: boolean;
  runaway: boolean;
}

/** Excitatory cells of one layer: the median OSI of those that fired during the gratings, and the recorded one. */
export interface V1LayerOsi {
  class: string;
  median: number;
  target: number | null;
  cells: number;
  firing: number;
}

export interface V1ScaleResult {
  neurons: number;
  fitSeed: number;
  measureSeed: number;
  synapses: number;
  lgnUnits: number;
  lgnConnections: number;
  fit: {
    iterations: number;
    bestIteration: number;
    error: number;
    backgroundWeightPa: Record<string, number>;
    lgnWeightScale: Record<string, number>;
  };
  rates: Record<string, V1ClassRates>;
  classes_in_range: { spontaneous: number; gratings: number };
  silent: string[];
  runaway: string[];
  osi: Record<string, V1LayerOsi>;
  seconds: { fit: number; measure: number };
}

export interface V1RatesSummary {
  kind: 'v1-rates';
  name: string;
  seed: number;
  /** The last scale's figures (the contract's). */
  neurons: number;
  rates: Record<string, V1ClassRates>;
  classes_in_range: { spontaneous: number; gratings: number; of: number };
  osi: Record<string, V1LayerOsi>;
  scales: V1ScaleResult[];
}

const byClass = <T>(tables: V1Tables, values: readonly T[]): Record<string, T> =>
  Object.fromEntries(tables.classes.map((c, i) => [c.name, values[i]]));

function toRates(spontaneous: ClassRateCheck, gratings: ClassRateCheck): V1ClassRates {
  return {
    spontaneous: spontaneous.median,
    gratings: gratings.median,
    target_spontaneous: spontaneous.target,
    target_gratings: gratings.target,
    range_spontaneous: spontaneous.range,
    range_gratings: gratings.range,
    mean_spontaneous: spontaneous.mean,
    mean_gratings: gratings.mean,
    in_range_spontaneous: spontaneous.inRange,
    in_range_gratings: gratings.inRange,
    silent: spontaneous.silent || gratings.silent,
    runaway: spontaneous.runaway || gratings.runaway,
  };
}

async function runScale(
  tables: V1Tables,
  lgnTables: LgnTables,
  cfg: V1RatesConfig,
  neurons: number,
  measureSeed: number,
  ctx: TaskRunContext,
): Promise<V1ScaleResult> {
  const log = (line: string) => {
    if (!ctx.quiet) console.log(line);
  };
  const t0 = Date.now();
  const fit = fitV1Weights(tables, lgnTables, cfg, neurons, (iteration, error) => {
    log(`[${neurons} neurons] fit iteration ${iteration}: error ${error.toFixed(3)}`);
    ctx.runDir.appendMetric({ phase: 'fit', neurons, iteration, error });
  });
  const t1 = Date.now();
  const measured = buildV1Experiment(tables, lgnTables, cfg, neurons, measureSeed, fit);
  const responses = measureV1Responses(measured.model, {
    settleMs: cfg.measure.settleMs,
    spontaneousMs: cfg.measure.spontaneousMs,
    gratings: gratingStimuli(measured.lgn, cfg, cfg.measure.directionsDeg, cfg.measure.gratingMs),
    grayGapMs: cfg.measure.grayGapMs,
  });
  const gratingMeans = meanGratingRates(responses);
  const rates = tables.classes.map((_, c) =>
    toRates(
      checkClassRates(responses.spontaneousHz[c], tables.rates[c].spontaneous),
      checkClassRates(gratingMeans[c], tables.rates[c].gratings),
    ),
  );
  const osi: Record<string, V1LayerOsi> = {};
  for (const c of tables.classes.filter((k) => k.ei === 'E')) {
    const values = orientationSelectivity(responses, c.id, cfg.measure.osiMinSpikes);
    osi[c.layer] = {
      class: c.name,
      median: median(values),
      target: tables.rates[c.id].osiMedian,
      cells: values.length,
      firing: values.filter((x) => Number.isFinite(x)).length,
    };
  }
  const names = tables.classes.map((c) => c.name);
  const result: V1ScaleResult = {
    neurons,
    fitSeed: cfg.seed,
    measureSeed,
    synapses: measured.model.column.pathways.reduce((s, p) => s + p.preIndex.length, 0),
    lgnUnits: measured.lgn.size,
    lgnConnections: measured.model.lgn!.pathways.reduce((s, p) => s + p.lgnIndex.length, 0),
    fit: {
      iterations: cfg.fit.iterations,
      bestIteration: fit.bestIteration,
      error: fit.error,
      backgroundWeightPa: byClass(tables, fit.backgroundWeightPa),
      lgnWeightScale: byClass(tables, fit.lgnWeightScale),
    },
    rates: byClass(tables, rates),
    classes_in_range: {
      spontaneous: rates.filter((r) => r.in_range_spontaneous).length,
      gratings: rates.filter((r) => r.in_range_gratings).length,
    },
    silent: names.filter((_, c) => rates[c].silent),
    runaway: names.filter((_, c) => rates[c].runaway),
    osi,
    seconds: { fit: (t1 - t0) / 1000, measure: (Date.now() - t1) / 1000 },
  };
  log(
    `[${neurons} neurons] classes in range: spontaneous ${result.classes_in_range.spontaneous}/17, ` +
      `gratings ${result.classes_in_range.gratings}/17`,
  );
  ctx.runDir.appendMetric({ phase: 'measure', neurons, ...result.classes_in_range });
  return result;
}

/** Each scale in turn; a finished scale is a file under scales/, which `--resume` keeps. */
export async function runV1Rates(cfg: V1RatesConfig, ctx: TaskRunContext): Promise<V1RatesSummary> {
  const tables = await loadV1Tables();
  const lgnTables = await loadLgnTables();
  const measureSeed = cfg.task.measureSeed ?? cfg.seed + 1;
  const scales: V1ScaleResult[] = [];
  const scaleDir = join(ctx.runDir.path, 'scales');
  await fsp.mkdir(scaleDir, { recursive: true });
  const finished = (n: unknown) => existsSync(join(scaleDir, `${String(n)}.json`));
  // A scale interrupted part-way is run again from its start: drop its metrics.
  if (ctx.resume) await ctx.runDir.trimMetrics((r) => finished(r.neurons));
  for (const neurons of cfg.task.neurons) {
    const path = join(scaleDir, `${neurons}.json`);
    if (ctx.resume && existsSync(path)) {
      scales.push(await ctx.runDir.readJson<V1ScaleResult>(path));
      continue;
    }
    const result = await runScale(tables, lgnTables, cfg, neurons, measureSeed, ctx);
    await ctx.runDir.writeJson(path, result);
    scales.push(result);
    ctx.onCheckpoint?.(scales.length);
  }
  const last = scales[scales.length - 1];
  return {
    kind: 'v1-rates',
    name: cfg.name,
    seed: cfg.seed,
    neurons: last.neurons,
    rates: last.rates,
    classes_in_range: { ...last.classes_in_range, of: tables.classes.length },
    osi: last.osi,
    scales,
  };
}
