import { ConfigError } from '../util/errors.js';
import {
  modulatorKinds,
  createModulator,
  type Component,
  type Modulator,
  type ModulatorParameters,
  type ModulatorState,
} from './modulator.js';
import { resolveMapping, type MappingEntry, type ResolvedEntry } from './mapping.js';
import { targets as targetRegistry, type Target } from './targets.js';
import type { LearnerSignals } from './signals.js';
import './modulators/index.js';

/** A target nothing maps to (read every step: no allocation). */
const NO_ENTRIES: readonly ResolvedEntry[] = [];

export interface NeuromodulationOptions {
  /** Which modulator acts on which target, with what sign and weight, at which scale. */
  mapping: readonly MappingEntry[];
  /** Parameters per modulator (absent: the kind's defaults); every registered modulator is present. */
  modulators?: Readonly<Record<string, Partial<ModulatorParameters>>>;
  /** Targets' bases other than the registered ones (e.g. `{ discount: 0.95 }`). */
  bases?: Readonly<Record<string, number>>;
  /** Modulators removed (an ablation): their components read 0 everywhere, so they drive no target and no rule. */
  removed?: readonly string[];
}

export interface ModulationSnapshot {
  modulators: Record<string, { tonic: number; phasic: number; level: number }>;
  targets: Record<string, number>;
}

/**
 * The neuromodulators of one learner and the mapping from them to what they modulate. The learner reports signals
 * (`update`), then reads targets (`target('plasticity_rate', 'actor')`) and modulator components (`read('dopamine',
 * 'phasic')`, the third factor) wherever it needs them.
 */
export class NeuromodulatorySystem {
  readonly modulators = new Map<string, Modulator>();
  readonly mapping: readonly ResolvedEntry[];
  readonly removed: ReadonlySet<string>;
  private readonly bases = new Map<string, number>();
  private readonly byTarget = new Map<string, ResolvedEntry[]>();

  constructor(options: NeuromodulationOptions) {
    if (typeof options !== 'object' || options === null)
      throw new ConfigError(
        'neuromodulation',
        `expected options with a mapping, found ${JSON.stringify(options)}`,
      );
    this.mapping = resolveMapping(options.mapping);
    const params = options.modulators ?? {};
    for (const name of Object.keys(params)) modulatorKinds.get(name, `modulators.${name}`);
    for (const name of modulatorKinds.names())
      this.modulators.set(name, createModulator(name, params[name] ?? {}));
    const removed = options.removed ?? [];
    if (!Array.isArray(removed))
      throw new ConfigError('removed', `expected a list of modulators, found ${JSON.stringify(removed)}`);
    removed.forEach((name, i) => modulatorKinds.get(name, `removed[${i}]`));
    this.removed = new Set(removed);
    for (const [name, base] of Object.entries(options.bases ?? {})) {
      const t = targetRegistry.get(name, `bases.${name}`);
      if (!(typeof base === 'number' && base >= t.min && base <= t.max))
        throw new ConfigError(
          `bases.${name}`,
          `expected a base in [${t.min}, ${t.max}], found ${JSON.stringify(base)}`,
        );
      this.bases.set(name, base);
    }
    for (const e of this.mapping) {
      const list = this.byTarget.get(e.target) ?? [];
      list.push(e);
      this.byTarget.set(e.target, list);
    }
  }

  /** Advances every modulator by one update of dtMs with the learner's signals. */
  update(signals: LearnerSignals, dtMs: number): void {
    for (const m of this.modulators.values()) m.update(signals, dtMs);
  }

  /** A modulator's component (0 when the modulator is removed). */
  read(modulator: string, component: Component = 'level'): number {
    if (this.removed.has(modulator)) return 0;
    const m = this.modulators.get(modulator);
    if (!m) modulatorKinds.get(modulator, 'read');
    return m!.component(component);
  }

  /**
   * A target's value at `where` (a cell group or layer name): its base changed by every mapping entry for it whose
   * `where` is absent or names `where`, clipped to the target's range. Without `where`, only entries that act
   * everywhere count.
   */
  target(name: string, where?: string): number {
    const t = this.targetInfo(name);
    let sum = 0;
    for (const e of this.byTarget.get(name) ?? NO_ENTRIES)
      if (!e.where || (where !== undefined && e.where.includes(where)))
        sum += e.sign * e.weight * this.read(e.modulator, e.component);
    const base = this.bases.get(name) ?? t.base;
    const v = t.combine === 'scale' ? base * (1 + sum) : base + sum;
    return Math.min(t.max, Math.max(t.min, v));
  }

  /** Whether any mapping entry acts on the target (a learner skips the work of targets nothing modulates). */
  modulates(name: string): boolean {
    return (this.byTarget.get(name)?.length ?? 0) > 0;
  }

  targetInfo(name: string): Target {
    return targetRegistry.get(name, 'target');
  }

  /** Every modulator's components and every mapped target's value everywhere: a metrics line. */
  snapshot(): ModulationSnapshot {
    const modulators: ModulationSnapshot['modulators'] = {};
    for (const name of this.modulators.keys())
      modulators[name] = {
        tonic: this.read(name, 'tonic'),
        phasic: this.read(name, 'phasic'),
        level: this.read(name),
      };
    const values: Record<string, number> = {};
    for (const name of this.byTarget.keys()) values[name] = this.target(name);
    return { modulators, targets: values };
  }

  reset(): void {
    for (const m of this.modulators.values()) m.reset();
  }

  saveState(): Record<string, ModulatorState> {
    return Object.fromEntries([...this.modulators].map(([name, m]) => [name, m.saveState()]));
  }

  loadState(state: Record<string, ModulatorState>, where = 'neuromodulation'): void {
    for (const [name, m] of this.modulators) m.loadState(state?.[name], `${where}.${name}`);
  }
}
