/** Published networks, built ready to run: one file each, exported here. */
export { cobaNetwork, COBA_EXCITATORY, type CobaOptions } from './coba.js';
export { cubaNetwork, CUBA_NEURON, type CubaOptions } from './cuba.js';
export { songStdpNetwork, songWeightStats, SONG_NEURON, type SongStdpOptions } from './song-stdp.js';
