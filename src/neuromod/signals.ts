/**
 * What a learner reports to its neuromodulators each update. Every field is optional: a signal the learner does not
 * report drives no phasic response and leaves the tonic level that follows it where it is.
 */
export interface LearnerSignals {
  /** The reward received this update (positive) or 0. */
  reward?: number;
  /** The temporal-difference (reward-prediction) error delta = r + gamma V(s') - V(s). */
  tdError?: number;
  /** An aversive outcome's size (>= 0): punishment, a false alarm's cost. */
  punishment?: number;
  /** Unexpected uncertainty: a surprise measure (>= 0), e.g. from a `SurpriseDetector`. */
  surprise?: number;
  /** Expected uncertainty (>= 0): how unreliable the learner knows its predictions to be. */
  uncertainty?: number;
  /** The size of the latest prediction error (>= 0): expected uncertainty's default source. */
  predictionError?: number;
}

export const SIGNAL_NAMES = [
  'reward',
  'tdError',
  'punishment',
  'surprise',
  'uncertainty',
  'predictionError',
] as const satisfies readonly (keyof LearnerSignals)[];
