import type { z } from 'zod';
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

/**
 * Parses a parameter set with its zod schema; on failure throws a ConfigError naming the field (`<where>.<path>`),
 * what was expected and what was found.
 */
export function parseSpec<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  let found: unknown = value;
  for (const k of issue.path) found = (found as Record<PropertyKey, unknown> | undefined)?.[k];
  const what =
    issue.code === 'unrecognized_keys'
      ? `unknown field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
      : /received|found/.test(issue.message)
        ? issue.message
        : `${issue.message}, found ${JSON.stringify(found)}`;
  throw new ConfigError([where, ...issue.path.map(String)].join('.'), what);
}
