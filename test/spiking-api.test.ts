import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ORACLE_PYTHON, REPO_ROOT, tempDir, testNeeding } from './helpers.js';
import {
  Network,
  PairStdp,
  RewardModulatedStdp,
  Rng,
  Subgroup,
  cubaNetwork,
  songStdpNetwork,
  type LifParameters,
  type SpikeMonitor,
} from '../src/spiking/index.js';

const LIF: LifParameters = {
  cmPf: 200,
  gLeakNs: 10,
  eLeakMv: -70,
  vThreshMv: -50,
  vResetMv: -70,
  refractoryMs: 0,
  synapse: 'current',
  tauExcMs: 5,
  tauInhMs: 10,
};

/** A group that fires every step of 0.1 ms: 10 kHz. */
function runawayNetwork(): Network {
  const net = new Network(0.1);
  net.lif('hot', 4, { ...LIF, biasCurrentPa: 1e6 });
  return net;
}

test('the runaway guard checks a sliding 100 ms window of simulated time, however run() is chunked', () => {
  const message =
    /runaway activity: group hot fired at 10000 Hz over the last 100 ms \(limit maxRateHz 1000\) at t = 100\.0 ms/;
  assert.throws(() => runawayNetwork().run(200), message);
  const chunked = runawayNetwork();
  chunked.run(50);
  assert.throws(
    () => chunked.run(50),
    message,
    'four run(50): caught in the second, at 100 ms, at the full rate',
  );
  const stepwise = runawayNetwork();
  assert.throws(() => {
    for (let k = 0; k < 2000; k++) stepwise.run(0.1);
  }, message);
  assert.equal(stepwise.stepCount, 1000);
  // A 2 ms burst at 10 kHz is 200 Hz over any 100 ms: it passes, as does a quiet group.
  const burst = new Network(0.1);
  const cells = burst.lif('burst', 4, LIF);
  burst.operation((t) => cells.inputPa.fill(t < 2 ? 1e6 : 0));
  const spikes = burst.monitorSpikes(cells);
  burst.run(300);
  assert.equal(spikes.count, 4 * 20);
});

test('network operations run at their slot, every step or every N ms, with the step start time', () => {
  const net = new Network(0.5);
  const g = net.lif('g', 1, { ...LIF, biasCurrentPa: 400 });
  const seen: string[] = [];
  net.operation((t, k) => seen.push(`start ${k} ${t}`), { everyMs: 1 });
  net.operation((t, k) => seen.push(`before ${k} ${t} ${g.spikes.length}`), {
    when: 'before-plasticity',
    everyMs: 1,
  });
  net.operation((_t, k) => seen.push(`end ${k}`), { when: 'end', everyMs: 1 });
  net.run(1);
  net.run(1);
  assert.deepEqual(seen, ['start 0 0', 'before 0 0 0', 'end 0', 'start 2 1', 'before 2 1 0', 'end 2']);
  assert.throws(
    () => net.operation(() => {}, { everyMs: 0.7 }),
    /operation.everyMs: expected a multiple of dt 0.5 ms, found 0.7/,
  );
  assert.throws(
    () => net.operation(() => {}, { when: 'later' as never }),
    /operation.when: expected one of start, before-plasticity, after-plasticity, end, found "later"/,
  );
  const op = net.operations[0];
  net.removeOperation(op);
  assert.equal(net.operations.length, 2);
});

test('a network operation setting the third factor gives the weights a modulator source gives', () => {
  const reward = (t: number) => (t >= 100 && t < 200 ? 1 : 0);
  const build = () => {
    const net = new Network(0.1);
    const pre = net.poisson('pre', 20, 30, 1);
    const post = net.poisson('post', 10, 30, 2);
    const rule = new RewardModulatedStdp(
      { aPlus: 0.01, aMinus: 0.012, tauPlusMs: 20, tauMinusMs: 20, wMax: 1 },
      200,
      0.5,
    );
    const proj = net.connect(pre, post, {
      connector: { kind: 'all-to-all' },
      weight: 0.5,
      receptor: 'exc',
      seed: 3,
      plasticity: rule,
    });
    return { net, rule, proj };
  };
  const a = build();
  a.net.modulator('dopamine', reward);
  a.net.run(300);
  const b = build();
  b.net.operation((t) => (b.rule.modulator = reward(t)), { when: 'before-plasticity' });
  b.net.run(300);
  assert.deepEqual(b.proj.weight, a.proj.weight);
  assert.ok(a.proj.weight.some((w) => w !== 0.5));
});

