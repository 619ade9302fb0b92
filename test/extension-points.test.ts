import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCountExperiment, countTask } from '../docs/examples/task-kind.js';
import { runPresynapticPotentiation } from '../docs/examples/plasticity-rule.js';
import {
  constantLearningRate,
  getTaskKind,
  SupervisedTrainer,
  taskKindNames,
  validateAnyExperiment,
  writeRunReport,
} from '../src/experiments/index.js';
import { loadDataset } from '../src/data/index.js';
import { mlp } from '../src/engine/index.js';
import { Adam } from '../src/optim/index.js';
import { Rng } from '../src/util/rng.js';
import { reportViewNames } from '../src/viz/index.js';
import { REPO_ROOT, tempDir, readReport } from './helpers.js';

/** The ```ts blocks of a markdown file that start with a `// file: PATH` line, by path. */
function documentedFiles(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const m of markdown.matchAll(/```ts\n\/\/ file: (\S+)\n([\s\S]*?)```/g)) blocks.set(m[1], m[2]);
  return blocks;
}

test('docs/architecture.md shows its examples exactly as the files the tests run', () => {
  const blocks = documentedFiles(readFileSync(join(REPO_ROOT, 'docs', 'architecture.md'), 'utf8'));
  assert.ok(blocks.has('docs/examples/task-kind.ts'), 'the task-kind example is in the map');
  for (const [path, text] of blocks) assert.equal(text, readFileSync(join(REPO_ROOT, path), 'utf8'), path);
});

test('a task kind added in one file with one registration line runs, reports and is listed like the built-in ones', async () => {
  assert.deepEqual(taskKindNames().slice(0, 2), ['classification', 'diehl-cook']);
  assert.ok(taskKindNames().includes('count'));
  assert.ok(reportViewNames().includes('count'));
  const dir = tempDir();
  const r = await runCountExperiment(dir);
  assert.equal(r.kind, 'count');
  assert.deepEqual(JSON.parse(readFileSync(join(r.runDir, 'summary.json'), 'utf8')), {
    kind: 'count',
    name: 'count-to-ten',
    total: 55,
  });
  assert.equal(readFileSync(join(r.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 10);
  assert.match(readReport(r.reportPath), /<h1>count: count-to-ten<\/h1>\s*<p>total 55 over 10 steps<\/p>/);
  assert.deepEqual(getTaskKind('count').describe(r.summary), ['total: 55']);
  assert.equal(
    countTask.quick(countTask.schema.parse({ name: 'q', task: { kind: 'count', upTo: 9 } })).task.upTo,
    3,
  );
  // Its experiment files are validated by its own schema, with the file and field named.
  assert.throws(
    () => validateAnyExperiment({ name: 'x', task: { kind: 'count', upTo: -1 } }, 'x.yaml'),
    /^ConfigError: x\.yaml: task\.upTo: .*found -1/,
  );
});

test('an unknown or missing task kind is one line naming the file and the known kinds', () => {
  assert.throws(
    () => validateAnyExperiment({ name: 'x', task: { kind: 'regression' } }, 'x.yaml'),
    (e: Error) =>
      e.message === `x.yaml: task.kind: expected one of ${taskKindNames().join(', ')}; found "regression"`,
  );
  assert.throws(
    () => validateAnyExperiment({ name: 'x' }, 'y.yaml'),
    /^ConfigError: y\.yaml: task\.kind: .*found nothing$/,
  );
});

test('a run directory of a kind no view claims still gets a report of its summary', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ name: 'odd', task: { kind: 'not-registered' } }));
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({ kind: 'not-registered', score: '<b>7</b>' }));
  const html = readFileSync(await writeRunReport(dir), 'utf8');
  assert.match(html, /<th>score<\/th>\s*<td>&lt;b&gt;7&lt;\/b&gt;<\/td>/);
});

test('the schedule is the one authority on the learning rate: the optimizer’s own rate is never used', async () => {
  const ds = await loadDataset('mnist');
  const train = (constructorLr: number) => {
    const model = mlp(ds.shape, [16], 10).init(new Rng(5, 1));
    const optimizer = new Adam({ lr: constructorLr });
    const trainer = new SupervisedTrainer(model, optimizer, {
      shape: ds.shape,
      numClasses: 10,
      batchSize: 32,
      schedule: constantLearningRate(1e-3),
    });
    for (let step = 0; step < 5; step++)
      trainer.step(
        ds.train,
        Uint32Array.from({ length: 160 }, (_, i) => i),
        32 * step,
        32 * step + 32,
        {
          step,
          epoch: 0,
        },
      );
    assert.equal(optimizer.lr, 1e-3);
    return model.params().map((p) => Array.from(p.value));
  };
  assert.deepEqual(train(0.5), train(1e-3));
});

test('a plasticity rule written in one file plugs into connect and changes exactly the synapses it should', () => {
  const { projection, preSpikes } = runPresynapticPotentiation();
  assert.ok(preSpikes.length > 10, `${preSpikes.length} presynaptic spikes`);
  const { rowStart, weight } = projection;
  for (let i = 0; i < 5; i++) {
    let expected = 0;
    for (const j of preSpikes) if (j === i) expected = Math.min(1, Math.fround(expected + 0.01));
    for (let k = rowStart[i]; k < rowStart[i + 1]; k++)
      assert.equal(weight[k], expected, `synapse ${k} of ${i}`);
  }
});
