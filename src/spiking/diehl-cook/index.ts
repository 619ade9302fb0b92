/** Diehl & Cook (2015): parameters, cells, input, the network and the train-label-test protocol. */
export {
  DIEHL_COOK_DEFAULTS,
  DIEHL_COOK_TUNED,
  DIEHL_COOK_PAPER,
  diehlCookParameters,
  validateDiehlCook,
  validateDiehlCookCell,
  diehlCookParametersSchema,
  diehlCookCellSchema,
  diehlCookOverridesSchema,
  type DiehlCookParameters,
  type DiehlCookOverrides,
  type DiehlCookCellParameters,
} from './parameters.js';
export { DiehlCookCellGroup, membraneStep } from './cells.js';
export { PoissonPresentation } from './input.js';
export { DiehlCookNetwork, DIEHL_COOK_FORMAT, type DiehlCookState, type Presentation } from './network.js';
export {
  runDiehlCookProtocol,
  type DiehlCookProtocolOptions,
  type DiehlCookResult,
  type DiehlCookCheckpoint,
  type DiehlCookHooks,
  type DiehlCookProgress,
  type LabeledImages,
} from './protocol.js';
