import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { classWasserstein, rateDeviation, SynchronyMeter, wasserstein1 } from '../src/discovery/index.js';
import { loadNeuropixelsUnits, loadV1Tables, median } from '../src/cortex/index.js';
import { Rng } from '../src/util/rng.js';
import { testNeeding } from './helpers.js';

test('Wasserstein-1: a shift by c costs c, point masses cost their distance, and it is a metric', () => {
  assert.equal(wasserstein1([0], [3]), 3);
  assert.ok(Math.abs(wasserstein1([1, 2, 3, 4], [3.5, 4.5, 5.5, 6.5]) - 2.5) < 1e-12);
  // Half the mass moves by 2: 1.
  assert.ok(Math.abs(wasserstein1([0, 0], [0, 2]) - 1) < 1e-12);
  // Unequal sizes: {0, 1} against {0.5}: each half moves 0.5.
  assert.ok(Math.abs(wasserstein1([0, 1], [0.5]) - 0.5) < 1e-12);
  const sample = fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 1, maxLength: 30 });
  fc.assert(
    fc.property(sample, sample, sample, (a, b, c) => {
      const ab = wasserstein1(a, b);
      assert.ok(ab >= 0 && Math.abs(ab - wasserstein1(b, a)) < 1e-9);
      assert.ok(wasserstein1(a, a) < 1e-12);
      assert.ok(wasserstein1(a, c) <= ab + wasserstein1(b, c) + 1e-9);
      // For equal sizes it is the mean distance between sorted values (the optimal matching).
      if (a.length === b.length) {
        const x = [...a].sort((p, q) => p - q);
        const y = [...b].sort((p, q) => p - q);
        const matched = x.reduce((s, v, i) => s + Math.abs(v - y[i]), 0) / x.length;
        assert.ok(Math.abs(ab - matched) < 1e-9, `${ab} vs ${matched}`);
      }
    }),
  );
  assert.throws(() => wasserstein1([], [1]), /wasserstein1: expected two non-empty samples, found 0 and 1/);
});

test('rate deviation: mean relative distance per class; a silent class adds 1', () => {
  assert.equal(rateDeviation([2, 4], [2, 4]), 0);
  assert.equal(rateDeviation([0, 4], [2, 4]), 0.5);
  assert.equal(rateDeviation([6, 4], [2, 4]), 1);
  assert.throws(() => rateDeviation([1], [0]), /rateDeviation.recorded\[0\]: expected a rate > 0, found 0/);
  assert.equal(classWasserstein([[1, 2], [5]], [[1, 2], [7]]), 1);
});

test('synchrony: independent Poisson neurons give about 1, neurons in lockstep give N', () => {
  const n = 50;
  const rng = new Rng(3);
  const independent = new SynchronyMeter(n, 20);
  const lockstep = new SynchronyMeter(n, 20);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  for (let s = 0; s < 200_000; s++) {
    const spikes: number[] = [];
    for (let i = 0; i < n; i++) if (rng.float() < 0.002) spikes.push(i);
    independent.addStep(spikes);
    independent.endStep();
    if (rng.float() < 0.002) lockstep.addStep(all);
    lockstep.endStep();
  }
  assert.equal(independent.bins, 10_000);
  const r = independent.ratio();
  assert.ok(Math.abs(r - 1) < 0.05, `independent: ${r}`);
  assert.ok(Math.abs(lockstep.ratio() - n) < 1e-9, `lockstep: ${lockstep.ratio()}`);
  // 25 neurons locked, 25 independent, all with variance v: Var(sum) = 50 v + 25 x 24 v (the locked pairs'
  // covariances), so the ratio is 13.
  const half = new SynchronyMeter(n, 1);
  const rng2 = new Rng(4);
  for (let s = 0; s < 400_000; s++) {
    const spikes: number[] = [];
    if (rng2.float() < 0.01) for (let i = 0; i < 25; i++) spikes.push(i);
    for (let i = 25; i < n; i++) if (rng2.float() < 0.01) spikes.push(i);
    half.addStep(spikes);
    half.endStep();
  }
  assert.ok(Math.abs(half.ratio() - 13) < 0.5, `half locked: ${half.ratio()}`);
  assert.ok(Number.isNaN(new SynchronyMeter(3, 1).ratio()));
});

testNeeding(
  ['v1-tables'],
  "Neuropixels units: each class's mean and median rates are the rate table's targets",
  async () => {
    const tables = await loadV1Tables();
    const units = await loadNeuropixelsUnits(tables);
    assert.equal(
      units.spontaneousHz.reduce((s, u) => s + u.length, 0),
      3156,
    );
    tables.rates.forEach((t, c) => {
      assert.equal(units.spontaneousHz[c].length, t.nUnits, tables.classes[c].name);
      const mean = (a: Float64Array) => a.reduce((x, y) => x + y, 0) / a.length;
      for (const [got, want] of [
        [mean(units.spontaneousHz[c]), t.spontaneous.mean],
        [median(Float32Array.from(units.spontaneousHz[c])), t.spontaneous.median],
        [mean(units.gratingsHz[c]), t.gratings.mean],
      ])
        assert.ok(
          Math.abs(got - want) < 1e-5 * Math.max(1, want),
          `${tables.classes[c].name}: ${got} vs ${want}`,
        );
    });
  },
);
