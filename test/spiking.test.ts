import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IN_CI, missingDependency, onBackend, ORACLE_PYTHON, REPO_ROOT, tempDir } from './helpers.js';
import {
  AdaptiveLifGroup,
  IZHIKEVICH_REGULAR_SPIKING,
  IzhikevichGroup,
  LifGroup,
  Network,
  PairStdp,
  Projection,
  cobaNetwork,
  type LifParameters,
} from '../src/spiking/index.js';
import { backendNames, getBackend } from '../src/engine/index.js';
import { Rng } from '../src/util/rng.js';

const CURRENT_LIF: LifParameters = {
  cmPf: 250,
  gLeakNs: 12.5, // tau 20 ms
  eLeakMv: -70,
  vThreshMv: -50,
  vResetMv: -65,
  refractoryMs: 2,
  synapse: 'current',
  tauExcMs: 5,
  tauInhMs: 10,
};

test('LIF f-I curve matches its analytic formula (exact integration, refractoriness)', () => {
  const dt = 0.01;
  const currents = [200, 250, 300, 400, 600, 1000];
  const net = new Network(dt);
  const g = net.lif('lif', currents.length, CURRENT_LIF);
  currents.forEach((c, i) => (g.inputPa[i] = c));
  const mon = net.monitorSpikes(g);
  net.run(2000);
  currents.forEach((c, i) => {
    const times = mon.times.filter((_, k) => mon.indices[k] === i);
    const want = LifGroup.analyticRateHz(CURRENT_LIF, c);
    if (want === 0) {
      assert.equal(times.length, 0, `${c} pA is below rheobase (250 pA) and must not fire`);
      return;
    }
    // Rate from the mean inter-spike interval (spike times quantised to dt).
    const got = 1000 / ((times.at(-1)! - times[0]) / (times.length - 1));
    assert.ok(
      Math.abs(got - want) / want < 0.005,
      `${c} pA: ${got.toFixed(3)} Hz vs analytic ${want.toFixed(3)} Hz`,
    );
  });
  // The analytic curve itself: rheobase gL (vThresh - EL) = 250 pA, and the rate rises with current.
  assert.equal(LifGroup.analyticRateHz(CURRENT_LIF, 250), 0);
  assert.ok(LifGroup.analyticRateHz(CURRENT_LIF, 1000) > LifGroup.analyticRateHz(CURRENT_LIF, 400));
});

test('spikes arrive after their integer delay, on the receptor they target, event by event', () => {
  const net = new Network(0.1);
  const src = net.spikeSource('src', 2, [0, 1], [1.0, 2.0]);
  const tgt = net.lif('tgt', 2, { ...CURRENT_LIF, tauExcMs: 1e6, tauInhMs: 1e6 });
  net.connect(src, tgt, {
    connector: { kind: 'one-to-one' },
    weight: 7,
    delayMs: 1.5,
    receptor: 'exc',
    seed: 1,
  });
  net.connect(src, tgt, {
    connector: { kind: 'list', pre: [0], post: [1] },
    weight: 3,
    receptor: 'inh',
    seed: 2,
  });
  const exc = net.monitorState(tgt, 'exc', [0, 1]);
  const inh = net.monitorState(tgt, 'inh', [0, 1]);
  net.run(5);
  const at = (m: typeof exc, tMs: number) => m.values[Math.round(tMs / 0.1) - 1];
  // Source 0 spikes at 1.0 ms: +7 on target 0 at 2.5 ms (15 steps later), +3 inhibitory on target 1 at once.
  assert.equal(at(exc, 2.4)[0], 0);
  assert.ok(Math.abs(at(exc, 2.6)[0] - 7) < 1e-3);
  assert.ok(Math.abs(at(inh, 1.2)[1] - 3) < 1e-3);
  assert.equal(at(exc, 3.4)[1], 0);
  assert.ok(Math.abs(at(exc, 3.6)[1] - 7) < 1e-3);
});

