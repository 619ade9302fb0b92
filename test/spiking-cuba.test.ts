import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPythonAnchor } from '../src/bench/anchors.js';
import { cubaNetwork } from '../src/spiking/index.js';
import { testNeeding } from './helpers.js';

/** Brian2's CUBA example over `seconds`, our preset: mean rate (Hz) and ISI CV over the 4000 neurons. */
function runCuba(seed: number, seconds: number) {
  const { net, spikes, exc, inh } = cubaNetwork({ seed });
  net.run(seconds * 1000);
  const count = spikes[0].times.length + spikes[1].times.length;
  const cv = (spikes[0].meanCvIsi() * exc.size + spikes[1].meanCvIsi() * inh.size) / (exc.size + inh.size);
  return { rate: count / (exc.size + inh.size) / seconds, cv, first: spikes[0].indices.slice(0, 50) };
}

const SEEDS = [1, 2, 3];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('the CUBA preset: exact integrator, same seed same spikes, an asynchronous irregular state', () => {
  const { exc, inh } = cubaNetwork({ neurons: 100 });
  assert.equal(exc.params.integrator, 'exact');
  assert.equal(exc.size + inh.size, 100);
  const a = runCuba(1, 0.3);
  assert.deepEqual(runCuba(1, 0.3).first, a.first, 'same seed, same spikes');
  assert.ok(a.rate > 2 && a.rate < 15, `rate ${a.rate} Hz`);
});

// Brian2 runs its examples/CUBA.py side by side (scripts/brian2_cuba.py, numpy target, about 10 s a seed);
// skipped with the reason when python3-brian is absent, failed under CI=true. Different random networks, so the two
// differ by sampling too: three seeds each, 1 simulated second.
testNeeding(['brian2'], 'CUBA: mean rate and ISI CV agree with Brian2’s CUBA example within 10%', (t) => {
  const ours = SEEDS.map((seed) => runCuba(seed, 1));
  const brian = SEEDS.map((seed) => {
    const r = runPythonAnchor('brian2_cuba.py', ['numpy', '1', String(seed)], 300_000);
    assert.ok(r.result, `brian2_cuba.py numpy 1 ${seed}: ${r.reason}`);
    return r.result as { rate: number; cv: number };
  });
  const got = { rate: mean(ours.map((r) => r.rate)), cv: mean(ours.map((r) => r.cv)) };
  const want = { rate: mean(brian.map((r) => r.rate)), cv: mean(brian.map((r) => r.cv)) };
  const line =
    `ours ${got.rate.toFixed(3)} Hz, CV ${got.cv.toFixed(4)}; Brian2 ${want.rate.toFixed(3)} Hz, ` +
    `CV ${want.cv.toFixed(4)} (seeds ${SEEDS.join(', ')})`;
  t.diagnostic(line);
  assert.ok(Math.abs(got.rate - want.rate) / want.rate < 0.1, `rate: ${line}`);
  assert.ok(Math.abs(got.cv - want.cv) / want.cv < 0.1, `ISI CV: ${line}`);
});
