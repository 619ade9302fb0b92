import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/util/rng.js';

test('xoshiro128** matches the reference sequence for state [1,2,3,4]', () => {
  const r = Rng.fromState([1, 2, 3, 4]);
  // Outputs of the reference C implementation (Blackman & Vigna), compiled and run with gcc.
  assert.equal(r.nextU32(), 11520);
  assert.equal(r.nextU32(), 0);
  assert.equal(r.nextU32(), 5927040);
  assert.equal(r.nextU32(), 70819200);
  assert.equal(r.nextU32(), 2031721883);
  assert.equal(r.nextU32(), 1637235492);
});

test('same seed and stream give the same numbers; different seeds and streams differ', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const seqA = Array.from({ length: 100 }, () => a.nextU32());
  const seqB = Array.from({ length: 100 }, () => b.nextU32());
  assert.deepEqual(seqA, seqB);
  const c = new Rng(43);
  assert.notDeepEqual(
    seqA,
    Array.from({ length: 100 }, () => c.nextU32()),
  );
  const d = new Rng(42, 1);
  assert.notDeepEqual(
    seqA,
    Array.from({ length: 100 }, () => d.nextU32()),
  );
});

test('state round trip resumes the exact stream', () => {
  const r = new Rng(7);
  for (let i = 0; i < 10; i++) r.float();
  const s = r.getState();
  const next = [r.float(), r.float(), r.float()];
  const r2 = Rng.fromState(s);
  assert.deepEqual([r2.float(), r2.float(), r2.float()], next);
});

test('uniform floats and ints are unbiased (chi-square), normals have mean 0 and variance 1', () => {
  const r = new Rng(123);
  const bins = new Array(10).fill(0);
  const n = 100000;
  for (let i = 0; i < n; i++) bins[r.int(10)]++;
  const chi2 = bins.reduce((s, c) => s + (c - n / 10) ** 2 / (n / 10), 0);
  assert.ok(chi2 < 27.9, `chi2 ${chi2} (p=0.001 critical value for 9 dof is 27.9)`);
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const v = r.normal();
    sum += v;
    sq += v * v;
  }
  assert.ok(Math.abs(sum / n) < 0.02);
  assert.ok(Math.abs(sq / n - 1) < 0.02);
});

test('permutation is a permutation and seeds are validated', () => {
  const p = new Rng(1).permutation(1000);
  assert.deepEqual(
    [...p].sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.throws(() => new Rng(-1), /seed/);
  assert.throws(() => new Rng(1.5), /seed/);
});
