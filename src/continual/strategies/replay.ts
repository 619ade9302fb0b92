import { z } from 'zod';
import { Rng } from '../../util/rng.js';
import type { ContinualStrategy, StrategyKind, ContinualLearner } from '../strategy.js';

const replaySchema = z.strictObject({
  /** Stored samples per class (the memory budget). */
  budgetPerClass: z.number().int().positive(),
  /** Replayed samples per step (the training batch size when absent). */
  batchSize: z.number().int().positive().optional(),
});

/**
 * Experience replay: after each context, `budgetPerClass` of its training samples per class chosen at random are
 * kept; every later step replays a batch drawn from the memory with their true labels, each trained on the outputs
 * its context is trained on now.
 */
export const replay: StrategyKind<typeof replaySchema> = {
  name: 'replay',
  description: 'experience replay from a memory of a stated number of samples per class',
  settings: replaySchema,
  create: (settings): ContinualStrategy => {
    const memory: { x: Float32Array; target: number; context: number }[] = [];
    let batch = {
      x: new Float32Array(0),
      hard: new Int32Array(0),
      from: new Int32Array(0),
      to: new Int32Array(0),
    };
    return {
      name: 'replay',
      afterContext(learner: ContinualLearner) {
        const rng = new Rng(learner.options.seed, 71 + learner.context);
        const s = learner.samples(learner.context, Infinity, rng);
        const width = learner.benchmark.inputSize;
        const byTarget = new Map<number, number[]>();
        for (const r of rng.permutation(s.rows)) {
          const kept = byTarget.get(s.targets[r]) ?? [];
          byTarget.set(s.targets[r], kept);
          if (kept.length < settings.budgetPerClass) kept.push(r);
        }
        for (const [target, rows] of byTarget)
          for (const r of rows)
            memory.push({ x: s.x.slice(r * width, (r + 1) * width), target, context: learner.context });
      },
      replay(learner) {
        if (memory.length === 0) return null;
        const rows = settings.batchSize ?? learner.options.batchSize;
        const width = learner.benchmark.inputSize;
        // The replayed batch's arrays are reused from step to step (a batch lives for one step).
        if (batch.hard.length !== rows)
          batch = {
            x: new Float32Array(rows * width),
            hard: new Int32Array(rows),
            from: new Int32Array(rows),
            to: new Int32Array(rows),
          };
        const { x, hard, from, to } = batch;
        for (let r = 0; r < rows; r++) {
          const m = memory[learner.rng.int(memory.length)];
          x.set(m.x, r * width);
          hard[r] = m.target;
          [from[r], to[r]] = learner.trainingRange(m.context);
        }
        return { batches: [{ x, rows, terms: [{ from, to, hard, weight: 1 }] }] };
      },
    };
  },
};
