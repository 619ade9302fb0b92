import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  accuracyCurve,
  isCorrect,
  GO,
  NO_GO,
  GradientActorCritic,
  NeuromodulatorySystem,
  SpikingActorCritic,
  blockMetrics,
  conditionalActionEntropy,
  drawTrials,
  goNoGoMapping,
  goNoGoModulators,
  removedBy,
  ablationConditions,
  runGoNoGo,
  shiftKinds,
  standardTask,
  validateTask,
  type GoNoGoTaskSpec,
  type TrialRecord,
} from '../src/neuromod/index.js';
import { DEFAULT_MODULE_SWITCHING, OutcomeModules } from '../src/neuromod/gonogo/modules.js';
import { normalQuantile } from '../src/util/stats.js';
import { Rng } from '../src/util/rng.js';
import { runCli, tempDir, readReport } from './helpers.js';
import { summarizeGoNoGo } from '../src/experiments/kinds/go-nogo/run.js';
import type { GoNoGoCellSummary } from '../src/experiments/kinds/go-nogo/cell.js';
import type { GoNoGoConfig } from '../src/experiments/kinds/go-nogo/config.js';

test('normal quantile against tabulated values', () => {
  for (const [p, z] of [
    [0.5, 0],
    [0.975, 1.959963984540054],
    [0.1, -1.2815515655446004],
    [0.001, -3.090232306167813],
    [0.99999, 4.264890793922602],
  ])
    assert.ok(Math.abs(normalQuantile(p) - z) < 1e-8, `${p}: ${normalQuantile(p)} vs ${z}`);
});

test('tasks: shifts named, trials drawn per seed, bad cue sets refused naming the entry', () => {
  const task = standardTask(50);
  assert.deepEqual(shiftKinds(task), ['start', 'intra-dimensional', 'extra-dimensional', 'return']);
  const trials = drawTrials(task, new Rng(4));
  assert.equal(trials.length, 200);
  assert.deepEqual(drawTrials(task, new Rng(4)), trials);
  assert.ok(
    trials.every(
      (t) =>
        t.isGo ===
        (task.blocks[t.block].go.includes(t.visual) || task.blocks[t.block].go.includes(t.auditory)),
    ),
  );
  const bad: [Partial<GoNoGoTaskSpec>, RegExp][] = [
    [
      { cues: { visual: [], auditory: ['X'] } },
      /^task\.cues\.visual: expected a non-empty list of cue names, found \[\]$/,
    ],
    [
      { cues: { visual: ['A', 'B'], auditory: ['A', 'Y'] } },
      /^task\.cues\.auditory\[0\]: expected a cue name used once, found "A" again$/,
    ],
    [
      { blocks: [{ go: ['Q'], trials: 5 }] },
      /^task\.blocks\[0\]\.go\[0\]: expected one of the cues A, B, X, Y; found "Q"$/,
    ],
    [{ blocks: [{ go: [], trials: 5 }] }, /^task\.blocks\[0\]\.go: expected a non-empty list of Go cues/],
    [
      { blocks: [{ go: ['A', 'B'], trials: 5 }] },
      /^task\.blocks\[0\]\.go: expected at least one visual cue left for No-Go, found all of them Go$/,
    ],
    [{ rewardProbability: 1.5 }, /^task\.rewardProbability: expected a probability in \[0, 1\], found 1\.5$/],
  ];
  for (const [change, message] of bad)
    assert.throws(
      () => validateTask({ ...task, ...change } as GoNoGoTaskSpec),
      (e: Error) => message.test(e.message),
    );
});

