import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARAM_SLOT_BYTES } from '../src/engine/kernels/wasm-runtime.js';
import { Rng } from '../src/util/rng.js';
import { REPO_ROOT } from './helpers.js';
import {
  backendNames,
  ConvGeometrySlot,
  convGeometry,
  getBackend,
  LifParam,
  PoolGeometrySlot,
  poolGeometry,
  ResidualSum,
  TraceSum,
  type AlphaTerms,
  type Kernels,
} from '../src/engine/index.js';

// The blocks TypeScript and the compiled kernels exchange are defined once, in src/engine/kernels/layouts.ts, which
// assembly/*.ts import; engine.test.ts checks that wasm/kernels.wasm is rebuilt from them. These tests check the
// other readers: the C struct of the native addon, and the committed binaries' behaviour block by block.

/**
 * The backends checked against the reference. Never none: wasm-simd is built in and Node 20 has the WebAssembly SIMD
 * and shared memory it needs, so an empty list means the WASM backend failed to load, and every check here would
 * pass without checking anything.
 */
function fastBackends(): string[] {
  const names = backendNames().filter((name) => name !== 'reference');
  assert.ok(names.includes('wasm-simd'), `no WASM backend to check (backends: ${backendNames().join(', ')})`);
  return names;
}

const near = (got: number, want: number, tol: number) => Math.abs(got - want) <= tol * (1 + Math.abs(want));

/** Whether |got - want| <= tol (1 + |want|) elementwise. */
function within(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): boolean {
  if (got.length !== want.length) return false;
  for (let i = 0; i < want.length; i++) if (!near(got[i], want[i], tol)) return false;
  return true;
}

