import assert from 'node:assert/strict';
import test from 'node:test';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Glif3Param } from '../src/engine/index.js';
import { glif3Propagator } from '../src/spiking/index.js';
import {
  buildV1Column,
  buildV1Network,
  classGlifParameters,
  describeV1Model,
  exportBrian2,
  fitBackgroundWeights,
  loadV1Tables,
  median,
  withClassWeights,
  restingBackgroundWeightPa,
  type V1Tables,
} from '../src/cortex/index.js';
import { withGrowth } from '../src/bench/v1.js';
import { ORACLE_PYTHON, runCli, tempDir, testNeeding } from './helpers.js';

let cached: Promise<V1Tables> | null = null;
const tables = () => (cached ??= loadV1Tables());

testNeeding(
  ['v1-tables'],
  'V1 model: GLIF3 classes from the tables, Dale-signed projections, deterministic spikes',
  async () => {
    const t = await tables();
    const params = classGlifParameters(t);
    assert.equal(params.length, 17);
    params.forEach((p, c) => {
      assert.equal(p.cmPf, t.glif[c].cmPf);
      assert.ok(p.tauExcMs > 0 && p.tauInhMs > 0);
    });
    // The resting background weight holds the mean potential 90% of the way to threshold: check the formula's units.
    const p = params[1];
    const w = restingBackgroundWeightPa(p, 1000);
    const meanCurrentPa = 1 * w * Math.E * p.tauExcMs;
    assert.ok(Math.abs(meanCurrentPa / p.gLeakNs - 0.9 * (p.vThreshMv - p.eLeakMv)) < 1e-9);

    const column = buildV1Column(t, { neurons: 1000, seed: 3 });
    const model = describeV1Model(t, column, { thresholdSdMv: 1 });
    const run = () => {
      const v = buildV1Network(model);
      v.net.run(300);
      return { counts: v.counter.counts.map((c) => Array.from(c)), v };
    };
    const a = run();
    const b = run();
    assert.deepEqual(a.counts, b.counts);
    const total = a.counts.flat().reduce((s, n) => s + n, 0);
    assert.ok(total > 0, 'the network fires');
    // One projection per pathway; receptors follow the presynaptic class (Dale's law, checked by the network too).
    assert.equal(a.v.projections.length, column.pathways.length);
    column.pathways.forEach((pw, k) => {
      assert.equal(a.v.projections[k].options.receptor, pw.excitatory ? 'exc' : 'inh');
      assert.equal(a.v.projections[k].synapseCount, pw.preIndex.length);
    });
    // Threshold offsets: drawn per neuron, spread as asked, clipped at 3 sd.
    const offsets = model.classes.flatMap((c) => Array.from(c.thresholdOffsetMv));
    const sd = Math.sqrt(offsets.reduce((s, o) => s + o * o, 0) / offsets.length);
    assert.ok(Math.abs(sd - 1) < 0.1 && offsets.every((o) => Math.abs(o) <= 3), `sd ${sd}`);
    assert.throws(
      () => describeV1Model(t, column, { dtMs: 2 }),
      /dtMs: expected a step in \(0, 1\] ms, found 2/,
    );
  },
);

testNeeding(
  ['v1-tables'],
  'V1 model: the background fit brings class rates toward their targets',
  async () => {
    const t = await tables();
    const column = buildV1Column(t, { neurons: 1500, seed: 2 });
    const ws = Array.from({ length: 289 }, (_, k) => (t.classes[Math.floor(k / 17)].ei === 'E' ? 0.3 : 3));
    const model = describeV1Model(t, column, { weightScale: ws });
    const targetsHz = t.rates.map((r) => r.spontaneous.mean);
    const fit = fitBackgroundWeights(model, { targetsHz, iterations: 6, settleMs: 100, measureMs: 300 });
    assert.equal(fit.history.length, 7);
    const best = Math.min(...fit.history.map((h) => h.error));
    assert.ok(best < fit.history[0].error, `error ${fit.history[0].error} -> ${best}`);
    assert.deepEqual(
      fit.model.classes.map((c) => c.backgroundWeightPa),
      fit.history.find((h) => h.error === best)!.backgroundWeightPa,
    );
    // The median statistic: each record's class rates are the medians of its neurons' rates (a rerun of the same
    // weights gives the same spikes).
    const spread = describeV1Model(t, column, { weightScale: ws, backgroundSpread: 1 });
    const byMedian = fitBackgroundWeights(spread, {
      targetsHz: t.rates.map((r) => r.spontaneous.median),
      iterations: 1,
      settleMs: 100,
      measureMs: 300,
      statistic: 'median',
    });
    const last = byMedian.history[1];
    const v = buildV1Network(withClassWeights(spread, last.backgroundWeightPa));
    v.net.run(100);
    v.counter.reset();
    v.net.run(300);
    assert.deepEqual(
      last.ratesHz,
      v.counter.neuronRatesHz().map((r) => median(r)),
    );
  },
);

