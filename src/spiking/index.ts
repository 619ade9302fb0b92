/** Spiking networks: LIF neurons, Poisson and spike-array inputs, sparse delayed projections, monitors. */
export {
  LifGroup,
  validateLif,
  validateLifMembrane,
  type LifParameters,
  type LifMembraneParameters,
  type CellType,
} from './neurons.js';
export { PoissonGroup, SpikeSourceArray } from './inputs.js';
export { Projection, type Connector, type ProjectionOptions } from './projection.js';
export {
  Network,
  SpikeMonitor,
  StateMonitor,
  PopulationRateMonitor,
  WeightMonitor,
  type SpikeSource,
  type NeuronPopulation,
} from './network.js';
export {
  AdaptiveLifGroup,
  IzhikevichGroup,
  IZHIKEVICH_REGULAR_SPIKING,
  IZHIKEVICH_FAST_SPIKING,
  type AdaptiveLifParameters,
  type IzhikevichParameters,
} from './adaptive.js';
export { cobaNetwork, COBA_EXCITATORY, type CobaOptions } from './coba.js';
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
export { TaylorRule, TAYLOR_VARIABLES, type TaylorTerm, type TaylorRuleParameters } from './taylor.js';
export { RateNetwork, RatePopulation, type RateProjection } from './rate-network.js';
export {
  SynapticScaling,
  HeterosynapticCompetition,
  RuleChain,
  type SynapticScalingParameters,
} from './homeostasis.js';
export { StructuralPlasticity, type StructuralPlasticityParameters } from './structural.js';
export {
  DiehlCookNetwork,
  DIEHL_COOK_DEFAULTS,
  DIEHL_COOK_TUNED,
  diehlCookParameters,
  membraneStep,
  assignLabels,
  classResponses,
  classify,
  classifyProportion,
  proportionWeights,
  type DiehlCookParameters,
  type DiehlCookOverrides,
  type DiehlCookCellParameters,
  type DiehlCookState,
  type Presentation,
} from './diehl-cook.js';
export {
  runDiehlCookProtocol,
  type DiehlCookProtocolOptions,
  type DiehlCookResult,
  type DiehlCookCheckpoint,
  type DiehlCookHooks,
  type DiehlCookProgress,
  type LabeledImages,
} from './diehl-cook-protocol.js';
