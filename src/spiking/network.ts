import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fsx.js';
import { ConfigError, NeuroplastError } from '../util/errors.js';
import { requirePositive } from './params.js';
import { LifGroup, type CellType, type LifParameters } from './neurons.js';
import { PoissonGroup, SpikeSourceArray } from './inputs.js';
import { Projection, type ProjectionOptions } from './projection.js';
/** A synaptic plasticity rule attached to a projection, stepped after each step's propagation. */
export interface PlasticityRule {
  attach(projection: Projection): void;
  step(preSpikes: Int32Array, postSpikes: Int32Array): void;
}

/** A population that integrates synaptic input (LIF, adaptive LIF, Izhikevich): what projections can target. */
export interface NeuronPopulation {
  readonly name: string;
  readonly size: number;
  readonly exc: Float32Array;
  readonly inh: Float32Array;
  readonly v: Float32Array;
  readonly dtMs: number;
  spikes: Int32Array;
  step(): void;
}

export type SpikeSource = NeuronPopulation | PoissonGroup | SpikeSourceArray;

const isPopulation = (g: SpikeSource): g is NeuronPopulation => 'exc' in g;

interface Wiring {
  projection: Projection;
  source: SpikeSource;
  /** An input group as target receives no current; its prescribed spikes still drive plasticity. */
  target: SpikeSource;
  plasticity?: PlasticityRule;
}

/** Spikes of one group: parallel arrays of times (ms) and neuron indices. */
export class SpikeMonitor {
  times: number[] = [];
  indices: number[] = [];
  constructor(readonly group: SpikeSource) {}

  record(tMs: number): void {
    for (const i of this.group.spikes) {
      this.times.push(tMs);
      this.indices.push(i);
    }
  }

  /** Mean firing rate over the group and `durationMs`, in Hz. */
  meanRateHz(durationMs: number): number {
    return (1000 * this.times.length) / (this.group.size * durationMs);
  }

  /** Coefficient of variation of inter-spike intervals, averaged over neurons with at least `minSpikes` spikes. */
  meanCvIsi(minSpikes = 3): number {
    const perNeuron = new Map<number, number[]>();
    this.indices.forEach((i, k) => {
      const list = perNeuron.get(i) ?? [];
      list.push(this.times[k]);
      perNeuron.set(i, list);
    });
    const cvs: number[] = [];
    for (const t of perNeuron.values()) {
      if (t.length < minSpikes) continue;
      const isi = t.slice(1).map((x, k) => x - t[k]);
      const m = isi.reduce((a, b) => a + b, 0) / isi.length;
      const sd = Math.sqrt(isi.reduce((s, x) => s + (x - m) ** 2, 0) / isi.length);
      cvs.push(sd / m);
    }
    return cvs.length ? cvs.reduce((a, b) => a + b, 0) / cvs.length : Number.NaN;
  }
}

/** Population rate (Hz) in consecutive bins of `binMs`. */
export class PopulationRateMonitor {
  readonly ratesHz: number[] = [];
  private count = 0;
  private steps = 0;
  private readonly binSteps: number;
  constructor(
    readonly group: SpikeSource,
    readonly binMs: number,
    dtMs: number,
  ) {
    requirePositive('rate monitor', 'binMs', binMs);
    this.binSteps = Math.max(1, Math.round(binMs / dtMs));
  }

  record(): void {
    this.count += this.group.spikes.length;
    if (++this.steps === this.binSteps) {
      this.ratesHz.push((1000 * this.count) / (this.group.size * this.binMs));
      this.count = 0;
      this.steps = 0;
    }
  }
}

/** Samples a state variable of chosen neurons every `everySteps` steps. */
export class StateMonitor {
  readonly timesMs: number[] = [];
  readonly values: Float32Array[] = [];
  constructor(
    readonly group: NeuronPopulation,
    readonly variable: 'v' | 'exc' | 'inh',
    readonly neurons: number[],
    readonly everySteps = 1,
  ) {}

  record(step: number, tMs: number): void {
    if (step % this.everySteps !== 0) return;
    const src = this.group[this.variable];
    this.timesMs.push(tMs);
    this.values.push(Float32Array.from(this.neurons, (i) => src[i]));
  }
}

/**
 * Samples the weights of chosen synapses of a projection, named by (pre, post) so that structural plasticity's
 * rewiring cannot make a sample follow another synapse; a synapse that does not exist (pruned) reads NaN.
 */
export class WeightMonitor {
  readonly timesMs: number[] = [];
  readonly values: Float32Array[] = [];
  constructor(
    readonly projection: Projection,
    readonly synapses: [pre: number, post: number][],
    readonly everySteps = 1,
  ) {
    for (const [i, j] of synapses)
      if (!(
        Number.isInteger(i) &&
        i >= 0 &&
        i < projection.sourceSize &&
        Number.isInteger(j) &&
        j >= 0 &&
        j < projection.targetSize
      ))
        throw new ConfigError(
          `${projection.name} weight monitor`,
          `synapse ${i} -> ${j} is outside ${projection.sourceSize} x ${projection.targetSize}`,
        );
  }