test('initialisers: constants, arrays, distributions and functions, seeded per group and variable', () => {
  const build = () => {
    const net = new Network(0.1);
    const e = net.lif('e', 1000, LIF, { name: 'pyramidal', transmitter: 'excitatory' });
    const i = net.lif('i', 200, LIF, { name: 'basket', transmitter: 'inhibitory' });
    return { net, e, i };
  };
  const a = build();
  a.net.initialize(a.e, 'v', { kind: 'uniform', low: -60, high: -50 }, 7);
  a.net.initialize(a.e, 'exc', { kind: 'normal', mean: 40, sd: 15, low: 0 }, 7);
  const b = build();
  b.net.initialize(b.e, 'exc', { kind: 'normal', mean: 40, sd: 15, low: 0 }, 7);
  b.net.initialize(b.e, 'v', { kind: 'uniform', low: -60, high: -50 }, 7);
  assert.deepEqual(b.e.v, a.e.v, 'order of initialisation does not change the draws');
  assert.deepEqual(b.e.exc, a.e.exc);
  const v = Array.from(a.e.v);
  assert.ok(Math.min(...v) >= -60 && Math.max(...v) < -50);
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  assert.ok(Math.abs(mean + 55) < 0.5, `uniform mean ${mean}`);
  assert.ok(Math.min(...a.e.exc) >= 0, 'truncated below at 0');
  a.net.initialize(a.i, 'v', -65);
  assert.ok(a.i.v.every((x) => x === -65));
  a.net.initialize(a.i, 'inh', (k) => k);
  assert.equal(a.i.inh[199], 199);
  a.net.initialize(a.i, 'exc', new Float32Array(200).fill(3));
  assert.equal(a.i.exc[5], 3);
  a.net.initializeByClass('v', { pyramidal: -52, basket: { kind: 'constant', value: -51 } });
  assert.equal(a.e.v[0], -52);
  assert.equal(a.i.v[0], -51);
  const sub = a.net.subgroup(a.e, 10, 20);
  a.net.initialize(sub, 'v', -49);
  assert.deepEqual([a.e.v[9], a.e.v[10], a.e.v[19], a.e.v[20]], [-52, -49, -49, -52]);
  assert.throws(
    () => a.net.initialize(a.e, 'vm', 0),
    /e\.vm: expected a per-neuron state variable of e \(v, exc, inh, inputPa\), found "vm"/,
  );
  assert.throws(() => a.net.initialize(a.e, 'v', { kind: 'uniform', low: 1 } as never), /e\.v\.high/);
  assert.throws(() => a.net.initialize(a.e, 'v', [1, 2]), /e\.v: expected 1000 values, found 2/);
  assert.throws(
    () => a.net.initializeByClass('v', { chandelier: 0 }),
    /initializeByClass\.chandelier: no group has cell type chandelier \(cell types: pyramidal, basket\)/,
  );
});

test('OU current noise has the asked mean, spread and correlation time, and breaks the symmetry of identical cells', () => {
  const net = new Network(0.1);
  const g = net.lif('g', 2000, { ...LIF, vThreshMv: 1e6 });
  net.noise(g, { kind: 'ou-current', meanPa: 50, sigmaPa: 20, tauMs: 5, seed: 4 });
  net.run(0.1);
  const at0 = Float64Array.from(g.inputPa);
  net.run(5);
  const at5 = Float64Array.from(g.inputPa);
  const mean = at5.reduce((s, x) => s + x, 0) / at5.length;
  const sd = Math.sqrt(at5.reduce((s, x) => s + (x - mean) ** 2, 0) / at5.length);
  assert.ok(Math.abs(mean - 50) < 2, `mean ${mean}`);
  assert.ok(Math.abs(sd - 20) < 1.5, `sd ${sd}`);
  // Correlation between t and t + tau is exp(-1).
  let c = 0;
  for (let k = 0; k < at0.length; k++) c += (at0[k] - 50) * (at5[k] - 50);
  const r = c / at0.length / 400;
  assert.ok(Math.abs(r - Math.exp(-1)) < 0.06, `lag-tau correlation ${r}`);
  assert.notEqual(g.v[0], g.v[1], 'identical cells drift apart');
  assert.throws(
    () =>
      net.noise(net.poisson('p', 3, 1, 1), { kind: 'ou-current', meanPa: 0, sigmaPa: 1, tauMs: 5, seed: 1 }),
    /p\.noise\.kind: ou-current needs a population with an inputPa current/,
  );
  assert.throws(
    () => net.noise(g, { kind: 'ou-current', meanPa: 0, sigmaPa: -1, tauMs: 5, seed: 1 }),
    /g\.noise\.sigmaPa/,
  );
});

