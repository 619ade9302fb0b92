import { ConfigError } from '../util/errors.js';
import type { ModulatedRule, ModulatorSource, PlasticityRule } from './types.js';

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
}
