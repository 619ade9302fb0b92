import { z } from 'zod';
import type { StrategyKind } from '../strategy.js';

/** Fine-tuning ("None"): each context trained in turn with nothing to protect the earlier ones; the lower bound. */
export const finetune: StrategyKind = {
  name: 'finetune',
  description: 'trains each context in turn with nothing added (the lower bound)',
  settings: z.strictObject({}),
  create: () => ({ name: 'finetune' }),
};