/** Asserts |got - want| <= tol (1 + |want|) elementwise. */
function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++)
    assert.ok(near(got[i], want[i], tol), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

test('native/kernels.c declares the convolution geometry block with ConvGeometrySlot’s fields in order', () => {
  const source = readFileSync(join(REPO_ROOT, 'native', 'kernels.c'), 'utf8');
  const struct = /typedef struct \{\s*int ([^;]+);\s*\} Geometry;/.exec(source);
  assert.ok(struct, 'the Geometry struct (one int declaration) is where the test expects it');
  const cNames: Record<string, keyof typeof ConvGeometrySlot> = {
    inC: 'IN_CHANNELS',
    inH: 'IN_H',
    inW: 'IN_W',
    outC: 'OUT_CHANNELS',
    kH: 'KERNEL_H',
    kW: 'KERNEL_W',
    sH: 'STRIDE_H',
    sW: 'STRIDE_W',
    pH: 'PAD_H',
    pW: 'PAD_W',
    outH: 'OUT_H',
    outW: 'OUT_W',
  };
  const fields = struct[1].split(',').map((f) => f.trim());
  assert.deepEqual(
    fields.map((f) => ConvGeometrySlot[cNames[f]]),
    Array.from({ length: ConvGeometrySlot.SIZE }, (_, slot) => slot),
    `C fields ${fields.join(', ')}`,
  );
});

test('the LIF parameters and each geometry block fit one parameter slot of the WASM runtime', () => {
  for (const size of [LifParam.SIZE, ConvGeometrySlot.SIZE, PoolGeometrySlot.SIZE])
    assert.ok(4 * size <= PARAM_SLOT_BYTES);
});

type LifSlot = Exclude<keyof typeof LifParam, 'SIZE'>;
type SynapseMode = 'current' | 'conductance';
const BOTH: SynapseMode[] = ['current', 'conductance'];

/**
 * Per LIF slot: its value in the test's block, the synapse modes in which lifStep reads it, and an additive change
 * that moves the reference's result beyond the comparison's tolerance (checked below, as is that the result in the
 * other mode does not move at all).
 */
const LIF_SLOTS: Record<LifSlot, { value: number; readIn: SynapseMode[]; change: number }> = {
  G_LEAK: { value: 10, readIn: BOTH, change: 2 },
  CM: { value: 200, readIn: ['conductance'], change: 50 },
  E_LEAK: { value: -60, readIn: BOTH, change: 3 },
  E_EXC: { value: 0, readIn: ['conductance'], change: 10 },
  E_INH: { value: -80, readIn: ['conductance'], change: 10 },
  BIAS: { value: 40, readIn: BOTH, change: 50 },
  V_THRESH: { value: -52, readIn: BOTH, change: 1 },
  V_RESET: { value: -61, readIn: BOTH, change: 2 },
  DT: { value: 0.1, readIn: ['conductance'], change: 0.05 },
  DECAY_EXC: { value: 0.98, readIn: BOTH, change: -0.1 },
  DECAY_INH: { value: 0.99, readIn: BOTH, change: -0.1 },
  LEAK_DECAY: { value: 0.995, readIn: ['current'], change: -0.01 },
  EXC_GAIN: { value: 1.25, readIn: ['current'], change: 0.5 },
  INH_GAIN: { value: 0.75, readIn: ['current'], change: 0.5 },
};

test('every fast backend reads each LIF parameter where TypeScript writes it (each slot changed in turn)', () => {
  const ref = getBackend('reference');
  const n = 67; // the WASM path (64 and up), with a scalar tail
  const rng = new Rng(3);
  const init = {
    v: Float32Array.from({ length: n }, () => -58 + 10 * rng.float()),
    exc: Float32Array.from({ length: n }, () => 20 * rng.float()),
    inh: Float32Array.from({ length: n }, () => 20 * rng.float()),
    input: Float32Array.from({ length: n }, () => 300 * rng.float()),
    refractory: Int32Array.from({ length: n }, (_, i) => i % 4),
  };
  const slots = Object.keys(LIF_SLOTS) as LifSlot[];
  assert.equal(slots.length, LifParam.SIZE);
  const base = new Float32Array(LifParam.SIZE);
  for (const slot of slots) base[LifParam[slot]] = LIF_SLOTS[slot].value;
  const run = (k: Kernels, params: Float32Array, conductance: boolean) => {
    const s = {
      v: init.v.slice(),
      exc: init.exc.slice(),
      inh: init.inh.slice(),
      refractory: init.refractory.slice(),
      spikes: [] as number[],
    };
    const spikes = new Int32Array(n);
    for (let step = 0; step < 3; step++) {
      const count = k.lifStep(n, s.v, s.exc, s.inh, init.input, s.refractory, spikes, params, conductance, 3);
      s.spikes.push(...spikes.subarray(0, count), -1);
    }
    return s;
  };
  type Result = ReturnType<typeof run>;
  const TOL = 1e-5;
  const same = (got: Result, want: Result) =>
    got.spikes.join() === want.spikes.join() &&
    got.refractory.join() === want.refractory.join() &&
    (['v', 'exc', 'inh'] as const).every((key) => within(got[key], want[key], TOL));
  for (const mode of BOTH) {
    const conductance = mode === 'conductance';
    const unchanged = run(ref, base, conductance);
    for (const slot of [null, ...slots]) {
      const params = base.slice();
      if (slot) {
        const { readIn, change } = LIF_SLOTS[slot];
        assert.ok(readIn.length > 0, `${slot} is read in some mode`);
        params[LifParam[slot]] += change;
        const moved = run(ref, params, conductance);
        if (readIn.includes(mode))
          assert.ok(
            !same(moved, unchanged),
            `${mode}: changing ${slot} by ${change} moves the reference's result`,
          );
        else assert.deepEqual(moved, unchanged, `${mode}: the reference does not read ${slot}`);
      }
      for (const name of fastBackends()) {
        const what = `${name} ${mode} synapses, slot ${slot ?? 'none'} changed`;
        const [got, want] = [run(getBackend(name), params, conductance), run(ref, params, conductance)];
        assert.deepEqual(got.spikes, want.spikes, `${what}: spikes`);
        assert.deepEqual(got.refractory, want.refractory, `${what}: refractory counts`);
        for (const key of ['v', 'exc', 'inh'] as const) close(got[key], want[key], TOL, `${what}: ${key}`);
      }
    }
  }
});

test('every fast backend reads the convolution and pooling geometry blocks where TypeScript writes them', () => {
  const ref = getBackend('reference');
  // Every field differs from every other, so that reading one in another's place changes the result.
  const conv = convGeometry('layout', [2, 11, 8], 3, [3, 2], [2, 1], [1, 0]);
  const pool = poolGeometry('layout', [2, 11, 8], 3, 2, 1);
  const batch = 2;
  const rng = new Rng(4);
  const x = rng.fillNormal(new Float32Array(batch * 2 * 11 * 8));
  const weight = rng.fillNormal(new Float32Array(3 * 2 * 3 * 2));
  const bias = rng.fillNormal(new Float32Array(3));
  const image = 2 * 11 * 8;
  const colsLength = 2 * 3 * 2 * conv.outH * conv.outW;
  for (const name of fastBackends()) {
    const k = getBackend(name);
    const unfold = (kk: Kernels) => {
      const cols = new Float32Array(colsLength);
      kk.im2col(conv, x, image, cols);
      return cols;
    };
    const cols = unfold(ref);
    assert.deepEqual(unfold(k), cols, `${name} im2col`);
    const fold = (kk: Kernels) => {
      const dx = new Float32Array(x.length);
      kk.col2im(conv, cols, dx, image);
      return dx;
    };
    assert.deepEqual(fold(k), fold(ref), `${name} col2im`);
    const forward = (kk: Kernels) => {
      const y = new Float32Array(batch * 3 * conv.outH * conv.outW);
      kk.conv2dForward(conv, batch, x, weight, bias, y);
      return y;
    };
    close(forward(k), forward(ref), 1e-5, `${name} conv2dForward`);
    const maxPool = (kk: Kernels) => {
      const y = new Float32Array(batch * 2 * pool.outH * pool.outW);
      const argmax = new Int32Array(y.length);
      kk.maxPool2dForward(pool, batch, x, y, argmax);
      return [y, argmax];
    };
    assert.deepEqual(maxPool(k), maxPool(ref), `${name} maxPool2dForward`);
    const avgPool = (kk: Kernels) => {
      const y = new Float32Array(batch * 2 * pool.outH * pool.outW);
      kk.avgPool2dForward(pool, batch, x, y);
      return y;
    };
    close(avgPool(k), avgPool(ref), 1e-6, `${name} avgPool2dForward`);
  }
});

test('every fast backend returns NeuroPlastic’s sums in the TraceSum and ResidualSum slots', () => {
  const ref = getBackend('reference');
  const n = 1000; // the WASM path, in one piece
  const rng = new Rng(5);
  const arrays = Array.from({ length: 5 }, () => rng.fillNormal(new Float32Array(n)));
  const alpha: AlphaTerms = {
    gradScale: 1.3,
    activityCoef: 0.5,
    gradientCoef: 0.4,
    memoryCoef: 0.3,
    alphaMin: 0.2,
    alphaMax: 2,
    mix: 0.7,
  };
  const run = (k: Kernels) => {
    const [g, act, m, v, base] = arrays.map((a) => a.slice());
    act.forEach((a, i) => (act[i] = 2 * Math.abs(a))); // a trace unlike |g|, so that its sum differs
    v.forEach((a, i) => (v[i] = a * a));
    const mem = new Float32Array(n);
    const traceSums = new Float64Array(TraceSum.SIZE);
    const terms = { activityDecay: 0.9, momentumDecay: 0.8, varianceDecay: 0.99, eps: 1e-8 };
    k.neuroplasticTraces(n, g, act, m, v, mem, false, terms, traceSums);
    const residualSums = new Float64Array(ResidualSum.SIZE);
    k.neuroplasticResidual(n, g, act, mem, base, mem, alpha, 0.15, residualSums);
    return [traceSums, residualSums];
  };
  const want = run(ref);
  assert.equal(
    new Set(want.flatMap((sums) => [...sums])).size,
    TraceSum.SIZE + ResidualSum.SIZE,
    'the sums all differ, so that a misplaced one shows',
  );
  for (const name of fastBackends()) {
    const got = run(getBackend(name));
    close(got[0], want[0], 1e-5, `${name} trace sums`);
    close(got[1], want[1], 1e-4, `${name} residual sums`);
  }
});
