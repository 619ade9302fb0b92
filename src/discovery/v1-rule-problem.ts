/**
 * The rule-discovery problem: a genome of per-synapse-type Taylor rules, evaluated by running the V1 model through
 * the change-detection task and measuring the six objectives of Ye et al. (ICLR 2026). Registered as the evolution
 * problem `v1-change-detection`, so a search runs it inline, on worker threads or through the Redis queue alike.
 */
import { resolve } from 'node:path';
import { CIFAR10, readCifarBatch } from '../data/index.js';
import { ConfigError, NeuroplastError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { EventTaylorRule, type ConstantModulator } from '../spiking/index.js';
import {
  buildV1Network,
  buildV1Setup,
  driftingGrating,
  grayImageFromBytes,
  lgnRates,
  loadLgnTables,
  loadNeuropixelsUnits,
  loadV1Tables,
  spontaneousLgnRates,
  stillImage,
  V1_CLASS_COUNT,
  type LgnRates,
  type NeuropixelsUnits,
  type V1FittedWeights,
  type V1Model,
  type V1Setup,
  type V1Tables,
} from '../cortex/index.js';
import {
  RuleGenome,
  registerProblem,
  spikingTermGroups,
  type CoefficientSharing,
  type DecodedRule,
  type Problem,
} from '../evolution/index.js';
import {
  CHANGE_DETECTION_DEFAULTS,
  runChangeDetection,
  type ChangeDetectionOptions,
  type ChangeDetectionResult,
  type StimulusDomain,
} from './change-detection.js';
import { classWasserstein, rateDeviation } from './objectives.js';

export const V1_RULE_OBJECTIVES = [
  { name: 'accuracy', direction: 'max' },
  { name: 'active_terms', direction: 'min' },
  { name: 'max_rate_hz', direction: 'min' },
  { name: 'synchrony', direction: 'min' },
  { name: 'rate_deviation', direction: 'min' },
  { name: 'wasserstein_hz', direction: 'min' },
] as const;

/** What an evaluation returns when the network ran away (the guard stopped it): the worst of each objective. */
export const RUNAWAY_PENALTY = { accuracy: 0, synchrony: 1000, rateDeviation: 100, wassersteinHz: 1000 };

/** The problem's options (plain JSON: they travel to worker threads and queue workers). */
export interface V1RuleOptions {
  neurons: number;
  /** The column's seed (its structure is fixed across evaluations; each evaluation's seed draws the noise and trials). */
  networkSeed: number;
  /** The model's setup (experiments give their file's fields). */
  setup: V1Setup;
  /** Fitted weights; absent: the fit's starting weights. */
  weights?: V1FittedWeights;
  task: ChangeDetectionOptions;
  /** Neurons of the L5 Exc readout pool. */
  readoutNeurons: number;
  /** Orientations of the grating domain (deg) and the CIFAR-10 test images of the natural domain. */
  gratingOrientationsDeg: number[];
  naturalImages: number[];
  /** A CIFAR-10 binary batch (default: the shared subset's test batch beside the V1 tables). */
  naturalImageFile?: string;
  imageHeightDeg: number;
  coefficientSharing: CoefficientSharing;
  /** Weight change per unit of a rule term, as a fraction of the synapse type's mean initial weight. */
  learningRate: number;
  /** Each type's weight bound, as a multiple of its largest initial weight. */
  wMaxFactor: number;
  /** The runaway guard: an evaluation stops when a class fires above this rate over 100 ms. */
  maxRateHz: number;
}

export const V1_RULE_DEFAULTS: Omit<V1RuleOptions, 'setup'> = {
  neurons: 3000,
  networkSeed: 1,
  task: CHANGE_DETECTION_DEFAULTS,
  readoutNeurons: 30,
  gratingOrientationsDeg: [0, 22.5, 45, 67.5, 90, 112.5, 135, 157.5],
  naturalImages: [0, 1, 2, 3, 4, 5, 6, 7],
  imageHeightDeg: 25,
  coefficientSharing: 'synapse-type',
  learningRate: 0.02,
  wMaxFactor: 2,
  maxRateHz: 200,
};

/** The study's genome over the model's 17 classes: 25 terms, coefficients per synapse type in 9 trigger x order groups. */
export function v1RuleGenome(
  classNames: readonly string[],
  sharing: CoefficientSharing = 'synapse-type',
): RuleGenome {
  const genome = new RuleGenome({ neuronTypes: [...classNames], coefficientSharing: sharing });
  return new RuleGenome({
    neuronTypes: [...classNames],
    coefficientSharing: sharing,
    termGroups: spikingTermGroups(genome.terms),
  });
}

/** Everything an evaluation reuses: tables, the model description, the stimuli as LGN rates, the readout pool. */
interface Prepared {
  tables: V1Tables;
  units: NeuropixelsUnits;
  model: V1Model;
  genome: RuleGenome;
  domains: StimulusDomain[];
  gray: LgnRates;
  pool: { group: number; neurons: Int32Array };
  /** Per class pair (pre * 17 + post): mean and largest initial weight. */
  typeWeights: Map<number, { mean: number; max: number }>;
}

async function prepare(o: V1RuleOptions, genome: RuleGenome): Promise<Prepared> {
  const [tables, lgnTables] = await Promise.all([loadV1Tables(), loadLgnTables()]);
  const units = await loadNeuropixelsUnits(tables);
  const built = buildV1Setup(tables, lgnTables, o.setup, o.neurons, o.networkSeed, o.weights);
  const { model, lgn } = built;
  const names = model.classes.map((c) => c.name);
  if (names.join() !== CLASS_NAMES.join())
    throw new NeuroplastError(
      `${tables.source}: expected the classes ${CLASS_NAMES.join(', ')}, found ${names.join(', ')}`,
    );
  const binMs = o.setup.lgn.binMs;
  const imageMs = o.task.imageMs;
  const gratings = o.gratingOrientationsDeg.map((deg) =>
    lgnRates(
      lgn,
      driftingGrating({
        orientationDeg: deg,
        sfCpd: o.setup.grating.sfCpd,
        tfHz: 0,
        contrast: o.setup.grating.contrast,
        durationMs: imageMs,
      }),
      { binMs },
    ),
  );
  const file =
    o.naturalImageFile ??
    resolve(tables.dir, '..', 'datasets', 'cifar-10-subset', 'test_batch.first1000.bin');
  const batch = await readCifarBatch(file, CIFAR10);
  const pixels = 3 * 32 * 32;
  const natural = o.naturalImages.map((index, k) => {
    if (!(Number.isInteger(index) && index >= 0 && index < batch.labels.length))
      throw new ConfigError(
        `naturalImages[${k}]`,
        `expected an image index in [0, ${batch.labels.length}) of ${file}, found ${index}`,
      );
    const image = grayImageFromBytes(batch.images.subarray(index * pixels, (index + 1) * pixels), 32, 32, 3);
    return lgnRates(lgn, stillImage(image, imageMs, { heightDeg: o.imageHeightDeg }), { binMs });
  });
  const l5 = names.indexOf('L5 Exc');
  const rng = new Rng(o.networkSeed, 77);
  const size = model.classes[l5].size;
  if (o.readoutNeurons > size)
    throw new ConfigError(
      'readoutNeurons',
      `expected at most the ${size} L5 Exc neurons of this column, found ${o.readoutNeurons}`,
    );
  const neurons = Int32Array.from(rng.permutation(size).slice(0, o.readoutNeurons)).sort();
  const typeWeights = new Map<number, { mean: number; max: number }>();
  for (const p of model.column.pathways) {
    const scale = model.weightScale[p.pre * V1_CLASS_COUNT + p.post];
    let sum = 0;
    let max = 0;
    for (const w of p.weightPa) {
      sum += w * scale;
      max = Math.max(max, w * scale);
    }
    typeWeights.set(p.pre * V1_CLASS_COUNT + p.post, { mean: sum / Math.max(1, p.weightPa.length), max });
  }
  return {
    tables,
    units,
    model,
    genome,
    domains: [
      { name: 'gratings', images: gratings },
      { name: 'natural', images: natural },
    ],
    gray: spontaneousLgnRates(lgn),
    pool: { group: l5, neurons },
    typeWeights,
  };
}

/** What one evaluation measured, beside the objective values. */
export interface V1RuleEvaluation {
  objectives: number[];
  runaway: string | null;
  result: ChangeDetectionResult | null;
}

/**
 * One evaluation: the network with the rule on every connected class pair, through the task, scored. Every-step
 * terms (no spike factor) are rates per second of simulated time and spike-triggered ones changes per spike, so a
 * rule means the same at any step; each type's changes are in units of its mean initial weight x `learningRate`,
 * and its weights stay in [0, wMaxFactor x its largest initial weight] (Dale's law: a projection keeps its sign).
 */
export function evaluateV1Rule(
  p: Prepared,
  o: V1RuleOptions,
  rule: DecodedRule,
  seed: number,
  task = o.task,
): V1RuleEvaluation {
  const names = p.model.classes.map((c) => c.name);
  const dt = p.model.dtMs;
  const tauR = rule.tauRewardMs ?? 50;
  const model: V1Model = {
    ...p.model,
    // The network derives its generators' seeds as seed x 1000 + k: kept within 32 bits.
    seed: (seed >>> 0) % 4_000_000,
    plasticity: [
      {
        pre: '*',
        post: '*',
        rule: (pre, post) => {
          const type = p.typeWeights.get(names.indexOf(pre) * V1_CLASS_COUNT + names.indexOf(post))!;
          const params = p.genome.taylorRule(rule, pre, post, {
            wMax: Math.max(o.wMaxFactor * type.max, 1e-9),
            learningRate: o.learningRate * type.mean,
            modulatorName: 'reward',
          });
          const terms = params.terms.map((t) => ({
            powers: t.powers,
            coefficient: t.powers[0] === 0 && t.powers[1] === 0 ? (t.coefficient * dt) / 1000 : t.coefficient,
          }));
          return new EventTaylorRule({ ...params, terms, tauModulatorMs: Math.max(tauR, dt) });
        },
      },
    ],
  };
  const v = buildV1Network(model);
  v.net.maxRateHz = o.maxRateHz;
  // The task runs in short pieces and reads no weight until learning stops.
  v.net.deferWeightUpdates = true;
  const reward = v.net.modulator('reward', 0) as ConstantModulator;
  const active = p.genome.activeTerms(rule);
  let result: ChangeDetectionResult;
  try {
    result = runChangeDetection(v, p.domains, p.gray, p.pool, reward, task, seed);
  } catch (err) {
    if (err instanceof NeuroplastError && /runaway activity/.test(err.message))
      return {
        objectives: [
          RUNAWAY_PENALTY.accuracy,
          active,
          o.maxRateHz,
          RUNAWAY_PENALTY.synchrony,
          RUNAWAY_PENALTY.rateDeviation,
          RUNAWAY_PENALTY.wassersteinHz,
        ],
        runaway: err.message,
        result: null,
      };
    throw err;
  }
  const accuracies = Object.values(result.accuracy);
  const accuracy = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
  const meanOf = (r: Float32Array) => r.reduce((a, b) => a + b, 0) / Math.max(1, r.length);
  const targets = p.tables.rates;
  // Image periods against the recorded grating rates, gray periods against the spontaneous ones; the mean of both.
  const deviation =
    (rateDeviation(
      result.neuronRatesHz.image.map(meanOf),
      targets.map((t) => t.gratings.mean),
    ) +
      rateDeviation(
        result.neuronRatesHz.gray.map(meanOf),
        targets.map((t) => t.spontaneous.mean),
      )) /
    2;
  const wasserstein =
    (classWasserstein(result.neuronRatesHz.image, p.units.gratingsHz) +
      classWasserstein(result.neuronRatesHz.gray, p.units.spontaneousHz)) /
    2;
  return {
    objectives: [
      accuracy,
      active,
      Math.max(...result.classRatesHz),
      result.synchrony,
      deviation,
      wasserstein,
    ],
    runaway: null,
    result,
  };
}

/** The options with defaults filled in and checked (each field named in errors). */
export function v1RuleOptions(options: Record<string, unknown>, where = 'problem'): V1RuleOptions {
  const o = {
    ...V1_RULE_DEFAULTS,
    ...options,
    task: { ...CHANGE_DETECTION_DEFAULTS, ...(options.task as object) },
  } as V1RuleOptions;
  if (!o.setup || typeof o.setup !== 'object')
    throw new ConfigError(
      `${where}.setup`,
      'expected the model setup (the v1 experiment fields), found none',
    );
  for (const key of ['neurons', 'readoutNeurons'] as const)
    if (!(Number.isInteger(o[key]) && o[key] >= 1))
      throw new ConfigError(`${where}.${key}`, `expected an integer >= 1, found ${JSON.stringify(o[key])}`);
  for (const key of ['learningRate', 'wMaxFactor', 'maxRateHz', 'imageHeightDeg'] as const)
    if (!(typeof o[key] === 'number' && o[key] > 0))
      throw new ConfigError(`${where}.${key}`, `expected a number > 0, found ${JSON.stringify(o[key])}`);
  if (!Array.isArray(o.gratingOrientationsDeg) || o.gratingOrientationsDeg.length < 2)
    throw new ConfigError(
      `${where}.gratingOrientationsDeg`,
      `expected at least 2 orientations, found ${JSON.stringify(o.gratingOrientationsDeg)}`,
    );
  if (!Array.isArray(o.naturalImages) || o.naturalImages.length < 2)
    throw new ConfigError(
      `${where}.naturalImages`,
      `expected at least 2 image indices, found ${JSON.stringify(o.naturalImages)}`,
    );
  return o;
}

/** The problem: genes of `v1RuleGenome`, the six objectives; preparation happens once, at the first evaluation. */
export function v1RuleProblem(
  options: Record<string, unknown>,
  where = 'problem',
): Problem & {
  genome: RuleGenome;
  prepared(): Promise<Prepared>;
  options: V1RuleOptions;
} {
  const o = v1RuleOptions(options, where);
  const genome = v1RuleGenome(CLASS_NAMES, o.coefficientSharing);
  let ready: Promise<Prepared> | null = null;
  const prepared = () => (ready ??= prepare(o, genome));
  return {
    name: 'v1-change-detection',
    low: genome.low,
    high: genome.high,
    objectives: V1_RULE_OBJECTIVES.map((x) => ({ ...x })),
    genome,
    options: o,
    prepared,
    async evaluate(x, seed) {
      const p = await prepared();
      return evaluateV1Rule(p, o, p.genome.decode(x), seed).objectives;
    },
  };
}

/** The 17 classes in table order (the genome's neuron types; checked against the tables at preparation). */
export const CLASS_NAMES = [
  'L1 Htr3a',
  'L2/3 Exc',
  'L2/3 Htr3a',
  'L2/3 Pvalb',
  'L2/3 Sst',
  'L4 Exc',
  'L4 Htr3a',
  'L4 Pvalb',
  'L4 Sst',
  'L5 Exc',
  'L5 Htr3a',
  'L5 Pvalb',
  'L5 Sst',
  'L6 Exc',
  'L6 Htr3a',
  'L6 Pvalb',
  'L6 Sst',
];

registerProblem('v1-change-detection', v1RuleProblem);
