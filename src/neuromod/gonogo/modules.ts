import { ConfigError } from '../../util/errors.js';
import type { NeuromodulatorySystem } from '../system.js';
import type { LearnerSignals } from '../signals.js';

/**
 * Module switching (after Barry & Gerstner 2024): the learner keeps up to `modules` modules, each with its own
 * associations and an outcome model (the outcome expected of each cue and action, learned by a delta rule); a
 * noradrenaline burst switches module when the active one has mispredicted the recent outcomes.
 */
export interface ModuleSwitchingParameters {
  /** Modules (1: none, the learner as one set of associations). */
  modules: number;
  /** Trials over which modules are compared. */
  switchWindow: number;
  /**
   * Mean squared outcome error over the window that counts as a fit: the active module is left only above it (its
   * errors taken before it learned each outcome), and another is chosen only below it; else a module not used yet.
   */
  switchFit: number;
  /** Trials a module acts before a burst may switch away from it (its outcome model learns meanwhile). */
  switchRefractory: number;
  /** The outcome models' learning rate. */
  outcomeLr: number;
}

export const DEFAULT_MODULE_SWITCHING: ModuleSwitchingParameters = {
  modules: 1,
  switchWindow: 8,
  switchFit: 0.3,
  switchRefractory: 20,
  outcomeLr: 0.2,
};

/** Checks the module parameters before any work: an error names the entry, expected and found. */
export function validateModuleSwitching(p: ModuleSwitchingParameters, where = 'agent'): void {
  const integer = (key: keyof ModuleSwitchingParameters, min: number, max: number) => {
    if (!(Number.isInteger(p[key]) && p[key] >= min && p[key] <= max))
      throw new ConfigError(`${where}.${key}`, `expected an integer in [${min}, ${max}], found ${p[key]}`);
  };
  integer('modules', 1, 1000);
  integer('switchWindow', 1, 1000);
  integer('switchRefractory', 0, 1_000_000);
  for (const key of ['switchFit', 'outcomeLr'] as const)
    if (!(p[key] > 0 && Number.isFinite(p[key])))
      throw new ConfigError(`${where}.${key}`, `expected a positive number, found ${p[key]}`);
}

/** What `observe` did to the active module. */
export type ModuleChange = 'stayed' | 'returned' | 'created';

interface Observation {
  present: Uint8Array;
  action: number;
  outcome: number;
  /** The active module's error before it learned this outcome. */
  error: number;
}

/** The outcome models of a learner's modules and the choice of the active one. */
export class OutcomeModules {
  private readonly outcome: Float64Array[] = [];
  private readonly recent: Observation[] = [];
  private activeIndex = 0;
  private activeFor = 0;

  /** `features` cues, `actions` actions. */
  constructor(
    readonly params: ModuleSwitchingParameters,
    private readonly features: number,
    private readonly actions: number,
  ) {
    validateModuleSwitching(params);
    this.outcome.push(new Float64Array(features * actions));
  }

  /** The module that acts. */
  get active(): number {
    return this.activeIndex;
  }

  /** Modules used so far. */
  get used(): number {
    return this.outcome.length;
  }

  /** The outcome a module expects of an action on the present cues (the sum of each cue's). */
  expected(module: number, present: Uint8Array, action: number): number {
    const m = this.outcome[module];
    let e = 0;
    for (let i = 0; i < this.features; i++) if (present[i]) e += m[i * this.actions + action];
    return e;
  }

  /**
   * The active module learns the outcome of `action` on the cues `present` (1 where a cue showed); with `burst` (a
   * noradrenaline burst) it may then switch: to the module that best fits the recent trials, or a new one.
   */
  observe(present: Uint8Array, action: number, outcome: number, burst: boolean): ModuleChange {
    const a = this.activeIndex;
    const error = outcome - this.expected(a, present, action);
    const m = this.outcome[a];
    for (let i = 0; i < this.features; i++)
      if (present[i]) m[i * this.actions + action] += this.params.outcomeLr * error;
    this.recent.push({ present: Uint8Array.from(present), action, outcome, error });
    if (this.recent.length > this.params.switchWindow) this.recent.shift();
    this.activeFor++;
    return burst ? this.switchModule() : 'stayed';
  }

  /**
   * `observe` from a trial's signals: the outcome is reward minus punishment, and a burst is a surprise above
   * noradrenaline's threshold with noradrenaline present.
   */
  observeTrial(
    present: Uint8Array,
    action: number,
    signals: LearnerSignals,
    system: NeuromodulatorySystem,
  ): ModuleChange {
    const outcome = (signals.reward ?? 0) - (signals.punishment ?? 0);
    return this.observe(present, action, outcome, noradrenalineBurst(system, signals));
  }

  /** The module other than the active one with the least mean squared error on `trials`. */
  private bestOther(trials: readonly Observation[]): { module: number; error: number } {
    let best = { module: -1, error: Infinity };
    for (let k = 0; k < this.outcome.length; k++) {
      if (k === this.activeIndex) continue;
      let e = 0;
      for (const t of trials) e += (t.outcome - this.expected(k, t.present, t.action)) ** 2;
      e /= trials.length;
      if (e < best.error) best = { module: k, error: e };
    }
    return best;
  }

  private switchModule(): ModuleChange {
    if (this.activeFor < this.params.switchRefractory) return 'stayed';
    // The active module is judged on the errors it made before learning each outcome.
    const ownError = this.recent.reduce((s, t) => s + t.error ** 2, 0) / this.recent.length;
    if (ownError < this.params.switchFit) return 'stayed';
    const best = this.bestOther(this.recent);
    if (best.error < this.params.switchFit) return this.activate(best.module, 'returned');
    if (this.outcome.length < this.params.modules) {
      this.outcome.push(new Float64Array(this.features * this.actions));
      return this.activate(this.outcome.length - 1, 'created');
    }
    return 'stayed';
  }

  private activate(k: number, change: ModuleChange): ModuleChange {
    this.activeIndex = k;
    this.activeFor = 0;
    return change;
  }
}

/** Whether this outcome's surprise is a noradrenaline burst (above its threshold, with noradrenaline present). */
export function noradrenalineBurst(system: NeuromodulatorySystem, signals: LearnerSignals): boolean {
  if (system.removed.has('noradrenaline')) return false;
  const na = system.modulators.get('noradrenaline')!;
  return (signals.surprise ?? 0) > na.params.surpriseThreshold;
}
