import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRateAt, validateSchedule, clipGradNorm } from '../src/optim/index.js';
import { param } from '../src/engine/index.js';

test('step, cosine and warm-up schedules follow their formulas', () => {
  // StepLR: x0.1 every 2 epochs of 100 steps.
  const step = { type: 'step' as const, stepEpochs: 2, gamma: 0.1 };
  assert.equal(learningRateAt(step, 1, 0, 100, 1000), 1);
  assert.equal(learningRateAt(step, 1, 199, 100, 1000), 1);
  assert.ok(Math.abs(learningRateAt(step, 1, 200, 100, 1000) - 0.1) < 1e-15);
  assert.ok(Math.abs(learningRateAt(step, 1, 450, 100, 1000) - 0.01) < 1e-15);
  // Cosine from 0.1 to 0.001 over 1000 steps: base at 0, midpoint halfway, min at the end.
  const cos = { type: 'cosine' as const, minLr: 0.001 };
  assert.equal(learningRateAt(cos, 0.1, 0, 10, 1000), 0.1);
  assert.ok(Math.abs(learningRateAt(cos, 0.1, 500, 10, 1000) - 0.0505) < 1e-12);
  assert.ok(Math.abs(learningRateAt(cos, 0.1, 1000, 10, 1000) - 0.001) < 1e-12);
  // Linear warm-up over 10 steps, then constant.
  const warm = { type: 'constant' as const, warmupSteps: 10 };
  assert.ok(Math.abs(learningRateAt(warm, 0.5, 0, 10, 100) - 0.05) < 1e-15);
  assert.ok(Math.abs(learningRateAt(warm, 0.5, 4, 10, 100) - 0.25) < 1e-15);
  assert.equal(learningRateAt(warm, 0.5, 10, 10, 100), 0.5);
});

test('invalid schedules are rejected with the field named', () => {
  assert.throws(() => validateSchedule({ type: 'step', stepEpochs: 0, gamma: 0.1 }), /schedule.stepEpochs/);
  assert.throws(
    () => validateSchedule({ type: 'step', stepEpochs: 1, gamma: 1.5 }),
    /schedule.gamma: expected a factor in \(0, 1\], found 1.5/,
  );
  assert.throws(() => validateSchedule({ type: 'constant', warmupSteps: -1 }), /schedule.warmupSteps/);
});

test('clipGradNorm scales the global norm down to maxNorm and leaves small gradients alone', () => {
  const a = param('a', [2]);
  const b = param('b', [1]);
  a.grad.set([3, 0]);
  b.grad.set([4]);
  assert.equal(clipGradNorm([a, b], 1), 5);
  const after = Math.hypot(a.grad[0], a.grad[1], b.grad[0]);
  assert.ok(Math.abs(after - 1) < 1e-6, `norm after ${after}`);
  assert.ok(Math.abs(a.grad[0] / b.grad[0] - 0.75) < 1e-6, 'direction kept');
  a.grad.set([0.3, 0]);
  b.grad.set([0.4]);
  clipGradNorm([a, b], 1);
  assert.deepEqual(Array.from(b.grad), [Math.fround(0.4)]);
});
