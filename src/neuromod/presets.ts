import type { MappingEntry } from './mapping.js';

/**
 * Doya (2002), "Metalearning and neuromodulation": one modulator per meta-parameter. Dopamine is the TD error itself
 * (the third factor a rule reads with `read('dopamine', 'phasic')`), acetylcholine the learning rate, noradrenaline
 * the inverse temperature (more NA, less random choice), serotonin the discount (more 5-HT, more patience).
 */
export const doyaMapping = (): MappingEntry[] => [
  { modulator: 'acetylcholine', target: 'plasticity_rate', weight: 1 },
  { modulator: 'noradrenaline', target: 'temperature', sign: -1, weight: 0.5 },
  { modulator: 'serotonin', target: 'discount', weight: 0.05 },
];

/**
 * Many-to-one (after Mei et al. 2025): each function shaped by several modulators, at several scales and time
 * scales. A noradrenaline burst (a detected change) raises plasticity, gain and exploration, partially resets
 * eligibility and relaxes consolidation; acetylcholine (expected uncertainty) raises plasticity and relaxes
 * consolidation; tonic dopamine (reward rate) lowers exploration; serotonin sets patience and action inhibition.
 */
export const manyToOneMapping = (): MappingEntry[] => [
  { modulator: 'acetylcholine', target: 'plasticity_rate', weight: 1 },
  { modulator: 'noradrenaline', component: 'phasic', target: 'plasticity_rate', weight: 1 },
  { modulator: 'noradrenaline', component: 'phasic', target: 'eligibility_retention', sign: -1, weight: 0.5 },
  { modulator: 'noradrenaline', component: 'phasic', target: 'consolidation', sign: -1, weight: 1 },
  { modulator: 'acetylcholine', target: 'consolidation', sign: -1, weight: 0.5 },
  { modulator: 'noradrenaline', component: 'phasic', target: 'gain', scale: 'cell', weight: 0.5 },
  { modulator: 'acetylcholine', target: 'gain', scale: 'cell', weight: 0.25 },
  { modulator: 'noradrenaline', component: 'phasic', target: 'temperature', weight: 1 },
  { modulator: 'dopamine', component: 'tonic', target: 'temperature', sign: -1, weight: 0.5 },
  { modulator: 'serotonin', component: 'tonic', target: 'discount', weight: 0.05 },
  { modulator: 'serotonin', target: 'action_inhibition', weight: 1 },
];

export const MAPPING_PRESETS: Readonly<Record<string, () => MappingEntry[]>> = {
  doya: doyaMapping,
  'many-to-one': manyToOneMapping,
};
