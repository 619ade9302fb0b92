import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import {
  buildLgnModel,
  buildV1Column,
  buildV1Network,
  describeV1Model,
  driftingGrating,
  exportBrian2,
  fitBackgroundWeights,
  lgnConnections,
  lgnRates,
  lgnTargets,
  loadLgnTables,
  loadV1Tables,
  median,
  orientationSelectivity,
  receptiveFieldCentres,
  type LgnModel,
  type LgnTables,
  type V1Network,
  type V1PlasticityAttachment,
  type V1Tables,
} from '../src/cortex/index.js';
import { createPlasticityRule, TaylorRule } from '../src/spiking/index.js';
import { RuleGenome, SPIKING_SIGNALS } from '../src/evolution/index.js';
import { runExperiment, validateAnyExperiment, type ExperimentBase } from '../src/experiments/index.js';
import { runCli, tempDir, testNeeding } from './helpers.js';

const timeless = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'seconds' ? undefined : v)));

/** Runs `config` killed after its first saved part, resumes it, and checks the summary equals an unbroken run's. */
async function assertResumesAfterKill(config: ExperimentBase, whole: unknown): Promise<string> {
  const dir = join(tempDir(), 'killed');
  await assert.rejects(
    runExperiment({
      config,
      outDir: dir,
      quiet: true,
      onCheckpoint: () => {
        throw new Error('killed after the first part');
      },
    }),
    /killed/,
  );
  const resumed = await runExperiment({ resumeDir: dir, quiet: true });
  assert.deepEqual(timeless(resumed.summary), timeless(whole));
  return dir;
}

let cached: Promise<[V1Tables, LgnTables]> | null = null;
const tables = () => (cached ??= Promise.all([loadV1Tables(), loadLgnTables()]));

/** A column and the experiments' LGN (5 x 5 tiles), both from `seed`. */
/** Drives a V1 network's LGN with a 0-deg drifting grating for `ms` and runs it that long. */
function showGrating(v: V1Network, lgn: LgnModel, ms: number): void {
  const grating = driftingGrating({ orientationDeg: 0, sfCpd: 0.04, tfHz: 2, contrast: 0.8, durationMs: ms });
  v.lgn!.setRates(lgnRates(lgn, grating, { binMs: 5 }));
  v.net.run(ms);
}

async function columnWithLgn(neurons: number, seed: number) {
  const [t, lt] = await tables();
  return {
    t,
    column: buildV1Column(t, { neurons, seed }),
    lgn: buildLgnModel(lt, { seed, tilesX: 5, tilesY: 5 }),
  };
}

test('OSI: the global definition on known tuning curves; median as numpy', () => {
  const directionsDeg = [0, 45, 90, 135, 180, 225, 270, 315];
  // One neuron per curve: 1 + cos(2 (theta - 30)) has OSI 1/2, a flat curve 0, a single direction 1.
  const curves = [
    directionsDeg.map((d) => 1 + Math.cos((2 * (d - 30) * Math.PI) / 180)),
    directionsDeg.map(() => 3),
    directionsDeg.map((d) => (d === 90 ? 5 : 0)),
    directionsDeg.map(() => 0),
  ];
  const r = {
    spontaneousHz: [new Float32Array(4)],
    directionsDeg,
    gratingMs: directionsDeg.map(() => 1000),
    gratingHz: directionsDeg.map((_, d) => [Float32Array.from(curves, (c) => c[d])]),
  };
  const osi = orientationSelectivity(r, 0);
  assert.ok(Math.abs(osi[0] - 0.5) < 1e-6);
  assert.ok(Math.abs(osi[1]) < 1e-6);
  assert.ok(Math.abs(osi[2] - 1) < 1e-6);
  assert.ok(Number.isNaN(osi[3]), 'a neuron that never fired has no OSI');
  // 5 spikes in all: an OSI with 5, none with 6 required.
  assert.ok(Math.abs(orientationSelectivity(r, 0, 5)[2] - 1) < 1e-6);
  assert.ok(Number.isNaN(orientationSelectivity(r, 0, 6)[2]));
  assert.equal(median([3, 1, 2, 10]), 2.5);
  assert.equal(median([NaN, 4, 1, 7]), 4);
});

