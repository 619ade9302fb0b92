/**
 * Neuromodulation: dopamine, acetylcholine, noradrenaline and serotonin as small tonic-phasic dynamical systems driven
 * by a learner's signals; a mapping from them to what they modulate (plasticity rate, eligibility, consolidation,
 * gain, exploration, discount, action inhibition), many-to-one; surprise detection; and the bridges into spiking
 * networks (the modulatory-signal contract) and gradient learners (per-layer learning rates, a softmax policy).
 */
import './modulators/index.js';

export type { LearnerSignals } from './signals.js';
export { SIGNAL_NAMES } from './signals.js';
export {
  COMPONENTS,
  TonicPhasicModulator,
  createModulator,
  modulatorKinds,
  registerModulator,
  type Component,
  type Modulator,
  type ModulatorKind,
  type ModulatorParameters,
  type ModulatorState,
} from './modulator.js';
export { SCALES, targets, registerTarget, type Scale, type Target } from './targets.js';
export { resolveMapping, type MappingEntry, type ResolvedEntry } from './mapping.js';
export { NeuromodulatorySystem, type NeuromodulationOptions, type ModulationSnapshot } from './system.js';
export { doyaMapping, manyToOneMapping, MAPPING_PRESETS } from './presets.js';
export { OutcomeSurprise, type OutcomeSurpriseOptions, type SurpriseReading } from './surprise.js';
export {
  connectNeuromodulation,
  type SpikingNeuromodulation,
  type SignalSpec,
  type TraceHolder,
  type GainCell,
} from './spiking.js';
export { modulateLearningRates, softmaxPolicy, sampleIndex } from './gradient.js';
export * from './gonogo/index.js';
export { neuromodulatedReplay, type SwitchDetections } from './task-free.js';
export { PeakTrace } from './peak-trace.js';
export {
  LossChangeDetector,
  DEFAULT_LOSS_CHANGE,
  lossChangeFields,
  type LossChangeSettings,
  type LossReading,
} from './loss-change.js';
