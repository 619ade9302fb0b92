// Entry point of the WASM kernels module (wasm/kernels.wasm): the GEMM, the network and the optimizer kernels.
export { sgemm, workspaceBytes } from './gemm';
export { lifStep, glif3Step, poissonStep } from './spiking';
export {
  neuroplasticTraces,
  neuroplasticUpdate,
  applyUpdate,
  adamUpdate,
  baseDirection,
  neuroplasticResidual,
  applyResidualUpdate,
  siStep,
} from './optim';
export {
  im2col,
  col2im,
  conv2dForward,
  conv2dBackward,
  relu,
  reluBackward,
  axpy,
  scale,
  dot,
  channelSum,
  gemv,
  ger,
  maxPool2dForward,
  maxPool2dBackward,
  avgPool2d,
} from './nn';
