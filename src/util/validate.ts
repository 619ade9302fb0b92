import { ConfigError } from './errors.js';

/** Parameter checks shared by every part: each throws a ConfigError naming the field, expected and found. */

export function checkPositive(field: string, v: number): void {
  if (!Number.isFinite(v) || v <= 0) throw new ConfigError(field, `expected a positive number, found ${v}`);
}

export function checkNonNegative(field: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new ConfigError(field, `expected a number >= 0, found ${v}`);
}

/** Decay rates (momentum, betas, EMA factors) must lie in [0, 1). */
export function checkDecay(field: string, v: number): void {
  if (!Number.isFinite(v) || v < 0 || v >= 1)
    throw new ConfigError(field, `expected a decay in [0, 1), found ${v}`);
}

export function checkFinite(field: string, v: number): void {
  if (!Number.isFinite(v)) throw new ConfigError(field, `expected a finite number, found ${v}`);
}

export function checkProbability(field: string, v: number): void {
  if (!(v >= 0 && v <= 1)) throw new ConfigError(field, `expected a probability in [0, 1], found ${v}`);
}
