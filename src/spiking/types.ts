/**
 * The spiking simulator's extension points. A `Network` steps groups (`SpikeSource`, `NeuronPopulation`), propagates
 * their spikes along projections, steps its modulatory signals (`ModulatorSource`), hands each subscribing rule
 * (`ModulatedRule`) the current values, steps every projection's `PlasticityRule`, then lets its monitors (`Monitor`)
 * record. Anything implementing these interfaces plugs in beside the built-in classes. Types only: this module
 * loads nothing at runtime.
 */
import type { Projection } from './projection.js';

/** Anything that emits spikes each step: an input group (Poisson, spike array) or a neuron population. */
export interface SpikeSource {
  /** Unique within a network; names its monitor files and projections. */
  readonly name: string;
  readonly size: number;
  /** The time step the group was built for; a network only takes groups built for its own step. */
  readonly dtMs: number;
  /** Indices of the neurons that spiked in the last step. */
  readonly spikes: Int32Array;
  /** Advances one step and sets `spikes`. */
  step(): void;
}

/**
 * A cell type: a named parameter set whose cells all release one transmitter (Dale's law: a cell's outgoing
 * synapses share a sign), which the network checks against every projection's receptor.
 */
export interface CellType {
  name: string;
  transmitter: 'excitatory' | 'inhibitory';
}

/**
 * A named synaptic input of a population (a receptor port, as NEST's `receptor_type`): projections targeting it add
 * their weights (nonnegative magnitudes) to `input`, one value per neuron; the neuron model gives the sign, so an
 * inhibitory receptor's current is subtracted. Dale's law compares `transmitter` with the source's cell type.
 */
export interface Receptor {
  readonly name: string;
  readonly transmitter: 'excitatory' | 'inhibitory';
  readonly input: Float32Array;
}

/**
 * A population that integrates synaptic input (LIF, adaptive LIF, Izhikevich): what projections can deliver to.
 * Projections add each spike's weight to `exc` or `inh` (by receptor) after the population's step; the population
 * reads them in its next step and decays them as its synapse model says.
 */
export interface NeuronPopulation extends SpikeSource {
  /** Excitatory and inhibitory synaptic variables, one per neuron (conductance or current, the model's units). */
  readonly exc: Float32Array;
  readonly inh: Float32Array;
  /** Membrane potential (mV). */
  readonly v: Float32Array;
  /** When set, projections from this population must target the receptor of its transmitter. */
  readonly cellType?: CellType;
  /**
   * The receptors of a model with others than the standard two (e.g. NEST glif_psc's ports), every one it has: when
   * present, projections may target exactly these names. An entry named `exc` (excitatory) or `inh` (inhibitory) is
   * the standard receptor and its `input` is the `exc` or `inh` array; a model listing neither keeps `exc` and `inh`
   * only to satisfy this interface, and nothing delivers to them. Absent: the receptors are `exc` and `inh`.
   */
  readonly receptors?: readonly Receptor[];
}

/** The state variables of a population a state monitor can sample: its Float32Array fields (v, exc, inh, w, ...). */
export type StateVariable<G> = {
  [K in keyof G]: G[K] extends Float32Array ? K : never;
}[keyof G] &
  string;

/**
 * A synaptic plasticity rule attached to one projection. The network calls `attach` once at `connect`, then `step`
 * every step after that step's spikes have been propagated (a spike is transmitted with the weight it found, as
 * Brian2's on_pre order), with the source's and the target's spikes of the step. A rule changes
 * `projection.weight` in place; rules with per-synapse state watch `projection.version` (bumped by rewiring).
 */
export interface PlasticityRule {
  /** Names the rule in messages. */
  readonly kind?: string;
  attach(projection: Projection): void;
  step(preSpikes: Int32Array, postSpikes: Int32Array): void;
  /**
   * For rules that update weights lazily: called each learning step after the groups step and before spikes are
   * delivered, with the source's and the target's spikes of the step, so that the spiking rows carry the weight
   * stepping would have given them.
   */
  beforeDelivery?(preSpikes: Int32Array, postSpikes: Int32Array): void;
  /** For lazy rules: brings every weight up to date; called at the end of each learning run. */
  flush?(): void;
}

/**
 * A three-factor rule: it reads named modulatory signals (dopamine, acetylcholine, ...) besides the spikes. Each
 * step, before `step`, the network calls `modulate` with the current value of every signal in `modulatorNames`, in
 * that order; how the values enter the weight change is the rule's own (a gain, a sign, a product of several).
 */
export interface ModulatedRule extends PlasticityRule {
  readonly modulatorNames: readonly string[];
  /** `values[k]` is the current value of the signal `modulatorNames[k]`; the array is reused between steps. */
  modulate(values: Float64Array): void;
}

/**
 * A named modulatory signal (e.g. dopamine), global to a network: stepped once per network step, after the groups
 * and before plasticity, so it may read this step's spikes; `value` is then what every subscribing rule receives.
 */
export interface ModulatorSource {
  readonly name: string;
  readonly value: number;
  /** Advances to network step `step`, which starts at `tMs` and lasts `dtMs`. */
  step(step: number, tMs: number, dtMs: number): void;
}

/** Records something every network step and exports it as CSV files (`Network.exportMonitors`). */
export interface Monitor {
  /** Called after every step: `step` steps are done and the time is `tMs`. */
  record(step: number, tMs: number): void;
  /** The recording as [file name, CSV text] pairs; file names must be unique within a network. */
  csvFiles(): [name: string, text: string][];
}
