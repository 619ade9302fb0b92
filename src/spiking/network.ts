import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fsx.js';
import { ConfigError, NeuroplastError } from '../util/errors.js';
import { requirePositive } from './params.js';
import { LifGroup, type LifParameters } from './neurons/index.js';
import { PoissonGroup, SpikeSourceArray } from './inputs.js';
import { Projection, type ProjectionOptions } from './projection.js';
import {
  PopulationRateMonitor,
  SpikeMonitor,
  StateMonitor,
  WeightMonitor,
  type SynapseSelection,
} from './monitors.js';
import { Subgroup, findReceptor, isPopulation, receptorsOf, resolveNeurons } from './subgroup.js';
import { initialize, type Initializer } from './initializers.js';
import { createNoise, type NoiseSource, type NoiseSpec } from './noise.js';
import { ConstantModulator, FunctionModulator, isModulatedRule } from './modulators.js';
import type {
  CellType,
  ModulatedRule,
  ModulatorSource,
  Monitor,
  NeuronPopulation,
  PlasticityRule,
  SpikeSource,
  StateVariable,
} from './types.js';

/** Options of `Network.load`. */
export interface NetworkLoadOptions {
  /** The functions of the saved network's `FunctionModulator`s, by signal name (JavaScript is not saved). */
  functions?: Record<string, (tMs: number, step: number) => number>;
}

/** How networks are saved and loaded: persist.ts registers it (it imports this file, so this one cannot import it). */
export interface NetworkPersistence {
  save(net: Network, dir: string): Promise<void>;
  load(dir: string, options?: NetworkLoadOptions): Promise<Network>;
}
let persistence: NetworkPersistence | null = null;
/** Called once by persist.ts when the spiking module loads. */
export function setNetworkPersistence(p: NetworkPersistence): void {
  persistence = p;
}
function requirePersistence(): NetworkPersistence {
  if (!persistence)
    throw new NeuroplastError('saving networks needs neuroplast/spiking (import it, not network.js alone)');
  return persistence;
}

/** Where in a step a network operation runs (see `Network.operation`). */
export type OperationSlot = 'start' | 'before-plasticity' | 'after-plasticity' | 'end';
const OPERATION_SLOTS: readonly OperationSlot[] = ['start', 'before-plasticity', 'after-plasticity', 'end'];

/** A callback run every `everySteps` steps at one point of the step. */
export interface NetworkOperation {
  readonly fn: (tMs: number, step: number) => void;
  readonly when: OperationSlot;
  readonly everySteps: number;
}

function runOperations(ops: NetworkOperation[], tMs: number, step: number): void {
  for (const op of ops) if (step % op.everySteps === 0) op.fn(tMs, step);
}

/**
 * A connection and where its spikes land: the population holding the target (a subgroup's parent), the map, and the
 * receptor's input array (zero delay) or its ring in the population's delay buffer (resolved once per wiring).
 */
interface Delivery {
  connection: Connection;
  population: NeuronPopulation | null;
  map: Int32Array | null;
  /** The target receptor's input array (null for an input group: it receives nothing). */
  input: Float32Array | null;
  /** The receptor's index in the population's receptor list (its lane in the delay buffer). */
  lane: number;
  /** That lane's ring, looked up on the first delayed delivery (the buffer lives until the wiring changes). */
  ring: Float32Array | null;
  /** The delay (steps) every synapse of the projection shares, or -1: checked at each run's start and on rewiring. */
  sharedDelay: number;
  /** The projection version and delay array `sharedDelay` was computed for. */
  checked: { version: number; delays: Uint16Array } | null;
}

/**
 * Adds the weights of the spiking rows' synapses into dst[base + target] (target through `map` for a subgroup).
 * The row end is read once: dst may share a buffer with the CSR arrays as far as the compiler knows.
 */
function scatterRows(
  spikes: Int32Array,
  rowStart: Int32Array,
  post: Int32Array,
  weight: Float32Array,
  map: Int32Array | null,
  dst: Float32Array,
  base: number,
): void {
  if (map)
    for (let s = 0; s < spikes.length; s++) {
      const i = spikes[s];
      const last = rowStart[i + 1];
      for (let k = rowStart[i]; k < last; k++) dst[base + map[post[k]]] += weight[k];
    }
  else
    for (let s = 0; s < spikes.length; s++) {
      const i = spikes[s];
      const last = rowStart[i + 1];
      for (let k = rowStart[i]; k < last; k++) dst[base + post[k]] += weight[k];
    }
}

