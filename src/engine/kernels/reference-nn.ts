import type { ConvGeometry, Gemm, NnKernels, PoolGeometry } from './types.js';

// The reference network kernels, in plain TypeScript: they define the answer.

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
  // Transposed operands are packed row-major first.
  if (transA) transpose(a, lda, k, m, (packA = scratch(packA, m * k)));
  if (transB) transpose(b, ldb, n, k, (packB = scratch(packB, k * n)));
  const A = transA ? packA : a;
  const strideA = transA ? k : lda;
  const B = transB ? packB : b;
  const strideB = transB ? n : ldb;
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

/** Copies `rows` x `cols` matrix `src` (row stride `ld`) transposed into `dst` (cols x rows, packed). */
function transpose(src: Float32Array, ld: number, rows: number, cols: number, dst: Float32Array): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * ld + c];
}

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

export function im2col(g: ConvGeometry, x: Float32Array, xOffset: number, cols: Float32Array): void {
  const { inH, inW, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW } = g;
  const spatial = outH * outW;
  let row = 0;
  for (let c = 0; c < g.inChannels; c++) {
    const plane = xOffset + c * inH * inW;
    for (let ki = 0; ki < kernelH; ki++) {
      for (let kj = 0; kj < kernelW; kj++, row++) {
        let at = row * spatial;
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * strideH - padH + ki;
          if (iy < 0 || iy >= inH) {
            cols.fill(0, at, at + outW);
            at += outW;
            continue;
          }
          const line = plane + iy * inW;
          for (let ox = 0; ox < outW; ox++, at++) {
            const ix = ox * strideW - padW + kj;
            cols[at] = ix >= 0 && ix < inW ? x[line + ix] : 0;
          }
        }
      }
    }
  }
}

export function col2im(g: ConvGeometry, cols: Float32Array, dx: Float32Array, dxOffset: number): void {
  const { inH, inW, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW } = g;
  const spatial = outH * outW;
  let row = 0;
  for (let c = 0; c < g.inChannels; c++) {
    const plane = dxOffset + c * inH * inW;
    for (let ki = 0; ki < kernelH; ki++) {
      for (let kj = 0; kj < kernelW; kj++, row++) {
        let at = row * spatial;
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * strideH - padH + ki;
          if (iy < 0 || iy >= inH) {
            at += outW;
            continue;
          }
          const line = plane + iy * inW;
          for (let ox = 0; ox < outW; ox++, at++) {
            const ix = ox * strideW - padW + kj;
            if (ix >= 0 && ix < inW) dx[line + ix] += cols[at];
          }
        }
      }
    }
  }
}

/** A 1x1, stride-1, unpadded convolution reads the image itself as its column matrix. */
export function isPointwise(g: ConvGeometry): boolean {
  return (
    g.kernelH === 1 && g.kernelW === 1 && g.strideH === 1 && g.strideW === 1 && g.padH === 0 && g.padW === 0
  );
}

/**
 * Convolution as im2col + GEMM per image (Caffe's scheme), given a backend's GEMM and im2col/col2im:
 * y_n[Cout, HW] = W[Cout, C*kh*kw] cols_n; dW += dy_n cols_n^T; dcols = W^T dy_n, folded by col2im.
 */
