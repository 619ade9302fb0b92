import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onBackend, tempDir, traceRun } from './helpers.js';
import { Glif3Group, glif3Propagator, Network, type Glif3Parameters } from '../src/spiking/index.js';
import { backendNames, getBackend, Glif3Param } from '../src/engine/index.js';
import { ConfigError, NeuroplastError } from '../src/util/errors.js';
import { Rng } from '../src/util/rng.js';

const DT = 0.1;
/** tau_m = 20 ms; a slow adapting after-spike current and a fast depolarising one; partial retention. */
const CELL: Glif3Parameters = {
  cmPf: 100,
  gLeakNs: 5,
  eLeakMv: -70,
  vThreshMv: -50,
  vResetMv: -65,
  refractoryMs: 2,
  ascAmpsPa: [-30, 15],
  ascDecayPerMs: [0.03, 0.3],
  ascRetention: [0.5, 0.8],
  tauExcMs: 2,
  tauInhMs: 5,
};

/** The first time in (0, maxMs] where f reaches 0 from below: a fine scan, then bisection. */
function firstCrossing(f: (t: number) => number, maxMs = 1000): number {
  const h = 0.01;
  let lo = 0;
  for (let t = h; t <= maxMs; t += h) {
    if (f(t) >= 0) {
      let hi = t;
      for (let k = 0; k < 60; k++) {
        const mid = (lo + hi) / 2;
        if (f(mid) >= 0) hi = mid;
        else lo = mid;
      }
      return hi;
    }
    lo = t;
  }
  throw new Error('no crossing');
}

test('GLIF3 with a constant current: the first spike and the intervals the after-spike currents shape match the closed form', () => {
  for (const backend of backendNames()) onBackend(backend, () => checkIntervals(backend));
});

/** The spike times of one cell on the active backend against the closed form. */
function checkIntervals(backend: string): void {
  const p = CELL;
  const inputPa = 150;
  const g = new Glif3Group('cell', 1, p, DT);
  g.inputPa[0] = inputPa;
  const steps: number[] = [];
  for (let s = 0; s < 2000 && steps.length < 4; s++) {
    g.step();
    if (g.spikes.length) steps.push(s);
  }
  assert.equal(steps.length, 4);
  const tauM = p.cmPf / p.gLeakNs;
  const vInf = p.eLeakMv + inputPa / p.gLeakNs;
  // Step s ends at (s + 1) dt, where its spike is detected.
  const tStar = tauM * Math.log((vInf - p.eLeakMv) / (vInf - p.vThreshMv));
  assert.ok(
    Math.abs((steps[0] + 1) * DT - tStar) <= DT,
    `${backend}: first spike at ${(steps[0] + 1) * DT} vs ${tStar} ms`,
  );

  // After spike k the currents are post_j = r_j pre_j + A_j; v is held for R - 1 steps while they decay, then
  // starts from vReset: V(t) = vInf + (vReset - vInf) e^{-t/tau_m} + sum A'_j / (C (1/tau_m - k_j)) (e^{-k_j t} - e^{-t/tau_m}).
  const R = Math.round(p.refractoryMs / DT);
  const k = p.ascDecayPerMs;
  let post = [p.ascAmpsPa[0], p.ascAmpsPa[1]];
  const plain = (R - 1) * DT + tauM * Math.log((vInf - p.vResetMv) / (vInf - p.vThreshMv));
  for (let n = 1; n < steps.length; n++) {
    const a = post.map((x, j) => x * Math.exp(-k[j] * (R - 1) * DT));
    const v = (t: number) =>
      vInf +
      (p.vResetMv - vInf) * Math.exp(-t / tauM) +
      a.reduce(
        (s, aj, j) => s + (aj / (p.cmPf * (1 / tauM - k[j]))) * (Math.exp(-k[j] * t) - Math.exp(-t / tauM)),
        0,
      );
    const predicted = (R - 1) * DT + firstCrossing((t) => v(t) - p.vThreshMv);
    const measured = (steps[n] - steps[n - 1]) * DT;
    assert.ok(
      Math.abs(measured - predicted) <= DT,
      `${backend} interval ${n}: ${measured} vs ${predicted} ms`,
    );
    // The currents matter: the interval differs from the plain LIF one by many steps.
    assert.ok(Math.abs(predicted - plain) > 5 * DT, `interval ${n} ${predicted} vs plain LIF ${plain} ms`);
    const elapsed = (steps[n] - steps[n - 1]) * DT;
    post = post.map((x, j) => p.ascRetention![j] * x * Math.exp(-k[j] * elapsed) + p.ascAmpsPa[j]);
  }
  // The state holds the currents the closed form tracks (after the last spike's jump).
  post.forEach((x, j) =>
    assert.ok(Math.abs((j ? g.asc2 : g.asc1)[0] - x) < 1e-4 * Math.abs(x), `${backend} asc${j + 1}: ${x}`),
  );
}

