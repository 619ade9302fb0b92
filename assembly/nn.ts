// Network kernels beside the GEMM (AssemblyScript, WASM SIMD): im2col/col2im, whole-batch convolution forward and
// backward over a range of images (so two threads can split a batch), and vector kernels. Geometry arrives as a
// pointer to an i32 block laid out as ConvGeometrySlot or PoolGeometrySlot (src/engine/kernels/layouts.ts); all
// other pointers are byte offsets.
import { sgemm } from './gemm';
import { ConvGeometrySlot as Conv, PoolGeometrySlot as Pool } from '../src/engine/kernels/layouts';

/** Slot `slot` of the geometry block at `g`. */
function geo(g: usize, slot: i32): i32 {
  return load<i32>(g + ((<usize>slot) << 2));
}

/** Unfolds one image at x into cols [inC*kH*kW, outH*outW]. */
export function im2col(g: usize, x: usize, cols: usize): void {
  const inC = geo(g, Conv.IN_CHANNELS),
    inH = geo(g, Conv.IN_H),
    inW = geo(g, Conv.IN_W),
    kH = geo(g, Conv.KERNEL_H),
    kW = geo(g, Conv.KERNEL_W);
  const sH = geo(g, Conv.STRIDE_H),
    sW = geo(g, Conv.STRIDE_W),
    pH = geo(g, Conv.PAD_H),
    pW = geo(g, Conv.PAD_W);
  const outH = geo(g, Conv.OUT_H),
    outW = geo(g, Conv.OUT_W);
  let at = cols;
  for (let c: i32 = 0; c < inC; c++) {
    const plane = x + <usize>(c * inH * inW) * 4;
    for (let ki: i32 = 0; ki < kH; ki++) {
      for (let kj: i32 = 0; kj < kW; kj++) {
        // Output columns whose input column falls inside the image: [lo, hi).
        let lo = 0,
          hi = outW;
        if (sW == 1) {
          lo = max(0, pW - kj);
          hi = min(outW, inW + pW - kj);
        }
        for (let oy: i32 = 0; oy < outH; oy++) {
          const iy = oy * sH - pH + ki;
          if (iy < 0 || iy >= inH) {
            memory.fill(at, 0, <usize>outW * 4);
            at += <usize>outW * 4;
            continue;
          }
          const line = plane + <usize>(iy * inW) * 4;
          if (sW == 1) {
            if (lo > 0) memory.fill(at, 0, <usize>lo * 4);
            if (hi > lo)
              memory.copy(at + <usize>lo * 4, line + <usize>(lo - pW + kj) * 4, <usize>(hi - lo) * 4);
            if (hi < outW) memory.fill(at + <usize>max(hi, 0) * 4, 0, <usize>(outW - max(hi, 0)) * 4);
          } else {
            for (let ox: i32 = 0; ox < outW; ox++) {
              const ix = ox * sW - pW + kj;
              store<f32>(at + <usize>ox * 4, ix >= 0 && ix < inW ? load<f32>(line + <usize>ix * 4) : 0);
            }
          }
          at += <usize>outW * 4;
        }
      }
    }
  }
}

