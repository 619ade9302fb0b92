// Optimizer updates (AssemblyScript, WASM SIMD). The NeuroPlastic step for its common case (per-parameter alpha,
// classic base, no diagnostics): the same three passes as the TypeScript reference in
// src/engine/kernels/reference-optim.ts, four lanes at a time. Sums run in f32 lanes over blocks of SUM_BLOCK values
// and are then added into f64: a chain of f64 adds per vector was the loops' bottleneck. Every sum here is of
// non-negative terms, so a lane's f32 partial sum of at most 64 of them is within 64 * 2^-24 (4e-6) relative of exact.

import { ResidualSum, TraceSum } from '../src/engine/kernels/layouts';

const SUM_BLOCK: i32 = 256;

/** acc (f64x2) + the four f32 lanes of x. */
function sum4(acc: v128, x: v128): v128 {
  return f64x2.add(
    f64x2.add(acc, f64x2.promote_low_f32x4(x)),
    f64x2.promote_low_f32x4(v128.shuffle<u32>(x, x, 2, 3, 0, 1)),
  );
}

/** |x| by clearing the sign bits; V8 compiles this tighter than f32x4.abs (about 7% on these passes). */
function abs4(x: v128): v128 {
  return v128.and(x, i32x4.splat(0x7fffffff));
}

/** clip(x, lo, hi) with pseudo-min/max (one instruction each on x86; the NaN-propagating min/max take several). */
function clip4(x: v128, lo: v128, hi: v128): v128 {
  return f32x4.pmin(f32x4.pmax(x, lo), hi);
}

function total(acc: v128): f64 {
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

/**
 * Pass 1: activity trace, moment EMAs and the memory signal (into `mem`); writes the sums of |g|, trace and memory
 * to the f64 block `sums` (TraceSum).
 */
export function neuroplasticTraces(
  n: i32,
  g: usize,
  act: usize,
  m: usize,
  v: usize,
  mem: usize,
  startFromSignal: bool,
  ba: f32,
  bm: f32,
  bv: f32,
  eps: f32,
  sums: usize,
): void {
  const vba = f32x4.splat(ba),
    vca = f32x4.splat(1 - ba);
  const vbm = f32x4.splat(bm),
    vcm = f32x4.splat(1 - bm);
  const vbv = f32x4.splat(bv),
    vcv = f32x4.splat(1 - bv);
  const veps = f32x4.splat(eps);
  let sg = f64x2.splat(0),
    sa = f64x2.splat(0),
    sm = f64x2.splat(0);
  const n4 = n & ~3;
  let i: i32 = 0;
  while (i < n4) {
    const end = min(n4, i + SUM_BLOCK);
    let bg = f32x4.splat(0),
      bA = f32x4.splat(0),
      bM = f32x4.splat(0);
    // Two loops, so that neither chooses the trace's start per vector.
    if (startFromSignal) {
      for (; i < end; i += 4) {
        const o = <usize>i * 4;
        const gi = v128.load(g + o);
        const ag = abs4(gi);
        v128.store(act + o, ag);
        bg = f32x4.add(bg, ag);
        bA = f32x4.add(bA, ag);
        bM = f32x4.add(bM, memorySignal(gi, m + o, v + o, mem + o, vbm, vcm, vbv, vcv, veps));
      }
    } else {
      for (; i < end; i += 4) {
        const o = <usize>i * 4;
        const gi = v128.load(g + o);
        const ag = abs4(gi);
        const ai = f32x4.add(f32x4.mul(vba, v128.load(act + o)), f32x4.mul(vca, ag));
        v128.store(act + o, ai);
        bg = f32x4.add(bg, ag);
        bA = f32x4.add(bA, ai);
        bM = f32x4.add(bM, memorySignal(gi, m + o, v + o, mem + o, vbm, vcm, vbv, vcv, veps));
      }
    }
    sg = sum4(sg, bg);
    sa = sum4(sa, bA);
    sm = sum4(sm, bM);
  }
  let tg = total(sg),
    ta = total(sa),
    tm = total(sm);
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const gi = load<f32>(g + o);
    const ag = abs(gi);
    const ai = startFromSignal ? ag : ba * load<f32>(act + o) + (1 - ba) * ag;
    const mi = bm * load<f32>(m + o) + (1 - bm) * gi;
    const vi = bv * load<f32>(v + o) + (1 - bv) * gi * gi;
    store<f32>(act + o, ai);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const mm = abs(mi) / (sqrt(vi) + eps);
    store<f32>(mem + o, mm);
    tg += ag;
    ta += ai;
    tm += mm;
  }
  store<f64>(sums, tg, TraceSum.ABS_GRAD * 8);
  store<f64>(sums, ta, TraceSum.TRACE * 8);
  store<f64>(sums, tm, TraceSum.MEMORY * 8);
}

