import { ConfigError } from '../util/errors.js';

/** Whether an objective is to be made small or large. */
export type Direction = 'min' | 'max';

export interface ObjectiveSpec {
  name: string;
  direction: Direction;
}

/**
 * Strategies minimise costs: an objective to maximise enters negated. Checked before any work, so an objective
 * without a direction (or with another word) is an error naming it.
 */
export function checkObjectives(objectives: readonly ObjectiveSpec[], where: string): void {
  if (!Array.isArray(objectives) || objectives.length === 0)
    throw new ConfigError(where, `expected at least one objective, found ${JSON.stringify(objectives)}`);
  const seen = new Set<string>();
  objectives.forEach((o, i) => {
    if (typeof o?.name !== 'string' || o.name === '')
      throw new ConfigError(`${where}[${i}].name`, `expected a name, found ${JSON.stringify(o?.name)}`);
    if (o.direction !== 'min' && o.direction !== 'max')
      throw new ConfigError(
        `${where}.${o.name}.direction`,
        `expected "min" or "max", found ${o.direction === undefined ? 'nothing' : JSON.stringify(o.direction)}`,
      );
    if (seen.has(o.name)) throw new ConfigError(`${where}.${o.name}`, 'named twice');
    seen.add(o.name);
  });
}

/** Objective values as costs (to minimise). */
export function toCosts(values: readonly number[], objectives: readonly ObjectiveSpec[]): number[] {
  return values.map((v, i) => (objectives[i].direction === 'max' ? -v : v));
}

/** Costs back as objective values. */
export const fromCosts = toCosts;