testNeeding(
  ['v1-tables'],
  'V1 export to Brian2: model.json, the propagators and every synapse, as built',
  async () => {
    const t = await tables();
    const column = buildV1Column(t, { neurons: 600, seed: 5 });
    const model = describeV1Model(t, column);
    const dir = tempDir('np-v1-export-');
    const { files } = await exportBrian2(model, dir);
    assert.ok(files.includes('run_brian2.py') && files.includes('model.json'));
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    assert.equal(json.format, 'neuroplast-v1-brian2');
    assert.equal(json.classes.length, 17);
    // The propagator is the simulator's, slot by slot.
    const prop = glif3Propagator(model.classes[1].params, model.dtMs);
    assert.equal(json.classes[1].propagator.LEAK_DECAY, prop[Glif3Param.LEAK_DECAY]);
    assert.equal(json.classes[1].propagator.EXC_RISE, prop[Glif3Param.EXC_RISE]);
    const read = (file: string, type: typeof Int32Array | typeof Float32Array) => {
      const b = readFileSync(join(dir, file));
      return new type(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    };
    const offsets = [0];
    for (const c of model.classes) offsets.push(offsets.at(-1)! + c.size);
    for (const receptor of ['exc', 'inh'] as const) {
      const f = json.synapses[receptor];
      const pre = read(f.pre, Int32Array);
      const post = read(f.post, Int32Array);
      const w = read(f.weight, Float32Array);
      const chosen = column.pathways.filter((p) => p.excitatory === (receptor === 'exc'));
      assert.equal(
        pre.length,
        chosen.reduce((s, p) => s + p.preIndex.length, 0),
      );
      assert.equal(post.length, pre.length);
      // The first pathway's first synapse, in global indices and scaled weight.
      const p = chosen[0];
      assert.equal(pre[0], offsets[p.pre] + p.preIndex[0]);
      assert.equal(post[0], offsets[p.post] + p.postIndex[0]);
      assert.equal(w[0], Math.fround(p.weightPa[0] * model.weightScale[p.pre * 17 + p.post]));
    }
    const offsets1 = read(json.classes[1].threshold_offsets, Float32Array);
    assert.deepEqual(offsets1, model.classes[1].thresholdOffsetMv);
  },
);

testNeeding(
  ['v1-tables', 'brian2'],
  'V1 export runs in Brian2 C++ standalone with the class rates neuroplast gives (oracle)',
  async () => {
    const t = await tables();
    const column = buildV1Column(t, { neurons: 2000, seed: 7 });
    const model = describeV1Model(t, column);
    const dir = tempDir('np-v1-brian2-');
    await exportBrian2(model, dir);
    const r = spawnSync(ORACLE_PYTHON, [join(dir, 'run_brian2.py'), 'standalone', '1'], {
      encoding: 'utf8',
      cwd: dir,
      timeout: 900_000,
    });
    assert.equal(r.status, 0, r.stderr.slice(-500));
    const brian = JSON.parse(r.stdout.trim().split('\n').pop()!);
    const v = buildV1Network(model);
    v.net.run(1000);
    const ours = v.counter.groupRatesHz();
    assert.equal(brian.neurons, 2000);
    assert.equal(
      brian.synapses,
      v.projections.reduce((s, p) => s + p.synapseCount, 0),
    );
    // Each simulator draws its own background spikes: compare the four excitatory classes (hundreds of cells each).
    for (const c of [1, 5, 9, 13]) {
      const theirs = brian.rates_hz[t.classes[c].name];
      assert.ok(
        Math.abs(ours[c] - theirs) < 0.1 * theirs + 0.2,
        `${t.classes[c].name}: ${ours[c]} vs Brian2 ${theirs}`,
      );
    }
  },
);

test('bench v1: growth exponents against the previous size (1: linear in synapses)', () => {
  const rows = withGrowth([
    { neurons: 1000, synapses: 1e6, build_s: 1, wall_s_per_sim_s: 2 },
    { neurons: 2000, synapses: 2e6, build_s: 2, wall_s_per_sim_s: 8 },
    { neurons: 9999, skipped: 'over memory' },
    { neurons: 4000, synapses: 8e6, build_s: 8, wall_s_per_sim_s: 32 },
  ]);
  assert.equal(rows[0].growth_vs_previous, undefined);
  assert.deepEqual(rows[1].growth_vs_previous, { neurons: 1000, build_exponent: 1, wall_exponent: 2 });
  assert.equal(rows[2].growth_vs_previous, undefined);
  assert.deepEqual(rows[3].growth_vs_previous, { neurons: 2000, build_exponent: 1, wall_exponent: 1 });
});

testNeeding(
  ['v1-tables'],
  'bench v1 --json: the contract fields, and Brian2 beside where installed',
  async () => {
    const r = await runCli(
      ['bench', 'v1', '--neurons', '300', '--seconds', '0.1', '--json'],
      {},
      { timeoutMs: 300_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.equal(rows.length, 1);
    for (const k of ['neurons', 'synapses', 'build_s', 'wall_s_per_sim_s', 'rss_mb'])
      assert.equal(typeof rows[0][k], 'number', k);
    assert.equal(rows[0].neurons, 300);
    if (typeof rows[0].brian2_standalone_s_per_sim_s === 'number')
      assert.equal(typeof rows[0].ratio_vs_brian2_standalone, 'number');
  },
);