  record(step: number, tMs: number): void {
    if (step % this.everySteps !== 0) return;
    const { rowStart, post, weight } = this.projection;
    this.timesMs.push(tMs);
    this.values.push(
      Float32Array.from(this.synapses, ([i, j]) => {
        for (let k = rowStart[i]; k < rowStart[i + 1]; k++) if (post[k] === j) return weight[k];
        return Number.NaN;
      }),
    );
  }
}

/**
 * A clock-driven network with event-driven spike propagation (BindsNET's Network, Brian2's schedule): each step
 * every LIF group integrates and thresholds, input groups emit, then the spikes of this step are scattered along
 * their projections into per-target delay ring buffers, and each target takes in this step's slot.
 */
export class Network {
  readonly groups: SpikeSource[] = [];
  private readonly wiring: Wiring[] = [];
  private ring = new Map<NeuronPopulation, { exc: Float32Array; inh: Float32Array; slots: number }>();
  readonly spikeMonitors: SpikeMonitor[] = [];
  readonly stateMonitors: StateMonitor[] = [];
  readonly rateMonitors: PopulationRateMonitor[] = [];
  readonly weightMonitors: WeightMonitor[] = [];
  stepCount = 0;
  /** Abort when any LIF group's rate over the last 100 ms exceeds this (runaway activity). */
  maxRateHz = 1000;

  constructor(readonly dtMs: number) {
    requirePositive('network', 'dtMs', dtMs);
  }

  lif(name: string, size: number, params: LifParameters, cellType?: CellType): LifGroup {
    return this.add(new LifGroup(name, size, params, this.dtMs, cellType));
  }

  poisson(name: string, size: number, rateHz: number | Float32Array, seed: number): PoissonGroup {
    return this.add(new PoissonGroup(name, size, rateHz, this.dtMs, seed));
  }

  spikeSource(
    name: string,
    size: number,
    indices: ArrayLike<number>,
    timesMs: ArrayLike<number>,
  ): SpikeSourceArray {
    return this.add(new SpikeSourceArray(name, size, indices, timesMs, this.dtMs));
  }

  /** Adds any population or input (e.g. an AdaptiveLifGroup or IzhikevichGroup built with this network's dt). */
  add<T extends SpikeSource>(g: T): T {
    if (g.dtMs !== this.dtMs)
      throw new ConfigError(
        `${g.name}.dtMs`,
        `group built for dt ${g.dtMs} ms, network steps ${this.dtMs} ms`,
      );
    if (this.groups.some((x) => x.name === g.name))
      throw new ConfigError(g.name, 'a group with this name exists');
    this.groups.push(g);
    return g;
  }

  /**
   * Connects source to target. The target is normally a neuron population; an input group (Poisson, spike array)
   * is allowed too, for plasticity driven by prescribed postsynaptic spike trains: it then receives no input.
   */
  connect(
    source: SpikeSource,
    target: SpikeSource,
    options: ProjectionOptions & { name?: string; plasticity?: PlasticityRule },
  ): Projection {
    const name = options.name ?? `${source.name}->${target.name}`;
    const cellType = (source as { cellType?: CellType }).cellType;
    const sign = options.receptor === 'exc' ? 'excitatory' : 'inhibitory';
    if (cellType && cellType.transmitter !== sign)
      throw new ConfigError(
        `${name}.receptor`,
        `Dale's law: ${source.name} is cell type ${cellType.name} (${cellType.transmitter}), so its synapses cannot target the ${options.receptor} receptor`,
      );
    const projection = new Projection(name, source.size, target.size, this.dtMs, {
      ...options,
      recurrent: options.recurrent ?? source === target,
    });
    options.plasticity?.attach(projection);
    this.wiring.push({ projection, source, target, plasticity: options.plasticity });
    if (isPopulation(target)) this.ring.delete(target);
    return projection;
  }

  monitorSpikes(group: SpikeSource): SpikeMonitor {
    const m = new SpikeMonitor(group);
    this.spikeMonitors.push(m);
    return m;
  }

  monitorWeights(projection: Projection, synapses: [number, number][], everySteps = 1): WeightMonitor {
    const m = new WeightMonitor(projection, synapses, everySteps);
    this.weightMonitors.push(m);
    return m;
  }

  monitorRate(group: SpikeSource, binMs: number): PopulationRateMonitor {
    const m = new PopulationRateMonitor(group, binMs, this.dtMs);
    this.rateMonitors.push(m);
    return m;
  }

