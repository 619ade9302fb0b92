import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, traceRun } from './helpers.js';
import { IafPscDeltaGroup, Network, type IafPscDeltaParameters } from '../src/spiking/index.js';
import { ConfigError, NeuroplastError } from '../src/util/errors.js';

const DT = 0.1;
/** tau_m = Cm / gL = 20 ms, R = 1 / gL = 0.1 mV/pA. */
const CELL: IafPscDeltaParameters = {
  cmPf: 200,
  gLeakNs: 10,
  eLeakMv: -70,
  vThreshMv: -55,
  vResetMv: -65,
  refractoryMs: 2,
};

test('iaf_psc_delta: without input V relaxes exactly toward EL + R I', () => {
  const p: IafPscDeltaParameters = { ...CELL, vThreshMv: 0, biasCurrentPa: 100, vInitMv: -80 };
  const g = new IafPscDeltaGroup('cell', 3, p, DT);
  g.inputPa.set([0, 50, -100]);
  const tau = p.cmPf / p.gLeakNs;
  let worst = 0;
  for (let s = 0; s < 1000; s++) {
    g.step();
    assert.equal(g.spikes.length, 0);
    const t = (s + 1) * DT;
    for (let i = 0; i < 3; i++) {
      const vInf = p.eLeakMv + (p.biasCurrentPa! + g.inputPa[i]) / p.gLeakNs;
      const exact = vInf + (p.vInitMv! - vInf) * Math.exp(-t / tau);
      worst = Math.max(worst, Math.abs(g.v[i] - exact));
    }
  }
  assert.ok(worst <= 1e-4, `v within ${worst} mV of the closed form`);
  // Five time constants: within e^{-5} of the way to the steady states -60, -55 and -70 mV.
  [-60, -55, -70].forEach((vInf, i) =>
    assert.ok(Math.abs(g.v[i] - vInf) < 0.01 * Math.abs(-80 - vInf) + 1e-6),
  );
});

/** A cell at rest receiving `kicks` (time ms, weight mV, receptor, delay ms); v and spike steps over 10 ms. */
function kicked(kicks: [number, number, 'exc' | 'inh', number?][]) {
  const net = new Network(DT);
  const g = net.add(new IafPscDeltaGroup('cell', 1, CELL, DT));
  kicks.forEach(([tMs, w, receptor, delayMs], k) => {
    const input = net.spikeSource(`in${k}`, 1, [0], [tMs]);
    net.connect(input, g, { connector: { kind: 'all-to-all' }, weight: w, receptor, delayMs, seed: 1 });
  });
  const v: number[] = [];
  const spikes: number[] = [];
  for (let s = 0; s < 100; s++) {
    net.run(DT);
    v.push(g.v[0]);
    if (g.spikes.length) spikes.push(s);
  }
  return { v, spikes, g };
}

test('iaf_psc_delta: a jump reaching threshold fires in the step it is read (>=), below it V holds the jump', () => {
  // A spike in the step starting at 2 ms is added after that step and read in the next one (step 21).
  const at = kicked([[2, 15, 'exc']]);
  assert.deepEqual(at.spikes, [21], 'exactly threshold fires: NEST compares V >= V_th');
  assert.equal(at.v[21], CELL.vResetMv);
  const below = kicked([[2, 14.5, 'exc']]);
  assert.deepEqual(below.spikes, []);
  assert.ok(Math.abs(below.v[21] - (CELL.eLeakMv + 14.5)) < 1e-5, `v ${below.v[21]} after the jump`);
  assert.ok(Math.abs(below.v[20] - CELL.eLeakMv) < 1e-6, 'no jump before');
  // The jump decays with tau_m, and inhibition jumps down.
  assert.ok(Math.abs(below.v[31] - (CELL.eLeakMv + 14.5 * Math.exp(-1 / 20))) < 1e-4);
  const down = kicked([[2, 5, 'inh']]);
  assert.ok(Math.abs(down.v[21] - (CELL.eLeakMv - 5)) < 1e-5);
  // Delayed by 1 ms: read 10 steps later.
  assert.deepEqual(kicked([[2, 15, 'exc', 1]]).spikes, [31]);
  // Jumps of one step add: 8 + 8 - 1 crosses, 8 + 8 - 2 does not.
  assert.deepEqual(
    kicked([
      [2, 8, 'exc'],
      [2, 8, 'exc', 0],
      [2, 1, 'inh'],
    ]).spikes,
    [21],
  );
  assert.deepEqual(
    kicked([
      [2, 8, 'exc'],
      [2, 8, 'exc'],
      [2, 2, 'inh'],
    ]).spikes,
    [],
  );
});

