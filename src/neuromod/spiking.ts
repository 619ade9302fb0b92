import { ConfigError } from '../util/errors.js';
import type { ModulatorSource, Network } from '../spiking/index.js';
import type { Component } from './modulator.js';
import type { NeuromodulatorySystem } from './system.js';
import type { LearnerSignals } from './signals.js';

/** A network signal a three-factor rule subscribes to: a modulator's component times targets at a group. */
export interface SignalSpec {
  /** The signal's name in the network (what a rule's `modulatorName` says). */
  name: string;
  modulator: string;
  component?: Component;
  /** Targets multiplying it, e.g. ['plasticity_rate']: how fast the subscribing synapses learn. */
  times?: readonly string[];
  /** The group the targets are read at (mapping entries with `where`). */
  where?: string;
  /** -1 hands over the negated signal (an opponent population learning from -delta); default 1. */
  sign?: 1 | -1;
}

/** Eligibility traces a target's retention acts on (e.g. a `RewardModulatedStdp`'s `traces`). */
export interface TraceHolder {
  readonly traces: Float32Array;
}

/** A population whose excitability a gain target sets through an extra current. */
export interface GainCell {
  readonly name: string;
  readonly inputPa: Float32Array;
}

export interface SpikingNeuromodulation {
  /** The learner's signals for the step starting at tMs (called once per step, before the groups step). */
  signals: (tMs: number, step: number) => LearnerSignals;
  /** The signals rules read. */
  sources?: readonly SignalSpec[];
  /** Traces multiplied each step by eligibility_retention at `where` (when below 1). */
  retention?: readonly { rule: TraceHolder; where?: string }[];
  /**
   * Groups whose extra current (`inputPa`, which this sets, replacing what was there) is (gain - 1) x pAPerUnitGain
   * each step, gain read at the group's name.
   */
  gain?: readonly { group: GainCell; pAPerUnitGain: number }[];
}

/** A `ModulatorSource` whose value the neuromodulatory system sets. */
class SystemSignal implements ModulatorSource {
  readonly kind = 'neuromodulation';
  value = 0;
  private readonly component: Component;
  private readonly times: readonly string[];
  constructor(
    private readonly system: NeuromodulatorySystem,
    readonly spec: SignalSpec,
  ) {
    this.component = spec.component ?? 'level';
    this.times = spec.times ?? [];
    if (spec.sign !== undefined && spec.sign !== 1 && spec.sign !== -1)
      throw new ConfigError(
        `signal ${spec.name}.sign`,
        `expected 1 or -1, found ${JSON.stringify(spec.sign)}`,
      );
    system.read(spec.modulator, this.component);
    spec.times?.forEach((t) => system.targetInfo(t));
  }
  get name(): string {
    return this.spec.name;
  }
  step(): void {
    let v = (this.spec.sign ?? 1) * this.system.read(this.spec.modulator, this.component);
    for (const t of this.times) v *= this.system.target(t, this.spec.where);
    this.value = v;
  }
}

/**
 * Runs a neuromodulatory system inside a spiking network (the simulator's modulatory-signal contract): each step it
 * is updated with the learner's signals before the groups step, sets the gain currents, hands every `sources` entry
 * to the rules that read it (stepped with the network's modulators, before plasticity), and applies eligibility
 * retention before plasticity. Returns the signals added.
 */
export function connectNeuromodulation(
  net: Network,
  system: NeuromodulatorySystem,
  options: SpikingNeuromodulation,
): ModulatorSource[] {
  if (typeof options?.signals !== 'function')
    throw new ConfigError(
      'neuromodulation.signals',
      'expected a function of (tMs, step) returning learner signals',
    );
  const dtMs = net.dtMs;
  const gains = options.gain ?? [];
  gains.forEach(({ pAPerUnitGain }, i) => {
    if (!Number.isFinite(pAPerUnitGain))
      throw new ConfigError(
        `neuromodulation.gain[${i}].pAPerUnitGain`,
        `expected a finite current, found ${pAPerUnitGain}`,
      );
  });
  net.operation((tMs, step) => {
    system.update(options.signals(tMs, step), dtMs);
    for (const { group, pAPerUnitGain } of gains)
      group.inputPa.fill((system.target('gain', group.name) - 1) * pAPerUnitGain);
  });
  const sources = (options.sources ?? []).map((spec) => net.modulator(new SystemSignal(system, spec)));
  const retention = options.retention ?? [];
  if (retention.length > 0)
    net.operation(
      () => {
        for (const { rule, where } of retention) {
          const keep = system.target('eligibility_retention', where);
          if (keep >= 1) continue;
          const e = rule.traces;
          for (let k = 0; k < e.length; k++) e[k] *= keep;
        }
      },
      { when: 'before-plasticity' },
    );
  return sources;
}