test('Poisson background delivers count x rate x dt x weight on average, onto the chosen receptor and neurons', () => {
  const net = new Network(0.1);
  const g = net.lif('g', 500, { ...LIF, vThreshMv: 1e6, tauExcMs: 1e9 });
  const sub = net.subgroup(g, 0, 250);
  net.noise(sub, { kind: 'poisson', rateHz: 10, count: 100, weight: 0.5, receptor: 'exc', seed: 9 });
  net.run(100);
  // Decay of exc is exp(-dt/tau) ~ 1: the sum is the delivered total, expected 100 x 10 Hz x 0.1 s x 0.5 = 50.
  const inside = Array.from(g.exc.subarray(0, 250));
  const mean = inside.reduce((s, x) => s + x, 0) / 250;
  assert.ok(Math.abs(mean - 50) < 1.5, `mean delivered ${mean}`);
  assert.ok(
    g.exc.subarray(250).every((x) => x === 0),
    'neurons outside the subgroup get nothing',
  );
  assert.ok(g.inh.every((x) => x === 0));
});

test('subgroups: projections, monitors and rules take views; delivery lands on the parent neurons', () => {
  const net = new Network(0.1);
  const src = net.spikeSource('src', 3, [0, 1, 2], [0, 0, 0]);
  const cells = net.lif('cells', 10, { ...LIF, vThreshMv: 1e6, tauExcMs: 1e9, tauInhMs: 1e9 });
  const low = net.subgroup(cells, 0, 3);
  const picked = net.subgroup(cells, [9, 5, 7], 'picked');
  assert.ok(picked instanceof Subgroup);
  assert.equal(low.name, 'cells[0:3]');
  net.connect(src, low, {
    connector: { kind: 'one-to-one' } as never,
    weight: 1,
    receptor: 'exc',
    seed: 1,
  } as never);
  net.connect(src, picked, {
    connector: { kind: 'one-to-one' },
    weight: 2,
    receptor: 'inh',
    seed: 1,
    delayMs: 0.3,
  });
  net.run(1);
  assert.deepEqual(
    Array.from(cells.exc),
    [1, 1, 1, 0, 0, 0, 0, 0, 0, 0].map((x) => x * Math.exp(-0.9 / 1e9)).map(Math.fround),
  );
  assert.deepEqual(
    Array.from(cells.inh, (x) => Math.round(x)),
    [0, 0, 0, 0, 0, 2, 0, 2, 0, 2],
    'local 0, 1, 2 of picked are parent 9, 5, 7',
  );
  // Self-connections across views of one group are recognised through the parent's indices.
  const rec = new Network(0.1);
  const p = rec.lif('p', 6, LIF);
  const head = rec.subgroup(p, 0, 3);
  const proj = rec.connect(head, p, {
    connector: { kind: 'all-to-all' },
    weight: 1,
    receptor: 'exc',
    seed: 1,
  });
  assert.equal(proj.synapseCount, 3 * 6 - 3);
  for (let i = 0; i < 3; i++)
    for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++) assert.notEqual(proj.post[k], i);
  assert.throws(() => net.subgroup(cells, 5, 11), /expected a range within 0\.\.10 of cells, found 5\.\.11/);
  assert.throws(() => net.subgroup(cells, [1, 1]), /index 1 appears twice/);
  assert.throws(() => net.subgroup(low, 0, 1), /a subgroup of the subgroup cells\[0:3\]: take it from cells/);
  const other = new Network(0.1);
  assert.throws(() => other.subgroup(cells, 0, 1), /not in this network/);
});

