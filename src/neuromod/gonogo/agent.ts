import type { LearnerSignals } from '../signals.js';
import type { Trial } from './task.js';

/** What a Go/No-Go learner does on a trial: choose, then learn from the outcome. */
export interface GoNoGoAgent {
  /** Shows the trial's cues and chooses: GO (1) or NO_GO (0); `value` is the critic's prediction V. */
  act(trial: Trial): { action: number; value: number };
  /** Learns from the outcome of the last `act`; the signals (TD error, surprise, ...) drive its modulators. */
  learn(signals: LearnerSignals): void;
}