test("block metrics: hit and false-alarm rates, d', trials to criterion and H(A|C), by hand", () => {
  const task: GoNoGoTaskSpec = { ...standardTask(10), blocks: [{ go: ['A'], trials: 24 }] };
  // 24 trials alternating AX (Go) and BX (No-Go); wrong on trials 1 and 2 (a false alarm, then a miss).
  const records: TrialRecord[] = Array.from({ length: 24 }, (_, t) => {
    const isGo = t % 2 === 0;
    const right = t !== 1 && t !== 2;
    return { block: 0, stimulus: isGo ? 'AX' : 'BX', isGo, action: right === isGo ? GO : NO_GO, outcome: 0 };
  });
  const [m] = blockMetrics(records, task, { window: 10, accuracy: 0.8 });
  assert.equal(m.hitRate, 11 / 12);
  assert.equal(m.falseAlarmRate, 1 / 12);
  assert.ok(Math.abs(m.dPrime - (normalQuantile(11.5 / 13) - normalQuantile(1.5 / 13))) < 1e-12);
  assert.equal(m.accuracy, 22 / 24);
  // The first 10 trials hold 8 right.
  assert.equal(m.trialsToCriterion, 10);
  assert.equal(blockMetrics(records, task, { window: 10, accuracy: 0.95 })[0].trialsToCriterion, 13);
  const h = conditionalActionEntropy(records, 4);
  // Trials 0-3: AX got Go then No-Go, BX Go then No-Go: 1 bit.
  assert.equal(h[3], 1);
  // Trials 2-5: AX No-Go then Go (1 bit, half the window), BX No-Go twice: 0.5.
  assert.equal(h[5], 0.5);
  assert.equal(h[7], 0);
  // Fewer trials than the window: the first three (AX twice, BX once).
  assert.equal(h[2], 2 / 3);
  // The learning curve: correct over the last 10 trials of the block, fewer at its start; it first reaches the
  // criterion's 80% at the trial the criterion names.
  const curve = accuracyCurve(
    records.map((r) => (isCorrect(r) ? 1 : 0)),
    [0],
    10,
  );
  assert.deepEqual(Array.from(curve.slice(0, 4)), [1, 1 / 2, 1 / 3, 2 / 4]);
  assert.equal(curve[9], 0.8);
  assert.equal(curve[12], 1);
  const firstAt = (threshold: number) => curve.findIndex((a, t) => t >= 9 && a >= threshold) + 1;
  assert.equal(firstAt(0.8), m.trialsToCriterion);
  assert.equal(firstAt(0.95), 13);
  // A new block starts its window afresh.
  assert.deepEqual(Array.from(accuracyCurve([1, 1, 0, 1, 0, 0], [0, 3], 2)), [1, 1, 0.5, 1, 0.5, 0]);
});

test('conditions remove the modulators they name, and the ablation lists every single and paired removal', () => {
  assert.deepEqual(removedBy('da').sort(), ['acetylcholine', 'noradrenaline', 'serotonin']);
  assert.deepEqual(removedBy('da_na').sort(), ['acetylcholine', 'serotonin']);
  assert.deepEqual(removedBy('without_na_5ht'), ['noradrenaline', 'serotonin']);
  assert.deepEqual(removedBy('all'), []);
  assert.equal(ablationConditions().length, 1 + 4 + 6);
  assert.throws(
    () => removedBy('without_na_na'),
    (e: Error) => /^condition: expected all, da, da_na, without_X or without_X_Y/.test(e.message),
  );
  assert.throws(
    () => removedBy('only_da', 'conditions[2]'),
    (e: Error) => /^conditions\[2\]: .*found "only_da"$/.test(e.message),
  );
});

const system = (condition: string) =>
  new NeuromodulatorySystem({
    mapping: goNoGoMapping(),
    modulators: goNoGoModulators(),
    removed: removedBy(condition),
  });

test('gradient learner: learns the first rule with dopamine, not without; the same seed gives the same run', () => {
  const task = { ...standardTask(120), blocks: [{ go: ['A'], trials: 120 }] };
  const run = (condition: string, seed: number) =>
    runGoNoGo({
      task,
      agent: (sys, s) => new GradientActorCritic(task, sys, s),
      neuromodulation: {
        mapping: goNoGoMapping(),
        modulators: goNoGoModulators(),
        removed: removedBy(condition),
      },
      seed,
      changeProbability: 0.005,
    });
  const withDa = run('da', 3);
  assert.ok(
    withDa.blocks[0].trialsToCriterion !== null && withDa.blocks[0].dPrime > 1.5,
    JSON.stringify(withDa.blocks[0]),
  );
  assert.deepEqual(run('da', 3).records, withDa.records);
  // Without dopamine nothing carries the TD error: the policy stays where it started.
  const agent = new GradientActorCritic(task, system('without_da'), 1);
  const trial = drawTrials(task, new Rng(1))[0];
  const before = (agent.act(trial), Array.from(agent.lastPolicy));
  for (let i = 0; i < 20; i++) {
    agent.act(trial);
    agent.learn({ tdError: 1, reward: 1 });
  }
  agent.act(trial);
  assert.deepEqual(Array.from(agent.lastPolicy), before);
});