/** dx[i] += src[i] for n floats, four at a time. */
function addInto(dst: usize, src: usize, n: i32): void {
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/** Folds cols back, accumulating into one image at dx (the adjoint of im2col). */
export function col2im(g: usize, cols: usize, dx: usize): void {
  const inC = geo(g, Conv.IN_CHANNELS),
    inH = geo(g, Conv.IN_H),
    inW = geo(g, Conv.IN_W),
    kH = geo(g, Conv.KERNEL_H),
    kW = geo(g, Conv.KERNEL_W);
  const sH = geo(g, Conv.STRIDE_H),
    sW = geo(g, Conv.STRIDE_W),
    pH = geo(g, Conv.PAD_H),
    pW = geo(g, Conv.PAD_W);
  const outH = geo(g, Conv.OUT_H),
    outW = geo(g, Conv.OUT_W);
  let at = cols;
  for (let c: i32 = 0; c < inC; c++) {
    const plane = dx + <usize>(c * inH * inW) * 4;
    for (let ki: i32 = 0; ki < kH; ki++) {
      for (let kj: i32 = 0; kj < kW; kj++) {
        const lo = max(0, pW - kj);
        const hi = min(outW, inW + pW - kj);
        for (let oy: i32 = 0; oy < outH; oy++) {
          const iy = oy * sH - pH + ki;
          if (iy >= 0 && iy < inH) {
            const line = plane + <usize>(iy * inW) * 4;
            if (sW == 1) {
              if (hi > lo) addInto(line + <usize>(lo - pW + kj) * 4, at + <usize>lo * 4, hi - lo);
            } else {
              for (let ox: i32 = 0; ox < outW; ox++) {
                const ix = ox * sW - pW + kj;
                if (ix >= 0 && ix < inW) {
                  const d = line + <usize>ix * 4;
                  store<f32>(d, load<f32>(d) + load<f32>(at + <usize>ox * 4));
                }
              }
            }
          }
          at += <usize>outW * 4;
        }
      }
    }
  }
}

function pointwise(g: usize): bool {
  return (
    geo(g, Conv.KERNEL_H) == 1 &&
    geo(g, Conv.KERNEL_W) == 1 &&
    geo(g, Conv.STRIDE_H) == 1 &&
    geo(g, Conv.STRIDE_W) == 1 &&
    geo(g, Conv.PAD_H) == 0 &&
    geo(g, Conv.PAD_W) == 0
  );
}

/**
 * y[b] = W cols(x[b]) (+ bias), then max(., 0) when `fuseRelu`, for images b in [b0, b1).
 * `cols` holds inC*kH*kW*outH*outW floats.
 */
export function conv2dForward(
  g: usize,
  b0: i32,
  b1: i32,
  x: usize,
  w: usize,
  bias: usize,
  y: usize,
  work: usize,
  cols: usize,
  fuseRelu: bool,
): void {
  const cout = geo(g, Conv.OUT_CHANNELS);
  const kdim = geo(g, Conv.IN_CHANNELS) * geo(g, Conv.KERNEL_H) * geo(g, Conv.KERNEL_W);
  const spatial = geo(g, Conv.OUT_H) * geo(g, Conv.OUT_W);
  const inSize = <usize>(geo(g, Conv.IN_CHANNELS) * geo(g, Conv.IN_H) * geo(g, Conv.IN_W)) * 4;
  const outSize = <usize>(cout * spatial) * 4;
  const pw = pointwise(g);
  for (let b = b0; b < b1; b++) {
    const xn = x + <usize>b * inSize;
    const yn = y + <usize>b * outSize;
    if (bias != 0) {
      for (let o: i32 = 0; o < cout; o++) {
        const v = f32x4.splat(load<f32>(bias + <usize>o * 4));
        const row = yn + <usize>(o * spatial) * 4;
        let i: i32 = 0;
        for (; i + 4 <= spatial; i += 4) v128.store(row + <usize>i * 4, v);
        for (; i < spatial; i++) store<f32>(row + <usize>i * 4, load<f32>(bias + <usize>o * 4));
      }
    }
    let src = cols;
    if (pw) src = xn;
    else im2col(g, xn, cols);
    sgemm(false, false, cout, spatial, kdim, 1, w, kdim, src, spatial, bias != 0 ? 1 : 0, yn, spatial, work);
    if (fuseRelu) relu(cout * spatial, yn, yn);
  }
}

/**
 * For images b in [b0, b1): dW += dy[b] cols(x[b])^T, and (when dx != 0) dx[b] = col2im(W^T dy[b]), overwriting.
 */
export function conv2dBackward(
  g: usize,
  b0: i32,
  b1: i32,
  x: usize,
  w: usize,
  dy: usize,
  dw: usize,
  dx: usize,
  work: usize,
  cols: usize,
): void {
  const cout = geo(g, Conv.OUT_CHANNELS);
  const kdim = geo(g, Conv.IN_CHANNELS) * geo(g, Conv.KERNEL_H) * geo(g, Conv.KERNEL_W);
  const spatial = geo(g, Conv.OUT_H) * geo(g, Conv.OUT_W);
  const inSize = <usize>(geo(g, Conv.IN_CHANNELS) * geo(g, Conv.IN_H) * geo(g, Conv.IN_W)) * 4;
  const outSize = <usize>(cout * spatial) * 4;
  const pw = pointwise(g);
  for (let b = b0; b < b1; b++) {
    const xn = x + <usize>b * inSize;
    const dyn = dy + <usize>b * outSize;
    let src = cols;
    if (pw) src = xn;
    else im2col(g, xn, cols);
    sgemm(false, true, cout, kdim, spatial, 1, dyn, spatial, src, spatial, 1, dw, kdim, work);
    if (dx == 0) continue;
    const dxn = dx + <usize>b * inSize;
    if (pw) {
      sgemm(true, false, kdim, spatial, cout, 1, w, kdim, dyn, spatial, 0, dxn, spatial, work);
    } else {
      sgemm(true, false, kdim, spatial, cout, 1, w, kdim, dyn, spatial, 0, cols, spatial, work);
      memory.fill(dxn, 0, inSize);
      col2im(g, cols, dxn);
    }
  }
}

export function relu(n: i32, x: usize, y: usize): void {
  const zero = f32x4.splat(0);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    // pmax keeps NaN as the reference's `x > 0 ? x : 0` does not: both give 0 for NaN (pmax(0, NaN) = 0).
    v128.store(y + o, f32x4.pmax(zero, v128.load(x + o)));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + <usize>i * 4);
    store<f32>(y + <usize>i * 4, v > 0 ? v : 0);
  }
}

