import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LabeledImageDataset } from '../src/data/index.js';
import {
  permutedBenchmark,
  pixelPermutations,
  scenarioHeads,
  splitBenchmark,
  splitContexts,
} from '../src/continual/index.js';
import { quickContinual } from '../src/experiments/kinds/continual/index.js';
import { loadExperimentFile } from '../src/experiments/index.js';
import type { ContinualConfig } from '../src/experiments/kinds/continual/config.js';
import { REPO_ROOT } from './helpers.js';
import { join } from 'node:path';

/** A 4x4 single-channel dataset of 3 classes whose pixel values encode (sample, pixel). */
function tinyDataset(): LabeledImageDataset {
  const split = (count: number, offset: number) => ({
    count,
    labels: Uint8Array.from({ length: count }, (_, i) => i % 3),
    images: Uint8Array.from(
      { length: count * 16 },
      (_, j) => (offset + Math.floor(j / 16) * 16 + (j % 16)) % 256,
    ),
  });
  return {
    name: 'tiny',
    shape: [1, 4, 4],
    classes: ['a', 'b', 'c'],
    train: split(9, 0),
    test: split(6, 100),
    source: 'test',
    notes: [],
  };
}

test('a split benchmark reads each context its own classes, scaled to [0, 1]', () => {
  const ds = tinyDataset();
  const b = splitBenchmark(ds, { contexts: [[2], [0, 1]], classCount: 3 });
  assert.equal(b.inputSize, 16);
  assert.deepEqual([b.contexts[0].trainCount, b.contexts[1].trainCount, b.contexts[1].testCount], [3, 6, 4]);
  const x = new Float32Array(2 * 16);
  const y = new Int32Array(2);
  b.contexts[0].gather('train', [0, 2], 0, 2, x, y);
  // Context 0 holds samples 2, 5, 8 (class 2); positions 0 and 2 are samples 2 and 8.
  assert.deepEqual([...y], [2, 2]);
  assert.equal(x[0], Math.fround(ds.train.images[2 * 16] / 255));
  assert.equal(x[16 + 5], Math.fround(ds.train.images[8 * 16 + 5] / 255));
  assert.throws(
    () => splitBenchmark(ds, splitContexts(10, 2, 0)),
    /contexts: expected a split of the 3 classes of tiny, found one of 10/,
  );
});

test('a permuted benchmark pads, permutes per context, and numbers context k digit d as class k*classes+d', () => {
  const ds = tinyDataset();
  const perms = pixelPermutations(2, 36, 7);
  const b = permutedBenchmark(ds, perms, 6);
  assert.equal(b.inputSize, 36);
  assert.deepEqual(b.split.contexts, [
    [0, 1, 2],
    [3, 4, 5],
  ]);
  const x = new Float32Array(36);
  const y = new Int32Array(1);
  b.contexts[1].gather('test', [4], 0, 1, x, y);
  assert.deepEqual([...y], [3 + (4 % 3)]);
  for (let i = 0; i < 36; i++) {
    // Input i shows padded pixel perms[1][i]: the border of width 1 is zero, the inside the 4x4 image.
    const [r, c] = [Math.floor(perms[1][i] / 6) - 1, (perms[1][i] % 6) - 1];
    const inside = r >= 0 && r < 4 && c >= 0 && c < 4;
    assert.equal(x[i], inside ? Math.fround(ds.test.images[4 * 16 + r * 4 + c] / 255) : 0, `input ${i}`);
  }
  // Domain-IL shares one output per digit; class-IL has one per digit and context.
  assert.equal(scenarioHeads(b.split, 'domain').outputs, 3);
  assert.equal(scenarioHeads(b.split, 'class').outputs, 6);
  assert.throws(
    () => permutedBenchmark(ds, perms, 5),
    /padTo: expected a side of at least 4 that pads tiny's 4x4 images evenly, found 5/,
  );
  assert.throws(
    () => permutedBenchmark(ds, [perms[0].subarray(0, 30)], 6),
    /permutations\[0\]: expected 36 pixel indices, found 30/,
  );
});

test('the shipped continual experiments validate and reduce with --quick, labelled as reduced', async () => {
  for (const [file, scenarios, methods] of [
    ['split-mnist.yaml', 3, 9],
    ['split-fashion.yaml', 3, 9],
    ['permuted-mnist.yaml', 3, 5],
    ['permuted-mnist-reduced.yaml', 2, 5],
  ] as const) {
    const cfg = (await loadExperimentFile(
      join(REPO_ROOT, 'experiments', file),
    )) as unknown as ContinualConfig;
    assert.equal(cfg.task.kind, 'continual', file);
    assert.equal(cfg.scenarios.length, scenarios, file);
    assert.equal(Object.keys(cfg.methods).length, methods, file);
    const q = quickContinual(cfg);
    assert.ok(q.protocol.iterationsPerContext < cfg.protocol.iterationsPerContext, file);
    assert.match(q.reduced!, /^--quick: /, file);
    assert.equal(q.name, `${cfg.name}-quick`);
    if (file === 'permuted-mnist-reduced.yaml')
      assert.match(q.reduced!, /1,000 iterations per context instead of/);
  }
});
