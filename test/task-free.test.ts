import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset } from '../src/data/index.js';
import {
  ContinualLearner,
  createStrategy,
  splitBenchmark,
  splitContexts,
  continualMetrics,
  type ContinualStrategy,
  type Scenario,
} from '../src/continual/index.js';
import '../src/neuromod/index.js';
import { matchSwitches } from '../src/experiments/kinds/continual/cell.js';

test('detected context changes matched to the true ones: delays, misses and false detections by hand', () => {
  // True changes at 100, 200, 300; detections at 40 (false), 103, 110 (second for the same change: false), 305.
  const m = matchSwitches([40, 103, 110, 305], 4, 100);
  assert.deepEqual(m.delays, [3, null, 5]);
  assert.equal(m.falseDetections, 2);
  assert.deepEqual(matchSwitches([], 3, 50), { detectedAt: [], delays: [null, null], falseDetections: 0 });
});

/**
 * A learner whose strategy hooks see a view that throws on reading which context is trained or how far into it:
 * a task-free method must do without.
 */
function blindfolded(learner: ContinualLearner, strategy: ContinualStrategy): ContinualStrategy {
  const view = new Proxy(learner, {
    get(target, key) {
      if (key === 'context' || key === 'step') throw new Error(`the strategy read learner.${String(key)}`);
      const v = Reflect.get(target, key);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const hooks = Object.fromEntries(
    Object.entries(strategy).map(([k, v]) => [
      k,
      typeof v === 'function' ? (_l: unknown, ...rest: unknown[]) => v.call(strategy, view, ...rest) : v,
    ]),
  );
  return hooks as unknown as ContinualStrategy;
}

for (const scenario of ['class', 'domain', 'task'] as Scenario[])
  test(`the task-free method finds Split MNIST's context changes itself (${scenario}-IL), never reading the context`, async () => {
    const ds = await loadDataset('mnist');
    const benchmark = splitBenchmark(ds, splitContexts(10, 2, 1));
    const strategy = createStrategy(
      'neuromodulated',
      { hidden: [64], latent: 16, refractory: 100, window: 30, snapshotEvery: 25 },
      scenario,
    ) as ContinualStrategy & { detectedAt: number[] };
    assert.equal(strategy.beforeContext, undefined, 'no context hook');
    assert.equal(strategy.afterContext, undefined, 'no context hook');
    const iterations = 150;
    const learner = new ContinualLearner(
      benchmark,
      {
        scenario,
        hidden: [64],
        lr: 1e-3,
        iterationsPerContext: iterations,
        batchSize: 64,
        seed: 2,
        evalSamples: 300,
      },
      strategy,
    );
    learner.strategy = blindfolded(learner, strategy);
    const r = learner.run();
    const m = matchSwitches(strategy.detectedAt, 5, iterations);
    assert.equal(m.falseDetections, 0, JSON.stringify(m));
    assert.ok(
      m.delays.every((d) => d !== null && d < 20),
      JSON.stringify(m),
    );
    if (scenario === 'class') {
      const acc = continualMetrics(r.accuracy, r.randomInit).acc;
      assert.ok(acc > 0.5, `class-IL ACC ${acc}: replay keeps earlier classes (fine-tuning is near 0.2)`);
    }
  });
