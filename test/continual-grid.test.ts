import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { registerStrategy } from '../src/continual/index.js';
import { loadExperimentFile } from '../src/experiments/index.js';
import { runAndKill, runCli, tempDir, readReport } from './helpers.js';

const METHODS = ['finetune', 'joint', 'ewc', 'online_ewc', 'si', 'lwf', 'replay', 'generative_replay'];

/** A small grid on real Split MNIST: every method, the three scenarios, two seeds, a few iterations. */
const GRID = `
name: tiny-continual
seed: 0
task: { kind: continual, benchmark: split, dataset: mnist }
protocol: { hidden: [32], lr: 0.001, iterationsPerContext: 400, batchSize: 32, evalSamples: 100 }
scenarios: [task, domain, class]
seeds: [0, 1, 2]
methods:
  finetune: {}
  joint: {}
  ewc: { lambda: { task: 1.0e+4, domain: 1.0e+3, class: 1.0e+4 }, fisherSamples: 200 }
  online_ewc: { lambda: 1.0e+4, gamma: { task: 0.8, domain: 0.7, class: 0.8 }, fisherSamples: 200 }
  si: { c: { task: 50, domain: 500, class: 0.5 } }
  lwf: {}
  replay: { budgetPerClass: 10 }
  generative_replay: { hidden: [32], latent: 8 }
reference:
  source: a test
  acc: { class: { finetune: 19.9 } }
quick: { seeds: [0, 1], iterationsPerContext: 15, evalSamples: 60, methodSettings: { ewc: { fisherSamples: 50 } } }
`;

test('a continual grid writes the summary contract, resumes after a kill, and does not depend on --jobs', async () => {
  const dir = tempDir();
  const exp = join(dir, 'grid.yaml');
  writeFileSync(exp, GRID);
  const out = join(dir, 'quick');
  const r = await runCli(
    ['run', exp, '--quick', '--out', out, '--quiet', '--jobs', '2'],
    {},
    { timeoutMs: 300_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(s.kind, 'continual');
  assert.match(s.reduced, /--quick: 15 iterations per context \(not 400\), 2 seeds/);
  assert.deepEqual(s.heads, { task_il: 'multi-head', domain_il: 'single-head', class_il: 'single-head' });
  for (const key of ['task_il', 'domain_il', 'class_il'])
    for (const m of METHODS) {
      const acc = s.acc[key][m];
      assert.equal(acc.n, 2, `${key} ${m}`);
      assert.ok(acc.mean >= 0 && acc.mean <= 1 && acc.std >= 0, `${key} ${m} acc`);
      for (const metric of ['bwt', 'fwt', 'forgetting'])
        assert.equal(s[metric][key][m].n, 2, `${key} ${m} ${metric}`);
      assert.equal(s.matrix[key][m].length, 5);
      assert.ok(s.matrix[key][m].every((row: number[]) => row.length === 5));
      assert.equal(s.curves[key][m].length, 5);
    }
  assert.equal(s.reference.acc.class_il.finetune, 0.199);
  assert.equal(s.warnings.length, 1);
  assert.match(s.warnings[0], /^ewc, online_ewc, si regularise parameters and replay nothing/);
  assert.match(r.stdout, /warning: ewc, online_ewc, si/);
  // The report shows the warning, the matrices as heatmaps and the curves.
  const report = readReport(join(out, 'report.html'));
  assert.match(report, /Warning:/);
  assert.equal((report.match(/tested on context/g) ?? []).length, 3 * METHODS.length);
  assert.match(report, /mean accuracy over the contexts seen so far/);

  // One job gives the same numbers (cells are seeded by themselves, not by scheduling).
  const serial = join(dir, 'serial');
  assert.equal(
    (
      await runCli(
        ['run', exp, '--quick', '--out', serial, '--quiet', '--jobs', '1'],
        {},
        { timeoutMs: 300_000 },
      )
    ).code,
    0,
  );
  assert.deepEqual(JSON.parse(readFileSync(join(serial, 'summary.json'), 'utf8')).acc, s.acc);

  // A cell lost (or never finished) is run again on --resume, with the same result.
  const cell = join(out, 'cells', 'si-domain-s1.json');
  const before = readFileSync(cell, 'utf8');
  rmSync(cell);
  rmSync(join(out, 'summary.json'));
  // As a run stopped before its end leaves it.
  const status = join(out, 'run.json');
  writeFileSync(status, readFileSync(status, 'utf8').replace('"completed"', '"running"'));
  assert.equal((await runCli(['run', '--resume', out, '--quiet'], {}, { timeoutMs: 300_000 })).code, 0);
  assert.deepEqual(JSON.parse(readFileSync(cell, 'utf8')).accuracy, JSON.parse(before).accuracy);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).acc, s.acc);
});

