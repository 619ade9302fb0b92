import { ConfigError } from '../util/errors.js';
import type { Optimizer } from '../optim/index.js';
import type { Sequential } from '../engine/index.js';
import type { Rng } from '../util/rng.js';
import type { NeuromodulatorySystem } from './system.js';

/**
 * Per-layer learning rates from the system: every layer with parameters learns at the optimizer's lr times
 * plasticity_rate read at the layer's name (so a mapping entry with `where: [fc1]` acts on that layer only), or at
 * `where` for every layer (a whole network named as one place, e.g. `actor`).
 */
export function modulateLearningRates(
  optimizer: Optimizer,
  model: Sequential,
  system: NeuromodulatorySystem,
  where?: string,
): void {
  for (const layer of model.layers) {
    const params = layer.params();
    if (params.length === 0) continue;
    const scale = system.target('plasticity_rate', where ?? layer.name);
    for (const p of params) optimizer.lrScales.set(p.name, scale);
  }
}

/**
 * The softmax policy at temperature T over action preferences: p_a = exp(q_a / T) / sum_b exp(q_b / T), written into
 * `out` (computed with the largest preference subtracted, so any finite preferences are safe).
 */
export function softmaxPolicy(
  preferences: ArrayLike<number>,
  temperature: number,
  out = new Float64Array(preferences.length),
): Float64Array {
  if (!(temperature > 0 && Number.isFinite(temperature)))
    throw new ConfigError('temperature', `expected a positive number, found ${temperature}`);
  let max = -Infinity;
  for (let i = 0; i < preferences.length; i++) max = Math.max(max, preferences[i]);
  let total = 0;
  for (let i = 0; i < preferences.length; i++)
    total += out[i] = Math.exp((preferences[i] - max) / temperature);
  for (let i = 0; i < preferences.length; i++) out[i] /= total;
  return out;
}

/** An index drawn with the given probabilities (summing to 1). */
export function sampleIndex(probabilities: ArrayLike<number>, rng: Rng): number {
  let u = rng.float();
  for (let i = 0; i < probabilities.length - 1; i++) {
    u -= probabilities[i];
    if (u < 0) return i;
  }
  return probabilities.length - 1;
}
