import type { Gemm, Kernels } from './types.js';
import * as nn from './reference-nn.js';
import { referenceOptim } from './reference-optim.js';
import { referenceSpiking } from './reference-spiking.js';

/** Scratch buffers reused across calls so the hot path does not allocate. */
let packA: Float32Array = new Float32Array(0);
let packB: Float32Array = new Float32Array(0);

function scratch(buf: Float32Array, n: number): Float32Array {
  return buf.length >= n ? buf : new Float32Array(Math.max(n, buf.length * 2));
}

/**
 * Portable TypeScript GEMM. Transposed operands are first copied to row-major (O(MK + KN), small next to
 * the O(MNK) product), then an i-k-j loop streams rows of B through a row of C, which V8 compiles to tight
 * scalar code. Blocking over k keeps the B panel in cache for large sizes.
 */
const gemm: Gemm = (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) => {
  checkGemmArgs(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  // Scale C by beta first (beta = 0 must overwrite NaN/garbage, as BLAS does).
  for (let i = 0; i < m; i++) {
    const row = i * ldc;
    if (beta === 0) c.fill(0, row, row + n);
    else if (beta !== 1) for (let j = 0; j < n; j++) c[row + j] *= beta;
  }
  if (k === 0 || alpha === 0) return;
  let A = a;
  let strideA = lda;
  if (transA) {
    packA = scratch(packA, m * k);
    A = packA;
    strideA = k;
    for (let p = 0; p < k; p++) for (let i = 0; i < m; i++) A[i * k + p] = a[p * lda + i];
  }
  let B = b;
  let strideB = ldb;
  if (transB) {
    packB = scratch(packB, k * n);
    B = packB;
    strideB = n;
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) B[p * n + j] = b[j * ldb + p];
  }
  const KB = 256;
  for (let p0 = 0; p0 < k; p0 += KB) {
    const p1 = Math.min(k, p0 + KB);
    for (let i = 0; i < m; i++) {
      const crow = i * ldc;
      const arow = i * strideA;
      for (let p = p0; p < p1; p++) {
        const av = alpha * A[arow + p];
        if (av === 0) continue;
        const brow = p * strideB;
        for (let j = 0; j < n; j++) c[crow + j] += av * B[brow + j];
      }
    }
  }
};

/** Throws a RangeError if a leading dimension or buffer is too small for the GEMM it describes. */
export function checkGemmArgs(
  ...[transA, transB, m, n, k, , a, lda, b, ldb, , c, ldc]: Parameters<Gemm>
): void {
  const rowsA = transA ? k : m;
  const colsA = transA ? m : k;
  const rowsB = transB ? n : k;
  const colsB = transB ? k : n;
  if (lda < colsA || ldb < colsB || ldc < n) {
    throw new RangeError(
      `gemm: leading dimension too small (lda ${lda}/${colsA}, ldb ${ldb}/${colsB}, ldc ${ldc}/${n})`,
    );
  }
  if (rowsA > 0 && a.length < (rowsA - 1) * lda + colsA)
    throw new RangeError(`gemm: A has ${a.length} elements, needs ${(rowsA - 1) * lda + colsA}`);
  if (rowsB > 0 && b.length < (rowsB - 1) * ldb + colsB)
    throw new RangeError(`gemm: B has ${b.length} elements, needs ${(rowsB - 1) * ldb + colsB}`);
  if (m > 0 && c.length < (m - 1) * ldc + n)
    throw new RangeError(`gemm: C has ${c.length} elements, needs ${(m - 1) * ldc + n}`);
}

export const referenceKernels: Kernels = {
  name: 'reference',
  gemm,
  ...nn.referenceElementwise,
  ...referenceOptim,
  ...referenceSpiking,
  im2col: nn.im2col,
  col2im: nn.col2im,
  ...nn.convKernels(gemm, nn.im2col, nn.col2im),
  maxPool2dForward: nn.maxPool2dForward,
  maxPool2dBackward: nn.maxPool2dBackward,
  avgPool2dForward: nn.avgPool2dForward,
  avgPool2dBackward: nn.avgPool2dBackward,
};