test('a continual grid killed between cells keeps the finished ones and resumes to the full grid', async () => {
  const dir = tempDir();
  const exp = join(dir, 'grid.yaml');
  writeFileSync(
    exp,
    GRID.replace('seeds: [0, 1, 2]', 'seeds: [0]')
      .replace(/methods:[\s\S]*?reference:/, 'methods:\n  finetune: {}\n  si: { c: 1 }\nreference:')
      .replace(/quick:.*\n/, ''),
  );
  const out = join(dir, 'run');
  const { signal } = await runAndKill(exp, out, 3);
  assert.equal(signal, 'SIGKILL');
  const kept = readdirSync(join(out, 'cells')).filter((f) => f.endsWith('.json'));
  assert.ok(kept.length >= 3 && kept.length < 6, `cells kept: ${kept}`);
  assert.ok(!existsSync(join(out, 'summary.json')));
  // The finished cells can be looked at while the grid is stopped.
  const partial = await runCli(['report', out]);
  assert.equal(partial.code, 0, partial.stderr);
  assert.match(readReport(join(out, 'report.html')), /partial: \d of 6 runs/);
  // As if killed between a cell's file and its metrics line: the line comes back on resume.
  writeFileSync(join(out, 'metrics.jsonl'), '');
  const r = await runCli(['run', '--resume', out, '--quiet', '--jobs', '1'], {}, { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.deepEqual(s.runs, { done: 6, total: 6 });
  // Every finished cell shows in metrics.jsonl once.
  const cells = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(cells.length, 6);
});

test('bad continual settings are refused before any work, naming the entry', async () => {
  const dir = tempDir();
  const cases: [string, RegExp][] = [
    [
      'task: { kind: continual, benchmark: split, dataset: mnist, contexts: [[0, 1], []] }',
      /task\.contexts\.1: expected at least one class, found none/,
    ],
    [
      'task: { kind: continual, benchmark: split, dataset: mnist, contexts: [[0, 1], [1, 2]] }',
      /task\.contexts\.1\.0: class 1 is in context 0 already/,
    ],
    [
      'task: { kind: continual, benchmark: split, dataset: mnist, contexts: [[0, 1], [2, 12]] }',
      /task\.contexts\.1\.1: expected a class of the dataset \(0\.\.9\), found 12/,
    ],
    [
      'task: { kind: continual, benchmark: split, dataset: mnist, contexts: [[0, 1], [2, 3, 4]] }',
      /task\.contexts\.1: domain-incremental heads need every context the same size \(2\), found 3/,
    ],
    [
      'task: { kind: continual, benchmark: split, dataset: mnist, classesPerContext: 3 }',
      /task\.classesPerContext: expected a divisor of mnist's 10 classes, found 3/,
    ],
  ];
  const methodCases: [string, RegExp][] = [
    ['ewc: { lambda: -1 }', /methods\.ewc\.lambda: .*>=0/],
    [
      'ewc: { lambda: { task: 1, class: 2 } }',
      /methods\.ewc\.lambda\.domain: expected a value for the domain-incremental scenario, found none/,
    ],
    ['replay: { budgetPerClass: -5 }', /methods\.replay\.budgetPerClass: .*>0/],
    ['online_ewc: { lambda: 1, gamma: 1.5 }', /methods\.online_ewc\.gamma: .*<=1/],
    [
      'nope: {}',
      /methods\.nope: expected one of finetune, joint, .* \(or a `strategy` field naming one\), found "nope"/,
    ],
    ['mine: { strategy: sgd }', /methods\.mine\.strategy: expected one of finetune/],
    [
      'task_only: {}',
      /methods\.task_only: task_only supports the task-incremental scenarios, found domain in scenarios/,
    ],
  ];
  // A method that only makes sense with the context given at test time (as context-dependent gating).
  registerStrategy({
    name: 'task_only',
    description: 'a test method for task-IL only',
    settings: z.strictObject({}),
    scenarios: ['task'],
    create: () => ({ name: 'task_only' }),
  });
  const file = (task: string, methods: string) => `
name: bad
${task}
protocol: { hidden: [8], lr: 0.001, iterationsPerContext: 5, batchSize: 8 }
scenarios: [task, domain, class]
seeds: [0]
methods: { ${methods} }
${methods.startsWith('ewc: { lambda: 1 }') ? 'quick: { seeds: [0], iterationsPerContext: 2, methodSettings: { ewc: { fisherSamples: 0 } } }' : methods === 'finetune: {}' ? 'quick: { seeds: [0], iterationsPerContext: 2, methodSettings: { nope: {} } }' : ''}
`;
  let n = 0;
  for (const [task, re] of cases) {
    const path = join(dir, `t${n++}.yaml`);
    writeFileSync(path, file(task, 'finetune: {}'));
    await assert.rejects(
      loadExperimentFile(path),
      (e: Error) => re.test(e.message) && e.message.startsWith(path),
      task,
    );
  }
  for (const [methods, re] of methodCases) {
    const path = join(dir, `m${n++}.yaml`);
    writeFileSync(path, file('task: { kind: continual, benchmark: split, dataset: mnist }', methods));
    await assert.rejects(loadExperimentFile(path), (e: Error) => re.test(e.message), methods);
  }
  // A network or memory over the model budget is refused before any allocation, naming the method.
  const big = join(dir, 'big.yaml');
  writeFileSync(
    big,
    file(
      'task: { kind: continual, benchmark: split, dataset: mnist }',
      'finetune: {}, replay: { budgetPerClass: 6000 }',
    ),
  );
  process.env.NEUROPLAST_MAX_MODEL_BYTES = '100m';
  try {
    await assert.rejects(
      loadExperimentFile(big),
      /methods\.replay: a run of replay with the network 784-8-10 needs about .* over the model budget of .*; set NEUROPLAST_MAX_MODEL_BYTES=\d+ or more/,
    );
  } finally {
    delete process.env.NEUROPLAST_MAX_MODEL_BYTES;
  }
  await loadExperimentFile(big);
  // The CLI says it in one line, without a stack, and writes nothing.
  const path = join(dir, 'cli.yaml');
  writeFileSync(
    path,
    file('task: { kind: continual, benchmark: split, dataset: mnist }', 'ewc: { lambda: -1 }'),
  );
  const r = await runCli(['run', path, '--out', join(dir, 'out')]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.ok(!existsSync(join(dir, 'out')));
});