type State = [v: number, a1: number, a2: number, xe: number, ie: number, xi: number, ii: number];

/**
 * The GLIF3 equations (no threshold) integrated by float64 RK4 with step h, sampled every `sampleMs`; each kick adds
 * its weight to xe or xi at the end of the sample interval ending at its time (the sample holds it, as the group's
 * state after a step holds what the projection delivered).
 */
function rk4(
  p: Glif3Parameters,
  inputPa: number,
  start: State,
  kicks: { tMs: number; receptor: 'exc' | 'inh'; w: number }[],
  sampleMs: number,
  samples: number,
  h: number,
): State[] {
  const [k1, k2] = p.ascDecayPerMs;
  const f = ([v, a1, a2, xe, ie, xi, ii]: State): State => [
    (-p.gLeakNs * (v - p.eLeakMv) + a1 + a2 + ie - ii + (p.biasCurrentPa ?? 0) + inputPa) / p.cmPf,
    -k1 * a1,
    -k2 * a2,
    -xe / p.tauExcMs,
    -ie / p.tauExcMs + (Math.E / p.tauExcMs) * xe,
    -xi / p.tauInhMs,
    -ii / p.tauInhMs + (Math.E / p.tauInhMs) * xi,
  ];
  const add = (y: State, d: State, c: number) => y.map((x, i) => x + c * d[i]) as State;
  const perSample = Math.round(sampleMs / h);
  const out: State[] = [];
  let y = start;
  for (let s = 0; s < samples; s++) {
    for (let m = 0; m < perSample; m++) {
      const d1 = f(y);
      const d2 = f(add(y, d1, h / 2));
      const d3 = f(add(y, d2, h / 2));
      const d4 = f(add(y, d3, h));
      y = y.map((x, i) => x + (h / 6) * (d1[i] + 2 * d2[i] + 2 * d3[i] + d4[i])) as State;
    }
    for (const kick of kicks)
      if (Math.round(kick.tMs / sampleMs) === s + 1) y[kick.receptor === 'exc' ? 3 : 5] += kick.w;
    out.push(y.slice() as State);
  }
  return out;
}

test('GLIF3 alpha synapses: one spike through a projection peaks at its weight after tau, and v follows a fine RK4 integration (coincident time constants too)', () => {
  const sets: [string, Glif3Parameters][] = [
    ['distinct', { ...CELL, vThreshMv: -20 }],
    // tau_syn = tau_m for both receptors, k_1 = gL / Cm, k_2 = 0: the propagator's removable singularities.
    [
      'coincident',
      { ...CELL, cmPf: 50, gLeakNs: 10, vThreshMv: -20, tauExcMs: 5, tauInhMs: 5, ascDecayPerMs: [0.2, 0] },
    ],
  ];
  for (const backend of backendNames())
    for (const [set, p] of sets) onBackend(backend, () => checkPsc(`${backend} ${set}`, p));
});

