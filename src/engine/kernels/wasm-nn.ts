import type { ConvGeometry, Gemm, NnKernels, PoolGeometry } from './types.js';
import { ConvGeometrySlot, PoolGeometrySlot } from './layouts.js';
import { checkGemmArgs, referenceNn as ref } from './reference-nn.js';
import type { WasmFunction, WasmFunctions, WasmRuntime } from './wasm-runtime.js';

/** Below this many multiply-adds the copy in and out of linear memory costs more than it saves. */
const SMALL_WORK = 8 * 8 * 8;
/**
 * Vector kernels on fewer elements run in TypeScript, where copying operands in and out of linear memory would cost
 * more than WASM saves (docs/benchmarks.md).
 */
const VECTOR_MIN = 4096;
/** GEMMs and convolutions above this many multiply-adds are split across two threads. */
const PARALLEL_WORK = 1 << 21;
/** The parameter slots the geometry blocks are written to. */
const CONV_SLOT = 0;
const POOL_SLOT = 1;

/** Float count an operand spans given its rows, columns and leading dimension. */
const span = (rows: number, cols: number, ld: number) =>
  rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;

/** Floats in `batch` images of a pooling layer's input and output. */
const poolInFloats = (g: PoolGeometry, batch: number) => batch * g.channels * g.inH * g.inW;
const poolOutFloats = (g: PoolGeometry, batch: number) => batch * g.channels * g.outH * g.outW;

const colsFloats = (g: ConvGeometry) => g.inChannels * g.kernelH * g.kernelW * g.outH * g.outW;
const imageSizes = (g: ConvGeometry) => ({
  inSize: g.inChannels * g.inH * g.inW,
  outSize: g.outChannels * g.outH * g.outW,
});

/** Writes a convolution's geometry block (ConvGeometrySlot) into the runtime's slot and returns its address. */
function convGeometryBlock(rt: WasmRuntime, g: ConvGeometry): number {
  const block = rt.paramInts(CONV_SLOT);
  block[ConvGeometrySlot.IN_CHANNELS] = g.inChannels;
  block[ConvGeometrySlot.IN_H] = g.inH;
  block[ConvGeometrySlot.IN_W] = g.inW;
  block[ConvGeometrySlot.OUT_CHANNELS] = g.outChannels;
  block[ConvGeometrySlot.KERNEL_H] = g.kernelH;
  block[ConvGeometrySlot.KERNEL_W] = g.kernelW;
  block[ConvGeometrySlot.STRIDE_H] = g.strideH;
  block[ConvGeometrySlot.STRIDE_W] = g.strideW;
  block[ConvGeometrySlot.PAD_H] = g.padH;
  block[ConvGeometrySlot.PAD_W] = g.padW;
  block[ConvGeometrySlot.OUT_H] = g.outH;
  block[ConvGeometrySlot.OUT_W] = g.outW;
  return rt.paramAddress(CONV_SLOT);
}

/** Writes a pooling window's geometry block (PoolGeometrySlot) into the runtime's slot and returns its address. */
function poolGeometryBlock(rt: WasmRuntime, g: PoolGeometry): number {
  const block = rt.paramInts(POOL_SLOT);
  block[PoolGeometrySlot.KERNEL] = g.kernel;
  block[PoolGeometrySlot.STRIDE] = g.stride;
  block[PoolGeometrySlot.PAD] = g.pad;
  block[PoolGeometrySlot.IN_H] = g.inH;
  block[PoolGeometrySlot.IN_W] = g.inW;
  block[PoolGeometrySlot.OUT_H] = g.outH;
  block[PoolGeometrySlot.OUT_W] = g.outW;
  return rt.paramAddress(POOL_SLOT);
}