export function convKernels(
  gemm: Gemm,
  unfold: typeof im2col,
  fold: typeof col2im,
): Pick<NnKernels, 'conv2dForward' | 'conv2dBackward'> {
  let cols = new Float32Array(0);
  const colsFor = (n: number) => (cols.length >= n ? cols : (cols = new Float32Array(n)));
  return {
    conv2dForward(g, batch, x, weight, bias, y, relu = false) {
      const kdim = g.inChannels * g.kernelH * g.kernelW;
      const spatial = g.outH * g.outW;
      const inSize = g.inChannels * g.inH * g.inW;
      const outSize = g.outChannels * spatial;
      const pointwise = isPointwise(g);
      const buf = pointwise ? cols : colsFor(kdim * spatial);
      for (let b = 0; b < batch; b++) {
        const yn = y.subarray(b * outSize, (b + 1) * outSize);
        if (bias) for (let o = 0; o < g.outChannels; o++) yn.fill(bias[o], o * spatial, (o + 1) * spatial);
        let src: Float32Array = buf;
        if (pointwise) src = x.subarray(b * inSize, (b + 1) * inSize);
        else unfold(g, x, b * inSize, buf);
        gemm(
          false,
          false,
          g.outChannels,
          spatial,
          kdim,
          1,
          weight,
          kdim,
          src,
          spatial,
          bias ? 1 : 0,
          yn,
          spatial,
        );
      }
      if (relu) for (let i = 0; i < batch * outSize; i++) y[i] = y[i] > 0 ? y[i] : 0;
    },
    conv2dBackward(g, batch, x, weight, dy, dWeight, dBias, dx) {
      const kdim = g.inChannels * g.kernelH * g.kernelW;
      const spatial = g.outH * g.outW;
      const inSize = g.inChannels * g.inH * g.inW;
      const outSize = g.outChannels * spatial;
      const pointwise = isPointwise(g);
      const buf = colsFor(kdim * spatial);
      if (dBias) channelSum(batch, g.outChannels, spatial, dy, dBias);
      if (dx) dx.fill(0, 0, batch * inSize);
      for (let b = 0; b < batch; b++) {
        const dyn = dy.subarray(b * outSize, (b + 1) * outSize);
        let src: Float32Array = buf;
        if (pointwise) src = x.subarray(b * inSize, (b + 1) * inSize);
        else unfold(g, x, b * inSize, buf);
        gemm(false, true, g.outChannels, kdim, spatial, 1, dyn, spatial, src, spatial, 1, dWeight, kdim);
        if (!dx) continue;
        if (pointwise) {
          const dxn = dx.subarray(b * inSize, (b + 1) * inSize);
          gemm(true, false, kdim, spatial, g.outChannels, 1, weight, kdim, dyn, spatial, 0, dxn, spatial);
        } else {
          gemm(true, false, kdim, spatial, g.outChannels, 1, weight, kdim, dyn, spatial, 0, buf, spatial);
          fold(g, buf, dx, b * inSize);
        }
      }
    },
  };
}

export function maxPool2dForward(
  g: PoolGeometry,
  batch: number,
  x: Float32Array,
  y: Float32Array,
  argmax: Int32Array,
): void {
  const { inH, inW, kernel, stride, pad, outH, outW } = g;
  if (kernel === 2 && stride === 2 && pad === 0) {
    maxPool2x2(batch * g.channels, inH, inW, outH, outW, x, y, argmax);
    return;
  }
  let o = 0;
  for (let plane = 0; plane < batch * g.channels; plane++) {
    const base = plane * inH * inW;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = Math.max(oy * stride - pad, 0);
      const y1 = Math.min(oy * stride - pad + kernel, inH);
      for (let ox = 0; ox < outW; ox++, o++) {
        const x0 = Math.max(ox * stride - pad, 0);
        const x1 = Math.min(ox * stride - pad + kernel, inW);
        let best = -Infinity;
        let at = y0 * inW + x0;
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const v = x[base + iy * inW + ix];
            // PyTorch's rule: a larger value or a NaN takes over, so a NaN in the window propagates.
            if (v > best || v !== v) {
              best = v;
              at = iy * inW + ix;
            }
          }
        }
        y[o] = best;
        argmax[o] = at;
      }
    }
  }
}

/** The common 2x2, stride-2 window without padding, unrolled; same rule and tie-breaking as the general loop. */
function maxPool2x2(
  planes: number,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
  x: Float32Array,
  y: Float32Array,
  argmax: Int32Array,
): void {
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * inH * inW;
    for (let oy = 0; oy < outH; oy++) {
      const r0 = 2 * oy * inW;
      const r1 = r0 + inW;
      for (let ox = 0; ox < outW; ox++, o++) {
        const c = 2 * ox;
        let at = r0 + c;
        let best = x[base + at];
        let v = x[base + r0 + c + 1];
        if (v > best || v !== v) {
          best = v;
          at = r0 + c + 1;
        }
        v = x[base + r1 + c];
        if (v > best || v !== v) {
          best = v;
          at = r1 + c;
        }
        v = x[base + r1 + c + 1];
        if (v > best || v !== v) {
          best = v;
          at = r1 + c + 1;
        }
        y[o] = best;
        argmax[o] = at;
      }
    }
  }
}