testNeeding(
  ['v1-tables'],
  'LGN -> V1 wiring: retinotopic, ON and OFF subfields across the preferred orientation, tuned input',
  async () => {
    const { t, column, lgn } = await columnWithLgn(1000, 4);
    const targets = lgnTargets(t);
    const pathways = lgnConnections(lgn, column, targets, { seed: 4, rfSpanDeg: 25 });
    assert.deepEqual(lgnConnections(lgn, column, targets, { seed: 4, rfSpanDeg: 25 }), pathways);
    const e4 = t.classes.find((c) => c.key === 'e4')!.id;
    const p = pathways[e4];
    const size = column.classes[e4].size;
    const centres = receptiveFieldCentres(lgn, column, 25)[e4];
    const inputs: number[][] = Array.from({ length: size }, () => []);
    p.lgnIndex.forEach((u, k) => inputs[p.postIndex[k]].push(u));
    let across = 0;
    let along = 0;
    for (let i = 0; i < size; i++) {
      assert.equal(inputs[i].length, targets[e4].inputsPerNeuron, 'every L4 Exc neuron gets its inputs');
      assert.equal(new Set(inputs[i]).size, inputs[i].length, 'distinct units');
      const a = ((180 - (column.classes[e4].tuningDeg[i] % 180)) * Math.PI) / 180;
      const [nx, ny] = [Math.cos(a), Math.sin(a)];
      for (const u of inputs[i]) {
        const polarity = lgn.types[lgn.typeIndex[u]].polarity;
        const dx = lgn.xDeg[u] - centres.xDeg[i];
        const dy = lgn.yDeg[u] - centres.yDeg[i];
        const sign = polarity === 'ON' ? 1 : polarity === 'OFF' ? -1 : 0;
        across += sign * (dx * nx + dy * ny);
        along += Math.abs(-dx * ny + dy * nx);
      }
    }
    const n = size * targets[e4].inputsPerNeuron;
    // ON units lie on the + side of the normal to the preferred bars, OFF units on the - side, 6.25 deg out.
    assert.ok(across / n > 4, `ON/OFF offset across the bars: ${across / n}`);
    // Subfields are elongated along the bars: mean |along| of a Gaussian with sd 6 deg is 4.8.
    assert.ok(along / n > 3.5, `spread along the bars: ${along / n}`);

    // The summed LGN input is modulated most at the neuron's preferred orientation: its F1 at the preferred grating beats
    // the orthogonal one for most neurons.
    const ms = 1000;
    const f1 = (deg: number, i: number) => {
      const r = lgnRates(
        lgn,
        driftingGrating({ orientationDeg: deg, sfCpd: 0.04, tfHz: 2, contrast: 0.8, durationMs: ms }),
        {
          binMs: 5,
        },
      );
      return (units: number[]) => {
        let re = 0;
        let im = 0;
        for (let b = 0; b < r.bins; b++) {
          let s = 0;
          for (const u of units) s += r.hz[b * r.size + u];
          const ph = 2 * Math.PI * 2 * b * 0.005;
          re += s * Math.cos(ph);
          im += s * Math.sin(ph);
        }
        return Math.hypot(re, im) + 0 * i;
      };
    };
    const byOrientation = new Map<number, (units: number[]) => number>();
    const response = (deg: number) => {
      const key = (((Math.round(deg / 45) * 45) % 180) + 180) % 180;
      if (!byOrientation.has(key)) byOrientation.set(key, f1(key, 0));
      return byOrientation.get(key)!;
    };
    let wins = 0;
    const checked = Math.min(size, 40);
    for (let i = 0; i < checked; i++) {
      const o = column.classes[e4].tuningDeg[i] % 180;
      if (response(o)(inputs[i]) > response(o + 90)(inputs[i])) wins++;
    }
    assert.ok(wins >= 0.8 * checked, `preferred beats orthogonal in ${wins} of ${checked}`);
  },
);

testNeeding(
  ['v1-tables'],
  'V1 model with an LGN: one projection per receiving class; the joint fit lowers the error',
  async () => {
    const { t, column, lgn } = await columnWithLgn(400, 5);
    const model = describeV1Model(t, column, { lgn: { model: lgn, wiring: { rfSpanDeg: 25 } } });
    const v = buildV1Network(model);
    model.lgn!.pathways.forEach((p, c) => {
      const proj = v.lgnProjections[c];
      if (p.lgnIndex.length === 0) assert.equal(proj, null);
      else assert.equal(proj!.synapseCount, p.lgnIndex.length);
    });
    const grating = lgnRates(
      lgn,
      driftingGrating({ orientationDeg: 0, sfCpd: 0.04, tfHz: 2, contrast: 0.8, durationMs: 300 }),
      {
        binMs: 5,
      },
    );
    const fit = fitBackgroundWeights(model, {
      targetsHz: t.rates.map((r) => r.spontaneous.mean),
      stimulus: { rates: [grating], targetsHz: t.rates.map((r) => r.gratings.mean) },
      iterations: 4,
      settleMs: 100,
      measureMs: 300,
    });
    assert.equal(fit.history.length, 5);
    assert.ok(fit.history.every((h) => h.stimulusRatesHz && h.lgnWeightScale));
    const best = Math.min(...fit.history.map((h) => h.error));
    assert.ok(
      best < fit.history[0].error,
      `fit error ${fit.history.map((h) => h.error.toFixed(3)).join(' ')}`,
    );
    assert.deepEqual(fit.model.lgn!.weightScale, fit.history.find((h) => h.error === best)!.lgnWeightScale);
  },
);