/** The delay every synapse shares, or -1 when they differ (or there are none). */
function sharedDelaySteps(delays: Uint16Array): number {
  if (delays.length === 0) return -1;
  const d = delays[0];
  for (let k = 1; k < delays.length; k++) if (delays[k] !== d) return -1;
  return d;
}

interface GuardState {
  windowSteps: number;
  groups: NeuronPopulation[];
  counts: Int32Array[];
  sums: Float64Array;
}

/** One projection as wired into a network: its source, its target and its rule. */
export interface Connection {
  readonly projection: Projection;
  readonly source: SpikeSource;
  /** An input group as target receives no current; its prescribed spikes still drive plasticity. */
  readonly target: SpikeSource;
  readonly plasticity?: PlasticityRule;
}

/**
 * Spikes in flight to one population: a ring buffer of `slots` steps per receptor the population has (`exc` and
 * `inh`, or its `receptors`), by receptor name; slot = step % slots, each `slots x size` values.
 */
export interface DelayBuffer {
  readonly slots: number;
  readonly inputs: Readonly<Record<string, Float32Array>>;
}

/** A delay buffer with, per receptor, its ring and the population's input array it drains into. */
interface Ring extends DelayBuffer {
  readonly lanes: readonly { readonly ring: Float32Array; readonly input: Float32Array }[];
}

/** A modulated rule and, in its `modulatorNames` order, the sources it reads and the values handed over. */
interface Route {
  rule: ModulatedRule;
  sources: ModulatorSource[];
  values: Float64Array;
}

/** A rule's name in messages: its kind, and the kinds of the rules it chains. */
function describeRule(rule: PlasticityRule): string {
  const inner = (rule as { rules?: PlasticityRule[] }).rules;
  const kind = rule.kind ?? rule.constructor.name;
  return Array.isArray(inner) ? `${kind} (${inner.map(describeRule).join(', ')})` : kind;
}

/**
 * A clock-driven network with event-driven spike propagation (BindsNET's Network, Brian2's schedule). Each step k
 * (covering [k dt, (k + 1) dt)): `start` operations; noise; every group integrates and thresholds (inputs emit) and
 * subgroups pick their spikes; this step's spikes are scattered along projections (zero delay: straight into the
 * targets' synaptic variables; otherwise into per-target delay ring buffers) and Poisson background is added; the
 * modulatory signals are stepped and handed to the rules that read them; `before-plasticity` operations; every
 * projection's rule; `after-plasticity` operations; each target takes in its delayed input due; monitors record;
 * `end` operations; the runaway guard checks. The parts are the interfaces of types.ts: any `SpikeSource`,
 * `NeuronPopulation`, `PlasticityRule`, `ModulatorSource` or `Monitor` plugs in.
 */
