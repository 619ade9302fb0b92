// The task-free method on Split MNIST (the protocol of experiments/split-mnist-task-free.yaml): the loss of each
// batch before it is learned, by the live network, over the first and last steps of every context, and the changes
// the method has detected so far. What docs/neuromodulation.md reads task-IL's missed changes from.
// Usage (after npm run build): node scripts/task-free-diagnose.mjs [seed=3] [steps=4012] [scenario=task]
import { loadDataset } from '../build/src/data/index.js';
import {
  ContinualLearner,
  createStrategy,
  splitBenchmark,
  splitContexts,
  termsLoss,
} from '../build/src/continual/index.js';
import '../build/src/neuromod/index.js';

const seed = Number(process.argv[2] ?? 3);
const steps = Number(process.argv[3] ?? 4012);
const scenario = process.argv[4] ?? 'task';
const iterationsPerContext = 2000;
const ds = await loadDataset('mnist');
const benchmark = splitBenchmark(ds, splitContexts(10, 2, seed));
const strategy = createStrategy(
  'neuromodulated',
  { latent: 100, hidden: [400, 400], temperature: 2, lr: 0.001 },
  scenario,
);
const learner = new ContinualLearner(
  benchmark,
  {
    scenario,
    seed,
    hidden: [400, 400],
    lr: 0.001,
    betas: [0.9, 0.999],
    iterationsPerContext,
    batchSize: 128,
  },
  strategy,
);
const sample = strategy.sampleBatch.bind(strategy);
let step = 0;
strategy.sampleBatch = (l) => {
  const batch = sample(l);
  const into = step % iterationsPerContext;
  if (into < 8 || into >= iterationsPerContext - 4) {
    const loss = termsLoss(l.logits(batch.x, batch.rows), batch.rows, l.outputs, batch.terms);
    console.log(
      `step ${step}: loss ${loss.toFixed(4)} nats; detected so far: ${strategy.detectedAt.join(', ')}`,
    );
  }
  if (++step >= steps) throw new Error('enough steps');
  return batch;
};
try {
  learner.run();
} catch (err) {
  if (err.message !== 'enough steps') throw err;
}
