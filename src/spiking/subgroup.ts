import { ConfigError } from '../util/errors.js';
import type { CellType, NeuronPopulation, Receptor, SpikeSource } from './types.js';

/**
 * A view of some neurons of a group (Brian2's `P[:3200]`): a contiguous range or a list of indices. Projections,
 * monitors, initialisers, noise and rules accept it wherever they accept a group; it has its own local indices
 * 0..size-1 and shares its parent's state. The network updates `spikes` (local indices) after the parent's step.
 */
export class Subgroup implements SpikeSource {
  readonly kind = 'subgroup';
  readonly size: number;
  readonly dtMs: number;
  /** Parent index of each local neuron. */
  readonly indices: Int32Array;
  /** The first parent index when the view is a contiguous range (then `indices[k] = start + k`), else -1. */
  readonly start: number;
  spikes: Int32Array = new Int32Array(0);
  private readonly spikeBuf: Int32Array;
  /** Local index of each parent neuron, -1 outside the view (indexed views only). */
  private readonly local: Int32Array | null;

  constructor(
    readonly name: string,
    readonly parent: SpikeSource,
    selection: { start: number; end: number } | ArrayLike<number>,
  ) {
    if (parent instanceof Subgroup)
      throw new ConfigError(
        name,
        `a subgroup of the subgroup ${parent.name}: take it from ${parent.parent.name}`,
      );
    this.dtMs = parent.dtMs;
    if ('start' in selection && 'end' in selection && !('length' in selection)) {
      const { start, end } = selection;
      if (!(
        Number.isInteger(start) &&
        Number.isInteger(end) &&
        start >= 0 &&
        end <= parent.size &&
        start < end
      ))
        throw new ConfigError(
          name,
          `expected a range within 0..${parent.size} of ${parent.name}, found ${start}..${end}`,
        );
      this.start = start;
      this.size = end - start;
      this.indices = Int32Array.from({ length: this.size }, (_, k) => start + k);
      this.local = null;
    } else {
      const list = Int32Array.from(selection as ArrayLike<number>);
      if (list.length === 0) throw new ConfigError(name, `expected at least one index of ${parent.name}`);
      this.local = new Int32Array(parent.size).fill(-1);
      list.forEach((i, k) => {
        if (!(Number.isInteger(i) && i >= 0 && i < parent.size))
          throw new ConfigError(
            `${name}[${k}]`,
            `expected an index of ${parent.name} in 0..${parent.size - 1}, found ${i}`,
          );
        if (this.local![i] >= 0) throw new ConfigError(`${name}[${k}]`, `index ${i} appears twice`);
        this.local![i] = k;
      });
      const contiguous = list.every((i, k) => i === list[0] + k);
      this.start = contiguous ? list[0] : -1;
      this.size = list.length;
      this.indices = list;
    }
    this.spikeBuf = new Int32Array(this.size);
  }

  get cellType(): CellType | undefined {
    return (this.parent as { cellType?: CellType }).cellType;
  }

  /** The parent's step moves this view: nothing to do here (the network calls `update`). */
  step(): void {}

  /** Picks this view's spikes out of the parent's latest ones. */
  update(): void {
    const parentSpikes = this.parent.spikes;
    let count = 0;
    if (this.local) {
      for (let s = 0; s < parentSpikes.length; s++) {
        const k = this.local[parentSpikes[s]];
        if (k >= 0) this.spikeBuf[count++] = k;
      }
    } else {
      const start = this.start;
      const end = start + this.size;
      for (let s = 0; s < parentSpikes.length; s++) {
        const i = parentSpikes[s];
        if (i >= start && i < end) this.spikeBuf[count++] = i - start;
      }
    }
    this.spikes = this.spikeBuf.subarray(0, count);
  }
}

/** A group or a view of one, resolved to the population holding the state and the parent indices it covers. */
export function resolveNeurons(target: SpikeSource): { group: SpikeSource; indices: Int32Array | null } {
  return target instanceof Subgroup
    ? { group: target.parent, indices: target.indices }
    : { group: target, indices: null };
}

export const isPopulation = (g: SpikeSource): g is NeuronPopulation => 'exc' in g && 'inh' in g;

/** The receptors of a population: its `receptors` when it lists them, else the standard `exc` and `inh`. */
export function receptorsOf(g: NeuronPopulation): readonly Receptor[] {
  return (
    g.receptors ?? [
      { name: 'exc', transmitter: 'excitatory', input: g.exc },
      { name: 'inh', transmitter: 'inhibitory', input: g.inh },
    ]
  );
}

/**
 * The receptor `name` of the group a projection named `projection` targets (a subgroup's parent), or a one-line
 * ConfigError naming `${projection}.receptor` and listing the receptors the target has. An input group (Poisson,
 * spike array) has the standard two, with no input array: it receives nothing.
 */
export function findReceptor(
  target: SpikeSource,
  name: string,
  projection: string,
): { name: string; transmitter: 'excitatory' | 'inhibitory'; input: Float32Array | null } {
  const group = resolveNeurons(target).group;
  const list: readonly {
    name: string;
    transmitter: 'excitatory' | 'inhibitory';
    input: Float32Array | null;
  }[] = isPopulation(group)
    ? receptorsOf(group)
    : [
        { name: 'exc', transmitter: 'excitatory', input: null },
        { name: 'inh', transmitter: 'inhibitory', input: null },
      ];
  const r = list.find((x) => x.name === name);
  if (!r)
    throw new ConfigError(
      `${projection}.receptor`,
      `expected a receptor of ${target.name} (${list.map((x) => x.name).join(', ')}), found ${JSON.stringify(name)}`,
    );
  return r;
}
