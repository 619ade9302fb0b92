import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConvGeometrySlot, LifParam, PoolGeometrySlot } from '../src/engine/kernels/layouts.js';
import { PARAM_SLOT_BYTES } from '../src/engine/kernels/wasm-runtime.js';
import { Rng } from '../src/util/rng.js';
import { REPO_ROOT } from './helpers.js';
import {
  backendNames,
  convGeometry,
  getBackend,
  poolGeometry,
  type AlphaTerms,
  type Kernels,
} from '../src/engine/index.js';

// The blocks TypeScript and the compiled kernels exchange are defined once, in src/engine/kernels/layouts.ts, which
// assembly/*.ts import; engine.test.ts checks that wasm/kernels.wasm is rebuilt from them. These tests check the
// other readers: the C struct of the native addon, and the committed binaries' behaviour block by block.

const fastBackends = () => backendNames().filter((name) => name !== 'reference');

/** Asserts |got - want| <= tol (1 + |want|) elementwise. */
function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++)
    assert.ok(
      Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])),
      `${what}[${i}]: ${got[i]} vs ${want[i]}`,
    );
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

test('each geometry block fits one parameter slot of the WASM runtime', () => {
  for (const size of [ConvGeometrySlot.SIZE, PoolGeometrySlot.SIZE]) assert.ok(4 * size <= PARAM_SLOT_BYTES);
});

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
  const base = new Float32Array(LifParam.SIZE);
  base[LifParam.G_LEAK] = 10;
  base[LifParam.CM] = 200;
  base[LifParam.E_LEAK] = -60;
  base[LifParam.E_EXC] = 0;
  base[LifParam.E_INH] = -80;
  base[LifParam.BIAS] = 40;
  base[LifParam.V_THRESH] = -52;
  base[LifParam.V_RESET] = -61;
  base[LifParam.DT] = 0.1;
  base[LifParam.DECAY_EXC] = 0.98;
  base[LifParam.DECAY_INH] = 0.99;
  base[LifParam.LEAK_DECAY] = 0.995;
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
  for (const name of fastBackends()) {
    for (const conductance of [false, true]) {
      for (let slot = -1; slot < LifParam.SIZE; slot++) {
        const params = base.slice();
        if (slot >= 0) params[slot] *= 1.01;
        const what = `${name} conductance=${conductance} slot ${slot < 0 ? 'none' : LifParam[slot]} changed`;
        const [got, want] = [run(getBackend(name), params, conductance), run(ref, params, conductance)];
        assert.deepEqual(got.spikes, want.spikes, `${what}: spikes`);
        assert.deepEqual(got.refractory, want.refractory, `${what}: refractory counts`);
        for (const key of ['v', 'exc', 'inh'] as const) close(got[key], want[key], 1e-5, `${what}: ${key}`);
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
    const traceSums = new Float64Array(3);
    const terms = { activityDecay: 0.9, momentumDecay: 0.8, varianceDecay: 0.99, eps: 1e-8 };
    k.neuroplasticTraces(n, g, act, m, v, mem, false, terms, traceSums);
    const residualSums = new Float64Array(3);
    k.neuroplasticResidual(n, g, act, mem, base, mem, alpha, 0.15, residualSums);
    return [traceSums, residualSums];
  };
  const want = run(ref);
  assert.equal(
    new Set(want.flatMap((sums) => [...sums])).size,
    6,
    'the sums all differ, so that a misplaced one shows',
  );
  for (const name of fastBackends()) {
    const got = run(getBackend(name));
    close(got[0], want[0], 1e-5, `${name} trace sums`);
    close(got[1], want[1], 1e-4, `${name} residual sums`);
  }
});