/** Pass 1's moment EMAs for four values at m and v (updated in place); stores and returns the memory signal. */
function memorySignal(
  gi: v128,
  m: usize,
  v: usize,
  mem: usize,
  bm: v128,
  cm: v128,
  bv: v128,
  cv: v128,
  eps: v128,
): v128 {
  const mi = f32x4.add(f32x4.mul(bm, v128.load(m)), f32x4.mul(cm, gi));
  const vi = f32x4.add(f32x4.mul(bv, v128.load(v)), f32x4.mul(cv, f32x4.mul(gi, gi)));
  v128.store(m, mi);
  v128.store(v, vi);
  const mm = f32x4.div(abs4(mi), f32x4.add(f32x4.sqrt(vi), eps));
  v128.store(mem, mm);
  return mm;
}

/**
 * Pass 2: alpha and the update u = alpha g + l2 w into `upd` (which may alias `mem`); stores sum(u^2) (f64) at `out`.
 * alpha comes in folded form (see alpha4).
 */
export function neuroplasticUpdate(
  n: i32,
  g: usize,
  w: usize,
  act: usize,
  mem: usize,
  upd: usize,
  kGrad: f32,
  gradLo: f32,
  gradHi: f32,
  kAct: f32,
  kGradFull: f32,
  kMem: f32,
  fullLo: f32,
  fullHi: f32,
  l2: f32,
  out: usize,
): void {
  const vkGrad = f32x4.splat(kGrad),
    vkAct = f32x4.splat(kAct),
    vkGradFull = f32x4.splat(kGradFull),
    vkMem = f32x4.splat(kMem);
  const vGradLo = f32x4.splat(gradLo),
    vGradHi = f32x4.splat(gradHi),
    vFullLo = f32x4.splat(fullLo),
    vFullHi = f32x4.splat(fullHi),
    vl2 = f32x4.splat(l2);
  const decay = l2 != 0;
  let sq = f64x2.splat(0);
  const n4 = n & ~3;
  let i: i32 = 0;
  while (i < n4) {
    const end = min(n4, i + SUM_BLOCK);
    let block = f32x4.splat(0);
    // Two loops, so that neither tests the case per vector (that costs this loop about a quarter of its time);
    // without weight decay the weights are not read at all.
    if (decay) {
      for (; i < end; i += 4) {
        const o = <usize>i * 4;
        const u = f32x4.add(
          alphaG(
            v128.load(g + o),
            v128.load(act + o),
            v128.load(mem + o),
            vkGrad,
            vGradLo,
            vGradHi,
            vkAct,
            vkGradFull,
            vkMem,
            vFullLo,
            vFullHi,
          ),
          f32x4.mul(vl2, v128.load(w + o)),
        );
        v128.store(upd + o, u);
        block = f32x4.add(block, f32x4.mul(u, u));
      }
    } else {
      for (; i < end; i += 4) {
        const o = <usize>i * 4;
        const u = alphaG(
          v128.load(g + o),
          v128.load(act + o),
          v128.load(mem + o),
          vkGrad,
          vGradLo,
          vGradHi,
          vkAct,
          vkGradFull,
          vkMem,
          vFullLo,
          vFullHi,
        );
        v128.store(upd + o, u);
        block = f32x4.add(block, f32x4.mul(u, u));
      }
    }
    sq = sum4(sq, block);
  }
  let s = total(sq);
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const gi = load<f32>(g + o);
    const alpha = alpha1(
      abs(gi),
      load<f32>(act + o),
      load<f32>(mem + o),
      kGrad,
      gradLo,
      gradHi,
      kAct,
      kGradFull,
      kMem,
      fullLo,
      fullHi,
    );
    const u = alpha * gi + l2 * load<f32>(w + o);
    store<f32>(upd + o, u);
    s += <f64>u * <f64>u;
  }
  store<f64>(out, s);
}

