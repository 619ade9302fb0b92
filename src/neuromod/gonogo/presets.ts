import type { MappingEntry } from '../mapping.js';
import type { ModulatorParameters } from '../modulator.js';

/**
 * The Go/No-Go learners' mapping: dopamine's phasic response is the TD error (the rules' third factor, read
 * directly); a noradrenaline burst (a surprising outcome) raises plasticity in actor and critic and the
 * exploration temperature; acetylcholine (|delta|, expected uncertainty) raises plasticity; tonic dopamine (the
 * reward rate) lowers exploration; serotonin (punishment) inhibits action.
 */
export const goNoGoMapping = (): MappingEntry[] => [
  {
    modulator: 'noradrenaline',
    component: 'phasic',
    target: 'plasticity_rate',
    weight: 1,
    where: ['actor', 'critic'],
  },
  { modulator: 'noradrenaline', component: 'phasic', target: 'temperature', weight: 3 },
  { modulator: 'acetylcholine', target: 'plasticity_rate', weight: 0.5, where: ['actor', 'critic'] },
  { modulator: 'dopamine', component: 'tonic', target: 'temperature', sign: -1, weight: 0.5 },
  { modulator: 'serotonin', target: 'action_inhibition', weight: 0.5 },
];

/** Time constants in ms of trial time (a trial is decision plus learning window, 700 ms by default). */
export const goNoGoModulators = (): Record<string, Partial<ModulatorParameters>> => ({
  dopamine: { tauPhasicMs: 200, tauTonicMs: 10_000 },
  noradrenaline: { tauPhasicMs: 20_000, phasicGain: 0.1, surpriseThreshold: 3 },
  acetylcholine: { tauTonicMs: 10_000, tauPhasicMs: 2_000 },
  serotonin: { tauTonicMs: 10_000, tauPhasicMs: 2_000 },
});
