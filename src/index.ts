/**
 * neuroplast: one namespace per part (each folder's index.ts is that part's public API). The TensorFlow.js adapter
 * is a separate entry point, `neuroplast/tfjs`, because tfjs is an optional peer dependency.
 */
export * as data from './data/index.js';
export * as engine from './engine/index.js';
export * as optim from './optim/index.js';
export * as spiking from './spiking/index.js';
export * as evolution from './evolution/index.js';
export * as cortex from './cortex/index.js';
export * as adapt from './adapt/index.js';
export * as experiments from './experiments/index.js';
export * as viz from './viz/index.js';
export { VERSION } from './version.js';