test('connectors build the synapses they promise', () => {
  const mk = (c: ConstructorParameters<typeof Projection>[4]['connector'], recurrent = false) =>
    new Projection('p', 200, 100, 0.1, { connector: c, weight: 1, receptor: 'exc', seed: 3, recurrent });
  assert.equal(mk({ kind: 'all-to-all' }).synapseCount, 20000);
  const fp = mk({ kind: 'fixed-probability', p: 0.1 }).synapseCount;
  assert.ok(Math.abs(fp - 2000) < 4 * Math.sqrt(2000 * 0.9), `fixed probability gave ${fp}`);
  const indeg = mk({ kind: 'fixed-in-degree', k: 7 });
  const counts = new Int32Array(100);
  indeg.post.forEach((j) => counts[j]++);
  assert.ok(counts.every((c) => c === 7));
  const rec = new Projection('r', 50, 50, 0.1, {
    connector: { kind: 'all-to-all' },
    weight: 1,
    receptor: 'exc',
    seed: 1,
    recurrent: true,
  });
  assert.equal(rec.synapseCount, 50 * 49, 'no self-connections by default in a recurrent projection');
  assert.throws(() => mk({ kind: 'one-to-one' }), /one-to-one needs equal sizes, found 200 -> 100/);
});

test('invalid parameters are rejected with the parameter named', () => {
  const net = new Network(0.1);
  assert.throws(
    () => net.lif('a', 10, { ...CURRENT_LIF, tauExcMs: 0 }),
    /a\.tauExcMs: expected a positive number, found 0/,
  );
  assert.throws(
    () => net.lif('b', 10, { ...CURRENT_LIF, tauInhMs: 0.05 }),
    /b\.tauInhMs: time step dt 0\.1 ms is longer than the time constant 0\.05 ms/,
  );
  assert.throws(
    () => net.lif('c', 10, { ...CURRENT_LIF, vResetMv: -40 }),
    /c\.vResetMv: must be below vThreshMv/,
  );
  // The adaptive LIF checks its membrane with the same rules.
  const { synapse, tauExcMs, tauInhMs, ...membrane } = CURRENT_LIF;
  assert.ok(synapse && tauExcMs && tauInhMs);
  assert.throws(
    () => new AdaptiveLifGroup('e', 1, { ...membrane, vResetMv: -40, tauSynMs: 5 }, 0.1),
    /e\.vResetMv: must be below vThreshMv/,
  );
  assert.throws(
    () => new AdaptiveLifGroup('f', 1, { ...membrane, cmPf: 0, tauSynMs: 5 }, 0.1),
    /f\.cmPf: expected a positive number, found 0/,
  );
  const g = net.lif('d', 10, CURRENT_LIF);
  assert.throws(
    () =>
      net.connect(g, g, {
        connector: { kind: 'fixed-probability', p: 1.5 },
        weight: 1,
        receptor: 'exc',
        seed: 1,
      }),
    /p: expected a probability in \[0, 1\], found 1\.5/,
  );
  assert.throws(
    () =>
      net.connect(g, g, {
        connector: { kind: 'all-to-all' },
        weight: 1,
        delayMs: 10000,
        receptor: 'exc',
        seed: 1,
      }),
    /delay of 100000 steps exceeds the 65535-step buffer/,
  );
  assert.throws(
    () => net.connect(g, g, { connector: { kind: 'all-to-all' }, weight: -1, receptor: 'exc', seed: 1 }),
    /Dale's law/,
  );
  assert.throws(() => net.poisson('p', 3, 20000, 1), /rate x dt = 2 > 1/);
});

test('runaway activity is reported, not simulated for hours', () => {
  const net = new Network(0.1);
  const g = net.lif('hot', 5, { ...CURRENT_LIF, refractoryMs: 0 });
  g.inputPa.fill(1e6);
  net.maxRateHz = 500;
  assert.throws(
    () => net.run(1000),
    /runaway activity: group hot fired at \d+ Hz over the last 100 ms \(limit maxRateHz 500\)/,
  );
});

