import { Rng } from '../util/rng.js';
import { ConfigError } from '../util/errors.js';
import { requirePositive } from './params.js';
import { resolveNeurons } from './subgroup.js';
import type { Projection } from './projection.js';
import type { Monitor, SpikeSource } from './types.js';

/**
 * A monitor or projection name as a file-name part that decodes back to it (`decodeURIComponent`): everything
 * outside [A-Za-z0-9._-] is percent-encoded, so `in->out` becomes `in-%3Eout`.
 */
export const encodeName = (name: string): string =>
  encodeURIComponent(name).replace(/[!'()*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

const labelPart = (label: string) => (label ? `-${encodeName(label)}` : '');

/** Several groups or subgroups seen as one population: neuron k of source s is `offsets[s] + k`. */
class Sources {
  readonly list: SpikeSource[];
  readonly offsets: number[] = [];
  readonly size: number;
  readonly dtMs: number;
  readonly name: string;
  constructor(sources: SpikeSource | readonly SpikeSource[], what: string) {
    this.list = Array.isArray(sources) ? [...(sources as SpikeSource[])] : [sources as SpikeSource];
    if (this.list.length === 0) throw new ConfigError(what, 'expected at least one group');
    let size = 0;
    for (const s of this.list) {
      this.offsets.push(size);
      size += s.size;
    }
    this.size = size;
    this.dtMs = this.list[0].dtMs;
    this.name = this.list.map((s) => s.name).join('+');
  }
}

/**
 * Spikes of one or several groups or subgroups (their neurons numbered one after the other): parallel arrays of
 * times and neuron indices. A spike is stamped at the start of the step in which the neuron crossed threshold
 * (Brian2's convention: step k covers [k dt, (k + 1) dt) and its spikes read k dt).
 */
export class SpikeMonitor implements Monitor {
  /** Added to the file name (`spikes-<name>-<label>.csv`) to tell apart two monitors of the same groups. */
  label = '';
  times: number[] = [];
  indices: number[] = [];
  private readonly sources: Sources;
  /** Start of the first recorded step and end of the last one (ms); NaN before any step. */
  startMs = Number.NaN;
  endMs = Number.NaN;

  constructor(groups: SpikeSource | readonly SpikeSource[]) {
    this.sources = new Sources(groups, 'spike monitor');
  }

  /** The monitored groups, in order. */
  get groups(): readonly SpikeSource[] {
    return this.sources.list;
  }
  /** The first (for a single group, the only) monitored group. */
  get group(): SpikeSource {
    return this.sources.list[0];
  }
  get name(): string {
    return this.sources.name;
  }
  /** Neurons monitored (the sum of the groups' sizes). */
  get size(): number {
    return this.sources.size;
  }
  /** Spikes recorded. */
  get count(): number {
    return this.times.length;
  }
  /** The time recorded so far (ms). */
  get durationMs(): number {
    return Number.isNaN(this.startMs) ? 0 : this.endMs - this.startMs;
  }

  record(step: number, tMs: number): void {
    const dt = this.sources.dtMs;
    const stepStart = (step - 1) * dt;
    if (Number.isNaN(this.startMs)) this.startMs = stepStart;
    this.endMs = tMs;
    const { list, offsets } = this.sources;
    for (let s = 0; s < list.length; s++) {
      const spikes = list[s].spikes;
      const offset = offsets[s];
      for (let k = 0; k < spikes.length; k++) {
        this.times.push(stepStart);
        this.indices.push(offset + spikes[k]);
      }
    }
  }

  /** spikes-<name>.csv: t_ms,neuron (neurons numbered across the groups in order). */
  csvFiles(): [string, string][] {
    const rows = this.times.map((t, k) => `${t.toFixed(4)},${this.indices[k]}\n`);
    return [[`spikes-${encodeName(this.name)}${labelPart(this.label)}.csv`, 't_ms,neuron\n' + rows.join('')]];
  }

  /** Spike count per neuron over [fromMs, toMs) (default: everything recorded). */
  counts(fromMs = -Infinity, toMs = Infinity): Int32Array {
    const c = new Int32Array(this.size);
    for (let k = 0; k < this.times.length; k++) {
      const t = this.times[k];
      if (t >= fromMs && t < toMs) c[this.indices[k]]++;
    }
    return c;
  }

  /** Each neuron's spike times (ms), in order. */
  spikeTrains(): Float64Array[] {
    const c = this.counts();
    const trains = Array.from(c, (n) => new Float64Array(n));
    const fill = new Int32Array(this.size);
    for (let k = 0; k < this.times.length; k++) {
      const i = this.indices[k];
      trains[i][fill[i]++] = this.times[k];
    }
    return trains;
  }

  private window(fromMs?: number, toMs?: number): [number, number] {
    const from = fromMs ?? this.startMs;
    const to = toMs ?? this.endMs;
    if (!(to > from))
      throw new ConfigError(
        `${this.name} spike monitor`,
        `expected a window of positive length, found ${from}..${to} ms`,
      );
    return [from, to];
  }

  /** Each neuron's rate (Hz) over [fromMs, toMs), by default the whole recorded time. */
  ratesHz(fromMs?: number, toMs?: number): Float64Array {
    const [from, to] = this.window(fromMs, toMs);
    return Float64Array.from(this.counts(from, to), (n) => (1000 * n) / (to - from));
  }

  /** Mean rate (Hz) over the neurons in [fromMs, toMs), by default the whole recorded time. */
  rateHz(fromMs?: number, toMs?: number): number {
    const [from, to] = this.window(fromMs, toMs);
    let n = 0;
    for (const t of this.times) if (t >= from && t < to) n++;
    return (1000 * n) / (this.size * (to - from));
  }

  /** Mean firing rate over the neurons, in Hz: over `durationMs` when given, else over the recorded time. */
  meanRateHz(durationMs?: number): number {
    return (1000 * this.times.length) / (this.size * (durationMs ?? this.durationMs));
  }

  /** Coefficient of variation of inter-spike intervals, averaged over neurons with at least `minSpikes` spikes. */
  meanCvIsi(minSpikes = 3): number {
    const cvs: number[] = [];
    for (const t of this.spikeTrains()) {
      if (t.length < minSpikes) continue;
      let m = 0;
      for (let k = 1; k < t.length; k++) m += t[k] - t[k - 1];
      m /= t.length - 1;
      let v = 0;
      for (let k = 1; k < t.length; k++) v += (t[k] - t[k - 1] - m) ** 2;
      cvs.push(Math.sqrt(v / (t.length - 1)) / m);
    }
    return cvs.length ? cvs.reduce((a, b) => a + b, 0) / cvs.length : Number.NaN;
  }
}

/** Population rate (Hz) of one or several groups or subgroups, in consecutive bins of `binMs`. */
export class PopulationRateMonitor implements Monitor {
  /** Added to the file name (`rate-<name>-<label>.csv`). */
  label = '';
  readonly ratesHz: number[] = [];
  /** The bin in progress: spikes and steps so far. */
  pendingSpikes = 0;
  pendingSteps = 0;
  private readonly binSteps: number;
  private readonly sources: Sources;
  constructor(
    groups: SpikeSource | readonly SpikeSource[],
    readonly binMs: number,
    dtMs: number,
  ) {
    requirePositive('rate monitor', 'binMs', binMs);
    this.sources = new Sources(groups, 'rate monitor');
    this.binSteps = Math.max(1, Math.round(binMs / dtMs));
  }

  /** The monitored groups, in order. */
  get groups(): readonly SpikeSource[] {
    return this.sources.list;
  }
  get group(): SpikeSource {
    return this.sources.list[0];
  }
  get name(): string {
    return this.sources.name;
  }

  record(): void {
    for (const g of this.sources.list) this.pendingSpikes += g.spikes.length;
    if (++this.pendingSteps === this.binSteps) {
      this.ratesHz.push((1000 * this.pendingSpikes) / (this.sources.size * this.binMs));
      this.pendingSpikes = 0;
      this.pendingSteps = 0;
    }
  }

  /** rate-<name>.csv: t_ms (end of each bin),rate_hz. */
  csvFiles(): [string, string][] {
    const rows = this.ratesHz.map((r, k) => `${((k + 1) * this.binMs).toFixed(4)},${r}\n`);
    return [[`rate-${encodeName(this.name)}${labelPart(this.label)}.csv`, 't_ms,rate_hz\n' + rows.join('')]];
  }
}

/** A monitor that samples a vector every `everySteps` steps: one CSV with t_ms and one column per entry. */
export abstract class SampledMonitor implements Monitor {
  /** Added to the file name (`weights-<projection>-<label>.csv`) to tell apart two monitors of one thing. */
  label = '';
  readonly timesMs: number[] = [];
  readonly values: Float32Array[] = [];
  constructor(readonly everySteps: number) {
    if (!(Number.isInteger(everySteps) && everySteps >= 1))
      throw new ConfigError('monitor.everySteps', `expected a positive integer, found ${everySteps}`);
  }

  protected abstract sample(): Float32Array;
  protected abstract fileName(): string;
  protected abstract columns(): string[];

  /** Samples after every `everySteps`-th step, stamped with the time then (the end of that step). */
  record(step: number, tMs: number): void {
    if (step % this.everySteps !== 0) return;
    this.timesMs.push(tMs);
    this.values.push(this.sample());
  }

  csvFiles(): [string, string][] {
    const rows = this.timesMs.map((t, k) => [t.toFixed(4), ...this.values[k]].join(',') + '\n');
    return [
      [
        this.fileName().replace(/\.csv$/, labelPart(this.label) + '.csv'),
        ['t_ms', ...this.columns()].join(',') + '\n' + rows.join(''),
      ],
    ];
  }
}

/**
 * Samples a state variable (v, exc, inh, or any other per-neuron Float32Array) of chosen neurons of a group or
 * subgroup (indices local to it), or of all of them.
 */
export class StateMonitor extends SampledMonitor {
  readonly neurons: number[];
  private readonly source: Float32Array;
  private readonly at: Int32Array;
  constructor(
    readonly group: SpikeSource,
    readonly variable: string,
    neurons: number[] | 'all' = 'all',
    everySteps = 1,
  ) {
    super(everySteps);
    const where = `${group.name} state monitor`;
    const { group: holder, indices } = resolveNeurons(group);
    const src: unknown = (holder as unknown as Record<string, unknown>)[variable];
    if (!(src instanceof Float32Array) || src.length !== holder.size)
      throw new ConfigError(where, `${variable} is not a per-neuron state variable`);
    this.neurons = neurons === 'all' ? Array.from({ length: group.size }, (_, i) => i) : [...neurons];
    for (const i of this.neurons)
      if (!(Number.isInteger(i) && i >= 0 && i < group.size))
        throw new ConfigError(where, `neuron ${i} is outside the group of ${group.size}`);
    this.source = src;
    this.at = Int32Array.from(this.neurons, (i) => (indices ? indices[i] : i));
  }

  protected sample(): Float32Array {
    const out = new Float32Array(this.at.length);
    for (let k = 0; k < out.length; k++) out[k] = this.source[this.at[k]];
    return out;
  }

  /** state-<group>-<variable>.csv: t_ms, n<i> per neuron. */
  protected fileName(): string {
    return `state-${encodeName(this.group.name)}-${encodeName(this.variable)}.csv`;
  }

  protected columns(): string[] {
    return this.neurons.map((i) => `n${i}`);
  }
}

/** Which synapses a weight monitor samples: listed (pre, post) pairs, all of them, or a seeded random sample. */
export type SynapseSelection = [pre: number, post: number][] | 'all' | { sample: number; seed: number };

/**
 * Samples the weights of a projection's synapses, named by (pre, post) so that structural plasticity's rewiring
 * cannot make a sample follow another synapse; a synapse that does not exist (pruned) reads NaN.
 */
export class WeightMonitor extends SampledMonitor {
  readonly synapses: [pre: number, post: number][];
  /** Synapse indices of `synapses` in the projection's arrays, valid while its version is `indexedVersion`. */
  private index: Int32Array;
  private indexedVersion: number;

  constructor(
    readonly projection: Projection,
    selection: SynapseSelection,
    everySteps = 1,
  ) {
    super(everySteps);
    const where = `${projection.name} weight monitor`;
    const all = () => {
      const pairs: [number, number][] = [];
      for (let i = 0; i < projection.sourceSize; i++)
        for (let k = projection.rowStart[i]; k < projection.rowStart[i + 1]; k++)
          pairs.push([i, projection.post[k]]);
      return pairs;
    };
    if (selection === 'all') this.synapses = all();
    else if (!Array.isArray(selection)) {
      const { sample, seed } = selection;
      const pairs = all();
      if (!(Number.isInteger(sample) && sample >= 1 && sample <= pairs.length))
        throw new ConfigError(
          `${where}.sample`,
          `expected an integer in 1..${pairs.length}, found ${sample}`,
        );
      const order = new Rng(seed, 29).permutation(pairs.length).subarray(0, sample).sort();
      this.synapses = Array.from(order, (k) => pairs[k]);
    } else this.synapses = selection.map(([i, j]) => [i, j]);
    for (const [i, j] of this.synapses)
      if (!(
        Number.isInteger(i) &&
        i >= 0 &&
        i < projection.sourceSize &&
        Number.isInteger(j) &&
        j >= 0 &&
        j < projection.targetSize
      ))
        throw new ConfigError(
          where,
          `synapse ${i} -> ${j} is outside ${projection.sourceSize} x ${projection.targetSize}`,
        );
    this.index = this.locate();
    this.indexedVersion = projection.version;
  }

  private locate(): Int32Array {
    const { rowStart, post } = this.projection;
    return Int32Array.from(this.synapses, ([i, j]) => {
      for (let k = rowStart[i]; k < rowStart[i + 1]; k++) if (post[k] === j) return k;
      return -1;
    });
  }

  protected sample(): Float32Array {
    if (this.indexedVersion !== this.projection.version) {
      this.index = this.locate();
      this.indexedVersion = this.projection.version;
    }
    const { weight } = this.projection;
    const out = new Float32Array(this.index.length);
    for (let k = 0; k < out.length; k++) out[k] = this.index[k] >= 0 ? weight[this.index[k]] : Number.NaN;
    return out;
  }

  /** weights-<projection>.csv: t_ms, "pre->post" per sampled synapse. */
  protected fileName(): string {
    return `weights-${encodeName(this.projection.name)}.csv`;
  }

  protected columns(): string[] {
    return this.synapses.map(([i, j]) => `${i}->${j}`);
  }
}
