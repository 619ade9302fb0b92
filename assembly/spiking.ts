// Spiking kernels (AssemblyScript, WASM SIMD): one step of a LIF population (exponential Euler; with current
// synapses, each current scaled by its LifParam gain, which makes the step exact), four neurons per lane group, with a polynomial exp accurate to about 1e-7 relative. Matches src/engine/kernels/reference-spiking.ts.
// And one exact step of a GLIF3 population (scalar, f64 arithmetic).
import { Glif3Param, LifParam } from '../src/engine/kernels/layouts';

const LOG2E: f32 = 1.4426950408889634;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444e-4;

/** exp(x) for x in [-87, 88], four lanes: x = k ln2 + r, a degree-6 polynomial for e^r, 2^k from the exponent bits. */
function exp4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87)), f32x4.splat(88));
  const k = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(k, f32x4.splat(LN2_HI))), f32x4.mul(k, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.0 / 720.0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(k), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/**
 * One step of n LIF neurons. Parameters live in a float block `prm` laid out as LifParam; `conductance` selects the
 * synapse type; refractory counters are i32. Spiking neurons' indices go to `spikes`; returns their count.
 */
export function lifStep(
  n: i32,
  v: usize,
  ge: usize,
  gi: usize,
  input: usize,
  refr: usize,
  spikes: usize,
  prm: usize,
  conductance: bool,
  refSteps: i32,
): i32 {
  const gL = load<f32>(prm, LifParam.G_LEAK * 4),
    cm = load<f32>(prm, LifParam.CM * 4),
    eL = load<f32>(prm, LifParam.E_LEAK * 4),
    eE = load<f32>(prm, LifParam.E_EXC * 4);
  const eI = load<f32>(prm, LifParam.E_INH * 4),
    bias = load<f32>(prm, LifParam.BIAS * 4),
    vTh = load<f32>(prm, LifParam.V_THRESH * 4),
    vReset = load<f32>(prm, LifParam.V_RESET * 4);
  const dt = load<f32>(prm, LifParam.DT * 4),
    decayE = load<f32>(prm, LifParam.DECAY_EXC * 4),
    decayI = load<f32>(prm, LifParam.DECAY_INH * 4),
    leak = load<f32>(prm, LifParam.LEAK_DECAY * 4);
  const gainE = load<f32>(prm, LifParam.EXC_GAIN * 4),
    gainI = load<f32>(prm, LifParam.INH_GAIN * 4);
  const vgL = f32x4.splat(gL),
    veL = f32x4.splat(eL),
    veE = f32x4.splat(eE),
    veI = f32x4.splat(eI);
  const vBias = f32x4.splat(bias),
    vTh4 = f32x4.splat(vTh),
    vReset4 = f32x4.splat(vReset);
  const vNegDtCm = f32x4.splat(-dt / cm),
    vDecE = f32x4.splat(decayE),
    vDecI = f32x4.splat(decayI);
  const vLeak = f32x4.splat(leak),
    vInvGL = f32x4.splat(1 / gL),
    vGainE = f32x4.splat(gainE),
    vGainI = f32x4.splat(gainI);
  const zero = i32x4.splat(0),
    one = i32x4.splat(1),
    vRef = i32x4.splat(refSteps);
  const tiny = f32x4.splat(1e-30);
  let count: i32 = 0;
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const e = v128.load(ge + o);
    const h = v128.load(gi + o);
    const drive = f32x4.add(vBias, v128.load(input + o));
    let vInf: v128;
    let decay: v128;
    if (conductance) {
      const gTot = f32x4.add(f32x4.add(vgL, e), h);
      const num = f32x4.add(
        f32x4.add(f32x4.add(f32x4.mul(vgL, veL), f32x4.mul(e, veE)), f32x4.mul(h, veI)),
        drive,
      );
      vInf = f32x4.div(num, gTot);
      decay = exp4(f32x4.mul(vNegDtCm, gTot));
    } else {
      const current = f32x4.sub(f32x4.mul(e, vGainE), f32x4.mul(h, vGainI));
      vInf = f32x4.add(veL, f32x4.mul(f32x4.add(current, drive), vInvGL));
      decay = vLeak;
    }
    const vOld = v128.load(v + o);
    const vNew = f32x4.add(vInf, f32x4.mul(f32x4.sub(vOld, vInf), decay));
    const r = v128.load(refr + o);
    const refractory = i32x4.gt_s(r, zero);
    const fired = v128.andnot(f32x4.gt(vNew, vTh4), refractory);
    const reset = v128.or(refractory, fired);
    v128.store(v + o, v128.bitselect(vReset4, vNew, reset));
    const rNext = v128.bitselect(i32x4.sub(r, one), r, refractory);
    v128.store(refr + o, v128.bitselect(vRef, rNext, fired));
    // Decayed synaptic variables below 1e-30 are flushed to 0: float32 subnormals cost ~100x in arithmetic, and
    // an idle neuron's conductance would otherwise decay into them.
    const eNext = f32x4.mul(e, vDecE);
    const hNext = f32x4.mul(h, vDecI);
    v128.store(ge + o, v128.and(eNext, f32x4.gt(f32x4.abs(eNext), tiny)));
    v128.store(gi + o, v128.and(hNext, f32x4.gt(f32x4.abs(hNext), tiny)));
    const bits = i32x4.bitmask(fired);
    if (bits != 0) {
      for (let lane: i32 = 0; lane < 4; lane++) {
        if (bits & (1 << lane)) {
          store<i32>(spikes + ((<usize>count) << 2), i + lane);
          count++;
        }
      }
    }
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const e = load<f32>(ge + o);
    const h = load<f32>(gi + o);
    const r = load<i32>(refr + o);
    if (r > 0) {
      store<i32>(refr + o, r - 1);
      store<f32>(v + o, vReset);
    } else {
      const drive = bias + load<f32>(input + o);
      let vNew: f32;
      if (conductance) {
        const gTot = gL + e + h;
        const vInf = (gL * eL + e * eE + h * eI + drive) / gTot;
        vNew = vInf + (load<f32>(v + o) - vInf) * f32x4.extract_lane(exp4(f32x4.splat((-dt * gTot) / cm)), 0);
      } else {
        const vInf = eL + (e * gainE - h * gainI + drive) / gL;
        vNew = vInf + (load<f32>(v + o) - vInf) * leak;
      }
      if (vNew > vTh) {
        store<i32>(spikes + ((<usize>count) << 2), i);
        count++;
        vNew = vReset;
        store<i32>(refr + o, refSteps);
      }
      store<f32>(v + o, vNew);
    }
    const eNext = e * decayE;
    const hNext = h * decayI;
    store<f32>(ge + o, abs(eNext) > 1e-30 ? eNext : 0);
    store<f32>(gi + o, abs(hNext) > 1e-30 ? hNext : 0);
  }
  return count;
}

