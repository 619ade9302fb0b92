import { ConfigError } from '../util/errors.js';
import { COMPONENTS, MAX_GAIN, modulatorKinds, type Component } from './modulator.js';
import { SCALES, targets, type Scale } from './targets.js';

/** One arrow of a mapping: modulator (component) -> target, with a sign and a weight, at a scale, optionally where. */
export interface MappingEntry {
  modulator: string;
  target: string;
  /** The part of the modulator's level read (default "level"). */
  component?: Component;
  /** +1 raises the target, -1 lowers it (default +1). */
  sign?: 1 | -1;
  weight: number;
  /** Where it acts (default the target's first scale). */
  scale?: Scale;
  /** The cell groups or layers it acts on (absent: all of them). */
  where?: readonly string[];
}

/** A mapping entry with its defaults filled in. */
export type ResolvedEntry = Required<Omit<MappingEntry, 'where'>> & { where?: readonly string[] };

const ENTRY_KEYS = ['modulator', 'target', 'component', 'sign', 'weight', 'scale', 'where'];

/** Checks every entry before any work; an error names the entry (`mapping[2].target`), expected and found. */
export function resolveMapping(entries: readonly MappingEntry[], where = 'mapping'): ResolvedEntry[] {
  if (!Array.isArray(entries))
    throw new ConfigError(where, `expected a list of entries, found ${JSON.stringify(entries)}`);
  return entries.map((e, i) => {
    const at = `${where}[${i}]`;
    if (typeof e !== 'object' || e === null)
      throw new ConfigError(at, `expected an entry, found ${JSON.stringify(e)}`);
    for (const key of Object.keys(e))
      if (!ENTRY_KEYS.includes(key))
        throw new ConfigError(
          `${at}.${key}`,
          `expected one of ${ENTRY_KEYS.join(', ')}; found an unknown field`,
        );
    modulatorKinds.get(e.modulator, `${at}.modulator`);
    const target = targets.get(e.target, `${at}.target`);
    const component = e.component ?? 'level';
    if (!COMPONENTS.includes(component))
      throw new ConfigError(
        `${at}.component`,
        `expected one of ${COMPONENTS.join(', ')}; found ${JSON.stringify(component)}`,
      );
    const sign = e.sign ?? 1;
    if (sign !== 1 && sign !== -1)
      throw new ConfigError(`${at}.sign`, `expected 1 or -1, found ${JSON.stringify(sign)}`);
    if (!(typeof e.weight === 'number' && e.weight >= 0 && e.weight <= MAX_GAIN))
      throw new ConfigError(
        `${at}.weight`,
        `expected a weight in [0, ${MAX_GAIN}], found ${JSON.stringify(e.weight)}`,
      );
    const scale = e.scale ?? target.scales[0];
    if (!SCALES.includes(scale))
      throw new ConfigError(
        `${at}.scale`,
        `expected one of ${SCALES.join(', ')}; found ${JSON.stringify(scale)}`,
      );
    if (!target.scales.includes(scale))
      throw new ConfigError(
        `${at}.scale`,
        `expected a scale ${target.name} acts at (${target.scales.join(', ')}); found ${scale}`,
      );
    if (
      e.where !== undefined &&
      !(
        Array.isArray(e.where) &&
        e.where.length > 0 &&
        e.where.every((w: unknown) => typeof w === 'string' && w.length > 0)
      )
    )
      throw new ConfigError(
        `${at}.where`,
        `expected a non-empty list of group or layer names, found ${JSON.stringify(e.where)}`,
      );
    return {
      modulator: e.modulator,
      target: e.target,
      component,
      sign,
      weight: e.weight,
      scale,
      ...(e.where ? { where: [...e.where] } : {}),
    };
  });
}