/** The network kernels over the runtime `rt`, calling the functions `fns` (WASM, or with native GEMM/convolution). */
export function wasmNn(rt: WasmRuntime, fns: WasmFunctions): NnKernels {
  const { call, parallel } = fns;

  const gemm: Gemm = (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) => {
    checkGemmArgs(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (m === 0 || n === 0) return;
    if (m * n * k < SMALL_WORK) {
      ref.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      return;
    }
    rt.reset();
    const pa = rt.address(a, span(transA ? k : m, transA ? m : k, lda));
    const pb = rt.address(b, span(transB ? n : k, transB ? k : n, ldb));
    const lenC = span(m, n, ldc);
    const pc = rt.address(c, lenC);
    const args = (i0: number, j0: number, mm: number, nn: number, thread: number) => [
      transA ? 1 : 0,
      transB ? 1 : 0,
      mm,
      nn,
      k,
      alpha,
      pa + 4 * (transA ? i0 : i0 * lda),
      lda,
      pb + 4 * (transB ? j0 * ldb : j0),
      ldb,
      beta,
      pc + 4 * (i0 * ldc + j0),
      ldc,
      rt.work(thread),
    ];
    if (m * n * k < PARALLEL_WORK || (n < 16 && m < 8)) {
      call('sgemm', ...args(0, 0, m, n, 0));
    } else if (n >= 16) {
      // Column halves on 8-column boundaries: each C element is computed exactly as unsplit (a micro-kernel's sums
      // do not depend on a column's place in its tile, in WASM or native).
      const h = Math.ceil(n / 16) * 8;
      parallel('sgemm', args(0, 0, m, h, 0), args(0, h, m, n - h, 1));
    } else {
      const h = Math.ceil(m / 8) * 4;
      parallel('sgemm', args(0, 0, h, n, 0), args(h, 0, m - h, n, 1));
    }
    rt.copyBack(c, pc, lenC);
  };

  /** Runs a vector kernel in linear memory: inputs copied in, `out` (when given) copied back. */
  const vec = (
    fn: WasmFunction,
    n: number,
    scalars: number[],
    inputs: Float32Array[],
    out?: Float32Array,
  ): number => {
    rt.reset();
    const ptrs = inputs.map((a) => rt.address(a, n));
    const po = out ? rt.address(out, n) : 0;
    const r = call(fn, n, ...scalars, ...ptrs, ...(out ? [po] : []));
    if (out) rt.copyBack(out, po, n);
    return r;
  };

  /** Resets the operand region and writes the pooling geometry block; returns the block's address. */
  const startPool = (g: PoolGeometry) => {
    rt.reset();
    return poolGeometryBlock(rt, g);
  };
  /** Average pooling forward (`src` x, `dst` y) or backward (`src` dy, `dst` dx), as assembly/nn.ts's avgPool2d. */
  const avgPool = (
    g: PoolGeometry,
    batch: number,
    src: Float32Array,
    dst: Float32Array,
    backward: boolean,
  ) => {
    const geo = startPool(g);
    const [inN, outN] = [poolInFloats(g, batch), poolOutFloats(g, batch)];
    const ps = rt.address(src, backward ? outN : inN);
    const pd = rt.address(dst, backward ? inN : outN);
    call('avgPool2d', geo, batch * g.channels, ps, pd, backward ? 1 : 0);
    rt.copyBack(dst, pd, backward ? inN : outN);
  };

  return {
    gemm,
    relu: (n, x, y) => (n < VECTOR_MIN ? ref.relu(n, x, y) : void vec('relu', n, [], [x], y)),
    reluBackward: (n, y, dy, dx) =>
      n < VECTOR_MIN ? ref.reluBackward(n, y, dy, dx) : void vec('reluBackward', n, [], [y, dy], dx),
    axpy: (n, alpha, x, y) =>
      n < VECTOR_MIN ? ref.axpy(n, alpha, x, y) : void vec('axpy', n, [alpha], [x], y),
    scale(n, alpha, x) {
      if (n < VECTOR_MIN) return ref.scale(n, alpha, x);
      rt.reset();
      const px = rt.address(x, n);
      call('scale', n, alpha, px);
      rt.copyBack(x, px, n);
    },
    dot: (n, x, y) => (n < VECTOR_MIN ? ref.dot(n, x, y) : vec('dot', n, [], [x, y])),
    sum(n, x) {
      if (n < VECTOR_MIN) return ref.sum(n, x);
      rt.reset();
      return call('dot', n, rt.address(x, n), 0);
    },
    channelSum(batch, channels, spatial, x, out) {
      if (batch * channels * spatial < VECTOR_MIN) return ref.channelSum(batch, channels, spatial, x, out);
      rt.reset();
      const px = rt.address(x, batch * channels * spatial);
      const po = rt.address(out, channels);
      call('channelSum', batch, channels, spatial, px, po);
      rt.copyBack(out, po, channels);
    },
    gemv(trans, m, n, alpha, a, lda, x, beta, y) {
      if (m * n < VECTOR_MIN) return ref.gemv(trans, m, n, alpha, a, lda, x, beta, y);
      rt.reset();
      const pa = rt.address(a, span(m, n, lda));
      const px = rt.address(x, trans ? m : n);
      const py = rt.address(y, trans ? n : m);
      call('gemv', trans ? 1 : 0, m, n, alpha, pa, lda, px, beta, py);
      rt.copyBack(y, py, trans ? n : m);
    },
    ger(m, n, alpha, x, y, a, lda) {
      if (m * n < VECTOR_MIN) return ref.ger(m, n, alpha, x, y, a, lda);
      rt.reset();
      const px = rt.address(x, m);
      const py = rt.address(y, n);
      const pa = rt.address(a, span(m, n, lda));
      call('ger', m, n, alpha, px, py, pa, lda);
      rt.copyBack(a, pa, span(m, n, lda));
    },
    im2col(g, x, xOffset, cols) {
      rt.reset();
      const px = rt.put(x.subarray(xOffset), g.inChannels * g.inH * g.inW);
      const pc = rt.reserve(colsFloats(g));
      call('im2col', convGeometryBlock(rt, g), px, pc);
      cols.set(rt.view(pc, colsFloats(g)));
    },
    col2im(g, cols, dx, dxOffset) {
      rt.reset();
      const n = g.inChannels * g.inH * g.inW;
      const pc = rt.put(cols, colsFloats(g));
      const pd = rt.put(dx.subarray(dxOffset), n);
      call('col2im', convGeometryBlock(rt, g), pc, pd);
      dx.set(rt.view(pd, n), dxOffset);
    },
    conv2dForward(g, batch, x, weight, bias, y, relu = false) {
      const { inSize, outSize } = imageSizes(g);
      rt.reset();
      const geo = convGeometryBlock(rt, g);
      const cols0 = rt.reserve(colsFloats(g));
      const cols1 = rt.reserve(colsFloats(g));
      const px = rt.address(x, batch * inSize);
      const pw = rt.address(weight, g.outChannels * g.inChannels * g.kernelH * g.kernelW);
      const pb = bias ? rt.address(bias, g.outChannels) : 0;
      const py = rt.holds(y) ? y.byteOffset : rt.reserve(batch * outSize);
      const run = (b0: number, b1: number, t: number) => [
        geo,
        b0,
        b1,
        px,
        pw,
        pb,
        py,
        rt.work(t),
        t ? cols1 : cols0,
        relu ? 1 : 0,
      ];
      const macs = batch * outSize * (colsFloats(g) / (g.outH * g.outW));
      if (batch >= 2 && macs >= PARALLEL_WORK) {
        const h = batch >> 1;
        parallel('conv2dForward', run(0, h, 0), run(h, batch, 1));
      } else call('conv2dForward', ...run(0, batch, 0));
      rt.copyBack(y, py, batch * outSize);
    },
    conv2dBackward(g, batch, x, weight, dy, dWeight, dBias, dx) {
      const { inSize, outSize } = imageSizes(g);
      rt.reset();
      const geo = convGeometryBlock(rt, g);
      const cols0 = rt.reserve(colsFloats(g));
      const cols1 = rt.reserve(colsFloats(g));
      const px = rt.address(x, batch * inSize);
      const pw = rt.address(weight, weight.length);
      const pdy = rt.address(dy, batch * outSize);
      const pdw = rt.address(dWeight, dWeight.length);
      const pdx = dx ? (rt.holds(dx) ? dx.byteOffset : rt.reserve(batch * inSize)) : 0;
      if (dBias) {
        // dy is already in linear memory: sum it there.
        const pdb = rt.address(dBias, g.outChannels);
        call('channelSum', batch, g.outChannels, g.outH * g.outW, pdy, pdb);
        rt.copyBack(dBias, pdb, g.outChannels);
      }
      // The second half of the batch always accumulates into its own zeroed dW, added afterwards, so the
      // summation order (and so every bit of the result) is the same with one thread or two.
      const split = batch >= 2;
      const pdw1 = split ? rt.reserve(dWeight.length) : 0;
      if (split) rt.view(pdw1, dWeight.length).fill(0);
      const run = (b0: number, b1: number, t: number) => [
        geo,
        b0,
        b1,
        px,
        pw,
        pdy,
        t ? pdw1 : pdw,
        pdx,
        rt.work(t),
        t ? cols1 : cols0,
      ];
      if (split) {
        const h = batch >> 1;
        const macs = batch * outSize * (colsFloats(g) / (g.outH * g.outW));
        if (macs >= PARALLEL_WORK) parallel('conv2dBackward', run(0, h, 0), run(h, batch, 1));
        else {
          call('conv2dBackward', ...run(0, h, 0));
          call('conv2dBackward', ...run(h, batch, 1));
        }
        call('axpy', dWeight.length, 1, pdw1, pdw);
      } else call('conv2dBackward', ...run(0, batch, 0));
      rt.copyBack(dWeight, pdw, dWeight.length);
      if (dx) rt.copyBack(dx, pdx, batch * inSize);
    },
    maxPool2dForward(g, batch, x, y, argmax) {
      const geo = startPool(g);
      const outN = poolOutFloats(g, batch);
      const [px, py, pa] = [
        rt.address(x, poolInFloats(g, batch)),
        rt.address(y, outN),
        rt.address(argmax, outN),
      ];
      call('maxPool2dForward', geo, batch * g.channels, px, py, pa);
      rt.copyBack(y, py, outN);
      rt.copyBack(argmax, pa, outN);
    },
    maxPool2dBackward(g, batch, dy, argmax, dx) {
      const geo = startPool(g);
      const [outN, inN] = [poolOutFloats(g, batch), poolInFloats(g, batch)];
      const [pdy, pa, pdx] = [rt.address(dy, outN), rt.address(argmax, outN), rt.address(dx, inN)];
      call('maxPool2dBackward', geo, batch * g.channels, pdy, pa, pdx);
      rt.copyBack(dx, pdx, inN);
    },
    avgPool2dForward: (g, batch, x, y) => avgPool(g, batch, x, y, false),
    avgPool2dBackward: (g, batch, dy, dx) => avgPool(g, batch, dy, dx, true),
  };
}
