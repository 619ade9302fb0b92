import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  avalancheBwt,
  avalancheForgetting,
  continualMetrics,
  pixelPermutations,
  scenarioHeads,
  splitContexts,
  validateSplit,
} from '../src/continual/index.js';

// Three contexts; R[i][j] is the accuracy on context j after training context i.
const R = [
  [0.9, 0.1, 0.2],
  [0.7, 0.95, 0.3],
  [0.6, 0.8, 0.97],
];

test('ACC, BWT, FWT and forgetting follow Lopez-Paz & Ranzato and Chaudhry et al., worked by hand', () => {
  const m = continualMetrics(R, [0.1, 0.15, 0.25]);
  const close = (a: number | null, b: number) =>
    assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(m.acc, (0.6 + 0.8 + 0.97) / 3);
  close(m.bwt, (0.6 - 0.9 + (0.8 - 0.95)) / 2);
  close(m.fwt, (0.1 - 0.15 + (0.3 - 0.25)) / 2);
  // Context 0's best before the end is 0.9 (after context 0), context 1's is 0.95.
  close(m.forgetting, (0.9 - 0.6 + (0.95 - 0.8)) / 2);
  assert.equal(continualMetrics(R).fwt, null, 'no FWT without the random-init accuracies');
  const single = continualMetrics([[0.5]]);
  assert.deepEqual(single, { acc: 0.5, bwt: 0, fwt: null, forgetting: 0 });
});

test("Avalanche's forgetting takes the accuracy right after training, not the best one; its BWT is minus that", () => {
  // Context 0 improves after context 1 (0.7 -> 0.9) and then drops: the two forgetting definitions differ.
  const r = [
    [0.7, 0.2, 0.1],
    [0.9, 0.9, 0.2],
    [0.5, 0.85, 0.95],
  ];
  assert.ok(Math.abs(avalancheForgetting(r) - (0.7 - 0.5 + (0.9 - 0.85)) / 2) < 1e-12);
  assert.ok(Math.abs(continualMetrics(r).forgetting - (0.9 - 0.5 + (0.9 - 0.85)) / 2) < 1e-12);
  assert.equal(avalancheBwt(r), -avalancheForgetting(r));
  // With the accuracy right after training as reference, Avalanche's BWT equals the GEM BWT.
  assert.ok(Math.abs(avalancheBwt(r) - continualMetrics(r).bwt) < 1e-12);
});

test('accuracy matrices are checked, naming the entry', () => {
  assert.throws(() => continualMetrics([]), /accuracy matrix: expected at least one context, found none/);
  assert.throws(
    () => continualMetrics([[0.5, 0.5], [0.5]]),
    /accuracy matrix\[1\]: expected 2 accuracies \(one per context\), found 1/,
  );
  assert.throws(
    () => continualMetrics([[1.5]]),
    /accuracy matrix\[0\]\[0\]: expected an accuracy in \[0, 1\], found 1\.5/,
  );
  assert.throws(
    () => continualMetrics(R, [0.1]),
    /random-init accuracies: expected 3 \(one per context\), found 1/,
  );
});

test('Split MNIST contexts: 5 of 2 classes, a permutation per seed, the same for the same seed', () => {
  const a = splitContexts(10, 2, 1);
  assert.equal(a.contexts.length, 5);
  assert.deepEqual(
    [...a.contexts.flat()].sort((x, y) => x - y),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(splitContexts(10, 2, 1), a);
  assert.notDeepEqual(splitContexts(10, 2, 2).contexts, a.contexts);
  assert.throws(() => splitContexts(10, 3, 1), /perContext: expected a divisor of the 10 classes, found 3/);
});

test('bad splits are refused before any work: empty, overlapping, or naming a class the dataset lacks', () => {
  assert.throws(
    () => validateSplit({ contexts: [], classCount: 10 }),
    /contexts: expected at least one context/,
  );
  assert.throws(
    () => validateSplit({ contexts: [[0, 1], []], classCount: 10 }),
    /contexts\[1\]: expected at least one class, found none/,
  );
  assert.throws(
    () =>
      validateSplit({
        contexts: [
          [0, 1],
          [1, 2],
        ],
        classCount: 10,
      }),
    /contexts\[1\]\[0\]: class 1 is in context 0 already: contexts must not overlap/,
  );
  assert.throws(
    () => validateSplit({ contexts: [[0, 10]], classCount: 10 }),
    /contexts\[0\]\[1\]: expected a class of the dataset \(0\.\.9\), found 10/,
  );
});

test('scenario heads: task-IL masks to the context, domain-IL shares two outputs, class-IL grows with the classes seen', () => {
  const split = {
    contexts: [
      [3, 7],
      [0, 9],
      [5, 1],
    ],
    classCount: 10,
  };
  const task = scenarioHeads(split, 'task');
  assert.equal(task.outputs, 6);
  assert.deepEqual([task.target(1, 9), task.target(2, 5)], [3, 4]);
  assert.deepEqual(task.active(1), [2, 3]);
  const domain = scenarioHeads(split, 'domain');
  assert.equal(domain.outputs, 2);
  assert.deepEqual([domain.target(0, 3), domain.target(0, 7), domain.target(2, 1)], [0, 1, 1]);
  assert.deepEqual(domain.active(2), [0, 1]);
  const cls = scenarioHeads(split, 'class');
  assert.equal(cls.outputs, 6);
  assert.deepEqual(cls.active(0), [0, 1]);
  assert.deepEqual(cls.active(2), [0, 1, 2, 3, 4, 5]);
  assert.throws(() => task.target(0, 9), /label: class 9 is not in context 0 \(\[3,7\]\)/);
  assert.throws(
    () => scenarioHeads({ contexts: [[0, 1], [2]], classCount: 3 }, 'domain'),
    /contexts\[1\]: domain-incremental heads need every context the same size \(2\), found 1/,
  );
  assert.throws(
    () => scenarioHeads(split, 'multi' as never),
    /scenario: expected one of task, domain, class, found "multi"/,
  );
});

test('Permuted MNIST: one fixed pixel permutation per context, the first permuted too, seeded', () => {
  const p = pixelPermutations(10, 1024, 3);
  assert.equal(p.length, 10);
  for (const perm of p)
    assert.deepEqual(
      [...perm].sort((a, b) => a - b),
      Array.from({ length: 1024 }, (_, i) => i),
    );
  assert.ok(
    p[0].some((v, i) => v !== i),
    'the first context is permuted',
  );
  assert.deepEqual(pixelPermutations(10, 1024, 3), p);
});
