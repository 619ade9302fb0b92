import { z } from 'zod';
import { parseSpec } from '../util/validate.js';

/**
 * When a stream of losses says the data changed (see `LossChangeDetector`); the task-free method takes the same
 * fields. Defaults are for a classifier's cross-entropy (nats) over steps of one batch.
 */
export const lossChangeFields = {
  /** Steps of the moving window (an exponential average over about this many steps). */
  window: z.number().int().min(2, 'expected an integer of at least 2').default(50),
  /** A loss is surprising when it is this many standard deviations above the window's mean... */
  threshold: z.number().positive('expected a positive number').default(4),
  /** ...and this many times the mean... */
  ratio: z.number().min(1, 'expected a number of at least 1').default(2),
  /**
   * ...and at least this much above the mean (in the loss's units): near zero loss a few hard examples are many
   * standard deviations and ratios away, while a new context's unseen classes or pairings cost far more than 0.3 nats.
   */
  minRise: z.number().min(0, 'expected a number of at least 0').default(0.3),
  /** ...for this many steps in a row: then the data has changed. */
  consecutive: z.number().int().min(1, 'expected an integer of at least 1').default(3),
  /** Steps after a change in which no other is taken (the new context is being learned). */
  refractory: z.number().int().min(0, 'expected an integer of at least 0').default(500),
};
const lossChangeSchema = z.strictObject(lossChangeFields);
export type LossChangeSettings = z.output<typeof lossChangeSchema>;
export const DEFAULT_LOSS_CHANGE: Readonly<LossChangeSettings> = Object.freeze(lossChangeSchema.parse({}));

/** One loss scored against the window, before `settle` decides whether it completes a change. */
export interface LossReading {
  /** Standard deviations above the window's mean (0 before the window has a spread). */
  readonly z: number;
  readonly surprising: boolean;
  /** Surprising losses in a row, this one included. */
  readonly run: number;
}

/**
 * A change detector on a loss stream: each loss is scored against a moving window of the losses since the last
 * change; `consecutive` surprising losses in a row (outside the refractory period) are a change, after which the
 * window starts over. Surprising losses stay out of the window, so a change does not raise the bar it is held to.
 * Two steps per loss: `score` (the surprise, which may drive a modulator first) then `settle`.
 */
export class LossChangeDetector {
  private mean = NaN;
  private variance = 0;
  private run = 0;
  private step = 0;
  private lastChange = -Infinity;
  private readonly decay: number;

  readonly settings: LossChangeSettings;

  /** Surprising losses in a row so far (0 outside a run): the next `score` continues the run. */
  get pending(): number {
    return this.run;
  }

  constructor(settings: Partial<LossChangeSettings> = {}) {
    this.settings = parseSpec(lossChangeSchema, settings, 'lossChange');
    this.decay = 1 / this.settings.window;
  }

  score(loss: number): LossReading {
    const s = this.settings;
    const std = Math.sqrt(this.variance);
    const z = Number.isFinite(this.mean) && std > 0 ? (loss - this.mean) / std : 0;
    const surprising = z > s.threshold && loss > s.ratio * this.mean && loss - this.mean > s.minRise;
    this.run = surprising ? this.run + 1 : 0;
    return { z, surprising, run: this.run };
  }

  /**
   * Whether `reading` (this step's, from `score`) completes a change; `ready` false holds a change back (the
   * caller has nothing to consolidate yet). Then the window learns the loss unless it was surprising.
   */
  settle(reading: LossReading, loss: number, ready = true): boolean {
    const s = this.settings;
    const changed = ready && reading.run >= s.consecutive && this.step - this.lastChange > s.refractory;
    if (changed) {
      this.lastChange = this.step;
      this.run = 0;
      this.mean = NaN;
      this.variance = 0;
    }
    if (!reading.surprising) {
      if (!Number.isFinite(this.mean)) this.mean = loss;
      const d = loss - this.mean;
      this.mean += this.decay * d;
      this.variance = (1 - this.decay) * (this.variance + this.decay * d * d);
    }
    this.step++;
    return changed;
  }
}
