import { z } from 'zod';
import { kernels, type Param } from '../../engine/index.js';
import type { ContinualLearner, ContinualStrategy, StrategyKind } from '../strategy.js';

const siSchema = z.strictObject({
  /** Weight of the surrogate loss (c). */
  c: z.number().nonnegative(),
  /** Damping xi in Omega += W / (delta^2 + xi). */
  damping: z.number().positive().default(0.1),
});

/** One parameter's SI state. */
interface SiSlots {
  /** The running path integral W of this context. */
  path: Float32Array;
  /** The parameter at the start of the last recorded step, and that step's gradient. */
  before: Float32Array;
  grad: Float32Array;
  /** The parameter at the start of the context. */
  start: Float32Array;
  /** The consolidated importance Omega and the anchor theta* (after the last context). */
  omega: Float32Array;
  anchor: Float32Array;
}

/**
 * A parameter's step for a context's first step (nothing pending) or the first context (no anchor); every later
 * step is the kernel `siStep` (the same arithmetic in one pass).
 */
function firstSteps(
  v: Float32Array,
  g: Float32Array,
  s: SiSlots,
  weight: number,
  pending: boolean,
  anchored: boolean,
): number {
  const { path, before, grad, omega, anchor } = s;
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const vi = v[i];
    if (pending) path[i] -= grad[i] * (vi - before[i]);
    if (anchored) {
      const d = vi - anchor[i];
      sum += omega[i] * d * d;
      g[i] += weight * omega[i] * d;
    }
    grad[i] = g[i];
    before[i] = vi;
  }
  return sum;
}

/**
 * Synaptic intelligence (Zenke et al. 2017): each parameter's contribution to the loss's decrease along its path,
 * W += -g * (theta_new - theta_old) per step (g the step's gradient, penalty included, as van de Ven & Tolias's code
 * takes it), turned at the end of a context into Omega += W / (delta^2 + xi); the penalty c sum Omega (theta - theta*)^2.
 * One pass over the parameters per step: the penalty hook adds the penalty's gradient, records the step's final
 * gradient and parameters, and folds the previous step's term into W now that its update is known (the context's
 * last step is folded at its end).
 */
export const si: StrategyKind<typeof siSchema> = {
  name: 'si',
  description: "synaptic intelligence: a quadratic penalty weighted by each parameter's path integral",
  settings: siSchema,
  regularisationOnly: true,
  create: (settings): ContinualStrategy => {
    const slots = new Map<Param, SiSlots>();
    let anchored = false;
    let pending = false;
    const weight = 2 * settings.c;
    const fold = (learner: ContinualLearner) => {
      if (!pending) return;
      for (const p of learner.model.params()) {
        const { path, before, grad } = slots.get(p)!;
        const v = p.value;
        for (let i = 0; i < v.length; i++) path[i] -= grad[i] * (v[i] - before[i]);
      }
      pending = false;
    };
    return {
      name: 'si',
      beforeContext(learner) {
        for (const p of learner.model.params()) {
          const n = p.value.length;
          const old = slots.get(p);
          // In the kernels' memory, where siStep reads them without copying; kept over contexts.
          slots.set(p, {
            path: old ? old.path.fill(0) : kernels.allocState(n),
            before: old?.before ?? kernels.allocState(n),
            grad: old?.grad ?? kernels.allocState(n),
            start: p.value.slice(),
            omega: old?.omega ?? kernels.allocState(n),
            anchor: old?.anchor ?? kernels.allocState(n),
          });
        }
        pending = false;
      },
      penalty(learner) {
        let penalty = 0;
        for (const p of learner.model.params()) {
          const slot = slots.get(p)!;
          const { path, before, grad, omega, anchor } = slot;
          const n = p.value.length;
          penalty +=
            pending && anchored
              ? kernels.siStep(n, p.value, p.grad, path, before, grad, omega, anchor, weight)
              : firstSteps(p.value, p.grad, slot, weight, pending, anchored);
        }
        pending = true;
        // c sum Omega d^2.
        return (weight / 2) * penalty;
      },
      afterContext(learner) {
        fold(learner);
        for (const p of learner.model.params()) {
          const { path, start, omega, anchor } = slots.get(p)!;
          const v = p.value;
          for (let i = 0; i < v.length; i++) {
            const delta = v[i] - start[i];
            omega[i] += path[i] / (delta * delta + settings.damping);
            anchor[i] = v[i];
          }
        }
        anchored = true;
      },
    };
  },
};
