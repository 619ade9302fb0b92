/** Neuron models: each a `NeuronPopulation` that a `Network` steps and projections deliver to. */
export {
  LifGroup,
  validateLif,
  validateLifMembrane,
  type LifParameters,
  type LifMembraneParameters,
} from './lif.js';
export { AdaptiveLifGroup, type AdaptiveLifParameters } from './adaptive-lif.js';
export { Glif3Group, validateGlif3, glif3Propagator, type Glif3Parameters } from './glif3.js';
export { GlifPscGroup, validateGlifPsc, type GlifPscParameters, type GlifPscReceptor } from './glif-psc.js';
export { IafPscDeltaGroup, validateIafPscDelta, type IafPscDeltaParameters } from './iaf-psc-delta.js';
export {
  IzhikevichGroup,
  IZHIKEVICH_REGULAR_SPIKING,
  IZHIKEVICH_FAST_SPIKING,
  type IzhikevichParameters,
} from './izhikevich.js';