test('spiking learner: the group firing more is the action, and dopamine teaches it a rewarded cue', () => {
  const task = { ...standardTask(40), blocks: [{ go: ['A'], trials: 40 }] };
  const agent = new SpikingActorCritic(task, system('da'), 2);
  const trials = drawTrials(task, new Rng(2));
  for (const t of trials.slice(0, 5)) {
    const { action, value } = agent.act(t);
    const c = agent.lastCounts;
    assert.equal(action, c.go > c.noGo ? GO : NO_GO);
    assert.ok(value >= -1 && value <= 1);
    agent.learn({});
  }
  // Reward Go on A, punish Go otherwise, with dopamine as the TD error: P(Go | A) rises above P(Go | B).
  const r = runGoNoGo({
    task: { ...task, blocks: [{ go: ['A'], trials: 80 }] },
    agent: (sys, s) => new SpikingActorCritic(task, sys, s),
    neuromodulation: { mapping: goNoGoMapping(), modulators: goNoGoModulators(), removed: removedBy('da') },
    seed: 2,
    changeProbability: 0.005,
  });
  const late = r.records.slice(40);
  const goRate = (go: boolean) => {
    const xs = late.filter((x) => x.isGo === go);
    return xs.filter((x) => x.action === GO).length / xs.length;
  };
  assert.ok(
    goRate(true) > goRate(false) + 0.3,
    `P(Go | Go cue) ${goRate(true)} vs P(Go | No-Go cue) ${goRate(false)}`,
  );
});

const EXPERIMENT = `
name: tiny-go-nogo
seed: 0
task:
  kind: go-nogo
  cues: { visual: [A, B], auditory: [X, Y] }
  blocks: [{ go: [A], trials: 30 }, { go: [B], trials: 30 }]
  rewardProbability: 0.9
  punishmentProbability: 0.9
learners: [spiking, gradient]
conditions: [da, da_na]
seeds: [0, 1]
changeProbability: 0.005
`;

