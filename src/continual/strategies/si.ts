import { z } from 'zod';
import type { Param } from '../../engine/index.js';
import type { ContinualStrategy, StrategyKind } from '../strategy.js';
import { quadraticPenalty, type Anchor } from './ewc.js';

const siSchema = z.strictObject({
  /** Weight of the surrogate loss (c). */
  c: z.number().nonnegative(),
  /** Damping xi in Omega += W / (delta^2 + xi). */
  damping: z.number().positive().default(0.1),
});

/**
 * Synaptic intelligence (Zenke et al. 2017): each parameter's contribution to the loss's decrease along its path,
 * W += -g * (theta_new - theta_old) per step (g the step's gradient, penalty included, as van de Ven & Tolias's code
 * takes it), turned at the end of a context into Omega += W / (delta^2 + xi); the penalty c sum Omega (theta - theta*)^2.
 */
export const si: StrategyKind<typeof siSchema> = {
  name: 'si',
  description: "synaptic intelligence: a quadratic penalty weighted by each parameter's path integral",
  settings: siSchema,
  regularisationOnly: true,
  create: (settings): ContinualStrategy => {
    const pathIntegral = new Map<Param, Float32Array>();
    const previous = new Map<Param, Float32Array>();
    const start = new Map<Param, Float32Array>();
    let anchor: Anchor | null = null;
    return {
      name: 'si',
      beforeContext(learner) {
        for (const p of learner.model.params()) {
          pathIntegral.set(p, new Float32Array(p.value.length));
          previous.set(p, p.value.slice());
          start.set(p, p.value.slice());
        }
      },
      // c sum Omega d^2 is quadraticPenalty's lambda/2 sum F d^2 with lambda = 2c.
      penalty: (learner) => (anchor ? quadraticPenalty(learner, [anchor], 2 * settings.c) : 0),
      afterStep(learner) {
        for (const p of learner.model.params()) {
          const w = pathIntegral.get(p)!;
          const old = previous.get(p)!;
          const v = p.value;
          for (let i = 0; i < v.length; i++) {
            w[i] -= p.grad[i] * (v[i] - old[i]);
            old[i] = v[i];
          }
        }
      },
      afterContext(learner) {
        const omega = new Map<Param, Float32Array>();
        for (const p of learner.model.params()) {
          const o = anchor ? anchor.importance.get(p)!.slice() : new Float32Array(p.value.length);
          const w = pathIntegral.get(p)!;
          const s = start.get(p)!;
          for (let i = 0; i < o.length; i++) {
            const delta = p.value[i] - s[i];
            o[i] += w[i] / (delta * delta + settings.damping);
          }
          omega.set(p, o);
        }
        anchor = {
          values: new Map(learner.model.params().map((p) => [p, p.value.slice()])),
          importance: omega,
        };
      },
    };
  },
};