test('iaf_psc_delta: input arriving while refractory is dropped', () => {
  // Fires in step 21, refractory for steps 22..40 (round(2 / 0.1) - 1 = 19 steps), free from step 41.
  const { v, spikes, g } = kicked([
    [2, 15, 'exc'],
    [2.5, 15, 'exc'],
    [3, 30, 'inh'],
    [3.9, 15, 'exc'],
  ]);
  assert.deepEqual(spikes, [21], 'the kicks in the refractory period neither fire the cell nor move it');
  for (let s = 21; s <= 40; s++) assert.equal(v[s], CELL.vResetMv, `step ${s} held at reset`);
  // Step 41: relaxation from the reset only, nothing carried over.
  const tau = CELL.cmPf / CELL.gLeakNs;
  assert.ok(Math.abs(v[41] - (CELL.eLeakMv + (CELL.vResetMv - CELL.eLeakMv) * Math.exp(-DT / tau))) < 1e-5);
  assert.equal(g.exc[0], 0);
  assert.equal(g.inh[0], 0);
  // The first step after the refractory period takes input again.
  assert.deepEqual(
    kicked([
      [2, 15, 'exc'],
      [4, 11, 'exc'],
    ]).spikes,
    [21, 41],
  );
});

function deltaNetwork(): Network {
  const net = new Network(DT);
  const drive = net.poisson('drive', 80, 50, 1);
  const inhibit = net.poisson('inhibit', 20, 40, 2);
  const g = net.add(
    new IafPscDeltaGroup('delta', 50, { ...CELL, biasCurrentPa: 120, vInitMv: -60 }, DT, {
      name: 'pyramidal',
      transmitter: 'excitatory',
    }),
  );
  net.connect(drive, g, {
    connector: { kind: 'fixed-probability', p: 0.2 },
    weight: (rng) => 0.5 + rng.float(),
    delayMs: (rng) => 2 * rng.float(),
    receptor: 'exc',
    seed: 4,
  });
  net.connect(inhibit, g, {
    connector: { kind: 'all-to-all' },
    weight: 0.4,
    delayMs: 1,
    receptor: 'inh',
    seed: 5,
  });
  net.connect(g, g, {
    connector: { kind: 'fixed-probability', p: 0.1 },
    weight: 0.3,
    delayMs: 1.5,
    receptor: 'exc',
    seed: 6,
  });
  net.monitorSpikes(g);
  return net;
}

test('iaf_psc_delta: a network saved mid-run continues bit for bit after loading', async () => {
  const net = deltaNetwork();
  net.run(100);
  const original = net.groups[2] as IafPscDeltaGroup;
  for (let s = 0; s < 1000 && !original.refractory.some((r) => r > 0); s++) net.run(DT);
  assert.ok(original.refractory.some((r) => r > 0));
  const dir = join(tempDir(), 'delta-net');
  await net.save(dir);
  const want = traceRun(net, 2, 1000, DT);
  assert.ok(want.times.length > 50, `${want.times.length} spikes`);
  const loaded = await Network.load(dir);
  const g = loaded.groups[2];
  assert.ok(g instanceof IafPscDeltaGroup);
  assert.deepEqual(g.describe(), original.describe());
  const got = traceRun(loaded, 2, 1000, DT);
  assert.deepEqual(got.times, want.times);
  assert.deepEqual(got.indices, want.indices);
  got.trace.forEach((state, s) => assert.deepEqual(state, want.trace[s], `step ${s} after loading`));
  const file = join(dir, 'network.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  manifest.groups[2].description.params.tauSynMs = 2;
  writeFileSync(file, JSON.stringify(manifest));
  await assert.rejects(Network.load(dir), (err: Error) => {
    assert.ok(err instanceof NeuroplastError);
    assert.match(
      err.message,
      /groups\.2\.description\.params\.tauSynMs: unknown parameter \(expected cmPf, /,
    );
    assert.ok(!err.message.includes('\n'));
    return true;
  });
});

test('iaf_psc_delta: bad parameters are one-line ConfigErrors naming the field', () => {
  const cases: [Partial<Record<keyof IafPscDeltaParameters, unknown>>, RegExp][] = [
    [{ cmPf: 0 }, /^g\.cmPf: expected a positive number, found 0$/],
    [{ vResetMv: -50 }, /^g\.vResetMv: must be below vThreshMv, found -50 >= -55$/],
    [{ refractoryMs: -1 }, /^g\.refractoryMs: expected a number >= 0, found -1$/],
    [{ biasCurrentPa: Infinity }, /^g\.biasCurrentPa: expected a finite number, found Infinity$/],
    [{ vInitMv: Number.NaN }, /^g\.vInitMv: expected a finite number, found NaN$/],
    [{ gLeakNs: 10000 }, /^g\.membrane time constant \(cmPf \/ gLeakNs\): time step dt 0\.1 ms is longer/],
  ];
  for (const [bad, message] of cases)
    assert.throws(
      () => new IafPscDeltaGroup('g', 1, { ...CELL, ...bad } as IafPscDeltaParameters, DT),
      (err: Error) => err instanceof ConfigError && message.test(err.message),
      JSON.stringify(bad),
    );
  assert.throws(
    () => new IafPscDeltaGroup('g', 0, CELL, DT),
    /^ConfigError: g\.size: expected a positive integer, found 0$/,
  );
  const net = new Network(DT);
  const g = net.add(new IafPscDeltaGroup('g', 2, CELL, DT));
  assert.throws(
    () => net.connect(g, g, { connector: { kind: 'one-to-one' }, weight: 1, receptor: 'nmda', seed: 1 }),
    /^ConfigError: g->g\.receptor: expected a receptor of g \(exc, inh\), found "nmda"$/,
  );
});
