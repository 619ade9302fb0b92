import type { Param } from '../engine/tensor.js';
import { ConfigError } from '../util/errors.js';
import { checkPositive } from './optimizer.js';

/**
 * Learning-rate schedules as pure functions of the global step, so a resumed run gets exactly the same
 * rates. `warmupSteps` ramps linearly from base/warmupSteps up to the schedule's value (as in common
 * linear warm-up), then the schedule applies.
 */
export type ScheduleSpec =
  | { type: 'constant'; warmupSteps?: number }
  | { type: 'step'; stepEpochs: number; gamma: number; warmupSteps?: number }
  | { type: 'cosine'; minLr?: number; warmupSteps?: number };

export function validateSchedule(s: ScheduleSpec): void {
  if (s.warmupSteps !== undefined && (!Number.isInteger(s.warmupSteps) || s.warmupSteps < 0)) {
    throw new ConfigError('schedule.warmupSteps', `expected an integer >= 0, found ${s.warmupSteps}`);
  }
  if (s.type === 'step') {
    if (!Number.isInteger(s.stepEpochs) || s.stepEpochs <= 0)
      throw new ConfigError('schedule.stepEpochs', `expected a positive integer, found ${s.stepEpochs}`);
    if (!(s.gamma > 0 && s.gamma <= 1))
      throw new ConfigError('schedule.gamma', `expected a factor in (0, 1], found ${s.gamma}`);
  }
  if (s.type === 'cosine' && s.minLr !== undefined && !(s.minLr >= 0)) {
    throw new ConfigError('schedule.minLr', `expected a number >= 0, found ${s.minLr}`);
  }
}

/** The learning rate for 0-based `step` (the step about to be taken). */
export function learningRateAt(
  s: ScheduleSpec,
  baseLr: number,
  step: number,
  stepsPerEpoch: number,
  totalSteps: number,
): number {
  checkPositive('lr', baseLr);
  let lr = baseLr;
  switch (s.type) {
    case 'constant':
      break;
    case 'step':
      lr = baseLr * Math.pow(s.gamma, Math.floor(step / stepsPerEpoch / s.stepEpochs));
      break;
    case 'cosine': {
      const min = s.minLr ?? 0;
      const t = Math.min(1, step / Math.max(1, totalSteps));
      lr = min + 0.5 * (baseLr - min) * (1 + Math.cos(Math.PI * t));
      break;
    }
  }
  const warm = s.warmupSteps ?? 0;
  if (warm > 0 && step < warm) lr *= (step + 1) / warm;
  return lr;
}

/** Scales all gradients so their global L2 norm is at most `maxNorm` (PyTorch clip_grad_norm_); returns the norm before clipping. */
export function clipGradNorm(params: Param[], maxNorm: number): number {
  checkPositive('clipGradNorm', maxNorm);
  let sq = 0;
  for (const p of params) for (let i = 0; i < p.grad.length; i++) sq += p.grad[i] * p.grad[i];
  const norm = Math.sqrt(sq);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (const p of params) for (let i = 0; i < p.grad.length; i++) p.grad[i] *= coef;
  return norm;
}