export function reluBackward(n: i32, y: usize, dy: usize, dx: usize): void {
  const zero = f32x4.splat(0);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(dx + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

export function axpy(n: i32, alpha: f32, x: usize, y: usize): void {
  const a = f32x4.splat(alpha);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(a, v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
  }
}

export function scale(n: i32, alpha: f32, x: usize): void {
  const a = f32x4.splat(alpha);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(x + o, f32x4.mul(a, v128.load(x + o)));
  }
  for (; i < n; i++) store<f32>(x + <usize>i * 4, alpha * load<f32>(x + <usize>i * 4));
}

/** Sum of x[i]*y[i] (or of x[i] when y == 0); products are exact in f64, summed in two f64x2 lanes. */
export function dot(n: i32, x: usize, y: usize): f64 {
  let lo = f64x2.splat(0),
    hi = f64x2.splat(0);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const a = v128.load(x + o);
    if (y == 0) {
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(a));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<u32>(a, a, 2, 3, 0, 1)));
    } else {
      const b = v128.load(y + o);
      lo = f64x2.add(lo, f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)));
      hi = f64x2.add(
        hi,
        f64x2.mul(
          f64x2.promote_low_f32x4(v128.shuffle<u32>(a, a, 2, 3, 0, 1)),
          f64x2.promote_low_f32x4(v128.shuffle<u32>(b, b, 2, 3, 0, 1)),
        ),
      );
    }
  }
  let s =
    f64x2.extract_lane(lo, 0) +
    f64x2.extract_lane(lo, 1) +
    f64x2.extract_lane(hi, 0) +
    f64x2.extract_lane(hi, 1);
  for (; i < n; i++) {
    const o = <usize>i * 4;
    s += y == 0 ? <f64>load<f32>(x + o) : <f64>load<f32>(x + o) * <f64>load<f32>(y + o);
  }
  return s;
}

