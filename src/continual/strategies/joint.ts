import { z } from 'zod';
import type { StrategyKind, ContinualLearner } from '../strategy.js';

/**
 * Joint training ("Offline"): while context k is trained, every batch is drawn from the samples of contexts 0..k
 * together, each row trained on its own context's outputs; the upper bound.
 */
export const joint: StrategyKind = {
  name: 'joint',
  description: 'trains on every context seen so far at once (the upper bound)',
  settings: z.strictObject({}),
  create: () => {
    // The batch's arrays, reused from step to step (a batch lives for one step).
    let x = new Float32Array(0);
    let [hard, from, to] = [new Int32Array(0), new Int32Array(0), new Int32Array(0)];
    const one = new Uint32Array(1);
    const label = new Int32Array(1);
    return {
      name: 'joint',
      sampleBatch(learner: ContinualLearner) {
        const rows = learner.options.batchSize;
        const width = learner.benchmark.inputSize;
        const counts = learner.benchmark.contexts.slice(0, learner.context + 1).map((c) => c.trainCount);
        const total = counts.reduce((a, b) => a + b, 0);
        if (hard.length !== rows) {
          x = new Float32Array(rows * width);
          [hard, from, to] = [new Int32Array(rows), new Int32Array(rows), new Int32Array(rows)];
        }
        for (let r = 0; r < rows; r++) {
          // A sample drawn uniformly from every sample seen so far.
          let i = learner.rng.int(total);
          let k = 0;
          while (i >= counts[k]) i -= counts[k++];
          one[0] = i;
          learner.gather(k, 'train', one, 0, 1, x.subarray(r * width, (r + 1) * width), label);
          hard[r] = label[0];
          [from[r], to[r]] = learner.trainingRange(k);
        }
        return { x, rows, terms: [{ from, to, hard, weight: 1 }] };
      },
    };
  },
};
