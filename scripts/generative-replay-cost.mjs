// Milliseconds per learner step of generative replay (DGR+distill) against fine-tuning on Split MNIST's shapes
// (784-400-400 classifier, batch 128, the default 784-400-400 / latent-100 VAE): 50 steps of context 0, then the
// mean over 200 steps of context 1 (where replay is on), per scenario. Usage:
//   npm run build && node scripts/generative-replay-cost.mjs [steps]
import { performance } from 'node:perf_hooks';
import { loadDataset } from '../build/src/data/index.js';
import {
  ContinualLearner,
  createStrategy,
  splitBenchmark,
  splitContexts,
} from '../build/src/continual/index.js';
import { getBackend } from '../build/src/engine/index.js';

const steps = Number(process.argv[2] ?? 200);
const benchmark = splitBenchmark(await loadDataset('mnist'), splitContexts(10, 2, 0));
console.log(`backend ${getBackend().name}; ${steps} steps of context 1 after 50 of context 0`);
for (const scenario of ['class', 'task', 'domain'])
  for (const method of ['finetune', 'generative_replay']) {
    const strategy = createStrategy(method, {}, scenario);
    const learner = new ContinualLearner(
      benchmark,
      { scenario, hidden: [400, 400], lr: 1e-3, iterationsPerContext: steps, batchSize: 128, seed: 0 },
      strategy,
    );
    // Context 0, shortened, by hand: the same hooks as trainContext.
    learner.context = 0;
    strategy.beforeContext?.(learner);
    let t0 = performance.now();
    for (let i = 0; i < 50; i++) learner.trainStep();
    const first = (performance.now() - t0) / 50;
    strategy.afterContext?.(learner);
    t0 = performance.now();
    learner.trainContext(1);
    const second = (performance.now() - t0) / steps;
    console.log(
      `${scenario} ${method}: ${first.toFixed(1)} ms per step in context 0, ${second.toFixed(1)} ms in context 1`,
    );
  }
