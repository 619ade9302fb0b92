import { ConfigError } from '../util/errors.js';

/** When a stream of losses says the data changed (see `LossChangeDetector`). */
export interface LossChangeSettings {
  /** Steps of the moving window (an exponential average over about this many steps). */
  window: number;
  /** A loss is surprising when it is this many standard deviations above the window's mean... */
  threshold: number;
  /** ...and this many times the mean... */
  ratio: number;
  /** ...and at least this much above the mean (in the loss's units). */
  minRise: number;
  /** ...for this many steps in a row: then the data has changed. */
  consecutive: number;
  /** Steps after a change in which no other is taken. */
  refractory: number;
}

/** The task-free method's settings for a classifier's cross-entropy (nats) over steps of one batch. */
export const DEFAULT_LOSS_CHANGE: Readonly<LossChangeSettings> = Object.freeze({
  window: 50,
  threshold: 4,
  ratio: 2,
  minRise: 0.3,
  consecutive: 3,
  refractory: 500,
});

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

  constructor(settings: Partial<LossChangeSettings> = {}) {
    this.settings = { ...DEFAULT_LOSS_CHANGE, ...settings };
    const bounds: [keyof LossChangeSettings, number, boolean, string][] = [
      ['window', 2, true, 'an integer of at least 2'],
      ['threshold', 0, false, 'a positive number'],
      ['ratio', 1, false, 'a number of at least 1'],
      ['minRise', 0, false, 'a number of at least 0'],
      ['consecutive', 1, true, 'an integer of at least 1'],
      ['refractory', 0, true, 'an integer of at least 0'],
    ];
    for (const [key, min, integer, expected] of bounds) {
      const v = this.settings[key];
      const ok =
        Number.isFinite(v) && (key === 'threshold' ? v > 0 : v >= min) && (!integer || Number.isInteger(v));
      if (!ok) throw new ConfigError(`lossChange.${key}`, `expected ${expected}, found ${v}`);
    }
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
