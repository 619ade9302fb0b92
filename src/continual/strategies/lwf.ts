import { z } from 'zod';
import type { Sequential } from '../../engine/index.js';
import { distillationTerms } from '../distill.js';
import type { ContinualStrategy, StrategyKind } from '../strategy.js';

const lwfSchema = z.strictObject({
  /** Distillation temperature. */
  temperature: z.number().positive().default(2),
});

/**
 * Learning without forgetting (Li & Hoiem 2017), as van de Ven & Tolias run it: the current context's inputs replayed
 * with the soft targets the network gave them before this context.
 */
export const lwf: StrategyKind<typeof lwfSchema> = {
  name: 'lwf',
  description:
    "learning without forgetting: the current inputs distilled toward the previous network's outputs",
  settings: lwfSchema,
  create: (settings): ContinualStrategy => {
    let teacher: Sequential | null = null;
    return {
      name: 'lwf',
      beforeContext(learner) {
        teacher = learner.context > 0 ? learner.snapshot() : null;
      },
      replay: (learner, current) =>
        teacher
          ? { terms: distillationTerms(learner, teacher, current.x, current.rows, settings.temperature) }
          : null,
    };
  },
};
