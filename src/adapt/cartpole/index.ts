/**
 * A cart-pole whose dynamics can change (between and within episodes) and three kinds of controller: a fixed
 * network evolved directly, a random network with evolved synapse-specific Hebbian rules, and a spiking actor that
 * learns during life by a three-factor rule.
 */
export {
  CartPole,
  STANDARD_CART_POLE,
  OBSERVATION_SCALE,
  checkCartPoleParams,
  type CartPoleParams,
  type CartPoleState,
} from './env.js';
export {
  FixedNetworkController,
  HebbianNetworkController,
  SpikingThreeFactorController,
  SPIKING_CONTROLLER_OPTIONS,
  fixedNetworkGenomeSize,
  hebbianGenomeSize,
  HEBBIAN_COEFFICIENTS,
  OBSERVATION_SIZE,
  type Controller,
  type HebbianNetworkOptions,
  type SpikingControllerOptions,
} from './controllers.js';
export {
  runEpisodes,
  recoveryEpisodes,
  phaseStarts,
  checkPhases,
  BALANCED_REWARD,
  FAILURE_REWARD,
  type DynamicsPhase,
  type EpisodeResult,
} from './evaluate.js';
export {
  cartPoleProblem,
  controllerFromGenome,
  evolveController,
  type CartPoleProblemOptions,
  type EvolveOptions,
  type EvolveResult,
} from './problems.js';