test('a Go/No-Go grid writes the summary contract and resumes a lost cell to the same numbers', async () => {
  const dir = tempDir();
  const exp = join(dir, 'go-nogo.yaml');
  writeFileSync(exp, EXPERIMENT);
  const out = join(dir, 'run');
  const r = await runCli(['run', exp, '--out', out, '--quiet', '--jobs', '2'], {}, { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(s.kind, 'go-nogo');
  assert.deepEqual(s.shifts, [{ block: 1, kind: 'intra-dimensional' }]);
  for (const key of ['trials_to_criterion', 'readapted_fraction', 'lucky_fraction', 'entropy_rise']) {
    assert.deepEqual(Object.keys(s[key]), ['da', 'da_na'], key);
    assert.equal(s[key].da.length, 1, key);
  }
  assert.equal(s.false_alarm_rate.da.length, 2);
  assert.equal(s.entropy_curve.da_na.length, 60);
  // The learning curves: per trial, and at each shift split into the seeds re-adapting within luckyWithin or not.
  assert.equal(s.accuracy_curve.da.length, 60);
  assert.ok(s.accuracy_curve.da.every((a: number) => a >= 0 && a <= 1));
  const [luck] = s.lucky_curves.da;
  assert.equal(luck.block, 1);
  assert.equal(luck.lucky_seeds + luck.other_seeds, 2);
  // From the criterion's window (20 trials) before the shift at trial 30 to the block's end.
  assert.equal(luck.from, 10);
  assert.equal((luck.lucky ?? luck.others).length, 50);
  // Weighted by their seeds, the lucky and other curves make the condition's curve over the same trials.
  const all = s.accuracy_curve.da;
  for (let t = 0; t < 50; t++) {
    const sum = (luck.lucky?.[t] ?? 0) * luck.lucky_seeds + (luck.others?.[t] ?? 0) * luck.other_seeds;
    assert.ok(Math.abs(sum / 2 - all[10 + t]) < 1e-3, `trial ${10 + t}`);
  }
  assert.deepEqual(Object.keys(s.by_learner), ['spiking', 'gradient']);
  assert.deepEqual(s.trials_to_criterion, s.by_learner.spiking.trials_to_criterion);
  assert.deepEqual(s.runs, { done: 8, total: 8 });
  const report = readReport(join(out, 'report.html'));
  assert.match(report, /Trials to criterion after each shift/);
  assert.match(report, /gradient learner/);
  assert.match(report, /fraction correct over the last 20 trials of the block/);
  assert.match(report, /block 1 \(intra-dimensional\); lucky: criterion within/);
  // Every modulator's level per trial, a removed one reading 0 (the dashboard draws these).
  const da = JSON.parse(readFileSync(join(out, 'cells', 'gradient-da-s0.json'), 'utf8'));
  const trials = da.entropy.length;
  assert.deepEqual(Object.keys(da.levels).sort(), [
    'acetylcholine',
    'dopamine',
    'noradrenaline',
    'serotonin',
  ]);
  for (const name of ['acetylcholine', 'noradrenaline', 'serotonin'])
    assert.ok(da.levels[name].length === trials && da.levels[name].every((v: number) => v === 0), name);
  assert.ok(da.levels.dopamine.some((v: number) => v !== 0));
  const daNa = JSON.parse(readFileSync(join(out, 'cells', 'spiking-da_na-s0.json'), 'utf8'));
  assert.deepEqual(daNa.levels.noradrenaline, daNa.noradrenaline);
  assert.ok(daNa.levels.noradrenaline.some((v: number) => v > 0));
  assert.equal(daNa.plasticityRate.length, trials);
  const cell = join(out, 'cells', 'spiking-da_na-s1.json');
  const before = JSON.parse(readFileSync(cell, 'utf8'));
  rmSync(cell);
  const status = join(out, 'run.json');
  writeFileSync(status, readFileSync(status, 'utf8').replace('"completed"', '"running"'));
  assert.equal(
    (await runCli(['run', '--resume', out, '--quiet', '--jobs', '1'], {}, { timeoutMs: 300_000 })).code,
    0,
  );
  assert.deepEqual(JSON.parse(readFileSync(cell, 'utf8')).blocks, before.blocks);
  assert.deepEqual(
    JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).trials_to_criterion,
    s.trials_to_criterion,
  );
});

test('bad Go/No-Go files are refused before any work, naming the entry', async () => {
  const dir = tempDir();
  const cases: [string, string, RegExp][] = [
    [
      'cues: { visual: [A, B], auditory: [X, Y] }',
      'cues: { visual: [A, B], auditory: [B, Y] }',
      /task\.cues\.auditory\.0: expected a cue name used once, found "B" again/,
    ],
    [
      'cues: { visual: [A, B], auditory: [X, Y] }',
      'cues: { visual: [], auditory: [X, Y] }',
      /task\.cues\.visual: expected a non-empty list of cue names/,
    ],
    ['conditions: [da, da_na]', 'conditions: [da, dopamine_only]', /conditions\.1: expected all, da, da_na/],
    [
      'changeProbability: 0.005',
      'changeProbability: 0.005\nmodulators: { noradrenaline: { tauPhasicMs: -1 } }',
      /modulators\.noradrenaline\.tauPhasicMs: expected a time constant in \(0, 1000000000\] ms, found -1/,
    ],
    [
      'changeProbability: 0.005',
      'changeProbability: 0.005\nmapping: [{ modulator: dopamine, target: mood, weight: 1 }]',
      /mapping\.0\.target: expected one of .*found "mood"/,
    ],
    [
      'changeProbability: 0.005',
      'changeProbability: 0.005\nagents: { spiking: { etaActr: 1 } }',
      /agents\.spiking\.etaActr: expected one of neuronsPerCue/,
    ],
    [
      'changeProbability: 0.005',
      'changeProbability: 0.005\nagents: { gradient: { modules: 0 } }',
      /agents\.gradient\.modules: expected an integer in \[1, 1000\], found 0/,
    ],
    [
      'changeProbability: 0.005',
      'changeProbability: 0.005\nquick: { seeds: [0], trialsPerBlock: 10, conditions: [da, calm] }',
      /quick\.conditions\.1: expected all, da, da_na/,
    ],
  ];
  for (const [from, to, message] of cases) {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, EXPERIMENT.replace(from, to));
    const r = await runCli(['run', file, '--out', join(dir, 'never')]);
    assert.equal(r.code, 1, to);
    assert.match(r.stderr, message, to);
    assert.match(r.stderr, /bad\.yaml/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('retention counts only the seeds that learned the rules in between (not learning them is not remembering)', () => {
  const task = standardTask(50);
  const cfg = {
    name: 'r',
    task: { ...task, kind: 'go-nogo' },
    learners: ['gradient'],
    conditions: ['da'],
    seeds: [0, 1],
    criterion: { window: 20, accuracy: 0.8 },
    luckyWithin: 30,
  } as unknown as GoNoGoConfig;
  const cell = (seed: number, ttc: (number | null)[]): GoNoGoCellSummary => ({
    kind: 'go-nogo-cell',
    learner: 'gradient',
    condition: 'da',
    seed,
    blocks: ttc.map((t, block) => ({
      block,
      shift: 'start',
      trials: 50,
      accuracy: 0.5,
      hitRate: 0.5,
      falseAlarmRate: 0.5,
      dPrime: 0,
      trialsToCriterion: t,
    })),
    entropy: new Array(200).fill(0),
    noradrenaline: new Array(200).fill(0),
    temperature: new Array(200).fill(1),
    seconds: 0,
  });
  // Seed 0 learns every rule; seed 1 never learns B (it perseverates), and "remembers" A at once.
  const cells = new Map([
    ['gradient-da-s0', cell(0, [30, 40, 45, 35])],
    ['gradient-da-s1', cell(1, [25, null, 48, 20])],
  ]);
  const s = summarizeGoNoGo(cfg, cells);
  assert.deepEqual(s.retention.da, [{ block: 3, firstBlock: 0, trialsFirst: 30, trialsReturn: 35, n: 1 }]);
  assert.deepEqual(s.trials_to_criterion.da, [45, 46.5, 27.5]);
  assert.deepEqual(s.readapted_fraction.da, [0.5, 1, 1]);
  assert.deepEqual(s.lucky_fraction.da, [0, 0, 0.5]);
  // Learning curves only when every cell records its trials (else they would cover other seeds than the rest).
  assert.equal(s.accuracy_curve.da, undefined);
  const right = new Array(200).fill(1);
  cells.set('gradient-da-s0', { ...cells.get('gradient-da-s0')!, correct: right });
  assert.equal(summarizeGoNoGo(cfg, cells).accuracy_curve.da, undefined);
  cells.set('gradient-da-s1', { ...cells.get('gradient-da-s1')!, correct: right });
  const both = summarizeGoNoGo(cfg, cells);
  assert.equal(both.accuracy_curve.da.length, 200);
  assert.ok(both.accuracy_curve.da.every((a) => a === 1));
});

test('gradient learner with modules: a noradrenaline burst switches module, and a returning rule finds its own again', () => {
  const task = standardTask(200);
  const ends = (condition: string, seed: number) => {
    const at: number[] = [];
    runGoNoGo({
      task,
      agent: (sys, s) => new GradientActorCritic(task, sys, s, { modules: 4 }),
      neuromodulation: {
        mapping: goNoGoMapping(),
        modulators: goNoGoModulators(),
        removed: removedBy(condition),
      },
      seed,
      changeProbability: 0.005,
      afterTrial(trial, agent) {
        if ((trial.index + 1) % 200 === 0) at.push((agent as GradientActorCritic).activeModule);
      },
    });
    return at;
  };
  const seeds = Array.from({ length: 20 }, (_, s) => s);
  // Without noradrenaline nothing switches.
  assert.ok(seeds.slice(0, 5).every((s) => ends('da', s).every((m) => m === 0)));
  const withNa = seeds.map((s) => ends('all', s));
  assert.ok(
    withNa.every((e) => e.some((m) => m > 0)),
    'bursts switch modules',
  );
  const back = withNa.filter((e) => e[3] === e[0]).length;
  assert.ok(back >= 5, `the first rule's module is active again on its return in ${back} of 20 seeds`);
  assert.throws(
    () => new GradientActorCritic(task, system('all'), 0, { modules: 0 }),
    (e: Error) => /^agent\.modules: expected an integer in \[1, 1000\], found 0$/.test(e.message),
  );
});

test('module switching: a burst leaves a module that mispredicts, for one that fits or a new one, never during the refractory', () => {
  // Two cues, two actions; rule 1 rewards Go (action 1) on cue 0, rule 2 on cue 1; No-Go gives 0.
  const cue = [Uint8Array.of(1, 0), Uint8Array.of(0, 1)];
  const outcome = (rule: number, c: number, action: number) => (action === 0 ? 0 : c === rule ? 1 : -1);
  const m = new OutcomeModules({ ...DEFAULT_MODULE_SWITCHING, modules: 3, switchRefractory: 10 }, 2, 2);
  const trial = (rule: number, t: number, burst = false) =>
    m.observe(cue[t % 2], 1, outcome(rule, t % 2, 1), burst);
  // Early bursts do nothing: the first module is still in its refractory trials.
  for (let t = 0; t < 9; t++) assert.equal(trial(0, t, true), 'stayed');
  for (let t = 9; t < 40; t++) trial(0, t);
  // A burst while the module still predicts well keeps it.
  assert.equal(trial(0, 40, true), 'stayed');
  assert.equal(m.active, 0);
  // The rule changes: a burst at the first mispredicted trial creates a module.
  assert.equal(trial(1, 41, true), 'created');
  assert.equal(m.active, 1);
  assert.equal(m.used, 2);
  for (let t = 42; t < 80; t++) trial(1, t);
  // The first rule returns: a burst finds module 0, which fits the recent trials.
  for (let t = 80; t < 88; t++) trial(0, t);
  assert.equal(trial(0, 88, true), 'returned');
  assert.equal(m.active, 0);
  assert.ok(
    m.expected(0, cue[0], 1) > 0.8 && m.expected(0, cue[1], 1) < -0.5,
    'module 0 kept the first rule',
  );
  assert.throws(
    () => new OutcomeModules({ ...DEFAULT_MODULE_SWITCHING, switchRefractory: -1 }, 2, 2),
    /agent\.switchRefractory: expected an integer in \[0, 1000000\], found -1/,
  );
  assert.throws(
    () => new OutcomeModules({ ...DEFAULT_MODULE_SWITCHING, switchFit: 0 }, 2, 2),
    /agent\.switchFit: expected a positive number, found 0/,
  );
});

test("spiking learner with modules: only the active module's cue pools fire, and a burst switches them", () => {
  const task = standardTask(60);
  let seen = 0;
  const switched = new Set<number>();
  runGoNoGo({
    task,
    agent: (sys, s) => new SpikingActorCritic(task, sys, s, { modules: 3 }),
    neuromodulation: { mapping: goNoGoMapping(), modulators: goNoGoModulators() },
    seed: 2,
    changeProbability: 0.05,
    afterTrial(trial, agent) {
      const a = agent as SpikingActorCritic;
      switched.add(a.activeModule);
      if (trial.index % 20 !== 0) return;
      // Between trials every pool of the active module is at its off rate, every other module's silent.
      const rates = (a.net.groups.find((g) => g.name === 'cues') as unknown as { rateHz: Float32Array })
        .rateHz;
      const pool = rates.length / 3;
      rates.forEach((r, i) => {
        const active = Math.floor(i / pool) === a.activeModule;
        assert.equal(r, active ? a.params.cueOffRateHz : 0);
      });
      seen++;
    },
  });
  assert.ok(seen > 0);
  assert.ok(switched.size > 1, `modules used: ${[...switched].join(', ')}`);
});
