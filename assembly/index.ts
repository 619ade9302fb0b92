// Entry point of the WASM kernels module (wasm/kernels.wasm): the GEMM and the network kernels.
export { sgemm, workspaceBytes } from './gemm';
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
} from './nn';
