import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SPIKING_AGENT,
  NeuromodulatorySystem,
  OutcomeSurprise,
  connectNeuromodulation,
  createModulator,
  doyaMapping,
  manyToOneMapping,
  modulateLearningRates,
  resolveMapping,
  sampleIndex,
  softmaxPolicy,
} from '../src/neuromod/index.js';
import { Network, RewardModulatedStdp, TaylorRule } from '../src/spiking/index.js';
import { Adam } from '../src/optim/index.js';
import { mlp } from '../src/engine/index.js';
import { Rng } from '../src/util/rng.js';

const close = (a: number, b: number, tol = 1e-12, what = '') =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what} ${a} vs ${b}`);

test('tonic level relaxes exactly as exp(-t / tau), whatever the update size', () => {
  const da = createModulator('dopamine', { tauTonicMs: 500, baseline: 0.2 });
  for (let i = 0; i < 100; i++) da.update({ reward: 1 }, 3);
  close(da.tonic, 1 + (0.2 - 1) * Math.exp(-300 / 500), 1e-12, 'tonic after 300 ms');
  const once = createModulator('dopamine', { tauTonicMs: 500, baseline: 0.2 });
  once.update({ reward: 1 }, 300);
  close(once.tonic, da.tonic, 1e-12, 'one update of 300 ms');
  // Sample and hold: without a new signal the tonic level goes on toward the last one.
  const was = da.tonic;
  da.update({}, 1000);
  close(da.tonic, 1 + (was - 1) * Math.exp(-1000 / 500), 1e-12, 'held drive');
  const fresh = createModulator('dopamine', { baseline: 0.3 });
  fresh.update({}, 1000);
  assert.equal(fresh.tonic, 0.3, 'no drive yet: the baseline');
});

test('phasic response: an impulse of phasicGain x drive, then decay with tauPhasic', () => {
  const da = createModulator('dopamine', { tauPhasicMs: 100, phasicGain: 2 });
  da.update({ tdError: -0.5 }, 1);
  close(da.phasic, -1);
  for (let i = 0; i < 50; i++) da.update({}, 2);
  close(da.phasic, -Math.exp(-100 / 100), 1e-12, 'after 100 ms');
  close(da.level, da.tonic + da.phasic);
});

test('each modulator reads its documented signals', () => {
  const na = createModulator('noradrenaline', { surpriseThreshold: 2, phasicGain: 1 });
  na.update({ surprise: 1.5 }, 1);
  assert.equal(na.phasic, 0, 'no burst below threshold');
  na.update({ surprise: 5 }, 1);
  close(na.phasic, 3, 1e-12, 'burst of the excess');
  const ach = createModulator('acetylcholine', { phasicGain: 1 });
  ach.update({ predictionError: 0.4 }, 1);
  close(ach.phasic, 0.4, 1e-12, 'expected uncertainty from the prediction error');
  ach.update({ predictionError: 0.4, uncertainty: 0 }, 1e9);
  close(ach.tonic, 0, 1e-9, 'an explicit uncertainty signal wins');
  const ht = createModulator('serotonin', { tauTonicMs: 1e9, baseline: 0.25, phasicGain: 1 });
  ht.update({ punishment: 1 }, 1);
  close(ht.phasic, 0.75, 1e-12, 'aversive prediction error: punishment minus its expectation');
});

test('many-to-one: a target sums every mapped modulator, at a place or everywhere, clipped to its range', () => {
  const sys = new NeuromodulatorySystem({
    mapping: [
      { modulator: 'acetylcholine', component: 'tonic', target: 'plasticity_rate', weight: 1 },
      {
        modulator: 'noradrenaline',
        component: 'phasic',
        target: 'plasticity_rate',
        weight: 2,
        where: ['actor'],
      },
      { modulator: 'serotonin', component: 'tonic', target: 'plasticity_rate', sign: -1, weight: 0.5 },
    ],
    modulators: { acetylcholine: { baseline: 0.3 }, serotonin: { baseline: 0.2 } },
  });
  sys.update({ surprise: 1.5 }, 1); // NA burst 0.5 with the default threshold 1 and gain 1
  const na = sys.read('noradrenaline', 'phasic');
  close(na, 0.5);
  const ach = sys.read('acetylcholine', 'tonic');
  const ht = sys.read('serotonin', 'tonic');
  close(sys.target('plasticity_rate'), 1 + ach - 0.5 * ht, 1e-12, 'everywhere');
  close(sys.target('plasticity_rate', 'actor'), 1 + ach + 2 * na - 0.5 * ht, 1e-12, 'at the actor');
  close(sys.target('plasticity_rate', 'critic'), sys.target('plasticity_rate'), 1e-12, 'elsewhere');
  // Removing noradrenaline (an ablation) takes its share away.
  const without = new NeuromodulatorySystem({
    mapping: sys.mapping,
    modulators: { acetylcholine: { baseline: 0.3 }, serotonin: { baseline: 0.2 } },
    removed: ['noradrenaline'],
  });
  without.update({ surprise: 1.5 }, 1);
  close(without.target('plasticity_rate', 'actor'), sys.target('plasticity_rate'), 1e-12, 'NA removed');
  // Clipping: eligibility retention stays in [0, 1].
  const reset = new NeuromodulatorySystem({
    mapping: [
      {
        modulator: 'noradrenaline',
        component: 'phasic',
        target: 'eligibility_retention',
        sign: -1,
        weight: 10,
      },
    ],
  });
  reset.update({ surprise: 3 }, 1);
  assert.equal(reset.target('eligibility_retention'), 0);
});

test("Doya's presets: more noradrenaline, lower temperature; more serotonin, more patience", () => {
  const sys = new NeuromodulatorySystem({
    mapping: doyaMapping(),
    modulators: { noradrenaline: { tauTonicMs: 1 }, serotonin: { tauTonicMs: 1 } },
  });
  const t0 = sys.target('temperature');
  const g0 = sys.target('discount');
  sys.update({ surprise: 1, punishment: 1 }, 100);
  assert.ok(sys.target('temperature') < t0, `temperature ${sys.target('temperature')} vs ${t0}`);
  assert.ok(sys.target('discount') > g0, `discount ${sys.target('discount')} vs ${g0}`);
  const many = new NeuromodulatorySystem({ mapping: manyToOneMapping() });
  const before = many.snapshot();
  many.update({ surprise: 4 }, 1);
  const after = many.snapshot();
  assert.ok(after.targets.plasticity_rate > before.targets.plasticity_rate);
  assert.ok(after.targets.temperature > before.targets.temperature, 'a burst raises exploration');
  assert.ok(after.targets.consolidation < before.targets.consolidation, 'and relaxes consolidation');
  assert.ok(after.targets.eligibility_retention < 1, 'and partially resets eligibility');
  const saved = many.saveState();
  const copy = new NeuromodulatorySystem({ mapping: manyToOneMapping() });
  copy.loadState(JSON.parse(JSON.stringify(saved)));
  assert.deepEqual(copy.snapshot(), after);
});

test('bad mappings and parameters are refused before any work, naming the entry', () => {
  const bad: [unknown, RegExp][] = [
    [
      { mapping: [{ modulator: 'oxytocin', target: 'gain', weight: 1 }] },
      /^mapping\[0\]\.modulator: expected one of dopamine, acetylcholine, noradrenaline, serotonin; found "oxytocin"$/,
    ],
    [
      {
        mapping: [
          { modulator: 'dopamine', target: 'gain', weight: 1 },
          { modulator: 'dopamine', target: 'mood', weight: 1 },
        ],
      },
      /^mapping\[1\]\.target: expected one of .*found "mood"$/,
    ],
    [
      { mapping: [{ modulator: 'dopamine', target: 'temperature', weight: 1, scale: 'synapse' }] },
      /^mapping\[0\]\.scale: expected a scale temperature acts at \(network\); found synapse$/,
    ],
    [
      { mapping: [{ modulator: 'dopamine', target: 'gain', weight: -1 }] },
      /^mapping\[0\]\.weight: expected a weight in \[0, 1000000\], found -1$/,
    ],
    [
      { mapping: [{ modulator: 'dopamine', target: 'gain', weight: 1, sign: 2 }] },
      /^mapping\[0\]\.sign: expected 1 or -1, found 2$/,
    ],
    [
      { mapping: [{ modulator: 'dopamine', target: 'gain', weight: 1, gain: 2 }] },
      /^mapping\[0\]\.gain: expected one of modulator, .*found an unknown field$/,
    ],
    [
      { mapping: [], modulators: { dopamine: { tauTonicMs: 0 } } },
      /^modulators\.dopamine\.tauTonicMs: expected a time constant in \(0, 1000000000\] ms, found 0$/,
    ],
    [
      { mapping: [], modulators: { noradrenaline: { phasicGain: -2 } } },
      /^modulators\.noradrenaline\.phasicGain: expected a gain in \[0, 1000000\], found -2$/,
    ],
    [
      { mapping: [], modulators: { serotonin: { tauPhasicMs: 2e9 } } },
      /tauPhasicMs: expected a time constant/,
    ],
    [
      { mapping: [], modulators: { dopamine: { tauMs: 3 } } },
      /^modulators\.dopamine\.tauMs: expected one of tauTonicMs, tauPhasicMs, phasicGain, baseline; found an unknown parameter$/,
    ],
    [{ mapping: [], modulators: { histamine: {} } }, /^modulators\.histamine: expected one of/],
    [{ mapping: [], removed: ['dopa'] }, /^removed\[0\]: expected one of .*found "dopa"$/],
    [
      { mapping: [], bases: { discount: 1.5 } },
      /^bases\.discount: expected a base in \[0, 0\.999\], found 1\.5$/,
    ],
  ];
  for (const [options, message] of bad)
    assert.throws(
      () => new NeuromodulatorySystem(options as never),
      (e: Error) => e.name === 'ConfigError' && message.test(e.message),
      JSON.stringify(options),
    );
  assert.throws(
    () => resolveMapping([{ modulator: 'dopamine', target: 'gain', weight: 1, where: [] }]),
    /mapping\[0\]\.where: expected a non-empty list/,
  );
  const sys = new NeuromodulatorySystem({ mapping: [] });
  assert.throws(
    () => sys.update({ tdError: NaN }, 1),
    /dopamine\.phasic drive: expected a finite signal, found NaN/,
  );
  assert.throws(() => sys.update({}, 0), /expected a positive step dtMs, found 0/);
});

test('Bayes-factor surprise: exact first steps, and a reversal detected on its first trial', () => {
  const s = new OutcomeSurprise({ outcomes: 2, changeProbability: 0.1 });
  const m = 0.1 / 0.9;
  const first = s.observe('A', 1);
  close(first.bayesFactor, 1, 1e-12, 'the belief is the prior');
  close(first.adaptation, m / (1 + m));
  // alpha = (1 - g) (1, 2) + g (1, 2) = (1, 2)
  const p = s.predict('A');
  close(p[1], 2 / 3);
  const second = s.observe('A', 0);
  close(second.bayesFactor, 0.5 / (1 / 3), 1e-12, 'S of the less expected outcome');
  close(second.shannon, Math.log(3));
  for (let i = 0; i < 30; i++) s.observe('A', 1);
  const quiet = s.observe('A', 1);
  assert.ok(quiet.bayesFactor < 0.6, `an expected outcome is not surprising: ${quiet.bayesFactor}`);
  const expected0 = s.predict('A')[0];
  const reversal = s.observe('A', 0);
  assert.ok(reversal.bayesFactor > 5 && reversal.adaptation > 0.4, JSON.stringify(reversal));
  assert.ok(s.predict('A')[0] > 2.5 * expected0, 'a surprising outcome partly restarts the belief');
  close(s.predict('B')[0], 0.5, 1e-12, 'contexts are separate');
  assert.throws(() => s.observe('A', 2), /surprise\.observe: expected an outcome in 0\.\.1, found 2/);
  assert.throws(
    () => new OutcomeSurprise({ outcomes: 2, changeProbability: 1 }),
    /changeProbability: expected a probability in \(0, 1\), found 1/,
  );
});

test('softmax policy at a temperature, and sampling from it', () => {
  const p = softmaxPolicy([1, 2, 0], 0.5);
  const z = Math.exp(2) + Math.exp(4) + 1;
  close(p[0], Math.exp(2) / z);
  close(p[1], Math.exp(4) / z);
  const big = softmaxPolicy([1000, 999], 1);
  close(big[0], 1 / (1 + Math.exp(-1)));
  const rng = new Rng(3);
  const counts = [0, 0, 0];
  for (let i = 0; i < 20000; i++) counts[sampleIndex(p, rng)]++;
  for (let a = 0; a < 3; a++) assert.ok(Math.abs(counts[a] / 20000 - p[a]) < 0.015, `${counts} vs ${p}`);
  assert.throws(() => softmaxPolicy([1], 0), /temperature: expected a positive number, found 0/);
});

test('per-layer learning rates: Adam with a layer scaled by plasticity_rate is Adam at lr x scale there', () => {
  const make = () => mlp([4], [3], 2, 0).init(new Rng(1));
  const model = make();
  const reference = make();
  const sys = new NeuromodulatorySystem({
    mapping: [{ modulator: 'acetylcholine', target: 'plasticity_rate', weight: 1, where: ['fc2'] }],
    modulators: { acetylcholine: { baseline: 1.5 } },
  });
  const names = model.layers.filter((l) => l.params().length > 0).map((l) => l.name);
  assert.deepEqual(names, ['fc1', 'fc2']);
  const opt = new Adam({ lr: 0.01 });
  modulateLearningRates(opt, model, sys);
  const optFc1 = new Adam({ lr: 0.01 });
  const optFc2 = new Adam({ lr: 0.025 });
  for (let step = 0; step < 3; step++) {
    for (const m of [model, reference])
      m.params().forEach((p, i) => p.grad.forEach((_, k) => (p.grad[k] = Math.sin(step + i + k))));
    opt.step(model.params());
    optFc1.step(reference.layers[1].params());
    optFc2.step(reference.layers[3].params());
  }
  model.params().forEach((p, i) => assert.deepEqual(p.value, reference.params()[i].value, p.name));
});

/** A plain current-based LIF cell (the Go/No-Go learner's). */
const LIF = DEFAULT_SPIKING_AGENT.lif;

test("spiking bridge: a rule's third factor is DA x plasticity rate each step; retention and gain act", () => {
  const net = new Network(1);
  const pre = net.poisson('cue', 20, 40, 7);
  const post = net.lif('actor', 5, LIF);
  const rule = new RewardModulatedStdp(
    { aPlus: 0.01, aMinus: 0.012, tauPlusMs: 20, tauMinusMs: 20, wMax: 10 },
    200,
    0.01,
  );
  net.connect(pre, post, {
    connector: { kind: 'all-to-all' },
    weight: 4,
    receptor: 'exc',
    seed: 2,
    plasticity: rule,
  });
  const sys = new NeuromodulatorySystem({
    mapping: [
      {
        modulator: 'noradrenaline',
        component: 'phasic',
        target: 'plasticity_rate',
        weight: 1,
        where: ['actor'],
      },
      {
        modulator: 'noradrenaline',
        component: 'phasic',
        target: 'eligibility_retention',
        sign: -1,
        weight: 0.5,
      },
      { modulator: 'noradrenaline', component: 'phasic', target: 'gain', weight: 1 },
    ],
    modulators: { noradrenaline: { tauPhasicMs: 20 } },
  });
  const rewardAt = 50;
  const surpriseAt = 80;
  connectNeuromodulation(net, sys, {
    signals: (tMs) => ({
      tdError: tMs === rewardAt ? 1 : undefined,
      surprise: tMs === surpriseAt ? 3 : undefined,
    }),
    sources: [
      {
        name: 'dopamine',
        modulator: 'dopamine',
        component: 'phasic',
        times: ['plasticity_rate'],
        where: 'actor',
      },
    ],
    retention: [{ rule }],
    gain: [{ group: post, pAPerUnitGain: 100 }],
  });
  const seen: { third: number; expected: number; trace: number; keep: number; input: number }[] = [];
  let before = 0;
  net.operation(() => (before = rule.traces.reduce((a, b) => a + Math.abs(b), 0)), {
    when: 'before-plasticity',
  });
  net.operation(
    () => {
      seen.push({
        third: rule.modulator,
        expected: sys.read('dopamine', 'phasic') * sys.target('plasticity_rate', 'actor'),
        trace: before,
        keep: sys.target('eligibility_retention'),
        input: post.inputPa[0],
      });
    },
    { when: 'after-plasticity' },
  );
  net.run(120);
  for (const s of seen) close(s.third, s.expected, 1e-12, 'third factor');
  assert.equal(seen[rewardAt - 1].third, 0);
  assert.ok(seen[rewardAt].third > 0.99 && seen[rewardAt].third <= 1, `DA burst ${seen[rewardAt].third}`);
  assert.ok(seen[surpriseAt + 1].third > seen[surpriseAt - 1].third * 1.5, 'NA raises the actor plasticity');
  close(seen[surpriseAt].keep, 1 - 0.5 * 2, 1e-12, 'NA burst of 2 halves... to 0 retention');
  assert.equal(seen[surpriseAt].trace, 0, 'the burst resets eligibility');
  close(seen[surpriseAt].input, 2 * 100, 1e-6, 'gain 3 gives (3 - 1) x 100 pA');
  assert.equal(seen[surpriseAt - 1].input, 0);
});

test('the Taylor rule reads its third factor from the system like reward-modulated STDP does', () => {
  const net = new Network(1);
  const pre = net.poisson('cue', 10, 50, 3);
  const post = net.lif('cells', 4, LIF);
  // dw = 0.5 e M per step: eligibility times the modulator.
  const rule = new TaylorRule({
    terms: [{ powers: [0, 0, 0, 0, 1, 1, 0], coefficient: 0.5 }],
    tauPreMs: 20,
    tauPostMs: 20,
    tauEligibilityMs: 200,
    wMax: 100,
    modulatorName: 'third',
  });
  const proj = net.connect(pre, post, {
    connector: { kind: 'all-to-all' },
    weight: 120,
    receptor: 'exc',
    seed: 4,
    plasticity: rule,
  });
  const sys = new NeuromodulatorySystem({
    mapping: [{ modulator: 'acetylcholine', target: 'plasticity_rate', weight: 1 }],
    modulators: { acetylcholine: { baseline: 1 } },
  });
  let td: number | undefined;
  connectNeuromodulation(net, sys, {
    signals: () => ({ tdError: td }),
    sources: [{ name: 'third', modulator: 'dopamine', component: 'phasic', times: ['plasticity_rate'] }],
  });
  const seen: [number, number][] = [];
  net.operation(
    () => seen.push([rule.modulator, sys.read('dopamine', 'phasic') * sys.target('plasticity_rate')]),
    {
      when: 'after-plasticity',
    },
  );
  net.run(100);
  const before = Float32Array.from(proj.weight);
  td = -1;
  net.run(1);
  td = undefined;
  net.run(50);
  for (const [got, expected] of seen) close(got, expected, 1e-12, 'third factor');
  assert.ok(
    seen.slice(101).every(([m]) => m < 0),
    'a dip of dopamine times plasticity rate 2',
  );
  close(seen[100][0], -2, 1e-12, 'the impulse: phasicGain 1 x delta -1 x plasticity rate 2');
  const moved = proj.weight.reduce((n, w, k) => n + (w < before[k] ? 1 : 0), 0);
  assert.ok(moved > 0, 'tagged synapses weaken under the dip');
  assert.ok(
    proj.weight.every((w, k) => w <= before[k]),
    'and none strengthens',
  );
});