test('a network of one group wired through subgroups equals the same network of two groups (Brian2 P[:n])', () => {
  const build = (split: boolean) => {
    const net = new Network(0.1);
    const rng = new Rng(5);
    const v = Float32Array.from({ length: 50 }, () => -70 + 25 * rng.float());
    let e, i, all;
    if (split) {
      e = net.lif('e', 40, LIF);
      i = net.lif('i', 10, LIF);
      net.initialize(e, 'v', v.subarray(0, 40));
      net.initialize(i, 'v', v.subarray(40));
    } else {
      all = net.lif('all', 50, LIF);
      net.initialize(all, 'v', v);
      e = net.subgroup(all, 0, 40);
      i = net.subgroup(all, 40, 50);
    }
    const input = net.poisson('in', 50, 40, 3);
    net.connect(input, e, {
      connector: { kind: 'fixed-probability', p: 0.2 },
      weight: 400,
      receptor: 'exc',
      seed: 4,
    });
    net.connect(input, i, {
      connector: { kind: 'fixed-probability', p: 0.2 },
      weight: 400,
      receptor: 'exc',
      seed: 5,
    });
    net.connect(e, i, {
      connector: { kind: 'fixed-probability', p: 0.3 },
      weight: 80,
      receptor: 'exc',
      seed: 6,
      delayMs: 1,
    });
    net.connect(i, e, {
      connector: { kind: 'fixed-probability', p: 0.3 },
      weight: 120,
      receptor: 'inh',
      seed: 7,
    });
    const spikes = net.monitorSpikes([e, i]);
    net.run(300);
    return spikes;
  };
  const a = build(true);
  const b = build(false);
  assert.ok(a.count > 50, `${a.count} spikes`);
  assert.deepEqual(b.times, a.times);
  assert.deepEqual(b.indices, a.indices);
});