test('the COBA network: same seed, same spikes; rate and ISI CV agree with Brian2 within 10%', async (t) => {
  const run = (seed: number) => {
    const { net, spikes } = cobaNetwork({ seed });
    net.run(1000);
    const n = spikes[0].times.length + spikes[1].times.length;
    const cv =
      (spikes[0].meanCvIsi() * spikes[0].group.size + spikes[1].meanCvIsi() * spikes[1].group.size) / 4000;
    return { rate: n / 4000, cv, first: spikes[0].indices.slice(0, 50) };
  };
  const a = run(1);
  assert.deepEqual(run(1).first, a.first, 'same seed, same spikes');
  const b = run(2);
  const ours = { rate: (a.rate + b.rate) / 2, cv: (a.cv + b.cv) / 2 };
  assert.ok(ours.rate > 5 && ours.rate < 50, `rate ${ours.rate}`);
  // Brian2 is installed by .ci/run; elsewhere the side-by-side half is skipped with the reason (under CI it fails).
  const absent = await missingDependency(['brian2']);
  if (absent && IN_CI) assert.fail(`CI=true: ${absent}`);
  if (absent) return t.skip(absent);
  const python = ORACLE_PYTHON;
  const brian = [1, 2].map((seed) => {
    const r = spawnSync(python, [join(REPO_ROOT, 'scripts', 'brian2_coba_stats.py'), String(seed)], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { rate: number; cv: number };
  });
  const ref = { rate: (brian[0].rate + brian[1].rate) / 2, cv: (brian[0].cv + brian[1].cv) / 2 };
  assert.ok(Math.abs(ours.rate - ref.rate) / ref.rate < 0.1, `rate ${ours.rate} Hz vs Brian2 ${ref.rate} Hz`);
  assert.ok(Math.abs(ours.cv - ref.cv) / ref.cv < 0.1, `ISI CV ${ours.cv} vs Brian2 ${ref.cv}`);
});

test('every backend’s LIF step agrees with the reference (conductance and current synapses, refractoriness)', () => {
  const ref = getBackend('reference');
  for (const name of backendNames()) {
    const k = getBackend(name);
    for (const conductance of [true, false]) {
      const n = 1003;
      const rng = new Rng(5);
      const init = {
        v: Float32Array.from({ length: n }, () => -60 + 12 * rng.float()),
        exc: Float32Array.from({ length: n }, () => 30 * rng.float()),
        inh: Float32Array.from({ length: n }, () => 100 * rng.float()),
        input: Float32Array.from({ length: n }, () => 300 * rng.float()),
        refr: Int32Array.from({ length: n }, () => (rng.float() < 0.2 ? 1 + rng.int(5) : 0)),
      };
      const prm = Float32Array.from([
        10,
        200,
        -60,
        0,
        -80,
        50,
        -50,
        -60,
        0.1,
        Math.exp(-0.02),
        Math.exp(-0.01),
        Math.exp(-0.005),
        1, // EXC_GAIN, INH_GAIN: exponential Euler
        1,
      ]);
      const run = (kk: typeof ref) => {
        const s = {
          v: Float32Array.from(init.v),
          exc: Float32Array.from(init.exc),
          inh: Float32Array.from(init.inh),
        };
        const refr = Int32Array.from(init.refr);
        const spikes = new Int32Array(n);
        const out: number[][] = [];
        for (let step = 0; step < 3; step++) {
          const c = kk.lifStep(n, s.v, s.exc, s.inh, init.input, refr, spikes, prm, conductance, 4);
          out.push(Array.from(spikes.subarray(0, c)));
        }
        return { ...s, refr, out };
      };
      const want = run(ref);
      const got = run(k);
      assert.deepEqual(got.out, want.out, `${name} conductance=${conductance}: spikes`);
      assert.deepEqual(got.refr, want.refr);
      for (const key of ['v', 'exc', 'inh'] as const)
        got[key].forEach((x, i) =>
          assert.ok(
            Math.abs(x - want[key][i]) <= 1e-4 * (1 + Math.abs(want[key][i])),
            `${name} ${key}[${i}]: ${x} vs ${want[key][i]}`,
          ),
        );
      assert.ok(want.out.flat().length > 0, 'some neurons fire, so threshold and reset are exercised');
    }
  }
});

test('every backend draws Poisson inputs as Rng.float() < rate x dt does, one draw per input per step', () => {
  const n = 37;
  const dtMs = 0.25;
  // Rates from silent to certain (rate x dt = 1), on kernel storage and on a plain array the kernel copies.
  const rates = Float32Array.from({ length: n }, (_, i) => (i === 0 ? 0 : i === 1 ? 4000 : 97 * i));
  const want: number[][] = [];
  const rng = new Rng(12, 7);
  for (let step = 0; step < 200; step++) {
    const fired: number[] = [];
    for (let i = 0; i < n; i++) if (rng.float() < rates[i] * (dtMs / 1000)) fired.push(i);
    want.push(fired);
  }
  for (const name of backendNames()) {
    const k = getBackend(name);
    for (const plain of [true, false]) {
      const rateHz = plain ? Float32Array.from(rates) : k.allocState(n);
      rateHz.set(rates);
      const state = Int32Array.from(new Rng(12, 7).getState());
      const spikes = new Int32Array(n);
      const got = want.map(() =>
        Array.from(spikes.subarray(0, k.poissonStep(n, rateHz, (dtMs / 1000) * 2 ** 32, state, spikes))),
      );
      assert.deepEqual(got, want, `${name}, ${plain ? 'plain' : 'kernel'} arrays`);
      assert.deepEqual(
        Array.from(state, (w) => w >>> 0),
        rng.getState(),
        `${name}: the generator advanced n per step`,
      );
    }
  }
  assert.ok(want.every((f) => f.includes(1) && !f.includes(0)) && want.flat().length > 200 * 3);
  // A PoissonGroup in a network (state and spikes in kernel storage, updated in place) draws the same.
  for (const name of backendNames())
    onBackend(name, () => {
      const net = new Network(dtMs);
      const group = net.poisson('input', n, Float32Array.from(rates), 12);
      const got: number[][] = [];
      net.operation(() => got.push(Array.from(group.spikes)), { when: 'before-plasticity' });
      net.run(200 * dtMs);
      assert.deepEqual(got, want, `${name}: PoissonGroup`);
    });
});

/** The synaptic input each target has received after each step, from spikes (step, source) through a list of synapses. */
function arrivalsOracle(
  spikes: [number, number][],
  syn: { pre: number[]; post: number[]; weights: number[] },
  delayOf: (k: number, step: number) => number,
  targets: number,
  steps: number,
): number[][] {
  const total = Array.from({ length: steps }, () => new Array<number>(targets).fill(0));
  for (const [s, i] of spikes)
    syn.pre.forEach((pre, k) => {
      if (pre !== i) return;
      for (let t = s + delayOf(k, s); t < steps; t++) total[t][syn.post[k]] += syn.weights[k];
    });
  return total;
}

test('delayed delivery: one shared delay, mixed delays, and delays edited in place between runs, against an oracle', () => {
  const dtMs = 0.1;
  const steps = 300;
  const rng = new Rng(4);
  const spikes: [number, number][] = [];
  for (let s = 1; s < steps; s++) for (let i = 0; i < 30; i++) if (rng.float() < 0.02) spikes.push([s, i]);
  const syn = { pre: [] as number[], post: [] as number[], weights: [] as number[] };
  for (let i = 0; i < 30; i++)
    for (let j = 0; j < 20; j++)
      if (rng.float() < 0.3) {
        syn.pre.push(i);
        syn.post.push(j);
        syn.weights.push(Math.round(1 + 20 * rng.float()) / 4);
      }
  const mixed = syn.pre.map(() => 1 + rng.int(12));
  const editStep = 50;
  const cases = [
    { name: 'shared delay', delays: syn.pre.map(() => 7), edit: null },
    { name: 'mixed delays', delays: mixed, edit: null },
    // One shared delay edited in place to another between runs, with spikes before and after the edit.
    { name: 'edited in place', delays: syn.pre.map(() => 7), edit: syn.pre.map(() => 3) },
  ];
  // The same two, onto a subgroup: target j is neuron 24 - j of a group of 25 (delivery through the index map).
  const onSubgroup = cases
    .slice(0, 2)
    .map((c) => ({ ...c, name: `${c.name}, subgroup target`, subgroup: true }));
  for (const c of [...cases.map((c) => ({ ...c, subgroup: false })), ...onSubgroup]) {
    const net = new Network(dtMs);
    const src = net.spikeSource(
      'src',
      30,
      spikes.map(([, i]) => i),
      spikes.map(([s]) => s * dtMs),
    );
    const cells = net.lif('cells', 25, { ...CURRENT_LIF, tauExcMs: 1e7, vThreshMv: 1e9 });
    const order = Array.from({ length: 20 }, (_, j) => (c.subgroup ? 24 - j : j));
    const tgt = c.subgroup ? net.subgroup(cells, order) : cells;
    const projection = net.connect(src, tgt, {
      connector: { kind: 'list', ...syn, delaysMs: c.delays.map((d) => d * dtMs) },
      weight: 0,
      receptor: 'exc',
      seed: 1,
    });
    const exc = net.monitorState(cells, 'exc', order);
    net.run(editStep * dtMs);
    // The list is in presynaptic order, so the projection keeps it: synapse k is list entry k.
    if (c.edit) projection.delaySteps.set(c.edit);
    net.run((steps - editStep) * dtMs);
    const delayOf = (k: number, s: number) => (c.edit && s >= editStep ? c.edit : c.delays)[k];
    const want = arrivalsOracle(spikes, syn, delayOf, 20, steps);
    want.forEach((row, t) =>
      row.forEach((x, j) =>
        assert.ok(
          Math.abs(exc.values[t][j] - x) < 1e-3,
          `${c.name}: target ${j} after step ${t}: ${exc.values[t][j]} vs ${x}`,
        ),
      ),
    );
  }
});

test('adaptive LIF: the first interval is the plain LIF one, then intervals lengthen (spike-frequency adaptation)', () => {
  const dt = 0.01;
  const base = {
    cmPf: 250,
    gLeakNs: 12.5,
    eLeakMv: -70,
    vThreshMv: -50,
    vResetMv: -70,
    refractoryMs: 0,
    tauSynMs: 5,
  };
  for (const adaptation of [
    { deltaThetaMv: 2, tauThetaMs: 200 },
    { aNs: 2, bPa: 40, tauAdaptMs: 150 },
  ]) {
    const net = new Network(dt);
    const g = net.add(new AdaptiveLifGroup('alif', 1, { ...base, ...adaptation }, dt));
    g.inputPa[0] = 400;
    const mon = net.monitorSpikes(g);
    net.run(600);
    const t = mon.times;
    // From rest at EL: T = tau ln((vInf - EL) / (vInf - vThresh)); vInf = EL + I / gL = -38 mV.
    // With subthreshold adaptation a > 0 the first interval is a little longer, so only threshold adaptation is exact.
    const first = 20 * Math.log(32 / 12);
    if (!adaptation.aNs) assert.ok(Math.abs(t[0] - first) < 0.02, `first spike at ${t[0]} ms vs ${first} ms`);
    const isi = t.slice(1).map((x, k) => x - t[k]);
    assert.ok(isi.length > 5, 'it keeps firing');
    assert.ok(isi[isi.length - 1] > 1.3 * isi[0], `intervals lengthen: ${isi[0]} -> ${isi[isi.length - 1]}`);
    for (let k = 1; k < 4; k++) assert.ok(isi[k] >= isi[k - 1] - 1e-6, `interval ${k} shrank`);
  }
});

test('Izhikevich regular-spiking neuron: spike count matches a float64 RK4 integration of the same equations', () => {
  const net = new Network(0.1);
  const g = net.add(new IzhikevichGroup('izh', 2, IZHIKEVICH_REGULAR_SPIKING, 0.1));
  g.input[0] = 10;
  g.input[1] = 4;
  const mon = net.monitorSpikes(g);
  net.run(1000);
  const rk4Count = (current: number) => {
    const { a, b, c, d } = IZHIKEVICH_REGULAR_SPIKING;
    let v = c;
    let u = b * c;
    let n = 0;
    const h = 0.001;
    const f = (vv: number, uu: number) => [0.04 * vv * vv + 5 * vv + 140 - uu + current, a * (b * vv - uu)];
    for (let t = 0; t < 1000; t += h) {
      const [k1v, k1u] = f(v, u);
      const [k2v, k2u] = f(v + (h / 2) * k1v, u + (h / 2) * k1u);
      const [k3v, k3u] = f(v + (h / 2) * k2v, u + (h / 2) * k2u);
      const [k4v, k4u] = f(v + h * k3v, u + h * k3u);
      v += (h / 6) * (k1v + 2 * k2v + 2 * k3v + k4v);
      u += (h / 6) * (k1u + 2 * k2u + 2 * k3u + k4u);
      if (v >= 30) {
        v = c;
        u += d;
        n++;
      }
    }
    return n;
  };
  for (const [i, current] of [
    [0, 10],
    [1, 4],
  ]) {
    const ours = mon.indices.filter((x) => x === i).length;
    const want = rk4Count(current);
    assert.ok(want > 3, `reference fires (${want})`);
    assert.ok(
      Math.abs(ours - want) <= Math.max(1, 0.05 * want),
      `I=${current}: ${ours} spikes vs RK4 ${want}`,
    );
  }
});

test('a projection whose estimated memory exceeds what is free fails before allocating, with the estimate', () => {
  assert.throws(
    () => Projection.checkMemory('huge', 1e9, 2 ** 30),
    /huge: about 24\.21 GiB needed for 1,000,000,000 synapses, only 1\.00 GiB free/,
  );
  assert.equal(Projection.expectedSynapses({ kind: 'fixed-probability', p: 0.02 }, 4000, 4000), 320000);
  const net = new Network(0.1);
  const a = net.poisson('a', 1e6, 1, 1);
  const b = net.lif('b', 1e6, CURRENT_LIF);
  // 10^12 synapses: refused at once instead of running out of memory.
  assert.throws(
    () => net.connect(a, b, { connector: { kind: 'all-to-all' }, weight: 1, receptor: 'exc', seed: 1 }),
    /GiB needed for/,
  );
});

test('monitors export to a run directory as CSV: spikes, population rate, sampled state and weights', async () => {
  const net = new Network(0.1);
  const src = net.poisson('in', 50, 40, 3);
  const g = net.lif('out', 10, CURRENT_LIF);
  const stdp = new PairStdp({ aPlus: 2, aMinus: 2.1, tauPlusMs: 20, tauMinusMs: 20, wMax: 160 });
  const proj = net.connect(src, g, {
    name: 'in-out',
    connector: { kind: 'all-to-all' },
    weight: 80,
    receptor: 'exc',
    seed: 2,
    plasticity: stdp,
  });
  const spikes = net.monitorSpikes(g);
  const rate = net.monitorRate(src, 10);
  net.monitorState(g, 'v', [0, 3], 10);
  assert.throws(
    () => net.monitorWeights(proj, [[50, 0]]),
    /in-out weight monitor: synapse 50 -> 0 is outside 50 x 10/,
  );
  const weights = net.monitorWeights(
    proj,
    [
      [0, 0],
      [7, 3],
    ],
    100,
  );
  net.run(200);
  const dir = tempDir();
  const files = await net.exportMonitors(join(dir, 'monitors'));
  assert.deepEqual(
    files.map((f) => f.split('/').pop()),
    ['spikes-out.csv', 'rate-in.csv', 'state-out-v.csv', 'weights-in-out.csv'],
  );
  const w = readFileSync(files[3], 'utf8').trim().split('\n');
  assert.equal(w[0], 't_ms,0->0,7->3');
  assert.equal(w.length - 1, 20);
  assert.deepEqual(Array.from(weights.values.at(-1)!), [proj.weight[0], proj.weight[7 * 10 + 3]]);
  assert.ok(
    weights.values.some((v) => v[0] !== 80),
    'STDP moved the sampled weight',
  );
  const lines = readFileSync(files[0], 'utf8').trim().split('\n');
  assert.equal(lines[0], 't_ms,neuron');
  assert.equal(lines.length - 1, spikes.times.length);
  assert.ok(spikes.times.length > 0, 'the driven group fires');
  const rates = readFileSync(files[1], 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[1]));
  assert.equal(rates.length, 20);
  // 50 Poisson inputs at 40 Hz: the binned population rate averages near 40 Hz.
  assert.ok(Math.abs(rates.reduce((a, b) => a + b, 0) / rates.length - 40) < 8, `mean rate ${rate.ratesHz}`);
  const state = readFileSync(files[2], 'utf8').trim().split('\n');
  assert.equal(state[0], 't_ms,n0,n3');
  assert.equal(state.length - 1, 200);
});

test("cell types carry a transmitter, and Dale's law is enforced on every projection", () => {
  const net = new Network(0.1);
  const e = net.lif('E', 10, CURRENT_LIF, { name: 'pyramidal', transmitter: 'excitatory' });
  const i = net.lif('I', 5, CURRENT_LIF, { name: 'basket', transmitter: 'inhibitory' });
  net.connect(e, i, { connector: { kind: 'all-to-all' }, weight: 1, receptor: 'exc', seed: 1 });
  net.connect(i, e, { connector: { kind: 'all-to-all' }, weight: 1, receptor: 'inh', seed: 2 });
  assert.throws(
    () => net.connect(i, e, { connector: { kind: 'all-to-all' }, weight: 1, receptor: 'exc', seed: 3 }),
    /I->E\.receptor: Dale's law: I is cell type basket \(inhibitory\), so its synapses cannot target the exc receptor/,
  );
  const { exc, inh } = cobaNetwork({ neurons: 100 });
  assert.equal(exc.cellType?.transmitter, 'excitatory');
  assert.equal(inh.cellType?.transmitter, 'inhibitory');
});