testNeeding(
  ['v1-tables'],
  'v1-rates experiment: the contract summary, per-scale files, resume after a kill',
  async () => {
    const config = validateAnyExperiment(
      {
        name: 'v1-rates-test',
        seed: 3,
        task: { kind: 'v1-rates', neurons: [300, 400] },
        fit: { iterations: 1, settleMs: 50, measureMs: 200, gratingMs: 200 },
        measure: {
          settleMs: 50,
          spontaneousMs: 300,
          gratingMs: 200,
          grayGapMs: 50,
          directionsDeg: [0, 90, 180, 270],
        },
      },
      'test',
    );
    const whole = await runExperiment({ config, outDir: join(tempDir(), 'whole'), quiet: true });
    const s = whole.summary as unknown as {
      neurons: number;
      rates: Record<string, Record<string, unknown>>;
      classes_in_range: { spontaneous: number; gratings: number };
      osi: Record<string, { median: number }>;
      scales: { neurons: number; measureSeed: number }[];
    };
    assert.equal(s.neurons, 400);
    assert.equal(Object.keys(s.rates).length, 17);
    for (const r of Object.values(s.rates))
      for (const k of ['spontaneous', 'gratings', 'target_spontaneous', 'target_gratings'])
        assert.equal(typeof r[k], 'number', k);
    assert.ok(
      Number.isInteger(s.classes_in_range.spontaneous) && Number.isInteger(s.classes_in_range.gratings),
    );
    // The counts are the in-range flags' counts.
    assert.equal(
      s.classes_in_range.spontaneous,
      Object.values(s.rates).filter((r) => r.in_range_spontaneous).length,
    );
    assert.deepEqual(Object.keys(s.osi), ['L2/3', 'L4', 'L5', 'L6']);
    assert.deepEqual(
      s.scales.map((x) => [x.neurons, x.measureSeed]),
      [
        [300, 4],
        [400, 4],
      ],
    );

    const dir = await assertResumesAfterKill(config, whole.summary);
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(metrics.filter((m) => m.phase === 'measure').length, 2, 'no scale measured twice');

    const bad = join(tempDir(), 'bad.yaml');
    writeFileSync(bad, 'name: bad\ntask:\n  kind: v1-rates\n  neurons: [100]\n');
    const cli = await runCli(['run', bad, '--out', join(tempDir(), 'bad-out')]);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /bad\.yaml.*task\.neurons.*200/);
    assert.doesNotMatch(cli.stderr, /\n\s+at /);
  },
);

