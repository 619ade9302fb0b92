import { z } from 'zod';
import { Rng } from '../util/rng.js';
import { ConfigError } from '../util/errors.js';
import { parseSpec } from '../util/validate.js';
import { resolveNeurons } from './subgroup.js';
import type { SpikeSource } from './types.js';

/** An initial value described in data (an experiment file, a saved model): constant, uniform or normal. */
export const initializerSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant'), value: z.number() }),
  z.strictObject({ kind: z.literal('uniform'), low: z.number(), high: z.number() }),
  z.strictObject({
    kind: z.literal('normal'),
    mean: z.number(),
    sd: z.number().nonnegative(),
    /** Draws outside [low, high] are drawn again (a truncated normal). */
    low: z.number().optional(),
    high: z.number().optional(),
  }),
]);
export type InitializerSpec = z.infer<typeof initializerSpecSchema>;

/**
 * How to set a state variable (Brian2's `P.v = 'Vr + rand() * (Vt - Vr)'`): a number, one value per neuron, a
 * described distribution, or a function of the neuron's index (local to the group or subgroup) and a seeded Rng.
 */
export type Initializer =
  number | ArrayLike<number> | InitializerSpec | ((index: number, rng: Rng) => number);

/** A stream per group and variable, so initialising in another order draws the same numbers. */
function streamOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h & 0x7fffffff;
}

/** Fills `out[k]` for k < count through `set(k, value)` from an initializer; `where` names it in errors. */
function draw(
  init: Initializer,
  count: number,
  rng: Rng,
  where: string,
  set: (k: number, value: number) => void,
): void {
  if (typeof init === 'number') {
    if (!Number.isFinite(init)) throw new ConfigError(where, `expected a finite number, found ${init}`);
    for (let k = 0; k < count; k++) set(k, init);
    return;
  }
  if (typeof init === 'function') {
    for (let k = 0; k < count; k++) {
      const x = init(k, rng);
      if (!Number.isFinite(x))
        throw new ConfigError(`${where}[${k}]`, `expected a finite number, found ${x}`);
      set(k, x);
    }
    return;
  }
  if ('length' in init) {
    if (init.length !== count) throw new ConfigError(where, `expected ${count} values, found ${init.length}`);
    for (let k = 0; k < count; k++) {
      if (!Number.isFinite(init[k]))
        throw new ConfigError(`${where}[${k}]`, `expected a finite number, found ${init[k]}`);
      set(k, init[k]);
    }
    return;
  }
  const spec = parseSpec(initializerSpecSchema, init, where);
  switch (spec.kind) {
    case 'constant':
      for (let k = 0; k < count; k++) set(k, spec.value);
      return;
    case 'uniform':
      if (!(spec.low <= spec.high))
        throw new ConfigError(`${where}.high`, `expected at least low ${spec.low}, found ${spec.high}`);
      for (let k = 0; k < count; k++) set(k, spec.low + (spec.high - spec.low) * rng.float());
      return;
    case 'normal': {
      const low = spec.low ?? -Infinity;
      const high = spec.high ?? Infinity;
      if (!(low < high))
        throw new ConfigError(`${where}.high`, `expected more than low ${low}, found ${high}`);
      for (let k = 0; k < count; k++) {
        let x = spec.mean + spec.sd * rng.normal();
        for (let tries = 0; !(x >= low && x <= high); tries++) {
          if (tries > 1000)
            throw new ConfigError(
              where,
              `normal(${spec.mean}, ${spec.sd}) almost never falls in [${low}, ${high}]`,
            );
          x = spec.mean + spec.sd * rng.normal();
        }
        set(k, x);
      }
      return;
    }
  }
}

/** The per-neuron state arrays of a group that an initializer may set (Float32Array fields: v, exc, inh, ...). */
export function stateVariables(group: SpikeSource): string[] {
  return Object.keys(group).filter((k) => {
    const x: unknown = (group as unknown as Record<string, unknown>)[k];
    return x instanceof Float32Array && x.length === group.size;
  });
}

/**
 * Sets `variable` of a group or subgroup from an initializer, drawing from `Rng(seed, stream of group and
 * variable)`, so the same seed gives the same values whatever else was initialised first.
 */
export function initialize(target: SpikeSource, variable: string, init: Initializer, seed = 0): void {
  const where = `${target.name}.${variable}`;
  const { group, indices } = resolveNeurons(target);
  const values: unknown = (group as unknown as Record<string, unknown>)[variable];
  if (!(values instanceof Float32Array) || values.length !== group.size)
    throw new ConfigError(
      where,
      `expected a per-neuron state variable of ${group.name} (${stateVariables(group).join(', ') || 'none'}), found ${JSON.stringify(variable)}`,
    );
  const rng = new Rng(seed, streamOf(`${target.name}.${variable}`));
  draw(
    init,
    target.size,
    rng,
    where,
    indices ? (k, x) => (values[indices[k]] = x) : (k, x) => (values[k] = x),
  );
}