/** alpha g for four values of pass 2 (see alpha4). */
function alphaG(
  gi: v128,
  act: v128,
  mem: v128,
  kGrad: v128,
  gradLo: v128,
  gradHi: v128,
  kAct: v128,
  kGradFull: v128,
  kMem: v128,
  fullLo: v128,
  fullHi: v128,
): v128 {
  return f32x4.mul(
    alpha4(abs4(gi), act, mem, kGrad, gradLo, gradHi, kAct, kGradFull, kMem, fullLo, fullHi),
    gi,
  );
}

/**
 * alpha = clip(g_hat) + mix (clip(wa a_hat + wg g_hat + wm m_hat) - clip(g_hat)) for four values, from |g|, the trace
 * and the memory signal. It is computed as (1 - mix) clip(g_hat) + mix clip(full) with both factors folded into the
 * clips' inputs and bounds (k clip(x, lo, hi) = clip(k x, k lo, k hi), bounds swapped when k < 0), by the caller (see
 * foldAlpha in src/engine/kernels/wasm-optim.ts): two operations less per vector in the arithmetic-bound pass 2.
 */
function alpha4(
  ag: v128,
  act: v128,
  mem: v128,
  kGrad: v128,
  gradLo: v128,
  gradHi: v128,
  kAct: v128,
  kGradFull: v128,
  kMem: v128,
  fullLo: v128,
  fullHi: v128,
): v128 {
  const full = f32x4.add(f32x4.add(f32x4.mul(kAct, act), f32x4.mul(kGradFull, ag)), f32x4.mul(kMem, mem));
  return f32x4.add(clip4(f32x4.mul(kGrad, ag), gradLo, gradHi), clip4(full, fullLo, fullHi));
}

/** alpha4 for one value. */
function alpha1(
  ag: f32,
  act: f32,
  mem: f32,
  kGrad: f32,
  gradLo: f32,
  gradHi: f32,
  kAct: f32,
  kGradFull: f32,
  kMem: f32,
  fullLo: f32,
  fullHi: f32,
): f32 {
  const full = kAct * act + kGradFull * ag + kMem * mem;
  return min(max(kGrad * ag, gradLo), gradHi) + min(max(full, fullLo), fullHi);
}

/** Pass 3: w = w * shrink - stepSize * u. */
export function applyUpdate(n: i32, w: usize, upd: usize, shrink: f32, stepSize: f32): void {
  const vs = f32x4.splat(shrink),
    vk = f32x4.splat(stepSize);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(w + o, f32x4.sub(f32x4.mul(v128.load(w + o), vs), f32x4.mul(vk, v128.load(upd + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(w + o, load<f32>(w + o) * shrink - stepSize * load<f32>(upd + o));
  }
}

/**
 * Adam / AdamW with PyTorch's semantics: g += l2 w; m, v EMAs; w = w * shrink - stepSize m / (sqrt(v) invSqrtBc2 + eps).
 */
export function adamUpdate(
  n: i32,
  w: usize,
  g: usize,
  m: usize,
  v: usize,
  b1: f32,
  b2: f32,
  l2: f32,
  shrink: f32,
  stepSize: f32,
  invSqrtBc2: f32,
  eps: f32,
): void {
  const vb1 = f32x4.splat(b1),
    vc1 = f32x4.splat(1 - b1),
    vb2 = f32x4.splat(b2),
    vc2 = f32x4.splat(1 - b2);
  const vl2 = f32x4.splat(l2),
    vs = f32x4.splat(shrink),
    vk = f32x4.splat(stepSize);
  const vbc = f32x4.splat(invSqrtBc2),
    veps = f32x4.splat(eps);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const wi = v128.load(w + o);
    const gi = f32x4.add(v128.load(g + o), f32x4.mul(vl2, wi));
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vc1, gi));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vc2, f32x4.mul(gi, gi)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vi), vbc), veps);
    v128.store(w + o, f32x4.sub(f32x4.mul(wi, vs), f32x4.div(f32x4.mul(vk, mi), denom)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const wi = load<f32>(w + o);
    const gi = load<f32>(g + o) + l2 * wi;
    const mi = b1 * load<f32>(m + o) + (1 - b1) * gi;
    const vi = b2 * load<f32>(v + o) + (1 - b2) * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(w + o, wi * shrink - (stepSize * mi) / (sqrt(vi) * invSqrtBc2 + eps));
  }
}

/**
 * The base optimizer's direction under NeuroPlastic's hybrid modes, into `out`. kind 0 (AdamW): m, v EMAs of g,
 * out = m invBc1 / (sqrt(v invBc2) + eps). kind 1 (SGD with momentum): m = b1 m + g + wd w, out = m (v unused).
 */
