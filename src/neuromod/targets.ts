import { Registry } from '../util/registry.js';

/** Where a modulatory effect acts: on synapses (plasticity), on cells (gain), or on the whole network (policy). */
export const SCALES = ['synapse', 'cell', 'network'] as const;
export type Scale = (typeof SCALES)[number];

/**
 * What modulators act on. The value of a target is its base changed by the sum S of its mapping's contributions
 * (sign x weight x the modulator's component):
 *   combine "scale": base * (1 + S)      combine "add": base + S
 * then clipped to [min, max]. Several modulators shaping one target simply add into S (many-to-one).
 */
export interface Target {
  name: string;
  description: string;
  base: number;
  combine: 'scale' | 'add';
  min: number;
  max: number;
  /** The scales it may act at (the first is the default). */
  scales: readonly Scale[];
}

export const targets = new Registry<Target>('modulation target');
export const registerTarget = (t: Target): void => targets.register(t.name, t);

registerTarget({
  name: 'plasticity_rate',
  description: 'multiplies the learning rate of synapses (a rule eta) or layers (an optimizer lr)',
  base: 1,
  combine: 'scale',
  min: 0,
  max: 100,
  scales: ['synapse', 'cell', 'network'],
});
registerTarget({
  name: 'eligibility_retention',
  description: 'the fraction of eligibility traces kept per update (below 1: traces partially reset)',
  base: 1,
  combine: 'scale',
  min: 0,
  max: 1,
  scales: ['synapse', 'network'],
});
registerTarget({
  name: 'consolidation',
  description: 'multiplies the strength of consolidation (a quadratic penalty lambda, a replay weight)',
  base: 1,
  combine: 'scale',
  min: 0,
  max: 100,
  scales: ['network', 'cell'],
});
registerTarget({
  name: 'gain',
  description: 'multiplies neuronal gain (an excitability current, a layer input scale)',
  base: 1,
  combine: 'scale',
  min: 0,
  max: 10,
  scales: ['cell', 'network'],
});
registerTarget({
  name: 'temperature',
  description: "the exploration temperature of the policy's softmax (1 / Doya's inverse temperature beta)",
  base: 1,
  combine: 'scale',
  min: 0.01,
  max: 100,
  scales: ['network'],
});
registerTarget({
  name: 'discount',
  description: 'the temporal discount gamma of the TD error',
  base: 0.9,
  combine: 'add',
  min: 0,
  max: 0.999,
  scales: ['network'],
});
registerTarget({
  name: 'action_inhibition',
  description: 'a bias toward withholding action (No-Go), added to the No-Go side of an action choice',
  base: 0,
  combine: 'add',
  min: 0,
  max: 10,
  scales: ['network', 'cell'],
});
