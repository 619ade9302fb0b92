import { ConfigError } from '../util/errors.js';
import type { SearchSpace } from './strategy.js';

/** Option checks shared by strategies and problems: each names the field, what it expected and what it found. */
export function positiveInt(v: unknown, where: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new ConfigError(where, `expected an integer >= ${min}, found ${JSON.stringify(v)}`);
  return v;
}

export function positiveNumber(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new ConfigError(where, `expected a number > 0, found ${JSON.stringify(v)}`);
  return v;
}

export function probability(v: unknown, where: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    throw new ConfigError(where, `expected a number in [0, 1], found ${JSON.stringify(v)}`);
  return v;
}

/** Refuses a space with other than one objective, or a box a strategy cannot normalise. */
export function checkSingleObjectiveSpace(space: SearchSpace, strategy: string, where: string): void {
  if (space.objectives !== 1)
    throw new ConfigError(
      where,
      `${strategy} is single-objective: expected 1 objective, found ${space.objectives}`,
    );
  const n = space.low.length;
  if (n === 0 || space.high.length !== n)
    throw new ConfigError(
      `${where}.space`,
      `expected as many low as high bounds (at least one), found ${n} and ${space.high.length}`,
    );
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(space.low[i]) || !Number.isFinite(space.high[i]) || space.low[i] >= space.high[i])
      throw new ConfigError(
        `${where}.space`,
        `expected finite low < high for gene ${i}, found low ${space.low[i]}, high ${space.high[i]}`,
      );
}

/** The start of a search in the box's normalised coordinates: `mean0` (problem units) mapped to [0, 1], or the centre. */
export function normalisedStart(
  mean0: readonly number[] | undefined,
  low: readonly number[],
  high: readonly number[],
  where: string,
): number[] {
  if (mean0 && mean0.length !== low.length)
    throw new ConfigError(
      `${where}.mean0`,
      `expected ${low.length} numbers (one per gene), found ${mean0.length}`,
    );
  return low.map((lo, i) => {
    const z = mean0 ? (mean0[i] - lo) / (high[i] - lo) : 0.5;
    if (z < 0 || z > 1)
      throw new ConfigError(
        `${where}.mean0[${i}]`,
        `expected a value in [${lo}, ${high[i]}], found ${mean0?.[i]}`,
      );
    return z;
  });
}

/** A numeric option `key` of `options` (default `fallback`), finite and accepted by `ok`, else named with what it expected. */
export function numberOption(
  options: Record<string, unknown>,
  key: string,
  fallback: number,
  ok: (v: number) => boolean,
  expected: string,
  where: string,
): number {
  const v = options[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
    throw new ConfigError(`${where}.${key}`, `expected ${expected}, found ${JSON.stringify(v)}`);
  return v;
}