/** One excitatory and one inhibitory input spike onto a cell with after-spike currents, against RK4. */
function checkPsc(what: string, p: Glif3Parameters): void {
  const block = glif3Propagator(p, DT);
  assert.ok(block.every(Number.isFinite), `${what}: a finite propagator`);
  const wE = 200;
  const wI = 120;
  const inputPa = 40;
  const net = new Network(DT);
  const exIn = net.spikeSource('exc-in', 1, [0], [2]);
  const inIn = net.spikeSource('inh-in', 1, [0], [7]);
  const g = net.add(new Glif3Group('cell', 1, p, DT));
  g.inputPa[0] = inputPa;
  g.asc1[0] = 30;
  g.asc2[0] = -20;
  for (const [src, receptor, weight] of [
    [exIn, 'exc', wE],
    [inIn, 'inh', wI],
  ] as const)
    net.connect(src, g, { connector: { kind: 'all-to-all' }, weight, receptor, seed: 1 });
  const steps = 400;
  const rows: State[] = [];
  for (let s = 0; s < steps; s++) {
    net.run(DT);
    rows.push([g.v[0], g.asc1[0], g.asc2[0], g.exc[0], g.excCurrent[0], g.inh[0], g.inhCurrent[0]]);
  }
  assert.equal(g.refractory[0], 0);
  // A spike stamped t arrives after the target's step starting at t: its weight is in x from (t + dt) on.
  const kicks = [
    { tMs: 2 + DT, receptor: 'exc' as const, w: wE },
    { tMs: 7 + DT, receptor: 'inh' as const, w: wI },
  ];
  for (const [col, kick, tau] of [
    [4, kicks[0], p.tauExcMs],
    [6, kicks[1], p.tauInhMs],
  ] as const) {
    const currents = rows.map((r) => r[col]);
    const peak = Math.max(...currents);
    const at = (currents.indexOf(peak) + 1) * DT - kick.tMs;
    assert.ok(
      Math.abs(peak - kick.w) <= 1e-4 * kick.w,
      `${what} ${kick.receptor}: peak ${peak} vs ${kick.w}`,
    );
    assert.ok(Math.abs(at - tau) <= DT + 1e-9, `${what} ${kick.receptor}: peak at ${at} ms vs tau ${tau} ms`);
  }
  const want = rk4(p, inputPa, [p.eLeakMv, 30, -20, 0, 0, 0, 0], kicks, DT, steps, DT / 100);
  let worst = 0;
  rows.forEach((r, s) => {
    assert.ok(r.every(Number.isFinite), `${what} step ${s}: finite state`);
    worst = Math.max(worst, Math.abs(r[0] - want[s][0]));
    // The currents and synaptic variables (pA) too.
    for (let c = 1; c < 7; c++)
      assert.ok(Math.abs(r[c] - want[s][c]) <= 1e-4 * (1 + Math.abs(want[s][c])), `${what} step ${s} [${c}]`);
  });
  assert.ok(worst <= 1e-4, `${what}: v within ${worst} mV of RK4`);
  // The input moved v: the comparison is not of a resting cell.
  const swing = Math.max(...rows.map((r) => r[0])) - Math.min(...rows.map((r) => r[0]));
  assert.ok(swing > 2, `${what}: v swings ${swing} mV`);
}

/** A GLIF3 population of n driven by random currents and synaptic kicks for `steps` steps on one backend. */
function randomRun(backend: string, n: number, steps: number) {
  return onBackend(backend, () => {
    const g = new Glif3Group('cells', n, { ...CELL, biasCurrentPa: 60 }, DT);
    const rng = new Rng(7);
    for (let i = 0; i < n; i++) {
      g.thresholdOffsetMv[i] = 2 * rng.normal();
      g.v[i] = -70 + 15 * rng.float();
    }
    const spikes: number[][] = [];
    for (let s = 0; s < steps; s++) {
      for (let i = 0; i < n; i++) {
        g.inputPa[i] = 90 + 60 * rng.normal();
        if (rng.float() < 0.05) g.exc[i] += 100 * rng.float();
        if (rng.float() < 0.01) g.inh[i] += 100 * rng.float();
      }
      g.step();
      spikes.push(Array.from(g.spikes));
    }
    const state = Object.fromEntries(
      Object.entries(g.saveState()).map(([k, a]) => [k, Array.from(a as Float32Array)]),
    );
    return { spikes, state };
  });
}

test('GLIF3: every backend steps a randomly driven population as the reference does (spikes, state)', () => {
  const n = 301;
  const steps = 1000;
  const want = randomRun('reference', n, steps);
  const total = want.spikes.flat().length;
  assert.ok(total > n && total < n * steps * 0.1, `${total} spikes: neurons fire, and refractoriness binds`);
  const names = backendNames().filter((b) => b !== 'reference');
  assert.ok(names.includes('wasm-simd'), `a WASM backend to compare (${backendNames().join(', ')})`);
  for (const name of names) {
    const got = randomRun(name, n, steps);
    assert.deepEqual(got.spikes, want.spikes, `${name}: spikes`);
    assert.deepEqual(got.state.refractory, want.state.refractory, `${name}: refractory counts`);
    for (const key of ['v', 'asc1', 'asc2', 'exc', 'excCurrent', 'inh', 'inhCurrent'])
      got.state[key].forEach((x, i) => {
        const y = want.state[key][i];
        assert.ok(Math.abs(x - y) <= 1e-6 * (1 + Math.abs(y)), `${name} ${key}[${i}]: ${x} vs ${y}`);
      });
  }
  // The kernel on ordinary arrays (copied into and out of WASM memory) agrees too.
  const block = Float32Array.from(glif3Propagator(CELL, DT));
  const want30 = kernelRun('reference', block, 30);
  assert.ok(want30.spikes.flat().length > 0);
  for (const name of names) sameKernelRun(kernelRun(name, block, 30), want30, `${name} on plain arrays`);
});