/** A GLIF3 block slot, widened to f64. */
function slot(prm: usize, k: i32): f64 {
  return <f64>load<f32>(prm + ((<usize>k) << 2));
}

/** A float32 state variable, widened. */
function get(a: usize, o: usize): f64 {
  return <f64>load<f32>(a + o);
}

/** Stores x as f32, flushing magnitudes below 1e-30 to 0 as the reference does. */
function putFlushed(a: usize, o: usize, x: f64): void {
  store<f32>(a + o, <f32>(abs(x) > 1e-30 ? x : 0));
}

/** Two float32 state variables at a + o, widened. */
function pair(a: usize, o: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(a + o));
}

/** Stores both lanes of x as f32 at a + o. */
function putPair(a: usize, o: usize, x: v128): void {
  v128.store64_lane(a + o, f32x4.demote_f64x2_zero(x), 0);
}

/** Lanes whose magnitude is not above 1e-30 (and NaN) become 0, as putFlushed. */
function flushPair(x: v128, zero: v128, tiny: v128): v128 {
  return v128.bitselect(x, zero, f64x2.gt(f64x2.abs(x), tiny));
}

/**
 * One exact step of n GLIF3 neurons (block laid out as Glif3Param). Scalar f64 arithmetic on the f32 state, in the
 * reference's order (src/engine/kernels/reference-spiking.ts), so both give the same bits.
 */