  /**
   * Writes every monitor as CSV into `dir` (a run directory): spikes-<group>.csv (t_ms,neuron),
   * rate-<group>.csv (t_ms,rate_hz), state-<group>-<variable>.csv (t_ms, one column per neuron),
   * weights-<projection>.csv (t_ms, one column per sampled synapse "pre->post"). Atomic per file.
   */
  async exportMonitors(dir: string): Promise<string[]> {
    await fsp.mkdir(dir, { recursive: true });
    const files: [string, string][] = [];
    for (const m of this.spikeMonitors)
      files.push([
        `spikes-${m.group.name}.csv`,
        't_ms,neuron\n' + m.times.map((t, k) => `${t.toFixed(4)},${m.indices[k]}\n`).join(''),
      ]);
    for (const m of this.rateMonitors)
      files.push([
        `rate-${m.group.name}.csv`,
        't_ms,rate_hz\n' + m.ratesHz.map((r, k) => `${((k + 1) * m.binMs).toFixed(4)},${r}\n`).join(''),
      ]);
    for (const m of this.stateMonitors)
      files.push([
        `state-${m.group.name}-${m.variable}.csv`,
        ['t_ms', ...m.neurons.map((i) => `n${i}`)].join(',') +
          '\n' +
          m.timesMs.map((t, k) => [t.toFixed(4), ...m.values[k]].join(',') + '\n').join(''),
      ]);
    for (const m of this.weightMonitors)
      files.push([
        `weights-${m.projection.name.replace(/[^A-Za-z0-9._-]/g, '_')}.csv`,
        ['t_ms', ...m.synapses.map(([i, j]) => `${i}->${j}`)].join(',') +
          '\n' +
          m.timesMs.map((t, k) => [t.toFixed(4), ...m.values[k]].join(',') + '\n').join(''),
      ]);
    for (const [name, text] of files) await writeFileAtomic(join(dir, name), text);
    return files.map(([name]) => join(dir, name));
  }

  monitorState(
    group: LifGroup,
    variable: 'v' | 'exc' | 'inh',
    neurons: number[],
    everySteps = 1,
  ): StateMonitor {
    const m = new StateMonitor(group, variable, neurons, everySteps);
    this.stateMonitors.push(m);
    return m;
  }

  private buffers(target: NeuronPopulation) {
    let b = this.ring.get(target);
    if (!b) {
      const maxDelay = Math.max(
        0,
        ...this.wiring.filter((w) => w.target === target).map((w) => w.projection.maxDelaySteps),
      );
      const slots = maxDelay + 1;
      b = { exc: new Float32Array(slots * target.size), inh: new Float32Array(slots * target.size), slots };
      this.ring.set(target, b);
    }
    return b;
  }

  /** Runs for `durationMs` of simulated time. */
  run(durationMs: number): void {
    const steps = Math.round(durationMs / this.dtMs);
    const lifGroups = this.groups.filter(isPopulation);
    const window = Math.max(1, Math.round(100 / this.dtMs));
    const windowSpikes = new Map<NeuronPopulation, number>(lifGroups.map((g) => [g, 0]));
    for (let s = 0; s < steps; s++) {
      const t = this.stepCount;
      for (const g of this.groups) g.step();
      for (const { projection: p, source, target } of this.wiring) {
        const spikes = source.spikes;
        if (spikes.length === 0 || !isPopulation(target)) continue;
        const { rowStart, post, weight, delaySteps } = p;
        if (p.maxDelaySteps === 0) {
          // No delays: add straight into the target's synaptic variables (after its step, as Brian2 does).
          const dst = p.options.receptor === 'exc' ? target.exc : target.inh;
          for (let s = 0; s < spikes.length; s++) {
            const i = spikes[s];
            for (let k = rowStart[i]; k < rowStart[i + 1]; k++) dst[post[k]] += weight[k];
          }
          continue;
        }
        const b = this.buffers(target);
        const buf = p.options.receptor === 'exc' ? b.exc : b.inh;
        const n = target.size;
        for (let s = 0; s < spikes.length; s++) {
          const i = spikes[s];
          for (let k = rowStart[i]; k < rowStart[i + 1]; k++)
            buf[((t + delaySteps[k]) % b.slots) * n + post[k]] += weight[k];
        }
      }
      // Plasticity after propagation: a spike is transmitted with the weight it found (Brian2's on_pre order).
      for (const w of this.wiring) w.plasticity?.step(w.source.spikes, w.target.spikes);
      for (const g of lifGroups) {
        const b = this.ring.get(g);
        if (b && b.slots > 1) {
          const at = (t % b.slots) * g.size;
          for (let i = 0; i < g.size; i++) {
            g.exc[i] += b.exc[at + i];
            g.inh[i] += b.inh[at + i];
          }
          b.exc.fill(0, at, at + g.size);
          b.inh.fill(0, at, at + g.size);
        }
        windowSpikes.set(g, windowSpikes.get(g)! + g.spikes.length);
      }
      this.stepCount++;
      const tMs = this.stepCount * this.dtMs;
      for (const m of this.spikeMonitors) m.record(tMs);
      for (const m of this.stateMonitors) m.record(this.stepCount, tMs);
      for (const m of this.rateMonitors) m.record();
      for (const m of this.weightMonitors) m.record(this.stepCount, tMs);
      if (this.stepCount % window === 0) {
        for (const g of lifGroups) {
          const rate = (1000 * windowSpikes.get(g)!) / (g.size * window * this.dtMs);
          if (rate > this.maxRateHz)
            throw new NeuroplastError(
              `runaway activity: group ${g.name} fired at ${rate.toFixed(0)} Hz over the last 100 ms (limit maxRateHz ${this.maxRateHz}) at t = ${tMs.toFixed(1)} ms`,
            );
          windowSpikes.set(g, 0);
        }
      }
    }
  }
}
