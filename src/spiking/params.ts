import { ConfigError } from '../util/errors.js';

/** Throws naming the parameter unless it is a finite number > 0. */
export function requirePositive(where: string, name: string, v: number): void {
  if (!Number.isFinite(v) || v <= 0)
    throw new ConfigError(`${where}.${name}`, `expected a positive number, found ${v}`);
}

export function requireNonNegative(where: string, name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0)
    throw new ConfigError(`${where}.${name}`, `expected a number >= 0, found ${v}`);
}

export function requireFinite(where: string, name: string, v: number): void {
  if (!Number.isFinite(v)) throw new ConfigError(`${where}.${name}`, `expected a finite number, found ${v}`);
}

export function requireProbability(where: string, name: string, v: number): void {
  if (!(v >= 0 && v <= 1))
    throw new ConfigError(`${where}.${name}`, `expected a probability in [0, 1], found ${v}`);
}

/** A time constant must be positive and not shorter than the time step (exact integration is fine, but the
 * model would then be under-resolved: a likely unit mistake). */
export function requireTimeConstant(where: string, name: string, tauMs: number, dtMs: number): void {
  requirePositive(where, name, tauMs);
  if (dtMs > tauMs)
    throw new ConfigError(
      `${where}.${name}`,
      `time step dt ${dtMs} ms is longer than the time constant ${tauMs} ms`,
    );
}
