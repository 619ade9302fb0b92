import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConstantModulator } from '../src/spiking/index.js';
import { buildV1Network } from '../src/cortex/index.js';
import {
  clusterRules,
  evaluateV1Rule,
  paperBestRule,
  runChangeDetection,
  v1RuleGenome,
  v1RuleProblem,
  CLASS_NAMES,
  CHANGE_DETECTION_DEFAULTS,
} from '../src/discovery/index.js';
import { v1RulesSchema } from '../src/experiments/kinds/v1-rules/config.js';
import { termName } from '../src/evolution/index.js';
import { REPO_ROOT, runCli, tempDir, testNeeding } from './helpers.js';
import { test } from 'node:test';

/** A small column (600 neurons) with its LGN, the study's defaults otherwise, and short trials. */
function smallProblem(task: Record<string, unknown> = {}) {
  const cfg = v1RulesSchema.parse({ name: 't', seed: 1, task: { kind: 'v1-rules' } });
  return v1RuleProblem({
    neurons: 600,
    setup: cfg,
    readoutNeurons: 10,
    gratingOrientationsDeg: [0, 45, 90],
    naturalImages: [0, 1, 2],
    task: {
      imageMs: 50,
      grayMs: 100,
      responseWindowMs: 75,
      plasticTrials: 6,
      evalTrials: 8,
      blockTrials: 4,
      ...task,
    },
  });
}

/** The network's reward modulator, behind a setter that records every value the task sets. */
function recording(m: ConstantModulator) {
  const set: number[] = [];
  return {
    set,
    get value() {
      return m.value;
    },
    set value(x: number) {
      if (x !== 0) set.push(x);
      m.value = x;
    },
  };
}

testNeeding(
  ['v1-tables', 'shared-datasets'],
  'change detection: scoring, unscored first images, reward-prediction-error pulses',
  async () => {
    const problem = smallProblem();
    const p = await problem.prepared();
    const o = problem.options.task;
    let reward: ReturnType<typeof recording> | null = null;
    const run = (thresholdHz: number, seed: number, withReward = false) => {
      const v = buildV1Network({ ...p.model, seed: 5 });
      reward = withReward ? recording(v.net.modulator('reward', 0)) : null;
      return runChangeDetection(v, p.domains, p.gray, p.pool, reward, { ...o, thresholdHz }, seed);
    };
    // Always "change" and never "change" score the change and no-change trials of the same sequence.
    const always = run(-1, 3);
    const never = run(1e6, 3);
    assert.equal(always.trials.length, o.plasticTrials + 2 * o.evalTrials);
    for (const d of ['gratings', 'natural']) {
      const evalTrials = always.trials.filter((t) => t.phase === 'eval' && t.domain === d);
      assert.equal(evalTrials.length, o.evalTrials);
      const changes = evalTrials.filter((t) => t.change).length;
      assert.ok(Math.abs(always.accuracy[d] - changes / o.evalTrials) < 1e-12);
      assert.ok(Math.abs(always.accuracy[d] + never.accuracy[d] - 1) < 1e-12);
    }
    assert.deepEqual(
      always.trials.map((t) => t.change),
      never.trials.map((t) => t.change),
      'the sequence follows the seed alone',
    );
    assert.notDeepEqual(
      run(-1, 4).trials.map((t) => t.change),
      always.trials.map((t) => t.change),
    );
    // Rewards: one pulse per plastic trial (none while frozen), reward minus the mean of the previous ones.
    const r = run(1e6, 3, true);
    const plastic = r.trials.filter((t) => t.phase === 'plastic');
    let history: number[] = [];
    const expected = plastic.map((t) => {
      const got = t.reported === t.change ? 1 : 0;
      const mean = history.length ? history.reduce((a, b) => a + b, 0) / history.length : 0.5;
      history = [...history, got].slice(-o.rewardHistory);
      return got - mean;
    });
    assert.deepEqual(
      reward!.set,
      expected.filter((x) => x !== 0),
    );
    assert.ok(r.synchrony > 0 && Number.isFinite(r.synchrony));
    assert.equal(r.neuronRatesHz.image.length, 17);
    assert.ok(r.classRatesHz.every((x) => x >= 0 && x < 200));
  },
);

