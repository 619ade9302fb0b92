import { z } from 'zod';
import type { Param } from '../../engine/index.js';
import { Rng } from '../../util/rng.js';
import { diagonalFisher } from '../fisher.js';
import type { ContinualStrategy, StrategyKind, ContinualLearner } from '../strategy.js';

const fisherSettings = {
  /** Weight of the quadratic penalty (lambda). */
  lambda: z.number().nonnegative(),
  fisherLabels: z.enum(['all', 'predicted', 'sample', 'empirical']).default('all'),
  /** Training samples of the context the Fisher information is averaged over (all by default). */
  fisherSamples: z.number().int().positive().optional(),
};

/** One consolidated point: the parameters after a context and their importance. */
interface Anchor {
  values: Map<Param, Float32Array>;
  importance: Map<Param, Float32Array>;
}

/** Adds lambda * F * (theta - theta*) for each anchor into the gradients; returns lambda/2 sum F (theta - theta*)^2. */
export function quadraticPenalty(
  learner: ContinualLearner,
  anchors: readonly Anchor[],
  weight: number,
): number {
  if (weight === 0) return 0;
  let penalty = 0;
  for (const p of learner.model.params())
    for (const a of anchors) {
      const star = a.values.get(p)!;
      const f = a.importance.get(p)!;
      const v = p.value;
      const g = p.grad;
      for (let i = 0; i < v.length; i++) {
        const d = v[i] - star[i];
        penalty += f[i] * d * d;
        g[i] += weight * f[i] * d;
      }
    }
  return (weight / 2) * penalty;
}

function contextFisher(
  learner: ContinualLearner,
  labels: z.output<typeof fisherSchema>['fisherLabels'],
  count?: number,
) {
  const rng = new Rng(learner.options.seed, 61 + learner.context);
  const samples = learner.samples(learner.context, count, rng);
  return diagonalFisher(learner.model, samples, labels, rng);
}

const currentValues = (learner: ContinualLearner) =>
  new Map(learner.model.params().map((p) => [p, p.value.slice()]));

const fisherSchema = z.strictObject(fisherSettings);

/**
 * Elastic weight consolidation (Kirkpatrick et al. 2017): after each context, the diagonal Fisher information at the
 * parameters reached; then a penalty lambda/2 sum_k F_k (theta - theta*_k)^2, one term per earlier context.
 */
export const ewc: StrategyKind<typeof fisherSchema> = {
  name: 'ewc',
  description:
    'elastic weight consolidation: a quadratic penalty per earlier context, weighted by its Fisher information',
  settings: fisherSchema,
  regularisationOnly: true,
  create: (settings): ContinualStrategy => {
    const anchors: Anchor[] = [];
    return {
      name: 'ewc',
      penalty: (learner) => quadraticPenalty(learner, anchors, settings.lambda),
      afterContext(learner) {
        anchors.push({
          values: currentValues(learner),
          importance: contextFisher(learner, settings.fisherLabels, settings.fisherSamples),
        });
      },
    };
  },
};

const onlineSchema = z.strictObject({
  ...fisherSettings,
  /** How much of the earlier Fisher information is kept at each new context. */
  gamma: z.number().gt(0).max(1),
});

/**
 * Online EWC (Schwarz et al. 2018): one penalty around the latest parameters, with the Fisher information summed
 * over contexts as F = gamma F + F_k.
 */
export const onlineEwc: StrategyKind<typeof onlineSchema> = {
  name: 'online_ewc',
  description: 'online EWC: one quadratic penalty, its Fisher information decayed by gamma per context',
  settings: onlineSchema,
  regularisationOnly: true,
  create: (settings): ContinualStrategy => {
    let anchor: Anchor | null = null;
    return {
      name: 'online_ewc',
      penalty: (learner) => (anchor ? quadraticPenalty(learner, [anchor], settings.lambda) : 0),
      afterContext(learner) {
        const fresh = contextFisher(learner, settings.fisherLabels, settings.fisherSamples);
        if (anchor)
          for (const [p, f] of fresh) {
            const old = anchor.importance.get(p)!;
            for (let i = 0; i < f.length; i++) f[i] += settings.gamma * old[i];
          }
        anchor = { values: currentValues(learner), importance: fresh };
      },
    };
  },
};

export type { Anchor };
