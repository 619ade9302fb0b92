import { ConfigError } from '../util/errors.js';
import { Registry } from '../util/registry.js';
import type { LearnerSignals } from './signals.js';

/** The parts of a modulator's level a mapping can read. */
export const COMPONENTS = ['tonic', 'phasic', 'level'] as const;
export type Component = (typeof COMPONENTS)[number];

/** Time constants and gains every modulator has (times in ms of the learner's clock; see `msPerUpdate`). */
export interface ModulatorParameters {
  /** Time constant of the tonic level's relaxation toward its drive. */
  tauTonicMs: number;
  /** Time constant of the phasic response's decay. */
  tauPhasicMs: number;
  /** Size of the phasic response per unit of its drive. */
  phasicGain: number;
  /** The tonic level before any drive. */
  baseline: number;
  /** A kind's own parameters (noradrenaline's surpriseThreshold), finite numbers in [-MAX_GAIN, MAX_GAIN]. */
  [extra: string]: number;
}

/**
 * A neuromodulator: a small dynamical system with a slow tonic level and a fast phasic response, both driven by
 * learner signals. Over an update of dtMs, with u the drives held over it:
 *   tonic  <- tonic + (1 - exp(-dt / tauTonic)) (uTonic - tonic)     (exact relaxation)
 * where uTonic is the latest tonic drive given (sample and hold: a signal given once per trial drives the tonic level
 * over the whole trial; before any, the tonic level stays at its baseline)
 *   phasic <- phasic exp(-dt / tauPhasic) + phasicGain uPhasic       (an impulse per update, then decay)
 *   level   = tonic + phasic
 */
export interface Modulator {
  readonly name: string;
  readonly params: Readonly<ModulatorParameters>;
  readonly tonic: number;
  readonly phasic: number;
  readonly level: number;
  update(signals: LearnerSignals, dtMs: number): void;
  component(c: Component): number;
  reset(): void;
  saveState(): ModulatorState;
  loadState(state: ModulatorState, where: string): void;
}

/** What a modulator carries between updates. */
export interface ModulatorState {
  tonic: number;
  phasic: number;
  /** The tonic drive held since it was last given (null: none yet). */
  tonicDrive: number | null;
}

/** What a modulator kind reads: the drive of its tonic level and of its phasic response (undefined: none). */
export interface ModulatorDrives {
  tonic(s: LearnerSignals, m: Modulator): number | undefined;
  phasic(s: LearnerSignals, m: Modulator): number | undefined;
}

/** A registered modulator kind: its name, its documented drives and its default parameters. */
export interface ModulatorKind {
  name: string;
  /** One line each on what drives the tonic level and the phasic response (docs and reports show them). */
  description: { tonic: string; phasic: string };
  defaults: ModulatorParameters;
  drives: ModulatorDrives;
}

export const modulatorKinds = new Registry<ModulatorKind>('modulator');
export const registerModulator = (kind: ModulatorKind): void => modulatorKinds.register(kind.name, kind);

/** Longest time constant accepted (about 11.6 days of simulated time): beyond it a level is a constant. */
export const MAX_TAU_MS = 1e9;
/** Largest gain or weight accepted: anything larger only overflows a level. */
export const MAX_GAIN = 1e6;

export function checkModulatorParameters(p: ModulatorParameters, where: string): void {
  for (const key of ['tauTonicMs', 'tauPhasicMs'] as const) {
    const v = p[key];
    if (!(typeof v === 'number' && v > 0 && v <= MAX_TAU_MS))
      throw new ConfigError(
        `${where}.${key}`,
        `expected a time constant in (0, ${MAX_TAU_MS}] ms, found ${v}`,
      );
  }
  if (!(typeof p.phasicGain === 'number' && p.phasicGain >= 0 && p.phasicGain <= MAX_GAIN))
    throw new ConfigError(
      `${where}.phasicGain`,
      `expected a gain in [0, ${MAX_GAIN}], found ${p.phasicGain}`,
    );
  for (const [key, v] of Object.entries(p))
    if (!key.endsWith('Ms') && !(typeof v === 'number' && Math.abs(v) <= MAX_GAIN))
      throw new ConfigError(
        `${where}.${key}`,
        `expected a number in [-${MAX_GAIN}, ${MAX_GAIN}], found ${v}`,
      );
}

