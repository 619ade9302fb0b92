import { ConfigError } from '../../util/errors.js';
import { modulatorKinds } from '../modulator.js';

const SHORT: Record<string, string> = {
  dopamine: 'da',
  noradrenaline: 'na',
  acetylcholine: 'ach',
  serotonin: '5ht',
};
const LONG = Object.fromEntries(Object.entries(SHORT).map(([k, v]) => [v, k]));

/**
 * The modulators a condition removes. `all` keeps the four; `da` keeps dopamine only; `da_na` dopamine and
 * noradrenaline; `without_X` and `without_X_Y` remove one or two (X, Y among da, na, ach, 5ht).
 */
export function removedBy(condition: string, where = 'condition'): string[] {
  const names = modulatorKinds.names();
  if (condition === 'all') return [];
  if (condition === 'da') return names.filter((n) => n !== 'dopamine');
  if (condition === 'da_na') return names.filter((n) => n !== 'dopamine' && n !== 'noradrenaline');
  const m = /^without_([a-z0-9]+)(?:_([a-z0-9]+))?$/.exec(condition);
  const removed = m ? [m[1], m[2]].filter((x) => x !== undefined).map((x) => LONG[x]) : [];
  if (!m || removed.some((x) => x === undefined) || (m[2] !== undefined && m[1] === m[2]))
    throw new ConfigError(
      where,
      `expected all, da, da_na, without_X or without_X_Y with X, Y among ${Object.values(SHORT).join(', ')}; found ${JSON.stringify(condition)}`,
    );
  return removed;
}

/** The ablation table's conditions: all four, each single removal and each paired removal. */
export function ablationConditions(): string[] {
  const short = Object.values(SHORT);
  const pairs: string[] = [];
  for (let i = 0; i < short.length; i++)
    for (let j = i + 1; j < short.length; j++) pairs.push(`without_${short[i]}_${short[j]}`);
  return ['all', ...short.map((s) => `without_${s}`), ...pairs];
}
