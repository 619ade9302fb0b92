import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fsx.js';
import { ConfigError, NeuroplastError } from '../util/errors.js';
import { requirePositive } from './params.js';
import { LifGroup, type LifParameters } from './neurons/index.js';
import { PoissonGroup, SpikeSourceArray } from './inputs.js';
import { Projection, type ProjectionOptions } from './projection.js';
import { PopulationRateMonitor, SpikeMonitor, StateMonitor, WeightMonitor } from './monitors.js';
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

const isPopulation = (g: SpikeSource): g is NeuronPopulation => 'exc' in g && 'inh' in g;

/** One projection as wired into a network: its source, its target and its rule. */
export interface Connection {
  readonly projection: Projection;
  readonly source: SpikeSource;
  /** An input group as target receives no current; its prescribed spikes still drive plasticity. */
  readonly target: SpikeSource;
  readonly plasticity?: PlasticityRule;
}

/** Spikes in flight to one population: per-receptor ring buffers of `slots` steps (slot = step % slots). */
export interface DelayBuffer {
  exc: Float32Array;
  inh: Float32Array;
  slots: number;
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
 * A clock-driven network with event-driven spike propagation (BindsNET's Network, Brian2's schedule): each step
 * every population integrates and thresholds, input groups emit, then the spikes of this step are scattered along
 * their projections into per-target delay ring buffers; the modulatory signals are stepped and handed to the rules
 * that read them; every projection's plasticity rule steps; each target takes in this step's slot; monitors record.
 * The parts are the interfaces of types.ts: any `SpikeSource`, `NeuronPopulation`, `PlasticityRule`,
 * `ModulatorSource` or `Monitor` plugs in.
 */
export class Network {
  readonly groups: SpikeSource[] = [];
  private readonly wiring: Connection[] = [];
  /** Every projection with its source, target and rule, in the order connected (a read-only view). */
  readonly connections: readonly Connection[] = this.wiring;
  private ring = new Map<NeuronPopulation, DelayBuffer>();
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
    this.routes = null;
    if (isPopulation(target)) this.ring.delete(target);
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

  monitorSpikes(group: SpikeSource): SpikeMonitor {
    return this.addMonitor(new SpikeMonitor(group));
  }

  monitorWeights(projection: Projection, synapses: [number, number][], everySteps = 1): WeightMonitor {
    return this.addMonitor(new WeightMonitor(projection, synapses, everySteps));
  }

  monitorRate(group: SpikeSource, binMs: number): PopulationRateMonitor {
    return this.addMonitor(new PopulationRateMonitor(group, binMs, this.dtMs));
  }

  /** Samples a state variable of any population (v, exc, inh, or e.g. an adaptive LIF's w or theta). */
  monitorState<G extends NeuronPopulation>(
    group: G,
    variable: StateVariable<G>,
    neurons: number[],
    everySteps = 1,
  ): StateMonitor<G> {
    return this.addMonitor(new StateMonitor(group, variable, neurons, everySteps));
  }

  /**
   * Writes every monitor's CSV files into `dir` (a run directory), in the order the monitors were added:
   * spikes-<group>.csv (t_ms,neuron), rate-<group>.csv (t_ms,rate_hz), state-<group>-<variable>.csv (t_ms, one
   * column per neuron), weights-<projection>.csv (t_ms, one column per sampled synapse "pre->post"). Atomic per file.
   */
  async exportMonitors(dir: string): Promise<string[]> {
    await fsp.mkdir(dir, { recursive: true });
    const files = this.monitors.flatMap((m) => m.csvFiles());
    for (const [name, text] of files) await writeFileAtomic(join(dir, name), text);
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
    const routes = this.routing();
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
      // Modulatory signals next, then plasticity after propagation: a spike is transmitted with the weight it
      // found (Brian2's on_pre order).
      if (this.modulators.length > 0) {
        for (const m of this.modulators) m.step(t, t * this.dtMs, this.dtMs);
        for (const { rule, sources, values } of routes) {
          for (let k = 0; k < sources.length; k++) values[k] = sources[k].value;
          rule.modulate(values);
        }
      }
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
      for (const m of this.monitors) m.record(this.stepCount, tMs);
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
