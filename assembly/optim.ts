// Optimizer updates (AssemblyScript, WASM SIMD). The NeuroPlastic step for its common case (per-parameter alpha,
// classic base, gradient-proxy activity, moment memory): the same three passes as the TypeScript reference in
// src/engine/kernels/reference-optim.ts, four lanes at a time, with sums accumulated in f64.

function sum4(acc: v128, x: v128): v128 {
  return f64x2.add(
    f64x2.add(acc, f64x2.promote_low_f32x4(x)),
    f64x2.promote_low_f32x4(v128.shuffle<u32>(x, x, 2, 3, 0, 1)),
  );
}

function total(acc: v128): f64 {
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

/**
 * Pass 1: activity trace, moment EMAs and the memory signal (into `upd`); writes the sums of |g|, trace and memory
 * to sums[0..2] (f64).
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
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const gi = v128.load(g + o);
    const ag = f32x4.abs(gi);
    const ai = startFromSignal ? ag : f32x4.add(f32x4.mul(vba, v128.load(act + o)), f32x4.mul(vca, ag));
    const mi = f32x4.add(f32x4.mul(vbm, v128.load(m + o)), f32x4.mul(vcm, gi));
    const vi = f32x4.add(f32x4.mul(vbv, v128.load(v + o)), f32x4.mul(vcv, f32x4.mul(gi, gi)));
    v128.store(act + o, ai);
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const mm = f32x4.div(f32x4.abs(mi), f32x4.add(f32x4.sqrt(vi), veps));
    v128.store(mem + o, mm);
    sg = sum4(sg, ag);
    sa = sum4(sa, ai);
    sm = sum4(sm, mm);
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
  store<f64>(sums, tg);
  store<f64>(sums, ta, 8);
  store<f64>(sums, tm, 16);
}

/** Pass 2: alpha and the update u = alpha g + l2 w into `upd` (which may alias `mem`); returns sum(u^2). */
export function neuroplasticUpdate(
  n: i32,
  g: usize,
  w: usize,
  act: usize,
  mem: usize,
  upd: usize,
  invG: f32,
  ka: f32,
  wg: f32,
  km: f32,
  lo: f32,
  hi: f32,
  mix: f32,
  l2: f32,
): f64 {
  const vInvG = f32x4.splat(invG),
    vka = f32x4.splat(ka),
    vwg = f32x4.splat(wg),
    vkm = f32x4.splat(km);
  const vlo = f32x4.splat(lo),
    vhi = f32x4.splat(hi),
    vmix = f32x4.splat(mix),
    vl2 = f32x4.splat(l2);
  let sq = f64x2.splat(0);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const gi = v128.load(g + o);
    const gh = f32x4.mul(f32x4.abs(gi), vInvG);
    const ag = f32x4.min(f32x4.max(gh, vlo), vhi);
    const raw = f32x4.add(
      f32x4.add(f32x4.mul(vka, v128.load(act + o)), f32x4.mul(vwg, gh)),
      f32x4.mul(vkm, v128.load(mem + o)),
    );
    const af = f32x4.min(f32x4.max(raw, vlo), vhi);
    const alpha = f32x4.add(ag, f32x4.mul(vmix, f32x4.sub(af, ag)));
    const u = f32x4.add(f32x4.mul(alpha, gi), f32x4.mul(vl2, v128.load(w + o)));
    v128.store(upd + o, u);
    sq = sum4(sq, f32x4.mul(u, u));
  }
  let s = total(sq);
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const gi = load<f32>(g + o);
    const gh = abs(gi) * invG;
    const ag = min(max(gh, lo), hi);
    const af = min(max(ka * load<f32>(act + o) + wg * gh + km * load<f32>(mem + o), lo), hi);
    const u = (ag + mix * (af - ag)) * gi + l2 * load<f32>(w + o);
    store<f32>(upd + o, u);
    s += <f64>u * <f64>u;
  }
  return s;
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