/** The tonic-phasic dynamics above, with a kind's drives. */
export class TonicPhasicModulator implements Modulator {
  readonly params: Readonly<ModulatorParameters>;
  tonic: number;
  phasic = 0;
  private tonicDrive: number | null = null;

  constructor(
    readonly kind: ModulatorKind,
    params: Partial<ModulatorParameters> = {},
    where = `modulators.${kind.name}`,
  ) {
    for (const key of Object.keys(params))
      if (!(key in kind.defaults))
        throw new ConfigError(
          `${where}.${key}`,
          `expected one of ${Object.keys(kind.defaults).join(', ')}; found an unknown parameter`,
        );
    const p = { ...kind.defaults, ...params } as ModulatorParameters;
    checkModulatorParameters(p, where);
    this.params = Object.freeze(p);
    this.tonic = p.baseline;
  }

  get name(): string {
    return this.kind.name;
  }

  get level(): number {
    return this.tonic + this.phasic;
  }

  component(c: Component): number {
    return c === 'tonic' ? this.tonic : c === 'phasic' ? this.phasic : this.level;
  }

  update(signals: LearnerSignals, dtMs: number): void {
    if (!(dtMs > 0 && Number.isFinite(dtMs)))
      throw new ConfigError(`${this.name}.update`, `expected a positive step dtMs, found ${dtMs}`);
    // Both drives read the state before this update, so the order of the two lines below does not matter.
    const uTonic = this.kind.drives.tonic(signals, this);
    const uPhasic = this.kind.drives.phasic(signals, this);
    checkDrive(this.name, 'tonic', uTonic);
    checkDrive(this.name, 'phasic', uPhasic);
    if (uTonic !== undefined) this.tonicDrive = uTonic;
    if (this.tonicDrive !== null)
      this.tonic += (1 - Math.exp(-dtMs / this.params.tauTonicMs)) * (this.tonicDrive - this.tonic);
    this.phasic *= Math.exp(-dtMs / this.params.tauPhasicMs);
    if (uPhasic !== undefined) this.phasic += this.params.phasicGain * uPhasic;
  }

  reset(): void {
    this.tonic = this.params.baseline;
    this.phasic = 0;
    this.tonicDrive = null;
  }

  saveState(): ModulatorState {
    return { tonic: this.tonic, phasic: this.phasic, tonicDrive: this.tonicDrive };
  }

  loadState(state: ModulatorState, where: string): void {
    for (const key of ['tonic', 'phasic'] as const)
      if (typeof state?.[key] !== 'number' || !Number.isFinite(state[key]))
        throw new ConfigError(
          `${where}.${key}`,
          `expected a finite number, found ${JSON.stringify(state?.[key])}`,
        );
    const drive = state.tonicDrive;
    if (drive !== null && !(typeof drive === 'number' && Number.isFinite(drive)))
      throw new ConfigError(
        `${where}.tonicDrive`,
        `expected a finite number or null, found ${JSON.stringify(drive)}`,
      );
    this.tonic = state.tonic;
    this.phasic = state.phasic;
    this.tonicDrive = drive;
  }
}

function checkDrive(name: string, part: string, u: number | undefined): void {
  if (u !== undefined && !Number.isFinite(u))
    throw new ConfigError(`${name}.${part} drive`, `expected a finite signal, found ${u}`);
}

/** A modulator of a registered kind by name, with its defaults overridden by `params`. */
export function createModulator(
  name: string,
  params: Partial<ModulatorParameters> = {},
  where = `modulators.${name}`,
): Modulator {
  return new TonicPhasicModulator(modulatorKinds.get(name, where), params, where);
}
