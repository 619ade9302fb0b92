import { checkFinite, checkNonNegative, checkPositive, checkProbability } from '../util/validate.js';
import { ConfigError } from '../util/errors.js';

// The spiking part names parameters as `<group or rule>.<parameter>`; the checks themselves are shared.
export const requirePositive = (where: string, name: string, v: number) =>
  checkPositive(`${where}.${name}`, v);
export const requireNonNegative = (where: string, name: string, v: number) =>
  checkNonNegative(`${where}.${name}`, v);
export const requireFinite = (where: string, name: string, v: number) => checkFinite(`${where}.${name}`, v);
export const requireProbability = (where: string, name: string, v: number) =>
  checkProbability(`${where}.${name}`, v);

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
