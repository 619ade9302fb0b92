import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incompleteBeta, median, pairedTTest, sampleStd, studentTwoSidedP } from '../src/util/stats.js';

test('Student t p-values match the standard tables', () => {
  // Two-sided critical values: t(0.975, df) from any statistics table.
  for (const [t, df, p] of [
    [12.706, 1, 0.05],
    [2.776, 4, 0.05],
    [2.571, 5, 0.05],
    [4.604, 4, 0.01],
    [1.96, 1e6, 0.05],
    [0, 7, 1],
  ]) {
    const got = studentTwoSidedP(t, df);
    assert.ok(Math.abs(got - p) < 2e-4, `t=${t} df=${df}: ${got} vs ${p}`);
  }
  // I_x(1, 1) = x and I_x(a, b) = 1 - I_{1-x}(b, a).
  assert.ok(Math.abs(incompleteBeta(0.3, 1, 1) - 0.3) < 1e-12);
  assert.ok(Math.abs(incompleteBeta(0.2, 2.5, 4) + incompleteBeta(0.8, 4, 2.5) - 1) < 1e-12);
});

test('paired t-test on a worked example', () => {
  // Differences 1, 2, 3, 4, 5: mean 3, sd sqrt(2.5), t = 3 / (sqrt(2.5)/sqrt(5)) = 4.2426, df 4 -> p = 0.01324.
  const r = pairedTTest([2, 4, 6, 8, 10], [1, 2, 3, 4, 5]);
  assert.equal(r.n, 5);
  assert.ok(Math.abs(r.meanDiff - 3) < 1e-12);
  assert.ok(Math.abs(r.stdDiff - Math.sqrt(2.5)) < 1e-12);
  assert.ok(Math.abs(r.t! - 4.242640687) < 1e-6);
  assert.ok(Math.abs(r.p! - 0.013236) < 1e-5, `p ${r.p}`);
  assert.deepEqual([r.winsA, r.winsB], [5, 0]);
  assert.equal(pairedTTest([1, 2], [1, 2]).p, null);
  assert.equal(sampleStd([5]), 0);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.throws(() => pairedTTest([1], [1, 2]), /1 vs 2 values/);
});

test('the package root exposes one namespace per part', async () => {
  const root = await import('../src/index.js');
  for (const part of ['data', 'engine', 'optim', 'spiking', 'experiments', 'viz'])
    assert.equal(typeof (root as Record<string, unknown>)[part], 'object', part);
  assert.equal(typeof root.engine.Sequential, 'function');
  assert.equal(typeof root.spiking.Network, 'function');
  assert.match(root.VERSION, /^\d+\.\d+\.\d+/);
});
