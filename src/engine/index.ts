/** Compute engine: Float32 kernels behind a backend registry, layers with forward/backward, models, losses. */
export type {
  Kernels,
  BackendControl,
  StateStorage,
  NnKernels,
  OptimKernels,
  SpikingKernels,
  AlphaTerms,
  TraceTerms,
  AdamTerms,
  BaseDirectionTerms,
  Gemm,
  ConvGeometry,
  PoolGeometry,
} from './kernels/types.js';
export { convGeometry, poolGeometry } from './kernels/types.js';
export {
  LifParam,
  Glif3Param,
  ConvGeometrySlot,
  PoolGeometrySlot,
  TraceSum,
  ResidualSum,
} from './kernels/layouts.js';
export { composeKernels, type KernelFamilies } from './kernels/backend.js';
export { referenceKernels } from './kernels/reference.js';
// The reference backend's kernel families: a backend from outside the engine composes its own from them
// (composeKernels), replacing the kernels it implements.
export { referenceNn } from './kernels/reference-nn.js';
export { referenceOptim } from './kernels/reference-optim.js';
export { referenceSpiking } from './kernels/reference-spiking.js';
export { kernels, registerBackend, setBackend, getBackend, backendNames } from './kernels/registry.js';
export { createWasmBackends } from './kernels/wasm.js';
export { serveKernelCalls, type KernelThreadData, type KernelThreadStarter } from './kernels/wasm-control.js';
export { tensor, param, sizeOf, formatShape, ensureTensor, type Tensor, type Param } from './tensor.js';
export { Layer, type LayerActivity, type Buffer } from './layers/layer.js';
export { Dense } from './layers/dense.js';
export { ReLU, Flatten } from './layers/activations.js';
export { Conv2D, type Conv2DOptions } from './layers/conv.js';
export { MaxPool2D, AvgPool2D, GlobalAvgPool } from './layers/pool.js';
export { BatchNorm, type BatchNormOptions } from './layers/batchnorm.js';
export { Dropout } from './layers/dropout.js';
export { BasicBlock } from './layers/residual.js';
export { Sequential } from './model.js';
export {
  buildModel,
  mlp,
  cnn,
  resnet18,
  type ModelSpec,
  type MlpSpec,
  type CnnSpec,
  type ResNet18Spec,
} from './models.js';
export { softmaxCrossEntropy, type LossResult } from './loss.js';
export { encodeBundle, decodeBundle, type Bundle, type NamedTensor } from './serialize.js';
export {
  modelState,
  restoreModelState,
  layerFromConfig,
  encodeModel,
  decodeModel,
  saveModel,
  loadModel,
} from './model-io.js';
