/**
 * The adaptation case studies' parts: vision under corruptions and drifts, a cart-pole whose dynamics change, and a
 * language model meeting a second dialect. Their task kinds (`adapt-vision`, `adapt-cartpole`, `adapt-dialect`)
 * live with the other kinds in src/experiments/kinds.
 */
export * as vision from './vision/index.js';
export * as cartpole from './cartpole/index.js';
export * as dialect from './dialect/index.js';
export { Rng } from '../util/rng.js';
