import { normalQuantile } from '../../util/stats.js';
import { GO, shiftKinds, type GoNoGoTaskSpec, type ShiftKind } from './task.js';

/** What happened on one trial. */
export interface TrialRecord {
  block: number;
  /** The compound cue shown, e.g. "AX". */
  stimulus: string;
  isGo: boolean;
  action: number;
  outcome: number;
}

/** Criterion: a fraction `accuracy` correct over the last `window` trials of the block. */
export interface Criterion {
  window: number;
  accuracy: number;
}

export const DEFAULT_CRITERION: Criterion = { window: 20, accuracy: 0.8 };

export interface BlockMetrics {
  block: number;
  shift: ShiftKind;
  trials: number;
  accuracy: number;
  hitRate: number;
  falseAlarmRate: number;
  /** Phi^-1(hit rate) - Phi^-1(false-alarm rate), each with the log-linear correction (k + 0.5) / (n + 1). */
  dPrime: number;
  /** Trials into the block when the criterion was first met (null: not within the block). */
  trialsToCriterion: number | null;
}

/** Whether the action was the right one: Go on a Go cue, withholding on a No-Go cue. */
export const isCorrect = (r: TrialRecord) => (r.action === GO) === r.isGo;

/**
 * Per trial, the fraction correct (`correct[t]` 1 or 0) over the last `window` trials of its block, fewer at the
 * block's start: the learning curve the criterion reads. `blockStarts` are the trials where blocks begin.
 */
export function accuracyCurve(
  correct: ArrayLike<number>,
  blockStarts: readonly number[],
  window: number,
): Float64Array {
  const out = new Float64Array(correct.length);
  let inWindow = 0;
  let start = 0;
  for (let t = 0; t < correct.length; t++) {
    if (blockStarts.includes(t)) {
      start = t;
      inWindow = 0;
    }
    inWindow += correct[t];
    if (t - start >= window) inWindow -= correct[t - window];
    out[t] = inWindow / Math.min(window, t - start + 1);
  }
  return out;
}

/** Per-block hit and false-alarm rates, d' and trials to criterion. */
export function blockMetrics(
  records: readonly TrialRecord[],
  spec: GoNoGoTaskSpec,
  criterion: Criterion = DEFAULT_CRITERION,
): BlockMetrics[] {
  const kinds = shiftKinds(spec);
  return spec.blocks.map((_, block) => {
    const rs = records.filter((r) => r.block === block);
    const goTrials = rs.filter((r) => r.isGo);
    const noGoTrials = rs.filter((r) => !r.isGo);
    const hits = goTrials.filter((r) => r.action === GO).length;
    const falseAlarms = noGoTrials.filter((r) => r.action === GO).length;
    const corrected = (k: number, n: number) => (k + 0.5) / (n + 1);
    let trialsToCriterion: number | null = null;
    let inWindow = 0;
    for (let t = 0; t < rs.length; t++) {
      inWindow += isCorrect(rs[t]) ? 1 : 0;
      if (t >= criterion.window) inWindow -= isCorrect(rs[t - criterion.window]) ? 1 : 0;
      if (t + 1 >= criterion.window && inWindow >= criterion.accuracy * criterion.window) {
        trialsToCriterion = t + 1;
        break;
      }
    }
    return {
      block,
      shift: kinds[block],
      trials: rs.length,
      accuracy: rs.length ? rs.filter(isCorrect).length / rs.length : NaN,
      hitRate: goTrials.length ? hits / goTrials.length : NaN,
      falseAlarmRate: noGoTrials.length ? falseAlarms / noGoTrials.length : NaN,
      dPrime:
        normalQuantile(corrected(hits, goTrials.length)) -
        normalQuantile(corrected(falseAlarms, noGoTrials.length)),
      trialsToCriterion,
    };
  });
}

/**
 * The conditional action entropy H(A|C) in bits over a sliding window of trials ending at each trial: the cues'
 * frequencies in the window weight the entropy of the actions taken on each cue. 0 when every cue gets one
 * action; 1 when every cue gets Go and No-Go equally often.
 */
export function conditionalActionEntropy(records: readonly TrialRecord[], window = 20): Float64Array {
  const out = new Float64Array(records.length);
  const counts = new Map<string, [number, number]>();
  const add = (r: TrialRecord, k: number) => {
    const c = counts.get(r.stimulus) ?? [0, 0];
    c[r.action === GO ? 1 : 0] += k;
    counts.set(r.stimulus, c);
  };
  for (let t = 0; t < records.length; t++) {
    add(records[t], 1);
    if (t >= window) add(records[t - window], -1);
    const n = Math.min(t + 1, window);
    let h = 0;
    for (const [noGo, go] of counts.values()) {
      const m = noGo + go;
      if (m === 0) continue;
      for (const k of [noGo, go]) if (k > 0) h -= (k / n) * Math.log2(k / m);
    }
    out[t] = h;
  }
  return out;
}
