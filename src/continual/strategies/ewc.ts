import { z } from 'zod';
import type { Param } from '../../engine/index.js';
import { QuadraticPenalty } from '../quadratic.js';
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

function contextFisher(
  learner: ContinualLearner,
  labels: z.output<typeof fisherSchema>['fisherLabels'],
  count?: number,
) {
  const rng = new Rng(learner.options.seed, 61 + learner.context);
  const samples = learner.samples(learner.context, count, rng);
  return diagonalFisher(learner.model, samples, labels, rng);
}

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
    const anchors = new QuadraticPenalty();
    return {
      name: 'ewc',
      penalty: (learner) => anchors.apply(learner.model.params(), settings.lambda),
      afterContext(learner) {
        anchors.add(
          learner.model.params(),
          contextFisher(learner, settings.fisherLabels, settings.fisherSamples),
        );
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
 * over contexts as F = gamma F + F_k. The penalty is lambda/2 gamma F (theta - theta*)^2: van de Ven & Tolias's code
 * applies the decay once more when it reads the running sum, and their lambdas were chosen with it.
 */
export const onlineEwc: StrategyKind<typeof onlineSchema> = {
  name: 'online_ewc',
  description: 'online EWC: one quadratic penalty, its Fisher information decayed by gamma per context',
  settings: onlineSchema,
  regularisationOnly: true,
  create: (settings): ContinualStrategy => {
    const anchor = new QuadraticPenalty();
    let fisher: Map<Param, Float32Array> | null = null;
    return {
      name: 'online_ewc',
      penalty: (learner) => anchor.apply(learner.model.params(), settings.gamma * settings.lambda),
      afterContext(learner) {
        const fresh = contextFisher(learner, settings.fisherLabels, settings.fisherSamples);
        if (fisher)
          for (const [p, f] of fresh) {
            const old = fisher.get(p)!;
            for (let i = 0; i < f.length; i++) f[i] += settings.gamma * old[i];
          }
        fisher = fresh;
        anchor.reset(learner.model.params(), fresh);
      },
    };
  },
};
