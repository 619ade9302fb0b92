import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, readReport } from './helpers.js';
import { loadDataset } from '../src/data/index.js';
import {
  ContinualLearner,
  createStrategy,
  splitBenchmark,
  splitContexts,
  continualMetrics,
  type ContinualStrategy,
  type Scenario,
} from '../src/continual/index.js';
import '../src/neuromod/index.js';
import { matchSwitches } from '../src/experiments/kinds/continual/cell.js';

test('detected context changes matched to the true ones: delays, misses and false detections by hand', () => {
  // True changes at 100, 200, 300; detections at 40 (false), 103, 110 (second for the same change: false), 305.
  const m = matchSwitches([40, 103, 110, 305], 4, 100);
  assert.deepEqual(m.delays, [3, null, 5]);
  assert.equal(m.falseDetections, 2);
  assert.deepEqual(matchSwitches([], 3, 50), { detectedAt: [], delays: [null, null], falseDetections: 0 });
});

/**
 * A learner whose strategy hooks see a view that throws on reading which context is trained or how far into it:
 * a task-free method must do without.
 */
function blindfolded(learner: ContinualLearner, strategy: ContinualStrategy): ContinualStrategy {
  const view = new Proxy(learner, {
    get(target, key) {
      if (key === 'context' || key === 'step') throw new Error(`the strategy read learner.${String(key)}`);
      const v = Reflect.get(target, key);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const hooks = Object.fromEntries(
    Object.entries(strategy).map(([k, v]) => [
      k,
      typeof v === 'function' ? (_l: unknown, ...rest: unknown[]) => v.call(strategy, view, ...rest) : v,
    ]),
  );
  return hooks as unknown as ContinualStrategy;
}

test('the blindfold catches a method that reads the context (generative replay, told the boundaries)', async () => {
  const ds = await loadDataset('mnist');
  const benchmark = splitBenchmark(ds, splitContexts(10, 2, 1));
  const strategy = createStrategy('generative_replay', { hidden: [16], latent: 4 }, 'class');
  const learner = new ContinualLearner(
    benchmark,
    {
      scenario: 'class',
      hidden: [16],
      lr: 1e-3,
      iterationsPerContext: 2,
      batchSize: 8,
      seed: 2,
      evalSamples: 20,
    },
    strategy,
  );
  learner.strategy = blindfolded(learner, strategy);
  assert.throws(() => learner.run(), /the strategy read learner\.context/);
});

for (const scenario of ['class', 'domain', 'task'] as Scenario[])
  test(`the task-free method finds Split MNIST's context changes itself (${scenario}-IL), never reading the context`, async () => {
    const ds = await loadDataset('mnist');
    const benchmark = splitBenchmark(ds, splitContexts(10, 2, 1));
    const strategy = createStrategy(
      'neuromodulated',
      { hidden: [64], latent: 16, refractory: 100, window: 30, snapshotEvery: 25 },
      scenario,
    ) as ContinualStrategy & { detectedAt: number[] };
    assert.equal(strategy.beforeContext, undefined, 'no context hook');
    assert.equal(strategy.afterContext, undefined, 'no context hook');
    const iterations = 150;
    const learner = new ContinualLearner(
      benchmark,
      {
        scenario,
        hidden: [64],
        lr: 1e-3,
        iterationsPerContext: iterations,
        batchSize: 64,
        seed: 2,
        evalSamples: 300,
      },
      strategy,
    );
    learner.strategy = blindfolded(learner, strategy);
    const r = learner.run();
    const m = matchSwitches(strategy.detectedAt, 5, iterations);
    assert.equal(m.falseDetections, 0, JSON.stringify(m));
    assert.ok(
      m.delays.every((d) => d !== null && d < 20),
      JSON.stringify(m),
    );
    if (scenario === 'class') {
      const acc = continualMetrics(r.accuracy, r.randomInit).acc;
      assert.ok(acc > 0.5, `class-IL ACC ${acc}: replay keeps earlier classes (fine-tuning is near 0.2)`);
    }
  });

test('a new head learned within the first surprising batches is still a change (task-IL, a wider network)', async () => {
  // With 256 hidden units a new context's head is learned in two or three steps: scored live, the third batch is
  // no longer surprising and the change at step 1,200 was missed; the run is scored by the network as it began.
  const ds = await loadDataset('mnist');
  const benchmark = splitBenchmark(ds, splitContexts(10, 2, 1));
  const strategy = createStrategy(
    'neuromodulated',
    { hidden: [64], latent: 16, refractory: 100, window: 30, snapshotEvery: 25 },
    'task',
  ) as ContinualStrategy & { detectedAt: number[] };
  const iterations = 300;
  const learner = new ContinualLearner(
    benchmark,
    {
      scenario: 'task',
      hidden: [256],
      lr: 1e-3,
      iterationsPerContext: iterations,
      batchSize: 128,
      seed: 1,
      evalSamples: 100,
    },
    strategy,
  );
  learner.run();
  const m = matchSwitches(strategy.detectedAt, 5, iterations);
  assert.equal(m.falseDetections, 0, JSON.stringify(m));
  assert.deepEqual(m.delays, [2, 2, 2, 2], JSON.stringify(m));
});

test('a run of surprising batches held back by the refractory period is scored by the live network again', async () => {
  // Contexts of 60 steps against a refractory period of 200: the changes after the first detection come inside it.
  // The copy taken at a run's first batch scores only its next `consecutive` - 1 batches; a held-back run is scored
  // by the live network, which learns the new context, as it was before runs were scored by a copy.
  const ds = await loadDataset('mnist');
  const benchmark = splitBenchmark(ds, splitContexts(10, 2, 1));
  const strategy = createStrategy(
    'neuromodulated',
    { hidden: [32], latent: 8, refractory: 200, window: 20, snapshotEvery: 10, consecutive: 3 },
    'task',
  ) as ContinualStrategy & { detectedAt: number[] };
  const learner = new ContinualLearner(
    benchmark,
    {
      scenario: 'task',
      hidden: [64],
      lr: 1e-3,
      iterationsPerContext: 60,
      batchSize: 64,
      seed: 1,
      evalSamples: 50,
    },
    strategy,
  );
  // Per step, whether sampleBatch scored the batch with a network other than the live one.
  const byCopy: boolean[] = [];
  const logits = learner.logits.bind(learner);
  let sampling = false;
  learner.logits = (x, rows, model = learner.model) => {
    if (sampling && model !== learner.model) byCopy[byCopy.length - 1] = true;
    return logits(x, rows, model);
  };
  const sample = strategy.sampleBatch!.bind(strategy);
  strategy.sampleBatch = (l) => {
    byCopy.push(false);
    sampling = true;
    try {
      return sample(l);
    } finally {
      sampling = false;
    }
  };
  learner.run();
  let longest = 0;
  for (let t = 0, n = 0; t < byCopy.length; t++) longest = Math.max(longest, (n = byCopy[t] ? n + 1 : 0));
  assert.ok(byCopy.some(Boolean), 'some run was scored by the copy');
  assert.ok(longest <= 2, `steps in a row scored by the copy: ${longest} (at most consecutive - 1 = 2)`);
  assert.ok(
    strategy.detectedAt.length >= 1 && strategy.detectedAt.length < 4,
    strategy.detectedAt.join(', '),
  );
});

test('a continual grid with the task-free method reports switch_detection next to the baselines', async () => {
  const dir = tempDir();
  const exp = join(dir, 'grid.yaml');
  writeFileSync(
    exp,
    `name: task-free
seed: 0
task: { kind: continual, benchmark: split, dataset: mnist }
protocol: { hidden: [32], lr: 0.001, iterationsPerContext: 120, batchSize: 32, evalSamples: 100 }
scenarios: [class]
seeds: [0]
methods:
  finetune: {}
  neuromodulated: { hidden: [32], latent: 8, window: 20, refractory: 60, snapshotEvery: 20 }
`,
  );
  const out = join(dir, 'run');
  const r = await runCli(['run', exp, '--out', out, '--jobs', '1'], {}, { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const d = s.switch_detection.class_il;
  assert.deepEqual(Object.keys(d), ['neuromodulated'], 'only a method that finds changes itself');
  assert.equal(d.neuromodulated.n, 1);
  assert.equal(d.neuromodulated.missed, 0);
  assert.ok(d.neuromodulated.delay_mean >= 0 && d.neuromodulated.delay_mean < 20, JSON.stringify(d));
  assert.equal(typeof d.neuromodulated.false_detections, 'number');
  assert.match(r.stdout, /neuromodulated class_il: context changes found by itself/);
  assert.match(readReport(join(out, 'report.html')), /Context changes found without being told/);

  // The cell records its neuromodulation step by step for the dashboard, the true and detected changes beside it.
  const cell = JSON.parse(readFileSync(join(out, 'cells', 'neuromodulated-class-s0.json'), 'utf8'));
  const m = cell.modulators;
  assert.deepEqual(m.contextStarts, [0, 120, 240, 360, 480]);
  assert.deepEqual(m.detectedAt, cell.switchDetection.detectedAt);
  assert.equal(m.every, 1);
  assert.equal(m.steps, 600);
  assert.deepEqual(Object.keys(m.values), ['surprise', 'noradrenaline', 'plasticity_rate', 'replay_share']);
  for (const v of Object.values(m.values) as number[][]) assert.equal(v.length, 600);
  for (const d of m.detectedAt as number[]) {
    const na = m.values.noradrenaline as number[];
    const after = Math.max(...na.slice(d, d + 10));
    const before = Math.max(...na.slice(d - 30, d - 10));
    assert.ok(
      after > 2 * before && after > 0.1,
      `noradrenaline ${before} before, ${after} after the change at ${d}`,
    );
  }
  assert.equal(m.values.replay_share[m.detectedAt[0] - 1], 0, 'no replay before the first change');
  assert.ok(m.values.replay_share[599] > 0, 'replay after it');
  assert.equal(
    JSON.parse(readFileSync(join(out, 'cells', 'finetune-class-s0.json'), 'utf8')).modulators,
    undefined,
    'a method told the contexts has no trace',
  );

  // neuroplast plot draws it as the dashboard does: the changes marked, the detections beside them.
  const list = await runCli(['plot', 'neuromodulators', out, '--list']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(
    list.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t')[0]),
    ['modulators-neuromodulated-class-s0', 'targets-neuromodulated-class-s0'],
  );
  const svg = join(dir, 'modulators.svg');
  const p = await runCli([
    'plot',
    out,
    'neuromodulators',
    '--figure',
    'modulators-neuromodulated-class-s0',
    '--out',
    svg,
  ]);
  assert.equal(p.code, 0, p.stderr);
  const text = readFileSync(svg, 'utf8');
  assert.match(text, /^<svg /);
  for (const label of ['context 2', 'context 5', 'detected', 'surprise', 'noradrenaline', 'step'])
    assert.ok(text.includes(label), label);
});

test('consolidation strength: a noradrenaline burst relaxes the replayed share after a change, then it returns', async () => {
  const ds = await loadDataset('mnist');
  const benchmark = splitBenchmark(ds, splitContexts(10, 2, 1));
  const shares = async (burstConsolidation: number) => {
    const strategy = createStrategy(
      'neuromodulated',
      { hidden: [32], latent: 8, refractory: 100, window: 30, snapshotEvery: 25, burstConsolidation },
      'class',
    ) as ContinualStrategy & { detectedAt: number[]; lastShare: number };
    const seen: number[] = [];
    const afterStep = strategy.afterStep!.bind(strategy);
    strategy.afterStep = (l) => {
      afterStep(l);
      seen.push(strategy.lastShare);
    };
    new ContinualLearner(
      benchmark,
      {
        scenario: 'class',
        hidden: [32],
        lr: 1e-3,
        iterationsPerContext: 300,
        batchSize: 32,
        seed: 2,
        evalSamples: 50,
      },
      strategy,
    ).run();
    return { seen, first: strategy.detectedAt[0] };
  };
  const plain = await shares(0);
  assert.ok(plain.first >= 300 && plain.first < 320, `first change found at ${plain.first}`);
  assert.ok(
    plain.seen.slice(0, plain.first).every((s) => s === 0),
    'nothing replayed before a change',
  );
  assert.ok(
    plain.seen.slice(plain.first + 1, 600).every((s) => s === 0.5),
    'd/(d+1) after one change',
  );
  const relaxed = await shares(1);
  assert.equal(relaxed.first, plain.first);
  const after = relaxed.seen.slice(relaxed.first + 1, 600);
  assert.ok(after[0] < 0.4, `relaxed right after the change: ${after[0]}`);
  assert.ok(after.at(-1)! > after[0] && after.at(-1)! <= 0.5, `and back toward 1/2: ${after.at(-1)}`);
});