export function baseDirection(
  n: i32,
  kind: i32,
  g: usize,
  w: usize,
  m: usize,
  v: usize,
  out: usize,
  b1: f32,
  b2: f32,
  invBc1: f32,
  invBc2: f32,
  eps: f32,
  wd: f32,
): void {
  const vb1 = f32x4.splat(b1),
    vc1 = f32x4.splat(1 - b1),
    vb2 = f32x4.splat(b2),
    vc2 = f32x4.splat(1 - b2);
  const vk1 = f32x4.splat(invBc1),
    vk2 = f32x4.splat(invBc2),
    veps = f32x4.splat(eps),
    vwd = f32x4.splat(wd);
  const n4 = n & ~3;
  let i: i32 = 0;
  if (kind == 0) {
    for (; i < n4; i += 4) {
      const o = <usize>i * 4;
      const gi = v128.load(g + o);
      const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vc1, gi));
      const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vc2, f32x4.mul(gi, gi)));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      v128.store(out + o, f32x4.div(f32x4.mul(mi, vk1), f32x4.add(f32x4.sqrt(f32x4.mul(vi, vk2)), veps)));
    }
    for (; i < n; i++) {
      const o = <usize>i * 4;
      const gi = load<f32>(g + o);
      const mi = b1 * load<f32>(m + o) + (1 - b1) * gi;
      const vi = b2 * load<f32>(v + o) + (1 - b2) * gi * gi;
      store<f32>(m + o, mi);
      store<f32>(v + o, vi);
      store<f32>(out + o, (mi * invBc1) / (sqrt(vi * invBc2) + eps));
    }
  } else {
    for (; i < n4; i += 4) {
      const o = <usize>i * 4;
      const mi = f32x4.add(
        f32x4.add(f32x4.mul(vb1, v128.load(m + o)), v128.load(g + o)),
        f32x4.mul(vwd, v128.load(w + o)),
      );
      v128.store(m + o, mi);
      v128.store(out + o, mi);
    }
    for (; i < n; i++) {
      const o = <usize>i * 4;
      const mi = b1 * load<f32>(m + o) + load<f32>(g + o) + wd * load<f32>(w + o);
      store<f32>(m + o, mi);
      store<f32>(out + o, mi);
    }
  }
}

/**
 * The hybrid modes' modulation residual: d = strength (alpha - 1) base into `out` (which may alias `mem`), alpha
 * in folded form (see alpha4); the f64 block `sums` (ResidualSum) receives sum base^2,
 * sum d^2, sum base d. The cross term changes sign, so its f32 block sums are exact only to about 4e-6 of
 * sum |base d|; that sum is at most sqrt(sum base^2 sum d^2), so the error is negligible beside sum base^2 in
 * sum (base + k d)^2 = sum base^2 + 2 k sum base d + k^2 sum d^2, which is all the sums are used for.
 */
export function neuroplasticResidual(
  n: i32,
  g: usize,
  act: usize,
  mem: usize,
  base: usize,
  out: usize,
  kGrad: f32,
  gradLo: f32,
  gradHi: f32,
  kAct: f32,
  kGradFull: f32,
  kMem: f32,
  fullLo: f32,
  fullHi: f32,
  strength: f32,
  sums: usize,
): void {
  const vkGrad = f32x4.splat(kGrad),
    vkAct = f32x4.splat(kAct),
    vkGradFull = f32x4.splat(kGradFull),
    vkMem = f32x4.splat(kMem);
  const vGradLo = f32x4.splat(gradLo),
    vGradHi = f32x4.splat(gradHi),
    vFullLo = f32x4.splat(fullLo),
    vFullHi = f32x4.splat(fullHi);
  const vs = f32x4.splat(strength),
    one = f32x4.splat(1);
  let sb = f64x2.splat(0),
    sd = f64x2.splat(0),
    sx = f64x2.splat(0);
  const n4 = n & ~3;
  let i: i32 = 0;
  while (i < n4) {
    const end = min(n4, i + SUM_BLOCK);
    let bb = f32x4.splat(0),
      bd = f32x4.splat(0),
      bx = f32x4.splat(0);
    for (; i < end; i += 4) {
      const o = <usize>i * 4;
      const ag = abs4(v128.load(g + o));
      const alpha = alpha4(
        ag,
        v128.load(act + o),
        v128.load(mem + o),
        vkGrad,
        vGradLo,
        vGradHi,
        vkAct,
        vkGradFull,
        vkMem,
        vFullLo,
        vFullHi,
      );
      const b = v128.load(base + o);
      const d = f32x4.mul(f32x4.mul(vs, f32x4.sub(alpha, one)), b);
      v128.store(out + o, d);
      bb = f32x4.add(bb, f32x4.mul(b, b));
      bd = f32x4.add(bd, f32x4.mul(d, d));
      bx = f32x4.add(bx, f32x4.mul(b, d));
    }
    sb = sum4(sb, bb);
    sd = sum4(sd, bd);
    sx = sum4(sx, bx);
  }
  let tb = total(sb),
    td = total(sd),
    tx = total(sx);
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const alpha = alpha1(
      abs(load<f32>(g + o)),
      load<f32>(act + o),
      load<f32>(mem + o),
      kGrad,
      gradLo,
      gradHi,
      kAct,
      kGradFull,
      kMem,
      fullLo,
      fullHi,
    );
    const b = load<f32>(base + o);
    const d = strength * (alpha - 1) * b;
    store<f32>(out + o, d);
    tb += <f64>b * <f64>b;
    td += <f64>d * <f64>d;
    tx += <f64>b * <f64>d;
  }
  store<f64>(sums, tb, ResidualSum.BASE_SQ * 8);
  store<f64>(sums, td, ResidualSum.RESIDUAL_SQ * 8);
  store<f64>(sums, tx, ResidualSum.CROSS * 8);
}

