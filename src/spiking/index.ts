/**
 * Spiking networks: neuron models, Poisson and spike-array inputs, sparse delayed projections, plasticity rules,
 * modulatory signals, monitors, readouts, and the Diehl & Cook model. The extension points are the interfaces of
 * types.ts.
 */
export type {
  SpikeSource,
  NeuronPopulation,
  CellType,
  Receptor,
  StateVariable,
  PlasticityRule,
  ModulatedRule,
  ModulatorSource,
  Monitor,
} from './types.js';
export {
  LifGroup,
  validateLif,
  validateLifMembrane,
  AdaptiveLifGroup,
  Glif3Group,
  validateGlif3,
  glif3Propagator,
  GlifPscGroup,
  validateGlifPsc,
  IafPscDeltaGroup,
  validateIafPscDelta,
  IzhikevichGroup,
  IZHIKEVICH_REGULAR_SPIKING,
  IZHIKEVICH_FAST_SPIKING,
  type LifParameters,
  type LifMembraneParameters,
  type AdaptiveLifParameters,
  type Glif3Parameters,
  type GlifPscParameters,
  type GlifPscReceptor,
  type IafPscDeltaParameters,
  type IzhikevichParameters,
} from './neurons/index.js';
export { PoissonGroup, SparsePoissonGroup, SpikeSourceArray } from './inputs.js';
export { Projection, type Connector, type ProjectionOptions } from './projection.js';
export {
  Network,
  type Connection,
  type DelayBuffer,
  type NetworkOperation,
  type OperationSlot,
  type NetworkLoadOptions,
} from './network.js';
export { Subgroup } from './subgroup.js';
export {
  initialize,
  initializerSpecSchema,
  stateVariables,
  type Initializer,
  type InitializerSpec,
} from './initializers.js';
export { createNoise, noiseSpecSchema, type NoiseSource, type NoiseSpec } from './noise.js';
/** The library's seeded generator (xoshiro128**), for weights, delays and initial values drawn in user code. */
export { Rng } from '../util/rng.js';
export {
  SpikeMonitor,
  StateMonitor,
  PopulationRateMonitor,
  WeightMonitor,
  SampledMonitor,
  encodeName,
  type SynapseSelection,
} from './monitors.js';
export {
  ConstantModulator,
  FunctionModulator,
  ScheduledModulator,
  DEFAULT_MODULATOR,
  isModulatedRule,
} from './modulators.js';
import './builtin-kinds.js';
export {
  registerPlasticityRule,
  createPlasticityRule,
  plasticityRuleKinds,
  registerModulatorKind,
  createModulator,
  modulatorKinds,
  parameterNames,
  type PlasticityRuleKind,
  type ModulatorKind,
  type KindDescription,
} from './registries.js';
export * from './presets/index.js';
export {
  PairStdp,
  RewardModulatedStdp,
  InhibitoryStdp,
  TripletStdp,
  type TripletStdpParameters,
  type PairStdpParameters,
  type InhibitoryStdpParameters,
} from './stdp.js';
export { Hebbian, Oja, Bcm, Covariance, type RateRule } from './rate-rules.js';
export {
  TaylorRule,
  TAYLOR_VARIABLES,
  type TaylorTerm,
  type TaylorRuleParameters,
  type AdaptiveScaling,
} from './taylor.js';
export { EventTaylorRule, type EventTaylorRuleParameters } from './taylor-event.js';
export { RateNetwork, RatePopulation, type RateProjection } from './rate-network.js';
export {
  SynapticScaling,
  HeterosynapticCompetition,
  RuleChain,
  type SynapticScalingParameters,
} from './homeostasis.js';
export { StructuralPlasticity, type StructuralPlasticityParameters } from './structural.js';
export {
  classResponses,
  assignLabels,
  proportionWeights,
  classify,
  classifyProportion,
  labelNeurons,
  predictClasses,
  confusionMatrix,
  accuracy,
  type NeuronLabels,
} from './readout.js';
export * from './diehl-cook/index.js';
export {
  saveNetwork,
  loadNetwork,
  networkPersistence,
  registerGroupKind,
  groupKinds,
  saveMonitors,
  loadMonitors,
  NETWORK_FORMAT,
  type GroupKind,
  type LoadNetworkOptions,
} from './persist.js';
export {
  isSavable,
  stateArray,
  stateNumber,
  stateString,
  stateRng,
  stateObject,
  stateList,
  savedSpikes,
  type Savable,
  type SavedState,
  type StateValue,
  type StateArray,
} from './saved-state.js';