export function maxPool2dBackward(
  g: PoolGeometry,
  batch: number,
  dy: Float32Array,
  argmax: Int32Array,
  dx: Float32Array,
): void {
  const inPlane = g.inH * g.inW;
  const outPlane = g.outH * g.outW;
  dx.fill(0, 0, batch * g.channels * inPlane);
  for (let plane = 0; plane < batch * g.channels; plane++) {
    const ib = plane * inPlane;
    const ob = plane * outPlane;
    for (let o = 0; o < outPlane; o++) dx[ib + argmax[ob + o]] += dy[ob + o];
  }
}

export function avgPool2dForward(g: PoolGeometry, batch: number, x: Float32Array, y: Float32Array): void {
  const { inH, inW, kernel, stride, pad, outH, outW } = g;
  const inv = 1 / (kernel * kernel);
  let o = 0;
  for (let plane = 0; plane < batch * g.channels; plane++) {
    const base = plane * inH * inW;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = Math.max(oy * stride - pad, 0);
      const y1 = Math.min(oy * stride - pad + kernel, inH);
      for (let ox = 0; ox < outW; ox++, o++) {
        const x0 = Math.max(ox * stride - pad, 0);
        const x1 = Math.min(ox * stride - pad + kernel, inW);
        let s = 0;
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) s += x[base + iy * inW + ix];
        y[o] = s * inv;
      }
    }
  }
}

export function avgPool2dBackward(g: PoolGeometry, batch: number, dy: Float32Array, dx: Float32Array): void {
  const { inH, inW, kernel, stride, pad, outH, outW } = g;
  const inv = 1 / (kernel * kernel);
  dx.fill(0, 0, batch * g.channels * inH * inW);
  let o = 0;
  for (let plane = 0; plane < batch * g.channels; plane++) {
    const base = plane * inH * inW;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = Math.max(oy * stride - pad, 0);
      const y1 = Math.min(oy * stride - pad + kernel, inH);
      for (let ox = 0; ox < outW; ox++, o++) {
        const x0 = Math.max(ox * stride - pad, 0);
        const x1 = Math.min(ox * stride - pad + kernel, inW);
        const share = dy[o] * inv;
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) dx[base + iy * inW + ix] += share;
      }
    }
  }
}

export function channelSum(
  batch: number,
  channels: number,
  spatial: number,
  x: Float32Array,
  out: Float32Array,
): void {
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let b = 0; b < batch; b++) {
      const at = (b * channels + c) * spatial;
      for (let i = 0; i < spatial; i++) s += x[at + i];
    }
    out[c] += s;
  }
}

export const referenceNn: NnKernels = {
  gemm,
  gemv(trans, m, n, alpha, a, lda, x, beta, y) {
    const outLen = trans ? n : m;
    for (let i = 0; i < outLen; i++) y[i] = beta === 0 ? 0 : beta * y[i];
    if (alpha === 0) return;
    if (!trans) {
      for (let i = 0; i < m; i++) {
        let s = 0;
        const row = i * lda;
        for (let j = 0; j < n; j++) s += a[row + j] * x[j];
        y[i] += alpha * s;
      }
    } else {
      for (let i = 0; i < m; i++) {
        const av = alpha * x[i];
        const row = i * lda;
        for (let j = 0; j < n; j++) y[j] += av * a[row + j];
      }
    }
  },
  ger(m, n, alpha, x, y, a, lda) {
    for (let i = 0; i < m; i++) {
      const xv = alpha * x[i];
      if (xv === 0) continue;
      const row = i * lda;
      for (let j = 0; j < n; j++) a[row + j] += xv * y[j];
    }
  },
  relu(n, x, y) {
    for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
  },
  reluBackward(n, y, dy, dx) {
    for (let i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
  },
  axpy(n, alpha, x, y) {
    for (let i = 0; i < n; i++) y[i] += alpha * x[i];
  },
  scale(n, alpha, x) {
    for (let i = 0; i < n; i++) x[i] *= alpha;
  },
  dot(n, x, y) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i] * y[i];
    return s;
  },
  sum(n, x) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i];
    return s;
  },
  channelSum,
  im2col,
  col2im,
  ...convKernels(gemm, im2col, col2im),
  maxPool2dForward,
  maxPool2dBackward,
  avgPool2dForward,
  avgPool2dBackward,
};
