import { z } from 'zod';
import { Rng } from '../util/rng.js';
import { ConfigError, DataFormatError } from '../util/errors.js';
import { parseSpec } from '../util/validate.js';
import { requireTimeConstant } from './params.js';
import { findReceptor, isPopulation, resolveNeurons } from './subgroup.js';
import { stateArray, stateRng, type SavedState } from './saved-state.js';
import type { SpikeSource } from './types.js';

/**
 * Background noise, described in data:
 * - `ou-current`: an Ornstein-Uhlenbeck current (pA) per neuron, mean `meanPa`, stationary s.d. `sigmaPa`,
 *   correlation time `tauMs`, added to the population's `inputPa` from the first step on (updated exactly each
 *   step, started from its stationary distribution);
 * - `ou-conductance`: an Ornstein-Uhlenbeck conductance (nS) per neuron on the excitatory or inhibitory receptor of
 *   a conductance-based LIF population (the point-conductance model of Destexhe et al. 2001), mean `meanNs`,
 *   stationary s.d. `sigmaNs`, correlation time `tauMs`: each step the receptor's variable holds its synaptic part
 *   plus the OU value (not clipped at 0: keep the mean a few s.d. above it);
 * - `poisson`: `count` independent Poisson trains at `rateHz` per neuron, each spike adding `weight` to the
 *   excitatory or inhibitory synaptic variable (Brian2's PoissonInput), delivered with this step's spikes.
 */
export const noiseSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('ou-current'),
    meanPa: z.number(),
    sigmaPa: z.number().nonnegative(),
    tauMs: z.number().positive(),
    seed: z.number().int().nonnegative(),
  }),
  z.strictObject({
    kind: z.literal('ou-conductance'),
    meanNs: z.number(),
    sigmaNs: z.number().nonnegative(),
    tauMs: z.number().positive(),
    receptor: z.enum(['exc', 'inh']),
    seed: z.number().int().nonnegative(),
  }),
  z.strictObject({
    kind: z.literal('poisson'),
    rateHz: z.number().nonnegative(),
    count: z.number().int().positive().default(1),
    weight: z.number().nonnegative(),
    receptor: z.enum(['exc', 'inh']),
    seed: z.number().int().nonnegative(),
  }),
]);
export type NoiseSpec = z.input<typeof noiseSpecSchema>;

/** Noise acting on some neurons: `beforeStep` runs before the groups step, `afterStep` with spike delivery. */
export interface NoiseSource {
  readonly description: z.output<typeof noiseSpecSchema>;
  readonly target: SpikeSource;
  beforeStep(): void;
  afterStep(): void;
  /** The generator and, for an OU process, each neuron's current value (saved networks). */
  saveState(): SavedState;
  loadState(state: SavedState, where: string): void;
}

