/**
 * SONATA, the network format of the Allen Institute's Brain Modeling Toolkit and NEST: reading circuits and
 * simulation configs (HDF5 through h5wasm), describing them, building them as neuroplast networks, and writing
 * networks back out.
 */
export { loadConfig, circuitFiles, type ResolvedConfig, type CircuitFiles } from './config.js';
export {
  readCircuit,
  readSpikes,
  readTypes,
  edgeColumn,
  edgeWeights,
  edgeDelays,
  looksLikeSonataConfig,
  type SonataCircuit,
  type SonataNodes,
  type SonataEdges,
  type SonataType,
  type SonataSpikes,
  type TypeValue,
} from './read.js';
export { readSimulation, type SonataSimulation, type SonataInput } from './simulation.js';
export { describeCircuit, nodeModel, type CircuitDescription } from './describe.js';
export { H5Reader, H5Writer, h5Ready, SONATA_MAGIC, SONATA_VERSION, type H5Column } from './h5.js';
export { buildSonataNetwork, groupName, type SonataNetwork, type PopulationGroups } from './build.js';
export {
  cellParameters,
  edgeTypeSynapse,
  supportedModel,
  SUPPORTED_MODELS,
  type CellParameters,
  type AlphaCellParameters,
  type DeltaCellParameters,
  type SupportedModel,
} from './models.js';
export {
  simulateSonata,
  writeSpikesH5,
  spikesCsv,
  type SonataRunResult,
  type PopulationSpikes,
} from './simulate.js';
export { exportSonata, type SonataExportOptions, type SonataExportResult } from './write.js';