/** out[c] += sum over b, s of x[b, c, s]. */
export function channelSum(batch: i32, channels: i32, spatial: i32, x: usize, out: usize): void {
  for (let c: i32 = 0; c < channels; c++) {
    let s: f64 = 0;
    for (let b: i32 = 0; b < batch; b++) s += dot(spatial, x + <usize>((b * channels + c) * spatial) * 4, 0);
    store<f32>(out + <usize>c * 4, <f32>(<f64>load<f32>(out + <usize>c * 4) + s));
  }
}

/** y = alpha op(A) x + beta y with A m x n (row stride lda floats). */
export function gemv(
  trans: bool,
  m: i32,
  n: i32,
  alpha: f32,
  a: usize,
  lda: i32,
  x: usize,
  beta: f32,
  y: usize,
): void {
  const len = trans ? n : m;
  if (beta == 0) memory.fill(y, 0, <usize>len * 4);
  else if (beta != 1) scale(len, beta, y);
  if (alpha == 0) return;
  for (let i: i32 = 0; i < m; i++) {
    const row = a + <usize>(i * lda) * 4;
    if (trans) axpy(n, alpha * load<f32>(x + <usize>i * 4), row, y);
    else {
      const p = y + <usize>i * 4;
      store<f32>(p, load<f32>(p) + alpha * <f32>dot(n, row, x));
    }
  }
}

/** A += alpha x y^T (A m x n, row stride lda floats). */
export function ger(m: i32, n: i32, alpha: f32, x: usize, y: usize, a: usize, lda: i32): void {
  for (let i: i32 = 0; i < m; i++) {
    const xv = alpha * load<f32>(x + <usize>i * 4);
    if (xv != 0) axpy(n, xv, y, a + <usize>(i * lda) * 4);
  }
}

/**
 * Max pooling over `planes` images-channels; argmax gets the flat in-plane index of each maximum. A larger value or
 * a NaN takes over (PyTorch's rule), first maximum wins ties, as in the reference.
 */
export function maxPool2dForward(g: usize, planes: i32, x: usize, y: usize, argmax: usize): void {
  const k = geo(g, Pool.KERNEL),
    s = geo(g, Pool.STRIDE),
    p = geo(g, Pool.PAD),
    inH = geo(g, Pool.IN_H),
    inW = geo(g, Pool.IN_W);
  const outH = geo(g, Pool.OUT_H),
    outW = geo(g, Pool.OUT_W);
  if (k == 2 && s == 2 && p == 0) {
    maxPool2x2(planes, inH, inW, outH, outW, x, y, argmax);
    return;
  }
  let o: usize = 0;
  for (let plane: i32 = 0; plane < planes; plane++) {
    const base = x + <usize>(plane * inH * inW) * 4;
    for (let oy: i32 = 0; oy < outH; oy++) {
      const y0 = max(oy * s - p, 0),
        y1 = min(oy * s - p + k, inH);
      for (let ox: i32 = 0; ox < outW; ox++, o++) {
        const x0 = max(ox * s - p, 0),
          x1 = min(ox * s - p + k, inW);
        let best: f32 = -Infinity;
        let at: i32 = y0 * inW + x0;
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const v = load<f32>(base + <usize>(iy * inW + ix) * 4);
            if (v > best || v != v) {
              best = v;
              at = iy * inW + ix;
            }
          }
        }
        store<f32>(y + o * 4, best);
        store<i32>(argmax + o * 4, at);
      }
    }
  }
}

/**
 * The common 2x2, stride-2 window without padding, branch-free: four outputs per step from two rows split into even
 * and odd columns, each candidate taking over by a mask (a larger value or a NaN, as in the general loop). Random
 * data made the general loop's branches mispredict about half the time.
 */