testNeeding(
  ['v1-tables'],
  'V1 plasticity per class pair: rules attach to the chosen pairs only; bad attachments refused',
  async () => {
    const { t, column, lgn } = await columnWithLgn(400, 6);
    const stdp = { kind: 'pair-stdp', aPlus: 0.5, aMinus: 0.6, tauPlusMs: 20, tauMinusMs: 20, wMax: 200 };
    const named: string[] = [];
    const model = describeV1Model(t, column, {
      lgn: { model: lgn, wiring: { rfSpanDeg: 25 } },
      plasticity: [
        { pre: 'E', post: 'E', rule: stdp },
        {
          pre: 'LGN',
          post: ['L4 Exc'],
          rule: (pre, post) => {
            named.push(`${pre}->${post}`);
            return createPlasticityRule(stdp);
          },
        },
      ],
    });
    const v = buildV1Network(model);
    assert.deepEqual(named, ['LGN->L4 Exc']);
    const before = v.projections.map((p) => Float32Array.from(p.weight));
    const lgnBefore = v.lgnProjections.map((p) => (p ? Float32Array.from(p.weight) : null));
    showGrating(v, lgn, 400);
    const changed = (a: Float32Array, b: Float32Array) => a.some((w, k) => w !== b[k]);
    column.pathways.forEach((p, k) => {
      const plastic = t.classes[p.pre].ei === 'E' && t.classes[p.post].ei === 'E';
      if (!plastic)
        assert.ok(!changed(before[k], v.projections[k].weight), `${p.pre}->${p.post} stays fixed`);
    });
    assert.ok(
      column.pathways.some((_, k) => changed(before[k], v.projections[k].weight)),
      'some E -> E weights changed',
    );
    const e4 = t.classes.find((c) => c.key === 'e4')!.id;
    v.lgnProjections.forEach((p, c) => {
      if (!p) return;
      assert.equal(changed(lgnBefore[c]!, p.weight), c === e4, `LGN -> ${t.classes[c].name}`);
    });
    const refused = (plasticity: V1PlasticityAttachment[]) => () =>
      describeV1Model(t, column, { plasticity });
    assert.throws(refused([{ pre: 'L7 Exc', post: 'E', rule: stdp }]), /plasticity\[0\]\.pre.*"L7 Exc"/);
    assert.throws(
      refused([
        { pre: 'E', post: 'E', rule: stdp },
        { pre: 'e4', post: '*', rule: stdp },
      ]),
      /plasticity\[1\].*L4 Exc -> .* already has plasticity\[0\]/,
    );
    assert.throws(refused([{ pre: 'LGN', post: 'E', rule: stdp }]), /plasticity\[0\]: expected to match/);
    assert.throws(
      refused([{ pre: 'E', post: 'E', rule: { kind: 'pair-stdp', aPlus: 1 } }]),
      /plasticity\[0\]\.rule/,
    );
  },
);

testNeeding(
  ['v1-tables'],
  'an evolved Taylor genome attaches per synapse type: each V1 class pair runs its type’s coefficients',
  async () => {
    const { t, column, lgn } = await columnWithLgn(400, 6);
    // Two synapse types of the genome (E->E, E->I) and two terms: S_pre X_post and S_post X_pre.
    const genome = new RuleGenome({
      signals: SPIKING_SIGNALS.slice(0, 4),
      terms: [
        [1, 0, 0, 1],
        [0, 1, 1, 0],
      ],
      neuronTypes: ['E', 'I'],
      synapseTypes: [
        ['E', 'E'],
        ['E', 'I'],
      ],
    });
    // Gates open; E->E: +0.5, -0.2 (potentiates and depresses); E->I: -0.4, 0 (only depresses); both taus 20 ms.
    const rule = genome.decode([1, 1, 0.5, -0.2, -0.4, 0, 20, 20]);
    const typeOf = (name: string) => (name.endsWith('Exc') ? 'E' : 'I');
    const made: Record<string, number[]> = {};
    const model = describeV1Model(t, column, {
      lgn: { model: lgn, wiring: { rfSpanDeg: 25 } },
      plasticity: [
        {
          pre: 'E',
          post: '*',
          rule: (pre, post) => {
            const params = genome.taylorRule(rule, typeOf(pre), typeOf(post), { wMax: 1000 });
            made[`${pre}->${post}`] = params.terms.map((term) => term.coefficient);
            return new TaylorRule(params);
          },
        },
      ],
    });
    const v = buildV1Network(model);
    assert.deepEqual(made['L4 Exc->L2/3 Exc'], [0.5, -0.2]);
    assert.deepEqual(made['L4 Exc->L4 Pvalb'], [-0.4]);
    const before = v.projections.map((p) => Float32Array.from(p.weight));
    showGrating(v, lgn, 400);
    let rose = 0;
    let fell = 0;
    let fellOntoI = 0;
    column.pathways.forEach((p, k) => {
      const [pre, post] = [t.classes[p.pre], t.classes[p.post]];
      const w = v.projections[k].weight;
      const up = w.filter((x, i) => x > before[k][i]).length;
      const down = w.filter((x, i) => x < before[k][i]).length;
      if (pre.ei === 'I') assert.equal(up + down, 0, `${pre.name}->${post.name} has no rule`);
      else if (post.ei === 'I') {
        assert.equal(up, 0, `${pre.name}->${post.name} only depresses`);
        fellOntoI += down;
      } else {
        rose += up;
        fell += down;
      }
    });
    assert.ok(rose > 0 && fell > 0, `E->E weights both rise (${rose}) and fall (${fell})`);
    assert.ok(fellOntoI > 0, 'E->I weights fall');
  },
);

