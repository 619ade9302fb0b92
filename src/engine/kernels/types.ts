/**
 * The kernel interface every backend implements (tfjs-core style): the TypeScript reference defines the
 * answer; faster backends must agree with it to float32 rounding and are tested against it.
 * All matrices are row-major Float32Array with explicit leading dimensions.
 */
export interface Kernels {
  readonly name: string;
  gemm: Gemm;
}

/**
 * C = alpha * op(A) * op(B) + beta * C, where op(A) is M x K and op(B) is K x N.
 * transA: A is stored K x M (lda >= M); transB: B is stored N x K (ldb >= K).
 */
export type Gemm = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
) => void;