function maxPool2x2(
  planes: i32,
  inH: i32,
  inW: i32,
  outH: i32,
  outW: i32,
  x: usize,
  y: usize,
  argmax: usize,
): void {
  let o: usize = 0;
  for (let plane: i32 = 0; plane < planes; plane++) {
    const base = x + <usize>(plane * inH * inW) * 4;
    for (let oy: i32 = 0; oy < outH; oy++) {
      const r0 = 2 * oy * inW;
      const row0 = base + <usize>r0 * 4;
      const row1 = row0 + <usize>inW * 4;
      if (outW >= 4) {
        // Groups of four outputs; a width that is not a multiple of four ends with a group overlapping the one
        // before (recomputing the same values).
        for (let ox: i32 = 0; ox < outW; ox += 4) {
          const first = min(ox, outW - 4);
          const out = (o + <usize>first) * 4;
          maxPool2x2Four(row0, row1, r0 + 2 * first, inW, <usize>(2 * first) * 4, y + out, argmax + out);
        }
      } else {
        for (let ox: i32 = 0; ox < outW; ox++) {
          const c = r0 + 2 * ox;
          let at = c;
          let best = load<f32>(base + <usize>c * 4);
          for (let q: i32 = 1; q < 4; q++) {
            const idx = c + (q & 1) + (q >> 1) * inW;
            const v = load<f32>(base + <usize>idx * 4);
            const take = (v > best) | (v != v);
            best = select<f32>(v, best, take);
            at = select<i32>(idx, at, take);
          }
          store<f32>(y + (o + <usize>ox) * 4, best);
          store<i32>(argmax + (o + <usize>ox) * 4, at);
        }
      }
      o += <usize>outW;
    }
  }
}

/** Four outputs of the 2x2 pool from byte offset `c` of rows row0 and row1; at0 is the in-plane index at row0 + c. */
function maxPool2x2Four(
  row0: usize,
  row1: usize,
  at0: i32,
  inW: i32,
  c: usize,
  y: usize,
  argmax: usize,
): void {
  const a0 = v128.load(row0 + c),
    a1 = v128.load(row0 + c, 16);
  const b0 = v128.load(row1 + c),
    b1 = v128.load(row1 + c, 16);
  const first = i32x4.add(i32x4.splat(at0), i32x4(0, 2, 4, 6));
  const one = i32x4.splat(1),
    below = i32x4.splat(inW);
  let best = v128.shuffle<u32>(a0, a1, 0, 2, 4, 6);
  let at = first;
  let v = v128.shuffle<u32>(a0, a1, 1, 3, 5, 7);
  let take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
  best = v128.bitselect(v, best, take);
  at = v128.bitselect(i32x4.add(first, one), at, take);
  v = v128.shuffle<u32>(b0, b1, 0, 2, 4, 6);
  take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
  best = v128.bitselect(v, best, take);
  at = v128.bitselect(i32x4.add(first, below), at, take);
  v = v128.shuffle<u32>(b0, b1, 1, 3, 5, 7);
  take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
  best = v128.bitselect(v, best, take);
  at = v128.bitselect(i32x4.add(i32x4.add(first, below), one), at, take);
  v128.store(y, best);
  v128.store(argmax, at);
}

/** dx = 0, then dy scattered to each output's argmax. */
export function maxPool2dBackward(g: usize, planes: i32, dy: usize, argmax: usize, dx: usize): void {
  const inH = geo(g, Pool.IN_H),
    inW = geo(g, Pool.IN_W),
    outH = geo(g, Pool.OUT_H),
    outW = geo(g, Pool.OUT_W);
  const inPlane = inH * inW,
    outPlane = outH * outW;
  const tiled = geo(g, Pool.KERNEL) == 2 && geo(g, Pool.STRIDE) == 2 && geo(g, Pool.PAD) == 0 && outW >= 4;
  // The 2x2 windows tile an even-sized plane, so the tiled path writes every input; an odd edge is zeroed first.
  if (!tiled || (inH & 1) != 0 || (inW & 1) != 0) memory.fill(dx, 0, <usize>(planes * inPlane) * 4);
  for (let plane: i32 = 0; plane < planes; plane++) {
    const ib = dx + <usize>(plane * inPlane) * 4;
    const ob = <usize>(plane * outPlane) * 4;
    if (tiled) {
      for (let oy: i32 = 0; oy < outH; oy++) {
        const r0 = 2 * oy * inW;
        for (let ox: i32 = 0; ox < outW; ox += 4) {
          const first = min(ox, outW - 4);
          const o = ob + <usize>(oy * outW + first) * 4;
          unpool2x2Four(ib + <usize>(r0 + 2 * first) * 4, inW, r0 + 2 * first, dy + o, argmax + o);
        }
      }
      continue;
    }
    for (let o: i32 = 0; o < outPlane; o++) {
      const d = ib + <usize>load<i32>(argmax + ob + <usize>o * 4) * 4;
      store<f32>(d, load<f32>(d) + load<f32>(dy + ob + <usize>o * 4));
    }
  }
}