testNeeding(
  ['v1-tables'],
  'v1-readout: features per image, a plastic condition that changes only its synapses, resume',
  async () => {
    const config = validateAnyExperiment(
      {
        name: 'v1-readout-test',
        seed: 2,
        task: {
          kind: 'v1-readout',
          dataset: 'mnist',
          neurons: 300,
          exposureImages: 10,
          trainImages: 40,
          testImages: 20,
        },
        fit: { iterations: 0, settleMs: 50, measureMs: 100, gratingMs: 100 },
        presentation: { imageMs: 60, grayMs: 20 },
        readout: { epochs: 20 },
      },
      'test',
    );
    const whole = await runExperiment({ config, outDir: join(tempDir(), 'whole'), quiet: true });
    const s = whole.summary as unknown as {
      accuracy: Record<string, number>;
      conditions: {
        condition: string;
        testAccuracy: number;
        relativeWeightChange: number;
        plasticSynapses: number;
        trainAccuracy: number;
      }[];
    };
    assert.deepEqual(Object.keys(s.accuracy), ['pixels', 'fixed', 'plastic']);
    for (const a of Object.values(s.accuracy)) assert.ok(a >= 0 && a <= 1);
    const [pixels, fixed, plastic] = s.conditions;
    // The pixel baseline sees the same 40 training images: it fits them, and beats chance on the test images.
    assert.equal(pixels.trainAccuracy, 1);
    assert.ok(pixels.testAccuracy > 0.3, `pixel baseline ${pixels.testAccuracy}`);
    assert.equal(fixed.plasticSynapses, 0);
    assert.equal(fixed.relativeWeightChange, 0);
    assert.ok(plastic.plasticSynapses > 0 && plastic.relativeWeightChange > 0, JSON.stringify(plastic));
    // 40 training images and hundreds of features: the readout fits its training set.
    assert.ok(fixed.trainAccuracy > 0.9, `train accuracy ${fixed.trainAccuracy}`);
    await assertResumesAfterKill(config, whole.summary);

    assert.throws(
      () =>
        validateAnyExperiment(
          { ...config, plasticity: [{ pre: 'LGN', post: 'E', rule: { kind: 'pair-stdp', aPlus: 1 } }] },
          'bad.yaml',
        ),
      /bad\.yaml.*plasticity\.0\.rule/,
    );
    assert.throws(
      () =>
        validateAnyExperiment(
          { ...config, plasticity: [{ pre: 'LGN', post: 'E', rule: { kind: 'pair-stpd' } }] },
          'bad.yaml',
        ),
      /bad\.yaml.*plasticity\.0\.rule/,
    );
    await assert.rejects(
      runExperiment({
        config: validateAnyExperiment(
          { ...config, task: { ...(config.task as object), exposureImages: 60000, trainImages: 10 } },
          'big.yaml',
        ),
        outDir: join(tempDir(), 'big'),
        quiet: true,
      }),
      /task\.trainImages: expected exposureImages \+ trainImages <= 60000/,
    );
  },
);

testNeeding(
  ['v1-tables'],
  'background spread: log-normal factors of mean 1 per neuron, in the network and the Brian2 export',
  async () => {
    const [t] = await tables();
    const column = buildV1Column(t, { neurons: 2000, seed: 8 });
    const model = describeV1Model(t, column, { backgroundSpread: 1 });
    const factors = model.classes.flatMap((c) => Array.from(c.backgroundFactor));
    const logs = factors.map(Math.log);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(mean(factors) - 1) < 0.1, `mean factor ${mean(factors)}`);
    const sd = Math.sqrt(mean(logs.map((l) => (l - mean(logs)) ** 2)));
    assert.ok(Math.abs(sd - 1) < 0.05, `log sd ${sd}`);
    assert.deepEqual(
      describeV1Model(t, column, { backgroundSpread: 1 }).classes[1].backgroundFactor,
      model.classes[1].backgroundFactor,
    );
    assert.ok(describeV1Model(t, column).classes.every((c) => c.backgroundFactor.every((f) => f === 1)));
    const v = buildV1Network(model);
    const c = model.classes[1];
    const background = v.net.connections.find((k) => k.source === v.background[1])!.projection;
    // One synapse per neuron (rows are sources, neuron i's background source is i): weight = class weight x factor.
    for (let i = 0; i < c.size; i += 97)
      assert.ok(Math.abs(background.weight[i] - c.backgroundWeightPa * c.backgroundFactor[i]) < 1e-3);
    const dir = join(tempDir(), 'export');
    await exportBrian2(model, dir);
    const written = new Float32Array(
      Uint8Array.from(readFileSync(join(dir, 'background-factors-1.f32'))).buffer,
    );
    assert.deepEqual(Array.from(written), Array.from(c.backgroundFactor));
    assert.throws(() => describeV1Model(t, column, { backgroundSpread: -1 }), /backgroundSpread/);
  },
);
