/** Compute engine: Float32 kernels behind a backend registry, layers with forward/backward, models, losses. */
export type { Kernels, Gemm } from './kernels/types.js';
export { referenceKernels } from './kernels/reference.js';
export { kernels, registerBackend, setBackend, getBackend, backendNames } from './kernels/registry.js';
export { tensor, param, sizeOf, formatShape, type Tensor, type Param } from './tensor.js';
export { Layer, type LayerActivity } from './layers/layer.js';
export { Dense } from './layers/dense.js';
export { ReLU, Flatten } from './layers/activations.js';
export { Sequential } from './model.js';
export { buildModel, mlp, type ModelSpec, type MlpSpec } from './models.js';
export { softmaxCrossEntropy, type LossResult } from './loss.js';
export { encodeBundle, decodeBundle, type Bundle, type NamedTensor } from './serialize.js';
