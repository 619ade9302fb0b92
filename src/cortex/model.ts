import { ConfigError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import {
  Glif3Group,
  Network,
  type Glif3Parameters,
  type Monitor,
  type PoissonGroup,
  type Projection,
  type SpikeSource,
} from '../spiking/index.js';
import type { V1Column } from './column.js';
import { LgnPoissonSource, lgnTargets, type LgnModel, type LgnTargetOptions } from './lgn.js';
import { lgnConnections, spontaneousLgnRates, type LgnPathway, type LgnWiringOptions } from './lgn-wiring.js';
import { resolvePlasticity, type V1PlasticityAttachment } from './plasticity.js';
import { V1_CLASS_COUNT, type V1Tables } from './tables.js';

export interface V1ModelOptions {
  /** Simulation step (ms); Billeh's point model ran at 0.25. */
  dtMs?: number;
  /** Per-neuron threshold spread: offsets drawn from N(0, sd) (mV), clipped to +-3 sd. */
  thresholdSdMv?: number;
  /** Independent Poisson background per neuron: its rate and, per class, its weight (pA). */
  backgroundHz?: number;
  backgroundWeightPa?: number[];
  /**
   * Per-neuron spread of the background weight: each neuron's weight is the class's times a log-normal factor of mean 1
   * and this log-space standard deviation (default 0: every neuron of a class alike).
   */
  backgroundSpread?: number;
  /**
   * Per class pair (index pre * 17 + post), a factor on the column's weights (the scaling step); default
   * `transmitterScale(classes, DEFAULT_SCALE)`.
   */
  weightScale?: number[];
  /** Plasticity rules per class pair or group of pairs (default none: every synapse fixed). */
  plasticity?: V1PlasticityAttachment[];
  /** An LGN front end feeding the column (absent: background input only). */
  lgn?: {
    model: LgnModel;
    targets?: LgnTargetOptions;
    wiring?: Omit<LgnWiringOptions, 'seed'>;
    /** Per class, a factor on its LGN base weight (the fitted scaling step); default 1 for every class. */
    weightScale?: number[];
    /** LGN -> V1 delay (ms); default 1. */
    delayMs?: number;
  };
}

/** The LGN part of a model: its units, the connections onto each class, and each class's weight factor. */
export interface V1LgnInput {
  model: LgnModel;
  pathways: LgnPathway[];
  weightScale: number[];
  delayMs: number;
}

/**
 * Our default scaling of Billeh's class-mean weights, chosen by hand: with them unscaled the column runs away
 * (recurrent excitation dominates the class-mean inhibitory weights); excitatory x 0.3 and inhibitory x 3 give
 * spontaneous activity that the background fit brings to the recorded rates (docs/cortex.md).
 */
export const DEFAULT_SCALE = { excitatory: 0.3, inhibitory: 3 };

/** A weight factor per class pair from the presynaptic class's transmitter. */
export function transmitterScale(
  classes: readonly { ei: 'E' | 'I' }[],
  scale: { excitatory: number; inhibitory: number },
): number[] {
  const n = classes.length;
  return Array.from({ length: n * n }, (_, k) =>
    classes[Math.floor(k / n)].ei === 'E' ? scale.excitatory : scale.inhibitory,
  );
}

/** One class as the network runs it: GLIF3 parameters, per-neuron threshold offsets, its background. */
export interface V1ClassModel {
  name: string;
  ei: 'E' | 'I';
  size: number;
  params: Glif3Parameters;
  thresholdOffsetMv: Float32Array;
  backgroundWeightPa: number;
  /** Per neuron, the factor on the class's background weight. */
  backgroundFactor: Float32Array;
}

/**
 * The V1 model as a description (Brian2's separation of description and execution): the column's neurons and
 * connections, each class's GLIF3 parameters and background. `buildV1Network` runs it in neuroplast; the Brian2
 * export writes the same description as a standalone script.
 */
export interface V1Model {
  dtMs: number;
  seed: number;
  backgroundHz: number;
  classes: V1ClassModel[];
  column: V1Column;
  weightScale: number[];
  lgn: V1LgnInput | null;
  plasticity: V1PlasticityAttachment[];
}

/**
 * The background weight (pA) that alone holds a class's mean potential at `fraction` of the way from rest to
 * threshold: an alpha current of peak w at rate R carries w e tau per spike, so the mean current is R w e tau and
 * the mean depolarisation that over gLeak. A starting point for the fit to the recorded rates.
 */
export function restingBackgroundWeightPa(p: Glif3Parameters, backgroundHz: number, fraction = 0.9): number {
  const currentPa = fraction * (p.vThreshMv - p.eLeakMv) * p.gLeakNs;
  return currentPa / ((backgroundHz / 1000) * Math.E * p.tauExcMs);
}

/** Each class's GLIF3 parameters from the tables: class means; excitatory synapses take the external input's tau. */
export function classGlifParameters(tables: V1Tables): Glif3Parameters[] {
  return tables.glif.map((g) => {
    const times = tables.synapticTimes.filter((t) => t.classId === g.classId);
    const tau = (sources: string[]) => {
      const chosen = times.filter((t) => sources.includes(t.source));
      return chosen.reduce((s, t) => s + t.tauSynMs, 0) / chosen.length;
    };
    return {
      cmPf: g.cmPf,
      gLeakNs: g.gLeakNs,
      eLeakMv: g.eLeakMv,
      vThreshMv: g.vThreshMv,
      vResetMv: g.vResetMv,
      refractoryMs: g.refractoryMs,
      ascAmpsPa: g.ascAmpsPa,
      ascDecayPerMs: g.ascDecayPerMs,
      tauExcMs: tau(['exc']),
      tauInhMs: tau(['pv', 'sst', 'vip']),
    };
  });
}

/** The model of a built column: parameters from the tables, threshold offsets drawn from `column.seed`. */
export function describeV1Model(tables: V1Tables, column: V1Column, opts: V1ModelOptions = {}): V1Model {
  const dtMs = opts.dtMs ?? 0.25;
  const backgroundHz = opts.backgroundHz ?? 1000;
  const sd = opts.thresholdSdMv ?? 1;
  if (!(dtMs > 0 && dtMs <= 1)) throw new ConfigError('dtMs', `expected a step in (0, 1] ms, found ${dtMs}`);
  if (!(backgroundHz > 0))
    throw new ConfigError('backgroundHz', `expected a rate > 0, found ${backgroundHz}`);
  if (!(sd >= 0)) throw new ConfigError('thresholdSdMv', `expected a spread >= 0, found ${sd}`);
  const spread = opts.backgroundSpread ?? 0;
  if (!(spread >= 0 && spread <= 3))
    throw new ConfigError('backgroundSpread', `expected a log-space spread in [0, 3], found ${spread}`);
  const params = classGlifParameters(tables);
  const weights = opts.backgroundWeightPa ?? params.map((p) => restingBackgroundWeightPa(p, backgroundHz));
  if (weights.length !== V1_CLASS_COUNT || weights.some((w) => !(w >= 0)))
    throw new ConfigError(
      'backgroundWeightPa',
      `expected ${V1_CLASS_COUNT} weights >= 0, found ${JSON.stringify(weights)}`,
    );
  const weightScale = opts.weightScale ?? transmitterScale(tables.classes, DEFAULT_SCALE);
  if (weightScale.length !== V1_CLASS_COUNT ** 2 || weightScale.some((w) => !(w >= 0)))
    throw new ConfigError('weightScale', `expected ${V1_CLASS_COUNT ** 2} factors >= 0 (one per class pair)`);
  const classes = column.classes.map((c, id): V1ClassModel => {
    const rng = new Rng(column.seed, 500 + id);
    const offsets = new Float32Array(c.size);
    for (let i = 0; i < c.size; i++) offsets[i] = sd * Math.max(-3, Math.min(3, rng.normal()));
    const factorRng = new Rng(column.seed, 700 + id);
    const backgroundFactor = new Float32Array(c.size).fill(1);
    if (spread > 0)
      for (let i = 0; i < c.size; i++)
        backgroundFactor[i] = Math.exp(spread * factorRng.normal() - (spread * spread) / 2);
    return {
      name: c.name,
      ei: c.ei,
      size: c.size,
      params: params[id],
      thresholdOffsetMv: offsets,
      backgroundWeightPa: weights[id],
      backgroundFactor,
    };
  });
  const lgn = describeLgnInput(tables, column, opts.lgn);
  const plasticity = opts.plasticity ?? [];
  resolvePlasticity(column, lgn !== null, plasticity);
  return { dtMs, seed: column.seed, backgroundHz, classes, column, weightScale, lgn, plasticity };
}

function describeLgnInput(tables: V1Tables, column: V1Column, o: V1ModelOptions['lgn']): V1LgnInput | null {
  if (!o) return null;
  const weightScale = o.weightScale ?? new Array<number>(V1_CLASS_COUNT).fill(1);
  if (weightScale.length !== V1_CLASS_COUNT || weightScale.some((w) => !(w >= 0)))
    throw new ConfigError('lgn.weightScale', `expected ${V1_CLASS_COUNT} factors >= 0 (one per class)`);
  const delayMs = o.delayMs ?? 1;
  if (!(delayMs >= 0)) throw new ConfigError('lgn.delayMs', `expected a delay >= 0 ms, found ${delayMs}`);
  const pathways = lgnConnections(o.model, column, lgnTargets(tables, o.targets), {
    ...o.wiring,
    seed: column.seed,
  });
  return { model: o.model, pathways, weightScale, delayMs };
}

/** The model with other per-class weights: background (pA) and, where it has an LGN, LGN factors. */
export function withClassWeights(
  model: V1Model,
  backgroundWeightPa: readonly number[],
  lgnWeightScale?: readonly number[],
): V1Model {
  return {
    ...model,
    classes: model.classes.map((c, id) => ({ ...c, backgroundWeightPa: backgroundWeightPa[id] })),
    lgn: model.lgn && lgnWeightScale ? { ...model.lgn, weightScale: [...lgnWeightScale] } : model.lgn,
  };
}

/** A V1 model running in a `Network`: one GLIF3 group and one background per class, one projection per pathway. */
export interface V1Network {
  net: Network;
  groups: Glif3Group[];
  background: PoissonGroup[];
  projections: Projection[];
  /** The LGN's spikes (set its rates to show a stimulus) and its projection onto each class; null without an LGN. */
  lgn: LgnPoissonSource | null;
  lgnProjections: (Projection | null)[];
  counter: SpikeCounter;
}

/** Counts each neuron's spikes (per group) since the last `reset`: rates per class and per neuron in bounded memory. */
export class SpikeCounter implements Monitor {
  readonly counts: Uint32Array[];
  private sinceMs = 0;
  private nowMs = 0;
  constructor(readonly groups: readonly SpikeSource[]) {
    this.counts = groups.map((g) => new Uint32Array(g.size));
  }
  record(_step: number, tMs: number): void {
    this.nowMs = tMs;
    for (let k = 0; k < this.groups.length; k++) {
      const c = this.counts[k];
      for (const i of this.groups[k].spikes) c[i]++;
    }
  }
  reset(): void {
    for (const c of this.counts) c.fill(0);
    this.sinceMs = this.nowMs;
  }
  /** Time counted since the last reset (ms). */
  get windowMs(): number {
    return this.nowMs - this.sinceMs;
  }
  /** Mean rate of each group (Hz) over the window. */
  groupRatesHz(): number[] {
    const s = this.windowMs / 1000;
    return this.counts.map((c) => c.reduce((a, b) => a + b, 0) / c.length / s);
  }
  /** Each neuron's rate (Hz) over the window, per group. */
  neuronRatesHz(): Float32Array[] {
    const s = this.windowMs / 1000;
    return this.counts.map((c) => Float32Array.from(c, (n) => n / s));
  }
  csvFiles(): [string, string][] {
    const rates = this.groupRatesHz();
    return [
      [
        'class-rates.csv',
        'group,rate_hz\n' + this.groups.map((g, k) => `${g.name},${rates[k]}`).join('\n') + '\n',
      ],
    ];
  }
}

/** Builds the network of a model description; every random draw follows the model's seed. */
export function buildV1Network(model: V1Model): V1Network {
  const net = new Network(model.dtMs);
  const rules = resolvePlasticity(model.column, model.lgn !== null, model.plasticity);
  const groups = model.classes.map((c) => {
    const g = net.add(
      new Glif3Group(c.name, c.size, c.params, model.dtMs, {
        name: c.name,
        transmitter: c.ei === 'E' ? 'excitatory' : 'inhibitory',
      }),
    );
    g.thresholdOffsetMv.set(c.thresholdOffsetMv);
    return g;
  });
  const background = model.classes.map((c, id) => {
    const source = net.poisson(
      `${c.name} background`,
      c.size,
      model.backgroundHz,
      model.seed * 1000 + 17 + id,
    );
    const neurons = Int32Array.from({ length: c.size }, (_, i) => i);
    const alike = c.backgroundFactor.every((f) => f === 1);
    net.connect(source, groups[id], {
      connector: alike
        ? { kind: 'one-to-one' }
        : {
            kind: 'list',
            pre: neurons,
            post: neurons,
            weights: Float32Array.from(c.backgroundFactor, (f) => f * c.backgroundWeightPa),
          },
      weight: c.backgroundWeightPa,
      receptor: 'exc',
      seed: id,
    });
    return source;
  });
  const projections = model.column.pathways.map((p) => {
    const scale = model.weightScale[p.pre * V1_CLASS_COUNT + p.post];
    const weights = scale === 1 ? p.weightPa : p.weightPa.map((w) => w * scale);
    return net.connect(groups[p.pre], groups[p.post], {
      connector: { kind: 'list', pre: p.preIndex, post: p.postIndex, weights },
      weight: 0,
      delayMs: p.delayMs,
      receptor: p.excitatory ? 'exc' : 'inh',
      seed: p.pre * V1_CLASS_COUNT + p.post,
      plasticity: rules.get(p.pre * V1_CLASS_COUNT + p.post)?.(),
    });
  });
  const lgn = model.lgn
    ? net.add(
        new LgnPoissonSource('LGN', spontaneousLgnRates(model.lgn.model), model.dtMs, model.seed * 1000 + 16),
      )
    : null;
  const lgnProjections = (model.lgn?.pathways ?? []).map((p) =>
    p.lgnIndex.length === 0
      ? null
      : net.connect(lgn!, groups[p.post], {
          connector: { kind: 'list', pre: p.lgnIndex, post: p.postIndex },
          weight: p.baseWeightPa * model.lgn!.weightScale[p.post],
          delayMs: model.lgn!.delayMs,
          receptor: 'exc',
          seed: 5000 + p.post,
          plasticity: rules.get(-1 - p.post)?.(),
        }),
  );
  const counter = net.addMonitor(new SpikeCounter(groups));
  return { net, groups, background, projections, lgn, lgnProjections, counter };
}
