/** Published networks, built ready to run: one file each, exported here. */
export { cobaNetwork, COBA_EXCITATORY, type CobaOptions } from './coba.js';
export { songStdpNetwork, songWeightStats, SONG_NEURON, type SongStdpOptions } from './song-stdp.js';