/** The raw kernel on ordinary arrays: 97 neurons (random state, some refractory) for `steps` steps. */
function kernelRun(backend: string, block: Float32Array, steps: number) {
  const n = 97;
  const rng = new Rng(3);
  const state = Array.from({ length: 7 }, (_, k) =>
    Float32Array.from({ length: n }, () => (k === 0 ? -62 + 16 * rng.float() : 50 * rng.normal())),
  ) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  const input = Float32Array.from({ length: n }, () => 200 * rng.float());
  const thr = Float32Array.from({ length: n }, () => rng.normal());
  const refractory = Int32Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 1 + (i % 3) : 0));
  const buf = new Int32Array(n);
  const spikes: number[][] = [];
  for (let step = 0; step < steps; step++) {
    const c = getBackend(backend).glif3Step(n, ...state, input, thr, refractory, buf, block, 4);
    spikes.push(Array.from(buf.subarray(0, c)));
  }
  return { state, refractory, spikes };
}

type KernelRun = ReturnType<typeof kernelRun>;
const TOL = 1e-6;
const near = (x: number, y: number) => Math.abs(x - y) <= TOL * (1 + Math.abs(y));
const sameRun = (got: KernelRun, want: KernelRun) =>
  JSON.stringify([got.spikes, Array.from(got.refractory)]) ===
    JSON.stringify([want.spikes, Array.from(want.refractory)]) &&
  got.state.every((a, k) => a.every((x, i) => near(x, want.state[k][i])));

function sameKernelRun(got: KernelRun, want: KernelRun, what: string): void {
  assert.deepEqual(got.spikes, want.spikes, `${what}: spikes`);
  assert.deepEqual(got.refractory, want.refractory, `${what}: refractory counts`);
  got.state.forEach((a, k) =>
    a.forEach((x, i) =>
      assert.ok(near(x, want.state[k][i]), `${what}: state ${k}[${i}]: ${x} vs ${want.state[k][i]}`),
    ),
  );
}

test('GLIF3: every fast backend reads each parameter slot where TypeScript writes it (each changed in turn)', () => {
  const base = Float32Array.from(glif3Propagator({ ...CELL, biasCurrentPa: 20 }, DT));
  const unchanged = kernelRun('reference', base, 3);
  assert.ok(unchanged.spikes.flat().length > 5, 'neurons fire, so the reset and after-spike slots are read');
  const names = backendNames().filter((b) => b !== 'reference');
  for (let slot = 0; slot < Glif3Param.SIZE; slot++) {
    const block = base.slice();
    block[slot] += 0.5 * block[slot] + 0.5;
    const want = kernelRun('reference', block, 3);
    assert.ok(!sameRun(want, unchanged), `changing ${Glif3Param[slot]} moves the reference's result`);
    for (const name of names)
      sameKernelRun(kernelRun(name, block, 3), want, `${name}, ${Glif3Param[slot]} changed`);
  }
});

function glif3Network(): Network {
  const net = new Network(DT);
  const drive = net.poisson('drive', 60, 40, 1);
  const inhibit = net.poisson('inhibit', 20, 30, 2);
  const g = net.add(new Glif3Group('glif', 40, CELL, DT, { name: 'pyramidal', transmitter: 'excitatory' }));
  net.initialize(g, 'thresholdOffsetMv', { kind: 'normal', mean: 0, sd: 2 }, 3);
  g.inputPa.fill(50);
  net.connect(drive, g, {
    connector: { kind: 'fixed-probability', p: 0.3 },
    weight: (rng) => 60 + 40 * rng.float(),
    delayMs: (rng) => 2 * rng.float(),
    receptor: 'exc',
    seed: 4,
  });
  net.connect(inhibit, g, {
    connector: { kind: 'all-to-all' },
    weight: 30,
    delayMs: 1,
    receptor: 'inh',
    seed: 5,
  });
  net.connect(g, g, {
    connector: { kind: 'fixed-probability', p: 0.1 },
    weight: 20,
    receptor: 'exc',
    seed: 6,
  });
  net.monitorSpikes(g);
  return net;
}

