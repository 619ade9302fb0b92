import { ConfigError } from '../util/errors.js';
import type { ModulatedRule, ModulatorSource, PlasticityRule } from './types.js';
import type { KindDescription } from './registries.js';
import { stateNumber, type SavedState } from './saved-state.js';

/** The signal a built-in three-factor rule subscribes to unless told otherwise. */
export const DEFAULT_MODULATOR = 'dopamine';

/** Whether a rule reads modulatory signals (and so receives them from the network). */
export const isModulatedRule = (rule: PlasticityRule): rule is ModulatedRule =>
  Array.isArray((rule as Partial<ModulatedRule>).modulatorNames) &&
  typeof (rule as Partial<ModulatedRule>).modulate === 'function';

function checkName(name: string): string {
  if (typeof name !== 'string' || name.length === 0)
    throw new ConfigError('modulator name', `expected a non-empty string, found ${JSON.stringify(name)}`);
  return name;
}

/** A signal held at a value until the caller sets another (`source.value = reward`), e.g. between trials. */
export class ConstantModulator implements ModulatorSource {
  readonly kind = 'constant';
  constructor(
    readonly name: string,
    public value = 0,
  ) {
    checkName(name);
  }
  step(): void {}

  /** The description `createModulator` builds this source from (for saving). */
  describe(): KindDescription {
    return { kind: 'constant', name: this.name, value: this.value };
  }
  saveState(): SavedState {
    return { value: this.value };
  }
  loadState(state: SavedState, where: string): void {
    this.value = stateNumber(state, 'value', where);
  }
}

/**
 * A signal computed each step by a function of the step's start time (ms) and index: a schedule, a reward signal
 * read from the network's spikes, a phasic burst. The function runs after the groups' step, so it sees the step's
 * spikes.
 */
export class FunctionModulator implements ModulatorSource {
  readonly kind = 'function';
  value = 0;
  constructor(
    readonly name: string,
    readonly fn: (tMs: number, step: number) => number,
  ) {
    checkName(name);
  }
  step(step: number, tMs: number): void {
    const v = this.fn(tMs, step);
    if (!Number.isFinite(v))
      throw new ConfigError(`modulator ${this.name}`, `expected a finite value, found ${v} at t = ${tMs} ms`);
    this.value = v;
  }

  /**
   * Its kind and name only: the function is JavaScript, which is not saved (no registered kind builds this
   * description; loading a saved network asks for the function by the signal's name).
   */
  describe(): KindDescription {
    return { kind: 'function', name: this.name };
  }
  saveState(): SavedState {
    return { value: this.value };
  }
  loadState(state: SavedState, where: string): void {
    this.value = stateNumber(state, 'value', where, 'any');
  }
}

/**
 * A piecewise-constant signal from a schedule of [tMs, value] points in increasing time: each value holds from its
 * time until the next point (0 before the first), e.g. a reward delivered at fixed times in a protocol file.
 */
export class ScheduledModulator implements ModulatorSource {
  readonly kind = 'schedule';
  value = 0;
  private next = 0;
  constructor(
    readonly name: string,
    readonly points: readonly (readonly [tMs: number, value: number])[],
  ) {
    checkName(name);
    if (!Array.isArray(points))
      throw new ConfigError(
        `modulator ${name}.points`,
        `expected a list of [tMs, value], found ${JSON.stringify(points)}`,
      );
    points.forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || !p.every(Number.isFinite))
        throw new ConfigError(
          `modulator ${name}.points.${i}`,
          `expected [tMs, value] numbers, found ${JSON.stringify(p)}`,
        );
      if (i > 0 && !(p[0] > points[i - 1][0]))
        throw new ConfigError(
          `modulator ${name}.points.${i}`,
          `times must increase, found ${p[0]} after ${points[i - 1][0]}`,
        );
    });
  }
  step(_step: number, tMs: number): void {
    // Steps only move forward, so the schedule is read once from its start.
    while (this.next < this.points.length && this.points[this.next][0] <= tMs)
      this.value = this.points[this.next++][1];
  }

  /** The description `createModulator` builds this source from (for saving). */
  describe(): KindDescription {
    return { kind: 'schedule', name: this.name, points: this.points.map(([t, v]) => [t, v]) };
  }
  /** The value and how far through the schedule it is. */
  saveState(): SavedState {
    return { value: this.value, next: this.next };
  }
  loadState(state: SavedState, where: string): void {
    const next = stateNumber(state, 'next', where, 'count');
    if (next > this.points.length)
      throw new ConfigError(
        `${where}.next`,
        `expected at most ${this.points.length} (the points), found ${next}`,
      );
    this.value = stateNumber(state, 'value', where);
    this.next = next;
  }
}