test('monitors: several groups, counts, spike trains, rates without a duration, all or sampled weights, names that survive export', async () => {
  const net = new Network(0.1);
  const a = net.spikeSource('a', 2, [0, 1, 0], [1, 2, 3]);
  const b = net.spikeSource('b', 3, [2], [4]);
  const post = net.lif('post', 2, LIF);
  const proj = net.connect(a, post, {
    connector: { kind: 'all-to-all' },
    weight: 1,
    receptor: 'exc',
    seed: 1,
    name: 'in->out',
    plasticity: new PairStdp({ aPlus: 0.1, aMinus: 0.1, tauPlusMs: 20, tauMinusMs: 20, wMax: 5 }),
  });
  const spikes = net.monitorSpikes([a, b]);
  const all = net.monitorWeights(proj, 'all', { everyMs: 1 });
  const sample = net.monitorWeights(proj, { sample: 2, seed: 3 }, 10);
  sample.label = 'sample';
  const v = net.monitorState(post, 'v', 'all', { everyMs: 5 });
  net.run(10);
  assert.deepEqual(spikes.times, [1, 2, 3, 4], 'stamped at the start of the step they happen in');
  assert.deepEqual(spikes.indices, [0, 1, 0, 4], 'b numbered after a');
  assert.deepEqual(Array.from(spikes.counts()), [2, 1, 0, 0, 1]);
  assert.deepEqual(
    spikes.spikeTrains().map((t) => Array.from(t)),
    [[1, 3], [2], [], [], [4]],
  );
  assert.equal(spikes.durationMs, 10);
  assert.ok(Math.abs(spikes.rateHz() - (1000 * 4) / (5 * 10)) < 1e-9);
  assert.ok(Math.abs(spikes.rateHz(0, 2) - (1000 * 1) / (5 * 2)) < 1e-9);
  assert.deepEqual(Array.from(spikes.ratesHz(0, 5)), [400, 200, 0, 0, 200]);
  assert.equal(spikes.meanRateHz(), spikes.rateHz());
  assert.deepEqual(all.synapses, [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  assert.equal(all.values.length, 10);
  assert.equal(sample.synapses.length, 2);
  assert.equal(v.values[0].length, 2);
  assert.deepEqual(v.timesMs, [5, 10]);
  const dir = join(tempDir(), 'monitors');
  const files = (await net.exportMonitors(dir)).map((f) => f.split('/').pop()!);
  assert.deepEqual(files, [
    'spikes-a%2Bb.csv',
    'weights-in-%3Eout.csv',
    'weights-in-%3Eout-sample.csv',
    'state-post-v.csv',
  ]);
  const index = JSON.parse(readFileSync(join(dir, 'monitors.json'), 'utf8')) as {
    files: { file: string; name: string }[];
  };
  assert.deepEqual(
    index.files.map((f) => f.name),
    ['spikes-a+b', 'weights-in->out', 'weights-in->out-sample', 'state-post-v'],
  );
  assert.equal(
    readFileSync(join(dir, 'spikes-a%2Bb.csv'), 'utf8'),
    't_ms,neuron\n1.0000,0\n2.0000,1\n3.0000,0\n4.0000,4\n',
  );
  // Two monitors writing one file is refused before anything is written.
  net.monitorSpikes([a, b]);
  await assert.rejects(net.exportMonitors(join(tempDir(), 'twice')), /two monitors write spikes-a%2Bb\.csv/);
  assert.throws(
    () => net.monitorWeights(proj, { sample: 9, seed: 1 }),
    /in->out weight monitor\.sample: expected an integer in 1\.\.4, found 9/,
  );
});

testNeeding(['brian2'], 'spike times and delayed delivery are stamped as Brian2 stamps them', () => {
  const r = spawnSync(ORACLE_PYTHON, [join(REPO_ROOT, 'scripts', 'brian2_spike_times.py')], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const brian = JSON.parse(r.stdout.trim().split('\n').pop()!) as { times: number[][]; delayed_ge: number[] };
  const net = new Network(0.1);
  const currents = [210, 260, 330, 480];
  const g = net.lif('g', 4, {
    cmPf: 250,
    gLeakNs: 12.5,
    eLeakMv: -70,
    vThreshMv: -50,
    vResetMv: -65,
    refractoryMs: 2,
    synapse: 'current',
    tauExcMs: 5,
    tauInhMs: 5,
  });
  net.initialize(g, 'inputPa', currents);
  const spikes = net.monitorSpikes(g);
  const src = net.spikeSource('src', 1, [0], [0.5]);
  const target = net.lif('target', 1, { ...LIF, vThreshMv: 1e6, tauExcMs: 10 });
  net.connect(src, target, {
    connector: { kind: 'all-to-all' },
    weight: 1,
    receptor: 'exc',
    seed: 1,
    delayMs: 1,
  });
  const ge = net.monitorState(target, 'exc', [0]);
  net.run(100);
  const ours = spikes.spikeTrains().map((t) => Array.from(t, (x) => Number(x.toFixed(6))));
  assert.deepEqual(
    ours,
    brian.times.map((t) => t.map((x) => Number(x.toFixed(6)))),
  );
  // Brian2 samples at the start of step i (time i dt), the value after step i - 1: ours stamped i dt.
  for (let i = 1; i < 40; i++) {
    const k = ge.timesMs.findIndex((t) => Math.abs(t - i * 0.1) < 1e-9);
    assert.ok(
      Math.abs(ge.values[k][0] - brian.delayed_ge[i]) < 1e-6,
      `t ${i * 0.1} ms: ${ge.values[k][0]} vs ${brian.delayed_ge[i]}`,
    );
  }
});

test('net.save / Network.load: subgroups, noise, multi-group monitors continue exactly; operations are added again', async () => {
  const build = () => {
    const net = new Network(0.1);
    const all = net.lif('all', 60, LIF);
    net.initialize(all, 'v', { kind: 'uniform', low: -70, high: -52 }, 3);
    const e = net.subgroup(all, 0, 48);
    const i = net.subgroup(all, 48, 60);
    const picked = net.subgroup(all, [3, 50, 7], 'picked');
    net.noise(e, { kind: 'ou-current', meanPa: 150, sigmaPa: 80, tauMs: 5, seed: 1 });
    net.noise(i, { kind: 'poisson', rateHz: 50, count: 20, weight: 20, receptor: 'exc', seed: 2 });
    net.connect(e, all, {
      connector: { kind: 'fixed-probability', p: 0.2 },
      weight: 60,
      receptor: 'exc',
      seed: 4,
      delayMs: 1.5,
    });
    net.connect(i, e, {
      connector: { kind: 'fixed-probability', p: 0.4 },
      weight: 90,
      receptor: 'inh',
      seed: 5,
    });
    const spikes = net.monitorSpikes([e, i]);
    spikes.label = 'both';
    net.monitorRate(picked, 5);
    net.monitorState(picked, 'v', 'all', 3);
    return { net, spikes };
  };
  const a = build();
  a.net.run(120);
  const dir = join(tempDir(), 'saved');
  await a.net.save(dir);
  const b = await Network.load(dir);
  a.net.run(200);
  b.run(200);
  const sa = a.net.monitors[0] as typeof a.spikes;
  const sb = b.monitors[0] as typeof a.spikes;
  assert.ok(sa.count > 100, `${sa.count} spikes`);
  assert.equal(sb.label, 'both');
  assert.deepEqual(sb.times, sa.times);
  assert.deepEqual(sb.indices, sa.indices);
  assert.deepEqual(
    b.groups[0] && (b.groups[0] as unknown as { v: Float32Array }).v,
    (a.net.groups[0] as unknown as { v: Float32Array }).v,
  );
  assert.deepEqual(
    b.subgroups.map((s) => s.name),
    ['all[0:48]', 'all[48:60]', 'picked'],
  );
  const filesA = await a.net.exportMonitors(join(tempDir(), 'a'));
  const filesB = await b.exportMonitors(join(tempDir(), 'b'));
  for (let k = 0; k < filesA.length; k++)
    assert.equal(readFileSync(filesB[k], 'utf8'), readFileSync(filesA[k], 'utf8'));
});

test('a saved CUBA network (exact integrator) continues exactly after loading', async () => {
  const { net } = cubaNetwork({ neurons: 800, seed: 2 });
  net.run(100);
  const dir = join(tempDir(), 'cuba');
  await net.save(dir);
  const again = await Network.load(dir);
  net.run(100);
  again.run(100);
  const [a, b] = [net.monitors[0] as SpikeMonitor, again.monitors[0] as SpikeMonitor];
  assert.ok(a.count > 50);
  assert.deepEqual(b.times, a.times);
  assert.deepEqual(b.indices, a.indices);
});

test('a saved Song-Miller-Abbott network (sparse Poisson inputs, Brian2-order STDP) continues exactly', async () => {
  const { net } = songStdpNetwork({ inputs: 200, seed: 4 });
  net.run(500);
  const dir = join(tempDir(), 'song');
  await net.save(dir);
  const again = await Network.load(dir);
  net.run(500);
  again.run(500);
  assert.deepEqual(again.connections[0].projection.weight, net.connections[0].projection.weight);
  assert.deepEqual(
    (again.connections[0].plasticity as PairStdp).p,
    (net.connections[0].plasticity as PairStdp).p,
  );
  assert.equal((again.connections[0].plasticity as PairStdp).p.sameStep, 'pre-before-post');
});

test('OU conductance noise: the receptor holds its synaptic part plus an OU process of the asked mean, spread and correlation', async () => {
  const cond: LifParameters = { ...LIF, synapse: 'conductance', eExcMv: 0, eInhMv: -80, vThreshMv: 1e6 };
  const net = new Network(0.1);
  const g = net.lif('g', 2000, cond);
  net.noise(g, { kind: 'ou-conductance', meanNs: 10, sigmaNs: 3, tauMs: 5, receptor: 'exc', seed: 2 });
  net.run(0.1);
  const at0 = Float64Array.from(g.exc);
  net.run(5);
  const at5 = Float64Array.from(g.exc);
  const mean = at5.reduce((s, x) => s + x, 0) / at5.length;
  const sd = Math.sqrt(at5.reduce((s, x) => s + (x - mean) ** 2, 0) / at5.length);
  assert.ok(Math.abs(mean - 10) < 0.3, `mean ${mean}`);
  assert.ok(Math.abs(sd - 3) < 0.2, `sd ${sd}`);
  let c = 0;
  for (let k = 0; k < at0.length; k++) c += (at0[k] - 10) * (at5[k] - 10);
  assert.ok(Math.abs(c / at0.length / 9 - Math.exp(-1)) < 0.06, `lag-tau correlation ${c / at0.length / 9}`);
  assert.ok(
    g.inh.every((x) => x === 0),
    'the other receptor is untouched',
  );
  // A spike's conductance rides on top and decays as usual: one at 5.2 ms, network time (the source is added at 5.1).
  const src = net.spikeSource('src', 1, [0], [5.2]);
  net.connect(src, g, { connector: { kind: 'all-to-all' }, weight: 50, receptor: 'exc', seed: 1 });
  const before = Float64Array.from(g.exc);
  net.run(0.2);
  const jump = g.exc.reduce((s, x, i) => s + x - before[i], 0) / g.size;
  assert.ok(Math.abs(jump - 50) < 1, `mean jump ${jump}`);
  assert.throws(
    () =>
      net.noise(net.lif('cur', 2, LIF), {
        kind: 'ou-conductance',
        meanNs: 1,
        sigmaNs: 1,
        tauMs: 5,
        receptor: 'exc',
        seed: 1,
      }),
    /cur\.noise\.kind: ou-conductance needs a conductance-based LIF population, cur is not one/,
  );
  // Saved and loaded, it continues exactly.
  const dir = join(tempDir(), 'ou');
  await net.save(dir);
  const again = await Network.load(dir);
  net.run(3);
  again.run(3);
  assert.deepEqual((again.groups[0] as typeof g).exc, g.exc);
});
