import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchContinual } from '../src/bench/continual.js';
import { BENCHES } from '../src/bench/index.js';
import { runPythonAnchor } from '../src/bench/anchors.js';
import { IN_CI } from './helpers.js';

const METHODS = ['finetune', 'ewc', 'si'];

const positiveRange = (where: string, r: unknown) => {
  const { median, min, max } = r as { median: number; min: number; max: number };
  assert.ok(min > 0 && min <= median && median <= max, `${where}: ${JSON.stringify(r)}`);
};

test('bench continual: a tiny run gives each method steps/s, overheads vs fine-tuning, and PyTorch "not run"', async () => {
  assert.ok(BENCHES.continual, 'registered as `continual`');
  const out = await benchContinual({ seconds: 0.2, rounds: 2, warmupIterations: 2, torch: false });
  assert.equal(out.parameters, 478410, 'MLP 784-400-400-10');
  assert.equal(out.batch, 128);
  assert.equal(out.rounds, 2);
  assert.match(String(out.torch), /^not run/);
  const methods = out.methods as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(methods), METHODS);
  for (const m of METHODS) {
    const r = methods[m];
    positiveRange(`${m} steps_per_s`, r.steps_per_s);
    assert.ok(Number(r.step_ms) > 0);
    // Where the kernel thread runs, the one-thread figures come with it.
    if (Number(out.threads) > 1) positiveRange(`${m} steps_per_s_1_thread`, r.steps_per_s_1_thread);
    if (m !== 'finetune') {
      const o = r.overhead_vs_finetune as { median: number };
      assert.ok(Number.isFinite(o.median), `${m} overhead: ${JSON.stringify(o)}`);
    } else assert.equal(r.overhead_vs_finetune, undefined);
    assert.equal(r.ratio_vs_torch_best, undefined, 'no ratio without the anchor');
  }
  for (const m of METHODS)
    assert.ok(Number.isFinite((out.last_loss as Record<string, number>)[m]), `${m}: a finite loss`);
});

// The anchor script itself, briefly, where Debian's python3-torch is installed (skipped otherwise, failed under CI).
test('scripts/torch_continual_step.py: every method alternated on two threads; one method; one JSON line', (t) => {
  const r = runPythonAnchor('torch_continual_step.py', ['all', '0.1', '2', '2'], 120_000, 2);
  if (!r.result && /No module named 'torch'|not found/.test(r.reason ?? '') && !IN_CI)
    return t.skip(`needs python3-torch: ${r.reason}`);
  assert.ok(r.result, r.reason);
  assert.equal(r.result.threads, 2);
  const methods = r.result.methods as Record<string, { steps_per_s: number; rounds: number[] }>;
  for (const m of METHODS) {
    assert.ok(methods[m].steps_per_s > 0, `${m}: ${JSON.stringify(methods[m])}`);
    assert.equal(methods[m].rounds.length, 2);
  }
  const one = runPythonAnchor('torch_continual_step.py', ['si', '0.1', '1'], 120_000);
  assert.ok(one.result, one.reason);
  assert.equal(one.result.method, 'si');
  assert.ok(Number(one.result.steps_per_s) > 0);
});