export function glif3Step(
  n: i32,
  v: usize,
  asc1: usize,
  asc2: usize,
  exc: usize,
  excC: usize,
  inh: usize,
  inhC: usize,
  input: usize,
  thr: usize,
  refr: usize,
  spikes: usize,
  prm: usize,
  refSteps: i32,
): i32 {
  const eL = slot(prm, Glif3Param.E_LEAK),
    gL = slot(prm, Glif3Param.G_LEAK),
    vTh = slot(prm, Glif3Param.V_THRESH),
    vReset = load<f32>(prm, Glif3Param.V_RESET * 4),
    bias = slot(prm, Glif3Param.BIAS),
    leak = slot(prm, Glif3Param.LEAK_DECAY);
  const d1 = slot(prm, Glif3Param.ASC1_DECAY),
    d2 = slot(prm, Glif3Param.ASC2_DECAY),
    g1 = slot(prm, Glif3Param.ASC1_GAIN),
    g2 = slot(prm, Glif3Param.ASC2_GAIN),
    r1 = slot(prm, Glif3Param.ASC1_RETENTION),
    r2 = slot(prm, Glif3Param.ASC2_RETENTION),
    amp1 = slot(prm, Glif3Param.ASC1_AMP),
    amp2 = slot(prm, Glif3Param.ASC2_AMP);
  const dE = slot(prm, Glif3Param.EXC_DECAY),
    riseE = slot(prm, Glif3Param.EXC_RISE),
    gE = slot(prm, Glif3Param.EXC_GAIN),
    gEc = slot(prm, Glif3Param.EXC_CURRENT_GAIN),
    dI = slot(prm, Glif3Param.INH_DECAY),
    riseI = slot(prm, Glif3Param.INH_RISE),
    gI = slot(prm, Glif3Param.INH_GAIN),
    gIc = slot(prm, Glif3Param.INH_CURRENT_GAIN);
  let count: i32 = 0;
  // Two neurons per lane group in f64x2: the scalar loop's operations in its order, so the same bits; the last odd
  // neuron goes through the scalar loop.
  const pairs = n & ~1;
  const zero = f64x2.splat(0),
    tiny = f64x2.splat(1e-30),
    vResetV = f64x2.splat(<f64>vReset);
  for (let i: i32 = 0; i < pairs; i += 2) {
    const o = (<usize>i) << 2;
    const a1 = pair(asc1, o),
      a2 = pair(asc2, o),
      e = pair(exc, o),
      ec = pair(excC, o),
      h = pair(inh, o),
      hc = pair(inhC, o);
    let a1n = f64x2.mul(a1, f64x2.splat(d1));
    let a2n = f64x2.mul(a2, f64x2.splat(d2));
    const rA = load<i32>(refr + o),
      rB = load<i32>(refr + o, 4);
    const held = i64x2.replace_lane(i64x2.splat(rA > 0 ? -1 : 0), 1, rB > 0 ? -1 : 0);
    const uInf = f64x2.div(f64x2.add(f64x2.splat(bias), pair(input, o)), f64x2.splat(gL));
    let u = f64x2.add(
      uInf,
      f64x2.mul(f64x2.sub(f64x2.sub(pair(v, o), f64x2.splat(eL)), uInf), f64x2.splat(leak)),
    );
    u = f64x2.add(u, f64x2.mul(f64x2.splat(g1), a1));
    u = f64x2.add(u, f64x2.mul(f64x2.splat(g2), a2));
    u = f64x2.add(u, f64x2.mul(f64x2.splat(gEc), ec));
    u = f64x2.add(u, f64x2.mul(f64x2.splat(gE), e));
    u = f64x2.sub(u, f64x2.mul(f64x2.splat(gIc), hc));
    u = f64x2.sub(u, f64x2.mul(f64x2.splat(gI), h));
    const vi = f64x2.add(f64x2.splat(eL), u);
    const fire = v128.andnot(f64x2.gt(vi, f64x2.add(f64x2.splat(vTh), pair(thr, o))), held);
    const fireA = i64x2.extract_lane(fire, 0) != 0,
      fireB = i64x2.extract_lane(fire, 1) != 0;
    if (rA > 0) store<i32>(refr + o, rA - 1);
    else if (fireA) {
      store<i32>(spikes + ((<usize>count) << 2), i);
      count++;
      store<i32>(refr + o, refSteps);
    }
    if (rB > 0) store<i32>(refr + o, rB - 1, 4);
    else if (fireB) {
      store<i32>(spikes + ((<usize>count) << 2), i + 1);
      count++;
      store<i32>(refr + o, refSteps, 4);
    }
    putPair(v, o, v128.bitselect(vResetV, vi, v128.or(held, fire)));
    a1n = v128.bitselect(f64x2.add(f64x2.mul(f64x2.splat(r1), a1n), f64x2.splat(amp1)), a1n, fire);
    a2n = v128.bitselect(f64x2.add(f64x2.mul(f64x2.splat(r2), a2n), f64x2.splat(amp2)), a2n, fire);
    putPair(asc1, o, flushPair(a1n, zero, tiny));
    putPair(asc2, o, flushPair(a2n, zero, tiny));
    putPair(exc, o, flushPair(f64x2.mul(e, f64x2.splat(dE)), zero, tiny));
    putPair(
      excC,
      o,
      flushPair(f64x2.add(f64x2.mul(ec, f64x2.splat(dE)), f64x2.mul(e, f64x2.splat(riseE))), zero, tiny),
    );
    putPair(inh, o, flushPair(f64x2.mul(h, f64x2.splat(dI)), zero, tiny));
    putPair(
      inhC,
      o,
      flushPair(f64x2.add(f64x2.mul(hc, f64x2.splat(dI)), f64x2.mul(h, f64x2.splat(riseI))), zero, tiny),
    );
  }
  for (let i: i32 = pairs; i < n; i++) {
    const o = (<usize>i) << 2;
    const a1 = get(asc1, o),
      a2 = get(asc2, o),
      e = get(exc, o),
      ec = get(excC, o),
      h = get(inh, o),
      hc = get(inhC, o);
    let a1n = a1 * d1;
    let a2n = a2 * d2;
    const r = load<i32>(refr + o);
    if (r > 0) {
      store<i32>(refr + o, r - 1);
      store<f32>(v + o, vReset);
    } else {
      const uInf = (bias + get(input, o)) / gL;
      const u =
        uInf + (get(v, o) - eL - uInf) * leak + g1 * a1 + g2 * a2 + gEc * ec + gE * e - gIc * hc - gI * h;
      let vi = eL + u;
      if (vi > vTh + get(thr, o)) {
        store<i32>(spikes + ((<usize>count) << 2), i);
        count++;
        vi = <f64>vReset;
        store<i32>(refr + o, refSteps);
        a1n = r1 * a1n + amp1;
        a2n = r2 * a2n + amp2;
      }
      store<f32>(v + o, <f32>vi);
    }
    putFlushed(asc1, o, a1n);
    putFlushed(asc2, o, a2n);
    putFlushed(exc, o, e * dE);
    putFlushed(excC, o, ec * dE + e * riseE);
    putFlushed(inh, o, h * dI);
    putFlushed(inhC, o, hc * dI + h * riseI);
  }
  return count;
}

/**
 * One step of n Poisson inputs: input i spikes when the next xoshiro128** draw u (state: 4 words at `state`,
 * advanced n times) is below rate[i] x scale. The same arithmetic as Rng.nextU32 in src/util/rng.ts.
 */
export function poissonStep(n: i32, rates: usize, scale: f64, state: usize, spikes: usize): i32 {
  let s0 = load<u32>(state),
    s1 = load<u32>(state, 4),
    s2 = load<u32>(state, 8),
    s3 = load<u32>(state, 12);
  let count: i32 = 0;
  for (let i: i32 = 0; i < n; i++) {
    const u = rotl<u32>(s1 * 5, 7) * 9;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<u32>(s3, 11);
    // Branch-free: the index is always written, the count advances only on a spike.
    store<i32>(spikes + ((<usize>count) << 2), i);
    count += i32(<f64>u < <f64>load<f32>(rates + ((<usize>i) << 2)) * scale);
  }
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
  return count;
}