/** Builds a noise source for a group or subgroup, one line naming the field on bad input. */
export function createNoise(
  target: SpikeSource,
  spec: NoiseSpec,
  dtMs: number,
  where = `${target.name}.noise`,
): NoiseSource {
  const d = parseSpec(noiseSpecSchema, spec, where);
  const { group, indices } = resolveNeurons(target);
  const n = target.size;
  const at = indices ?? Int32Array.from({ length: n }, (_, k) => k);
  const rng = new Rng(d.seed, 23);
  if (d.kind === 'ou-current') {
    const input: unknown = (group as unknown as { inputPa?: unknown }).inputPa;
    if (!(input instanceof Float32Array))
      throw new ConfigError(
        `${where}.kind`,
        `ou-current needs a population with an inputPa current (LIF, adaptive LIF), ${group.name} has none`,
      );
    // The current stays in inputPa from step to step: all of the last value is replaced.
    return ouSource(
      target,
      d,
      { mean: d.meanPa, sigma: d.sigmaPa, tauMs: d.tauMs },
      input,
      1,
      at,
      rng,
      dtMs,
      where,
    );
  }
  if (d.kind === 'ou-conductance') {
    const params = (group as { params?: { synapse?: string; tauExcMs?: number; tauInhMs?: number } }).params;
    if (!isPopulation(group) || params?.synapse !== 'conductance')
      throw new ConfigError(
        `${where}.kind`,
        `ou-conductance needs a conductance-based LIF population, ${group.name} is not one (ou-current adds a current)`,
      );
    const tauSynMs = d.receptor === 'exc' ? params.tauExcMs! : params.tauInhMs!;
    // The group decays its synaptic variable each step, the noise's last value with it: that much remains.
    const remains = Math.fround(Math.exp(-dtMs / tauSynMs));
    const values = d.receptor === 'exc' ? group.exc : group.inh;
    return ouSource(
      target,
      d,
      { mean: d.meanNs, sigma: d.sigmaNs, tauMs: d.tauMs },
      values,
      remains,
      at,
      rng,
      dtMs,
      where,
    );
  }
  if (!isPopulation(group))
    throw new ConfigError(
      `${where}.kind`,
      `poisson noise needs a neuron population, ${group.name} is an input group`,
    );
  const lambda = (d.count * d.rateHz * dtMs) / 1000;
  // Inverse-transform sampling from a cumulative table: one uniform draw per neuron and step.
  const cdf: number[] = [];
  let p = Math.exp(-lambda);
  let sum = p;
  for (let k = 0; sum < 1 - 1e-12 && k < 1000; k++) {
    cdf.push(sum);
    p *= lambda / (k + 1);
    sum += p;
  }
  cdf.push(1);
  const table = Float64Array.from(cdf);
  // A model whose receptors do not include the named one (a GlifPscGroup without exc) is refused.
  const dst = findReceptor(group, d.receptor, where).input!;
  return {
    description: d,
    target,
    beforeStep() {},
    afterStep() {
      for (let k = 0; k < n; k++) {
        const u = rng.float();
        let spikes = 0;
        while (u >= table[spikes]) spikes++;
        if (spikes > 0) dst[at[k]] += spikes * d.weight;
      }
    },
    saveState: () => ({ rng: rng.getState() }),
    loadState(state, where) {
      rng.setState(stateRng(state, 'rng', where));
    },
  };
}

/**
 * An Ornstein-Uhlenbeck process per neuron added into `values` (inputPa, or a synaptic variable), updated exactly
 * each step before the groups step and started from its stationary distribution. `remains` is how much of its last
 * value the array still holds at the next step (1 for a current; the receptor's decay for a synaptic variable), so
 * each step adds the new value minus what remains of the old one. `applied` says whether `values` holds the noise
 * now: a loaded network's restored arrays are taken as they are.
 */
function ouSource(
  target: SpikeSource,
  description: z.output<typeof noiseSpecSchema>,
  ou: { mean: number; sigma: number; tauMs: number },
  values: Float32Array,
  remains: number,
  at: Int32Array,
  rng: Rng,
  dtMs: number,
  where: string,
): NoiseSource {
  requireTimeConstant(where, 'tauMs', ou.tauMs, dtMs);
  const n = at.length;
  const decay = Math.exp(-dtMs / ou.tauMs);
  const kick = ou.sigma * Math.sqrt(1 - decay * decay);
  const x = new Float64Array(n);
  const normals = new Float64Array(n + 1);
  // Stateless pairs of normals (both Box-Muller outputs used), so the Rng state alone says where the noise is.
  const fillNormals = () => {
    for (let k = 0; k < n; k += 2) {
      let u = rng.float();
      while (u === 0) u = rng.float();
      const r = Math.sqrt(-2 * Math.log(u));
      const a = 2 * Math.PI * rng.float();
      normals[k] = r * Math.cos(a);
      normals[k + 1] = r * Math.sin(a);
    }
  };
  fillNormals();
  for (let k = 0; k < n; k++) x[k] = ou.mean + ou.sigma * normals[k];
  let applied = false;
  return {
    description,
    target,
    beforeStep() {
      fillNormals();
      for (let k = 0; k < n; k++) {
        const next = ou.mean + (x[k] - ou.mean) * decay + kick * normals[k];
        values[at[k]] += applied ? next - remains * x[k] : next;
        x[k] = next;
      }
      applied = true;
    },
    afterStep() {},
    saveState: () => ({ rng: rng.getState(), x: Float64Array.from(x), applied }),
    loadState(state, where) {
      x.set(stateArray(state, 'x', 'float64', n, where, 'one per neuron'));
      rng.setState(stateRng(state, 'rng', where));
      if (typeof state.applied !== 'boolean')
        throw new DataFormatError(
          `${where}.applied`,
          `expected true or false, found ${JSON.stringify(state.applied)}`,
        );
      applied = state.applied;
    },
  };
}