/** The hybrid modes' apply: w = w * shrink - stepSize (base + k resid). */
export function applyResidualUpdate(
  n: i32,
  w: usize,
  base: usize,
  resid: usize,
  k: f32,
  shrink: f32,
  stepSize: f32,
): void {
  const vs = f32x4.splat(shrink),
    vstep = f32x4.splat(stepSize),
    vk = f32x4.splat(k);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const u = f32x4.add(v128.load(base + o), f32x4.mul(vk, v128.load(resid + o)));
    v128.store(w + o, f32x4.sub(f32x4.mul(v128.load(w + o), vs), f32x4.mul(vstep, u)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(
      w + o,
      load<f32>(w + o) * shrink - stepSize * (load<f32>(base + o) + k * load<f32>(resid + o)),
    );
  }
}

/**
 * One steady step of synaptic intelligence (src/continual/strategies/si.ts: steadyStep), per element in f64 as the
 * reference computes it, so parameters and gradients match it bit for bit (only the sum's order differs):
 * path -= grad (v - before); d = v - anchor; g += weight omega d; grad = g; before = v. Writes sum(omega d^2) at out.
 */
export function siStep(
  n: i32,
  v: usize,
  g: usize,
  path: usize,
  before: usize,
  grad: usize,
  omega: usize,
  anchor: usize,
  weight: f64,
  out: usize,
): void {
  const vw = f64x2.splat(weight);
  let acc = f64x2.splat(0);
  let i: i32 = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i * 4;
    const vi = pair(v + o);
    const moved = f64x2.mul(pair(grad + o), f64x2.sub(vi, pair(before + o)));
    v128.store64_lane(path + o, f32x4.demote_f64x2_zero(f64x2.sub(pair(path + o), moved)), 0);
    const d = f64x2.sub(vi, pair(anchor + o));
    const od = f64x2.mul(pair(omega + o), d);
    acc = f64x2.add(acc, f64x2.mul(od, d));
    const gi = f32x4.demote_f64x2_zero(f64x2.add(pair(g + o), f64x2.mul(vw, od)));
    v128.store64_lane(g + o, gi, 0);
    v128.store64_lane(grad + o, gi, 0);
    v128.store64_lane(before + o, v128.load64_zero(v + o), 0);
  }
  let s = total(acc);
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const vi = <f64>load<f32>(v + o);
    store<f32>(
      path + o,
      <f32>(<f64>load<f32>(path + o) - <f64>load<f32>(grad + o) * (vi - <f64>load<f32>(before + o))),
    );
    const d = vi - <f64>load<f32>(anchor + o);
    const od = <f64>load<f32>(omega + o) * d;
    s += od * d;
    const gi = <f32>(<f64>load<f32>(g + o) + weight * od);
    store<f32>(g + o, gi);
    store<f32>(grad + o, gi);
    store<f32>(before + o, <f32>vi);
  }
  store<f64>(out, s);
}

/** Two f32 values at p, as f64 lanes. */
function pair(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}
