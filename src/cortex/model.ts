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
   * Per class pair (index pre * 17 + post), a factor on the column's weights (the scaling step); default
   * `transmitterScale(classes, DEFAULT_SCALE)`.
   */
  weightScale?: number[];
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
    return {
      name: c.name,
      ei: c.ei,
      size: c.size,
      params: params[id],
      thresholdOffsetMv: offsets,
      backgroundWeightPa: weights[id],
    };
  });
  return { dtMs, seed: column.seed, backgroundHz, classes, column, weightScale };
}

/** A V1 model running in a `Network`: one GLIF3 group and one background per class, one projection per pathway. */
export interface V1Network {
  net: Network;
  groups: Glif3Group[];
  background: PoissonGroup[];
  projections: Projection[];
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
    net.connect(source, groups[id], {
      connector: { kind: 'one-to-one' },
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
    });
  });
  const counter = net.addMonitor(new SpikeCounter(groups));
  return { net, groups, background, projections, counter };
}
