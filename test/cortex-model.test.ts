import assert from 'node:assert/strict';
import {
  buildV1Column,
  buildV1Network,
  classGlifParameters,
  describeV1Model,
  fitBackgroundWeights,
  loadV1Tables,
  restingBackgroundWeightPa,
  type V1Tables,
} from '../src/cortex/index.js';
import { testNeeding } from './helpers.js';

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
  },
);
