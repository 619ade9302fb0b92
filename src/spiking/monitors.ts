import { ConfigError } from '../util/errors.js';
import { requirePositive } from './params.js';
import type { Projection } from './projection.js';
import type { Monitor, NeuronPopulation, SpikeSource, StateVariable } from './types.js';

const fileSafe = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_');

/** Spikes of one group: parallel arrays of times (ms) and neuron indices. */
export class SpikeMonitor implements Monitor {
  times: number[] = [];
  indices: number[] = [];
  constructor(readonly group: SpikeSource) {}

  record(_step: number, tMs: number): void {
    for (const i of this.group.spikes) {
      this.times.push(tMs);
      this.indices.push(i);
    }
  }

  /** spikes-<group>.csv: t_ms,neuron. */
  csvFiles(): [string, string][] {
    const rows = this.times.map((t, k) => `${t.toFixed(4)},${this.indices[k]}\n`);
    return [[`spikes-${this.group.name}.csv`, 't_ms,neuron\n' + rows.join('')]];
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
export class PopulationRateMonitor implements Monitor {
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

  /** rate-<group>.csv: t_ms (end of each bin),rate_hz. */
  csvFiles(): [string, string][] {
    const rows = this.ratesHz.map((r, k) => `${((k + 1) * this.binMs).toFixed(4)},${r}\n`);
    return [[`rate-${this.group.name}.csv`, 't_ms,rate_hz\n' + rows.join('')]];
  }
}

/** A monitor that samples a vector every `everySteps` steps: one CSV with t_ms and one column per entry. */
export abstract class SampledMonitor implements Monitor {
  readonly timesMs: number[] = [];
  readonly values: Float32Array[] = [];
  constructor(readonly everySteps: number) {}

  protected abstract sample(): Float32Array;
  protected abstract fileName(): string;
  protected abstract columns(): string[];

  record(step: number, tMs: number): void {
    if (step % this.everySteps !== 0) return;
    this.timesMs.push(tMs);
    this.values.push(this.sample());
  }

  csvFiles(): [string, string][] {
    const rows = this.timesMs.map((t, k) => [t.toFixed(4), ...this.values[k]].join(',') + '\n');
    return [[this.fileName(), ['t_ms', ...this.columns()].join(',') + '\n' + rows.join('')]];
  }
}

/** Samples a state variable (v, exc, inh, or any other Float32Array of the population) of chosen neurons. */
export class StateMonitor<G extends NeuronPopulation = NeuronPopulation> extends SampledMonitor {
  constructor(
    readonly group: G,
    readonly variable: StateVariable<G>,
    readonly neurons: number[],
    everySteps = 1,
  ) {
    super(everySteps);
    const src: unknown = group[variable];
    if (!(src instanceof Float32Array))
      throw new ConfigError(`${group.name} state monitor`, `${variable} is not a per-neuron state variable`);
    for (const i of neurons)
      if (!(Number.isInteger(i) && i >= 0 && i < group.size))
        throw new ConfigError(
          `${group.name} state monitor`,
          `neuron ${i} is outside the group of ${group.size}`,
        );
  }

  protected sample(): Float32Array {
    const src = this.group[this.variable] as Float32Array;
    return Float32Array.from(this.neurons, (i) => src[i]);
  }

  /** state-<group>-<variable>.csv: t_ms, n<i> per neuron. */
  protected fileName(): string {
    return `state-${this.group.name}-${this.variable}.csv`;
  }

  protected columns(): string[] {
    return this.neurons.map((i) => `n${i}`);
  }
}

/**
 * Samples the weights of chosen synapses of a projection, named by (pre, post) so that structural plasticity's
 * rewiring cannot make a sample follow another synapse; a synapse that does not exist (pruned) reads NaN.
 */
export class WeightMonitor extends SampledMonitor {
  constructor(
    readonly projection: Projection,
    readonly synapses: [pre: number, post: number][],
    everySteps = 1,
  ) {
    super(everySteps);
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

  protected sample(): Float32Array {
    const { rowStart, post, weight } = this.projection;
    return Float32Array.from(this.synapses, ([i, j]) => {
      for (let k = rowStart[i]; k < rowStart[i + 1]; k++) if (post[k] === j) return weight[k];
      return Number.NaN;
    });
  }

  /** weights-<projection>.csv: t_ms, "pre->post" per sampled synapse. */
  protected fileName(): string {
    return `weights-${fileSafe(this.projection.name)}.csv`;
  }

  protected columns(): string[] {
    return this.synapses.map(([i, j]) => `${i}->${j}`);
  }
}