export class Network {
  readonly groups: SpikeSource[] = [];
  private readonly wiring: Connection[] = [];
  /** Every projection with its source, target and rule, in the order connected (a read-only view). */
  readonly connections: readonly Connection[] = this.wiring;
  private ring = new Map<NeuronPopulation, Ring>();
  private readonly monitorList: Monitor[] = [];
  private readonly modulatorList: ModulatorSource[] = [];
  /** Every monitor, recorded after each step and exported in this order (a read-only view: `addMonitor` adds). */
  readonly monitors: readonly Monitor[] = this.monitorList;
  /**
   * The modulatory signals, stepped each step before plasticity (a read-only view: `modulator` adds, refusing a
   * second source of a name).
   */
  readonly modulators: readonly ModulatorSource[] = this.modulatorList;
  private routes: Route[] | null = null;
  private wires: Delivery[] | null = null;
  private readonly operationList: NetworkOperation[] = [];
  /** Network operations in the order added (a read-only view: `operation` adds, `removeOperation` removes). */
  readonly operations: readonly NetworkOperation[] = this.operationList;
  private slots: Record<OperationSlot, NetworkOperation[]> | null = null;
  private readonly subgroupList: Subgroup[] = [];
  /** Views of parts of groups (`subgroup` adds). */
  readonly subgroups: readonly Subgroup[] = this.subgroupList;
  private readonly noiseList: NoiseSource[] = [];
  /** Background noise sources (`noise` adds). */
  readonly noiseSources: readonly NoiseSource[] = this.noiseList;
  private guardState: GuardState | null = null;
  /** Steps done since the network was built. */
  stepCount = 0;
  private learningOn = true;
  /**
   * Whether plasticity rules are stepped (BindsNET's `learning`): false freezes every weight, for testing a network
   * after learning; modulators still step. Turning it off brings lazily updated weights up to date first.
   */
  get learning(): boolean {
    return this.learningOn;
  }
  set learning(on: boolean) {
    if (this.learningOn && !on) this.flushPlasticity();
    this.learningOn = on;
  }
  /**
   * Rules that update weights lazily (`EventTaylorRule`) bring every weight up to date at the end of each `run`,
   * a pass over their synapses. With this set, they do so only when learning is turned off or `flushPlasticity` is
   * called: for tasks that run in many short pieces and read weights rarely.
   */
  deferWeightUpdates = false;
  /**
   * Stop the run when any population's rate over the last `runawayWindowMs` of simulated time exceeds this
   * (runaway activity). The window slides step by step and spans `run` calls, however the run is chunked.
   */
  maxRateHz = 1000;
  runawayWindowMs = 100;

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
    // Times are network times (as Brian2's SpikeGeneratorGroup), also for a group added after the network ran.
    return this.add(new SpikeSourceArray(name, size, indices, timesMs, this.dtMs, this.stepCount));
  }

  /** Adds any population or input (e.g. an AdaptiveLifGroup or IzhikevichGroup built with this network's dt). */
  add<T extends SpikeSource>(g: T): T {
    if (g.dtMs !== this.dtMs)
      throw new ConfigError(
        `${g.name}.dtMs`,
        `group built for dt ${g.dtMs} ms, network steps ${this.dtMs} ms`,
      );
    if (this.groups.some((x) => x.name === g.name) || this.subgroupList.some((x) => x.name === g.name))
      throw new ConfigError(g.name, 'a group or subgroup with this name exists');
    this.groups.push(g);
    return g;
  }

  /**
   * Connects source to target. The target is normally a neuron population; an input group (Poisson, spike array)
   * is allowed too, for plasticity driven by prescribed postsynaptic spike trains: it then receives no input.
   * `options.receptor` names a receptor of the target (`exc`, `inh`, or one of its `receptors`; refused otherwise,
   * listing those it has); with a cell type on the source, the receptor's transmitter must be the cell type's.
   */
  connect(
    source: SpikeSource,
    target: SpikeSource,
    options: ProjectionOptions & { name?: string; plasticity?: PlasticityRule },
  ): Projection {
    const name = options.name ?? `${source.name}->${target.name}`;
    this.requireMember(source, 'connect');
    this.requireMember(target, 'connect');
    const receptor = findReceptor(target, options.receptor, name);
    const cellType = (source as { cellType?: CellType }).cellType;
    if (cellType && cellType.transmitter !== receptor.transmitter)
      throw new ConfigError(
        `${name}.receptor`,
        `Dale's law: ${source.name} is cell type ${cellType.name} (${cellType.transmitter}), so its synapses cannot target the ${receptor.name} receptor (${receptor.transmitter})`,
      );
    const from = resolveNeurons(source);
    const to = resolveNeurons(target);
    // Views of one group may share neurons: a synapse from a neuron onto itself is a self-connection.
    const sameNeuron =
      from.group === to.group && (from.indices || to.indices)
        ? (i: number, j: number) => (from.indices ? from.indices[i] : i) === (to.indices ? to.indices[j] : j)
        : undefined;
    const projection = new Projection(
      name,
      source.size,
      target.size,
      this.dtMs,
      { ...options, recurrent: options.recurrent ?? from.group === to.group },
      sameNeuron,
    );
    options.plasticity?.attach(projection);
    this.wiring.push({ projection, source, target, plasticity: options.plasticity });
    this.routes = null;
    this.wires = null;
    if (isPopulation(to.group)) this.ring.delete(to.group);
    return projection;
  }

  /**
   * Adds a modulatory signal: a source (`ConstantModulator`, `FunctionModulator` or any `ModulatorSource`), or a
   * name with a value (a constant the caller may change through the returned source) or a function of the step's
   * start time and index. Once a network has a modulator, every rule that reads signals (`ModulatedRule`:
   * `RewardModulatedStdp`, `TaylorRule`, chains of them) receives its signals from the sources each step, and a
   * signal no source provides is an error at `run`. A network without modulators leaves rules' `modulator` fields to
   * the caller.
   */
  modulator<T extends ModulatorSource>(source: T): T;
  modulator(name: string, value: number): ConstantModulator;
  modulator(name: string, fn: (tMs: number, step: number) => number): FunctionModulator;
  modulator(
    source: ModulatorSource | string,
    driver?: number | ((tMs: number, step: number) => number),
  ): ModulatorSource {
    const m =
      typeof source !== 'string'
        ? source
        : typeof driver === 'function'
          ? new FunctionModulator(source, driver)
          : new ConstantModulator(source, driver ?? 0);
    if (this.modulators.some((x) => x.name === m.name))
      throw new ConfigError(`modulator ${m.name}`, 'a modulator with this name exists');
    this.modulatorList.push(m);
    this.routes = null;
    return m;
  }

  /** Adds any monitor; it records after every step and `exportMonitors` writes its files. */
  addMonitor<T extends Monitor>(monitor: T): T {
    this.monitorList.push(monitor);
    return monitor;
  }

  /** Records the spikes of a group, a subgroup, or several of them numbered one after the other. */
  monitorSpikes(groups: SpikeSource | readonly SpikeSource[]): SpikeMonitor {
    for (const g of [groups].flat()) this.requireMember(g, 'monitorSpikes');
    return this.addMonitor(new SpikeMonitor(groups));
  }

  /**
   * Samples weights of a projection: listed (pre, post) synapses, `'all'`, or `{ sample: n, seed }` chosen at
   * random; every `every` steps, or `{ everyMs }`.
   */
  monitorWeights(
    projection: Projection,
    synapses: SynapseSelection,
    every: number | { everyMs: number } = 1,
  ): WeightMonitor {
    return this.addMonitor(new WeightMonitor(projection, synapses, this.everySteps(every)));
  }

  /** Population rate of a group, a subgroup or several of them, in bins of `binMs`. */
  monitorRate(groups: SpikeSource | readonly SpikeSource[], binMs: number): PopulationRateMonitor {
    for (const g of [groups].flat()) this.requireMember(g, 'monitorRate');
    return this.addMonitor(new PopulationRateMonitor(groups, binMs, this.dtMs));
  }

  /**
   * Samples a state variable of a population or subgroup (v, exc, inh, or e.g. an adaptive LIF's w or theta) for
   * the listed neurons or `'all'`; every `every` steps, or `{ everyMs }`.
   */
  monitorState<G extends SpikeSource>(
    group: G,
    variable: G extends NeuronPopulation ? StateVariable<G> : string,
    neurons: number[] | 'all' = 'all',
    every: number | { everyMs: number } = 1,
  ): StateMonitor {
    this.requireMember(group, 'monitorState');
    return this.addMonitor(new StateMonitor(group, variable, neurons, this.everySteps(every)));
  }

  private everySteps(every: number | { everyMs: number }): number {
    if (typeof every === 'number') return every;
    requirePositive('monitor', 'everyMs', every.everyMs);
    const steps = Math.round(every.everyMs / this.dtMs);
    if (steps < 1 || Math.abs(steps * this.dtMs - every.everyMs) > 1e-9 * every.everyMs)
      throw new ConfigError(
        'monitor.everyMs',
        `expected a multiple of dt ${this.dtMs} ms, found ${every.everyMs}`,
      );
    return steps;
  }

  /**
   * Writes every monitor's CSV files into `dir` (a run directory), in the order the monitors were added:
   * spikes-<name>.csv (t_ms,neuron), rate-<name>.csv (t_ms,rate_hz), state-<group>-<variable>.csv (t_ms, one
   * column per neuron), weights-<projection>.csv (t_ms, one column per sampled synapse "pre->post"), and
   * monitors.json listing each file with the names it was made from. Names are percent-encoded in file names
   * (`in->out` is `in-%3Eout`), so they decode back exactly. Atomic per file.
   */
  async exportMonitors(dir: string): Promise<string[]> {
    const files = this.monitors.flatMap((m) => m.csvFiles());
    const seen = new Set<string>();
    for (const [name] of files) {
      if (seen.has(name))
        throw new ConfigError(
          `exportMonitors ${dir}`,
          `two monitors write ${name}: set a distinct label on one of them (monitor.label)`,
        );
      seen.add(name);
    }
    await fsp.mkdir(dir, { recursive: true });
    for (const [name, text] of files) await writeFileAtomic(join(dir, name), text);
    const index = files.map(([file]) => ({ file, name: decodeURIComponent(file.replace(/\.csv$/, '')) }));
    await writeFileAtomic(
      join(dir, 'monitors.json'),
      JSON.stringify({ dtMs: this.dtMs, files: index }, null, 2) + '\n',
    );
    return files.map(([name]) => join(dir, name));
  }

  /**
   * Which sources feed which modulated rules: built on the first run after a change of wiring or modulators. With
   * modulators present, a rule reading a signal that none provides is a ConfigError naming both.
   */
  private routing(): Route[] {
    if (this.routes) return this.routes;
    const routes: Route[] = [];
    if (this.modulators.length > 0)
      for (const { projection, plasticity } of this.wiring) {
        if (!plasticity || !isModulatedRule(plasticity) || plasticity.modulatorNames.length === 0) continue;
        const sources = plasticity.modulatorNames.map((name) => {
          const src = this.modulators.find((m) => m.name === name);
          if (!src)
            throw new ConfigError(
              `${projection.name}.plasticity`,
              `${describeRule(plasticity)} reads modulator "${name}", which no source provides (modulators: ${this.modulators.map((m) => m.name).join(', ')}); add one with net.modulator("${name}", ...)`,
            );
          return src;
        });
        routes.push({ rule: plasticity, sources, values: new Float64Array(sources.length) });
      }
    return (this.routes = routes);
  }

  /** The delay buffer of spikes in flight to `target` (created on first use; saving and loading read it). */
  delayBuffer(target: NeuronPopulation): DelayBuffer {
    return this.buffers(target);
  }

  private buffers(target: NeuronPopulation): Ring {
    let b = this.ring.get(target);
    if (!b) {
      const maxDelay = Math.max(
        0,
        ...this.wiring
          .filter((w) => resolveNeurons(w.target).group === target)
          .map((w) => w.projection.maxDelaySteps),
      );
      const slots = maxDelay + 1;
      const lanes = receptorsOf(target).map((r) => ({
        name: r.name,
        ring: new Float32Array(slots * target.size),
        input: r.input,
      }));
      b = {
        slots,
        inputs: Object.fromEntries(lanes.map((l) => [l.name, l.ring])),
        lanes: lanes.map(({ ring, input }) => ({ ring, input })),
      };
      this.ring.set(target, b);
    }
    return b;
  }

  /**
   * Adds a network operation (Brian2's `network_operation`): `fn(tMs, step)` runs every step, or every `everyMs`,
   * at one point of the step: `start` (before the groups step: set inputs), `before-plasticity` (after spikes are
   * delivered and modulators stepped: read this step's spikes, set a rule's third factor), `after-plasticity`
   * (weights of this step known) or `end` (after monitors recorded). `tMs` is the start of the step, `step` its
   * index.
   */
  operation(
    fn: (tMs: number, step: number) => void,
    options: { everyMs?: number; when?: OperationSlot } = {},
  ): NetworkOperation {
    const when = options.when ?? 'start';
    if (!OPERATION_SLOTS.includes(when))
      throw new ConfigError(
        'operation.when',
        `expected one of ${OPERATION_SLOTS.join(', ')}, found ${JSON.stringify(when)}`,
      );
    let everySteps = 1;
    if (options.everyMs !== undefined) {
      requirePositive('operation', 'everyMs', options.everyMs);
      everySteps = Math.round(options.everyMs / this.dtMs);
      if (everySteps < 1 || Math.abs(everySteps * this.dtMs - options.everyMs) > 1e-9 * options.everyMs)
        throw new ConfigError(
          'operation.everyMs',
          `expected a multiple of dt ${this.dtMs} ms, found ${options.everyMs}`,
        );
    }
    const op: NetworkOperation = { fn, when, everySteps };
    this.operationList.push(op);
    this.slots = null;
    return op;
  }

  /** Removes a network operation added by `operation`. */
  removeOperation(op: NetworkOperation): void {
    const at = this.operationList.indexOf(op);
    if (at >= 0) this.operationList.splice(at, 1);
    this.slots = null;
  }

  /**
   * A view of part of a group (Brian2's `P[start:end]` or `P[indices]`) that projections, monitors, initialisers,
   * noise and rules accept as a group; its neurons are numbered from 0.
   */
  subgroup(parent: SpikeSource, start: number, end: number, name?: string): Subgroup;
  subgroup(parent: SpikeSource, indices: ArrayLike<number>, name?: string): Subgroup;
  subgroup(
    parent: SpikeSource,
    selection: number | ArrayLike<number>,
    endOrName?: number | string,
    maybeName?: string,
  ): Subgroup {
    const sub =
      typeof selection === 'number'
        ? new Subgroup(maybeName ?? `${parent.name}[${selection}:${String(endOrName)}]`, parent, {
            start: selection,
            end: endOrName as number,
          })
        : new Subgroup(
            (endOrName as string | undefined) ?? `${parent.name}[${this.subgroupList.length}]`,
            parent,
            selection,
          );
    if (!this.groups.includes(parent))
      throw new ConfigError(
        `subgroup of ${parent.name}`,
        'the parent group is not in this network (add it first)',
      );
    if (this.groups.some((g) => g.name === sub.name) || this.subgroupList.some((g) => g.name === sub.name))
      throw new ConfigError(sub.name, 'a group or subgroup with this name exists');
    this.subgroupList.push(sub);
    return sub;
  }

  /**
   * Sets a state variable (`v`, `exc`, `inh`, `inputPa`, `w`, ...) of a group or subgroup: a number, an array, a
   * described distribution (`{ kind: 'uniform', low, high }`, `{ kind: 'normal', mean, sd }`) or a function of the
   * index and a seeded Rng. Without it, `v` starts at each model's rest (`eLeakMv` for LIF) and the synaptic
   * variables at 0.
   */
  initialize(target: SpikeSource, variable: string, init: Initializer, seed = 0): void {
    this.requireMember(target, 'initialize');
    initialize(target, variable, init, seed);
  }

  /** Sets a state variable in every group of the named cell types (`{ pyramidal: ..., basket: ... }`). */
  initializeByClass(variable: string, perClass: Record<string, Initializer>, seed = 0): void {
    for (const [cls, init] of Object.entries(perClass)) {
      const groups = this.groups.filter((g) => (g as { cellType?: CellType }).cellType?.name === cls);
      if (groups.length === 0)
        throw new ConfigError(
          `initializeByClass.${cls}`,
          `no group has cell type ${cls} (cell types: ${[...new Set(this.groups.map((g) => (g as { cellType?: CellType }).cellType?.name).filter(Boolean))].join(', ') || 'none'})`,
        );
      for (const g of groups) initialize(g, variable, init, seed);
    }
  }

  /**
   * Adds background noise to a group or subgroup: `{ kind: 'ou-current', meanPa, sigmaPa, tauMs, seed }` (an
   * Ornstein-Uhlenbeck current into `inputPa`) or `{ kind: 'poisson', rateHz, count, weight, receptor, seed }`
   * (Poisson background spikes onto a receptor, Brian2's PoissonInput).
   */
  noise(target: SpikeSource, spec: NoiseSpec): NoiseSource {
    this.requireMember(target, 'noise');
    const source = createNoise(target, spec, this.dtMs);
    this.noiseList.push(source);
    return source;
  }

  private requireMember(target: SpikeSource, what: string): void {
    if (!this.groups.includes(target) && !this.subgroupList.includes(target as Subgroup))
      throw new ConfigError(`${what} ${target.name}`, 'the group is not in this network');
  }

  /**
   * Saves the network into directory `dir` (Brian2's `store`, BindsNET's `save`): groups and subgroups with all
   * their state, projections (CSR arrays and delays), spikes in flight, rules, modulators, noise and monitors, in a
   * versioned, checksummed format written atomically. Network operations are code and are not saved: add them
   * again after `load`. A part that cannot be saved is refused before anything is written.
   */
  save(dir: string): Promise<void> {
    return requirePersistence().save(this, dir);
  }

  /** Loads a network `save` wrote; it continues exactly as the saved one would have. */
  static load(dir: string, options: NetworkLoadOptions = {}): Promise<Network> {
    return requirePersistence().load(dir, options);
  }

  /** Simulated time so far (ms). */
  get tMs(): number {
    return this.stepCount * this.dtMs;
  }

  private operationSlots(): Record<OperationSlot, NetworkOperation[]> {
    if (this.slots) return this.slots;
    const slots = Object.fromEntries(OPERATION_SLOTS.map((w) => [w, [] as NetworkOperation[]])) as Record<
      OperationSlot,
      NetworkOperation[]
    >;
    for (const op of this.operationList) slots[op.when].push(op);
    return (this.slots = slots);
  }

  /** The runaway guard's per-population spike counts over the last `runawayWindowMs`, by step. */
  private guard(populations: NeuronPopulation[], windowSteps: number) {
    if (
      !this.guardState ||
      this.guardState.windowSteps !== windowSteps ||
      this.guardState.groups.length !== populations.length
    )
      this.guardState = {
        windowSteps,
        groups: populations,
        counts: populations.map(() => new Int32Array(windowSteps)),
        sums: new Float64Array(populations.length),
      };
    return this.guardState;
  }

  /** Runs for `durationMs` of simulated time. */
  run(durationMs: number): void {
    const steps = Math.round(durationMs / this.dtMs);
    const populations = this.groups.filter(isPopulation);
    const windowSteps = Math.max(1, Math.round(this.runawayWindowMs / this.dtMs));
    const guard = this.guard(populations, windowSteps);
    const routes = this.routing();
    const wires = this.deliveries();
    // Delays may have been edited in place (or loaded) since the last run.
    for (const w of wires) w.checked = null;
    const ops = this.operationSlots();
    // The optional parts are skipped outright when absent: the bare loop is the hot path.
    const [startOps, beforeOps, afterOps, endOps] = OPERATION_SLOTS.map((w) =>
      ops[w].length ? ops[w] : null,
    );
    const subgroups = this.subgroupList.length ? this.subgroupList : null;
    const noise = this.noiseList.length ? this.noiseList : null;
    const modulated = this.modulators.length > 0;
    const groups = this.groups;
    const monitors = this.monitors;
    const lazy = this.wiring.filter((w) => w.plasticity?.beforeDelivery);
    const lazyRules = lazy.length ? lazy : null;
    for (let s = 0; s < steps; s++) {
      const t = this.stepCount;
      const tStart = t * this.dtMs;
      if (startOps) runOperations(startOps, tStart, t);
      if (noise) for (const n of noise) n.beforeStep();
      for (let g = 0; g < groups.length; g++) groups[g].step();
      if (subgroups) for (const sg of subgroups) sg.update();
      if (lazyRules && this.learning)
        for (const w of lazyRules) w.plasticity!.beforeDelivery!(w.source.spikes, w.target.spikes);
      for (let w = 0; w < wires.length; w++) this.deliver(wires[w], t);
      if (noise) for (const n of noise) n.afterStep();
      // Modulatory signals next, then plasticity after propagation: a spike is transmitted with the weight it
      // found (Brian2's on_pre order).
      if (modulated) {
        for (const m of this.modulators) m.step(t, tStart, this.dtMs);
        for (const { rule, sources, values } of routes) {
          for (let k = 0; k < sources.length; k++) values[k] = sources[k].value;
          rule.modulate(values);
        }
      }
      if (beforeOps) runOperations(beforeOps, tStart, t);
      if (this.learning) for (const w of this.wiring) w.plasticity?.step(w.source.spikes, w.target.spikes);
      if (afterOps) runOperations(afterOps, tStart, t);
      const slot = t % windowSteps;
      for (let gi = 0; gi < populations.length; gi++) {
        const g = populations[gi];
        const b = this.ring.get(g);
        if (b && b.slots > 1) {
          const n = g.size;
          const at = (t % b.slots) * n;
          const lanes = b.lanes;
          for (let r = 0; r < lanes.length; r++) {
            const { ring, input } = lanes[r];
            for (let i = 0; i < n; i++) input[i] += ring[at + i];
            ring.fill(0, at, at + n);
          }
        }
        const counts = guard.counts[gi];
        guard.sums[gi] += g.spikes.length - counts[slot];
        counts[slot] = g.spikes.length;
      }
      this.stepCount++;
      const tMs = this.stepCount * this.dtMs;
      for (let m = 0; m < monitors.length; m++) monitors[m].record(this.stepCount, tMs);
      if (endOps) runOperations(endOps, tStart, t);
      if (this.stepCount >= windowSteps) this.checkRunaway(guard, tMs);
    }
    if (this.learning && !this.deferWeightUpdates) this.flushPlasticity();
  }

  /** Brings the weights of lazily updating rules up to date (a pass over their synapses). */
  flushPlasticity(): void {
    for (const w of this.wiring) w.plasticity?.flush?.();
  }

  /** Scatters this step's spikes of one connection into its target (or the target's delay buffer). */
  private deliver(wire: Delivery, t: number): void {
    const { connection, population, map, input } = wire;
    const spikes = connection.source.spikes;
    if (spikes.length === 0 || !population || !input) return;
    const p = connection.projection;
    const { rowStart, post, weight, delaySteps } = p;
    if (p.maxDelaySteps === 0) {
      // No delays: add straight into the target's synaptic variables (after its step, as Brian2 does).
      scatterRows(spikes, rowStart, post, weight, map, input, 0);
      return;
    }
    const b = this.buffers(population);
    const buf = wire.ring ?? (wire.ring = b.lanes[wire.lane].ring);
    const n = population.size;
    const slots = b.slots;
    const now = t % slots;
    const checked = wire.checked;
    if (!checked || checked.version !== p.version || checked.delays !== delaySteps) {
      wire.sharedDelay = sharedDelaySteps(delaySteps);
      wire.checked = { version: p.version, delays: delaySteps };
    }
    if (wire.sharedDelay >= 0) {
      // One delay for the whole projection (a class pair's, as in the V1 model): all writes go to one slot.
      let slot = now + wire.sharedDelay;
      if (slot >= slots) slot -= slots;
      scatterRows(spikes, rowStart, post, weight, map, buf, slot * n);
      return;
    }
    // The slot of step t + d, with d < slots: one conditional subtraction instead of a division per synapse.
    for (let s = 0; s < spikes.length; s++) {
      const i = spikes[s];
      const last = rowStart[i + 1];
      for (let k = rowStart[i]; k < last; k++) {
        let slot = now + delaySteps[k];
        if (slot >= slots) slot -= slots;
        buf[slot * n + (map ? map[post[k]] : post[k])] += weight[k];
      }
    }
  }

  /** Stops the run when a population's rate over the last `runawayWindowMs` of simulated time exceeds maxRateHz. */
  private checkRunaway(guard: GuardState, tMs: number): void {
    const windowMs = guard.windowSteps * this.dtMs;
    for (let gi = 0; gi < guard.groups.length; gi++) {
      const g = guard.groups[gi];
      const rate = (1000 * guard.sums[gi]) / (g.size * windowMs);
      if (rate > this.maxRateHz)
        throw new NeuroplastError(
          `runaway activity: group ${g.name} fired at ${rate.toFixed(0)} Hz over the last ${windowMs.toFixed(0)} ms (limit maxRateHz ${this.maxRateHz}) at t = ${tMs.toFixed(1)} ms`,
        );
    }
  }

  /** Each connection with the population its spikes are delivered to and, for a subgroup, the index map. */
  private deliveries(): Delivery[] {
    if (this.wires && this.wires.length === this.wiring.length) return this.wires;
    return (this.wires = this.wiring.map((connection) => {
      const { group, indices } = resolveNeurons(connection.target);
      const population = isPopulation(group) ? group : null;
      const p = connection.projection;
      const { input } = findReceptor(connection.target, p.options.receptor, p.name);
      return {
        connection,
        population,
        map: indices,
        input,
        lane: population ? receptorsOf(population).findIndex((r) => r.name === p.options.receptor) : -1,
        ring: null,
        sharedDelay: -1,
        checked: null,
      };
    }));
  }
}