testNeeding(
  ['v1-tables', 'shared-datasets'],
  'an evaluation: six finite objectives, the same for the same seed; a runaway is scored as such',
  async () => {
    const problem = smallProblem();
    const p = await problem.prepared();
    const genome = problem.genome;
    const { gates, coefficients } = genome.parts;
    // The paper's terms with small coefficients; with +1 on every type they run away (below).
    const gentle = paperBestRule(genome).map((v, i) => (i >= gates && i < gates + coefficients ? 0.05 : v));
    const a = await problem.evaluate(gentle, 9);
    assert.deepEqual(await problem.evaluate(gentle, 9), a);
    assert.equal(a.length, 6);
    assert.ok(a.every((x) => Number.isFinite(x)));
    assert.equal(a[1], 5, 'five active terms');
    assert.ok(a[0] >= 0 && a[0] <= 1 && a[2] < problem.options.maxRateHz, JSON.stringify(a));
    const e = evaluateV1Rule(p, problem.options, genome.decode(paperBestRule(genome)), 9);
    assert.match(e.runaway ?? '', /runaway activity: group .* fired at \d+ Hz/);
    assert.deepEqual(e.objectives, [0, 5, problem.options.maxRateHz, 1000, 100, 1000]);
    assert.throws(
      () =>
        runChangeDetection(
          buildV1Network(p.model),
          p.domains,
          p.gray,
          p.pool,
          null,
          { ...CHANGE_DETECTION_DEFAULTS, imageMs: 0.3 },
          1,
        ),
      /task\.imageMs: expected a positive multiple of the step 0\.25 ms, found 0\.3/,
    );
    assert.throws(
      () => v1RuleProblem({ setup: p.model, readoutNeurons: 0 }),
      /problem\.readoutNeurons: expected an integer >= 1, found 0/,
    );
  },
);

test('the paper rule as genes, and families of rules by their open gates', () => {
  const genome = v1RuleGenome(CLASS_NAMES);
  assert.equal(genome.size, 25 + 289 * 9 + 17 + 1);
  const paper = genome.decode(paperBestRule(genome));
  assert.equal(
    genome.equation(paper, { coefficients: false }),
    'dW = X_post + X_post R + X_post^2 + S_post X_pre + S_pre X_pre',
  );
  const names = genome.terms.map((p) => termName(p, genome.signals));
  const { gates, coefficients } = genome.parts;
  const genesWith = (terms: string[], coefficient: number) =>
    genome.low.map((lo, i) =>
      i < gates
        ? terms.includes(names[i])
          ? 1
          : 0
        : i < gates + coefficients
          ? coefficient
          : (lo + genome.high[i]) / 2,
    );
  const rules = [
    { source: 'a1', equation: '', accuracy: 0.7, genes: genesWith(['X_post', 'S_pre X_pre'], 0.5) },
    { source: 'a2', equation: '', accuracy: 0.68, genes: genesWith(['X_post', 'S_pre X_pre', 'R'], 0.4) },
    { source: 'b1', equation: '', accuracy: 0.69, genes: genesWith(['S_post', 'X_pre^2'], -0.5) },
  ];
  const families = clusterRules(genome, rules);
  assert.equal(families.length, 2);
  assert.deepEqual(families[0].coreTerms, ['X_post', 'S_pre X_pre']);
  assert.deepEqual(families[0].optionalTerms, ['R']);
  assert.equal(families[0].members, 2);
  assert.equal(families[0].representative.source, 'a1');
  assert.ok(Math.abs(families[0].coreCoefficients.X_post - 0.45) < 1e-12);
  assert.deepEqual(families[1].coreTerms.sort(), ['S_post', 'X_pre^2']);
});

testNeeding(
  ['v1-tables', 'shared-datasets'],
  'neuroplast evolve experiments/v1-rules.yaml --quick: the summary contract, a report, and resume',
  async () => {
    const out = join(tempDir('np-v1-rules-'), 'run');
    const r = await runCli(
      [
        'evolve',
        join(REPO_ROOT, 'experiments', 'v1-rules.yaml'),
        '--quick',
        '--out',
        out,
        '--workers',
        '2',
        '--quiet',
      ],
      {},
      { timeoutMs: 600_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(s.kind, 'v1-rules');
    assert.equal(s.random_rules.n, 6);
    assert.ok(s.random_rules.mean_accuracy >= 0 && s.random_rules.best_accuracy <= 1);
    assert.ok(
      s.random_rules.runaway === s.random_rules.n ||
        s.random_rules.mean_accuracy_without_runaway >= s.random_rules.mean_accuracy,
    );
    assert.ok(
      s.pareto.length > 0 && s.pareto.every((p: { equation: string }) => p.equation.startsWith('dW = ')),
    );
    assert.ok(s.best_accuracy >= 0 && s.best_accuracy <= 1);
    assert.deepEqual(Object.keys(s.scale_accuracy).sort(), ['1000', '1500', '500']);
    assert.deepEqual(Object.keys(s.few_shot).sort(), ['1', '10', '5', 'off']);
    assert.ok(typeof s.heterogeneity.shared === 'number' && typeof s.heterogeneity.per_type === 'number');
    assert.ok(existsSync(join(out, 'report.html')));
    // Resumed after a kill that cut a line: the cut line is dropped, nothing is evaluated again, same summary.
    appendFileSync(join(out, 'random.jsonl'), '{"index": 6, "se');
    const status = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    writeFileSync(join(out, 'run.json'), JSON.stringify({ ...status, status: 'running' }));
    const again = await runCli(['evolve', '--resume', out, '--quiet'], {}, { timeoutMs: 600_000 });
    assert.equal(again.code, 0, again.stderr);
    const s2 = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.deepEqual(
      { ...s2, seconds: 0, evaluations_per_second: 0 },
      { ...s, seconds: 0, evaluations_per_second: 0 },
    );
    assert.equal(readFileSync(join(out, 'random.jsonl'), 'utf8').trim().split('\n').length, 6);
  },
);