/**
 * Writes the two 8-wide input rows at `row0` under four 2x2 windows: each window's dy at its argmax, 0 elsewhere
 * (at0 is the in-plane index of row0).
 */
function unpool2x2Four(row0: usize, inW: i32, at0: i32, dy: usize, argmax: usize): void {
  const d = v128.load(dy),
    at = v128.load(argmax);
  const first = i32x4.add(i32x4.splat(at0), i32x4(0, 2, 4, 6));
  const one = i32x4.splat(1),
    below = i32x4.add(first, i32x4.splat(inW));
  const topEven = v128.and(d, i32x4.eq(at, first)),
    topOdd = v128.and(d, i32x4.eq(at, i32x4.add(first, one)));
  const lowEven = v128.and(d, i32x4.eq(at, below)),
    lowOdd = v128.and(d, i32x4.eq(at, i32x4.add(below, one)));
  const row1 = row0 + <usize>inW * 4;
  v128.store(row0, v128.shuffle<u32>(topEven, topOdd, 0, 4, 1, 5));
  v128.store(row0, v128.shuffle<u32>(topEven, topOdd, 2, 6, 3, 7), 16);
  v128.store(row1, v128.shuffle<u32>(lowEven, lowOdd, 0, 4, 1, 5));
  v128.store(row1, v128.shuffle<u32>(lowEven, lowOdd, 2, 6, 3, 7), 16);
}

/** Average pooling, padding counted in the divisor (forward: backward = false; backward: spreads dy into dx). */
export function avgPool2d(g: usize, planes: i32, src: usize, dst: usize, backward: bool): void {
  const k = geo(g, Pool.KERNEL),
    s = geo(g, Pool.STRIDE),
    p = geo(g, Pool.PAD),
    inH = geo(g, Pool.IN_H),
    inW = geo(g, Pool.IN_W);
  const outH = geo(g, Pool.OUT_H),
    outW = geo(g, Pool.OUT_W);
  const inv: f32 = 1 / <f32>(k * k);
  if (backward) memory.fill(dst, 0, <usize>(planes * inH * inW) * 4);
  let o: usize = 0;
  for (let plane: i32 = 0; plane < planes; plane++) {
    const base = (backward ? dst : src) + <usize>(plane * inH * inW) * 4;
    for (let oy: i32 = 0; oy < outH; oy++) {
      const y0 = max(oy * s - p, 0),
        y1 = min(oy * s - p + k, inH);
      for (let ox: i32 = 0; ox < outW; ox++, o++) {
        const x0 = max(ox * s - p, 0),
          x1 = min(ox * s - p + k, inW);
        if (backward) {
          const share = load<f32>(src + o * 4) * inv;
          for (let iy = y0; iy < y1; iy++)
            for (let ix = x0; ix < x1; ix++) {
              const a = base + <usize>(iy * inW + ix) * 4;
              store<f32>(a, load<f32>(a) + share);
            }
        } else {
          let sum: f32 = 0;
          for (let iy = y0; iy < y1; iy++)
            for (let ix = x0; ix < x1; ix++) sum += load<f32>(base + <usize>(iy * inW + ix) * 4);
          store<f32>(dst + o * 4, sum * inv);
        }
      }
    }
  }
}