test('GLIF3: a network saved mid-run continues bit for bit after loading; the description round-trips', async () => {
  const net = glif3Network();
  net.run(100);
  // Saved while some neuron is refractory, so that the counters matter.
  const original = net.groups[2] as Glif3Group;
  for (let s = 0; s < 1000 && !original.refractory.some((r) => r > 0); s++) net.run(DT);
  assert.ok(original.refractory.some((r) => r > 0));
  const dir = join(tempDir(), 'glif3-net');
  await net.save(dir);
  const want = traceRun(net, 2, 1000, DT);
  assert.ok(want.times.length > 50, `${want.times.length} spikes`);
  const loaded = await Network.load(dir);
  const g = loaded.groups[2];
  assert.ok(g instanceof Glif3Group);
  assert.deepEqual(g.describe(), original.describe());
  assert.deepEqual(g.cellType, { name: 'pyramidal', transmitter: 'excitatory' });
  assert.ok(
    g.thresholdOffsetMv.some((x) => x !== 0),
    'the offsets came back',
  );
  const got = traceRun(loaded, 2, 1000, DT);
  assert.deepEqual(got.times, want.times);
  assert.deepEqual(got.indices, want.indices);
  got.trace.forEach((state, s) => assert.deepEqual(state, want.trace[s], `step ${s} after loading`));
  // Dale's law holds for the loaded cell type.
  assert.throws(
    () => loaded.connect(g, g, { connector: { kind: 'one-to-one' }, weight: 1, receptor: 'inh', seed: 1 }),
    /Dale's law/,
  );
  // A damaged description is a one-line error naming the field.
  const file = join(dir, 'network.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  manifest.groups[2].description.params.ascAmpsPa = [1, 2, 3];
  writeFileSync(file, JSON.stringify(manifest));
  await assert.rejects(Network.load(dir), (err: Error) => {
    assert.ok(err instanceof NeuroplastError);
    assert.match(
      err.message,
      /groups\.2\.description\.params\.ascAmpsPa: expected a pair of finite numbers, found \[1,2,3\]$/,
    );
    assert.ok(!err.message.includes('\n'));
    return true;
  });
});

test('GLIF3: bad parameters are one-line errors naming the group, the field, what was expected and what was found', () => {
  const cases: [Partial<Record<keyof Glif3Parameters, unknown>>, RegExp][] = [
    [{ cmPf: 0 }, /^g\.cmPf: expected a positive number, found 0$/],
    [{ vResetMv: -40 }, /^g\.vResetMv: must be below vThreshMv, found -40 >= -50$/],
    [{ refractoryMs: -1 }, /^g\.refractoryMs: expected a number >= 0, found -1$/],
    [{ tauExcMs: 0.05 }, /^g\.tauExcMs: time step dt 0\.1 ms is longer than the time constant 0\.05 ms$/],
    [{ tauInhMs: Number.NaN }, /^g\.tauInhMs: expected a positive number, found NaN$/],
    [{ biasCurrentPa: Infinity }, /^g\.biasCurrentPa: expected a finite number, found Infinity$/],
    [{ ascAmpsPa: [1] }, /^g\.ascAmpsPa: expected a pair \[number, number\], found \[1\]$/],
    [{ ascAmpsPa: undefined }, /^g\.ascAmpsPa: expected a pair \[number, number\], found nothing$/],
    [{ ascAmpsPa: [0, Number.NaN] }, /^g\.ascAmpsPa\[1\]: expected a finite number, found NaN$/],
    [{ ascDecayPerMs: [-0.1, 0] }, /^g\.ascDecayPerMs\[0\]: expected a number >= 0, found -0\.1$/],
    [
      { ascDecayPerMs: [0, 20] },
      /^g\.ascDecayPerMs\[1\]: time step dt 0\.1 ms is longer than the time constant 1 \/ 20 ms$/,
    ],
    [{ ascRetention: [1, -0.5] }, /^g\.ascRetention\[1\]: expected a number >= 0, found -0\.5$/],
    [{ ascRetention: 1 }, /^g\.ascRetention: expected a pair \[number, number\], found 1$/],
  ];
  for (const [bad, message] of cases)
    assert.throws(
      () => new Glif3Group('g', 1, { ...CELL, ...bad } as Glif3Parameters, DT),
      (err: Error) => err instanceof ConfigError && message.test(err.message),
      JSON.stringify(bad),
    );
  assert.throws(
    () => new Glif3Group('g', 0, CELL, DT),
    /^ConfigError: g\.size: expected a positive integer, found 0$/,
  );
  // The parameter block is the propagator's; its slots are all set.
  assert.equal(glif3Propagator(CELL, DT).length, Glif3Param.SIZE);
});
