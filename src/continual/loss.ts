/**
 * The losses of continual training: cross-entropy or distillation over each row's active outputs (the scenario's
 * head), several terms per batch (task-IL distillation scores each earlier context's head on the same rows).
 */

/** One loss over a batch's rows, restricted per row to the outputs [from[r], to[r]). */
export interface LossTerm {
  from: Int32Array;
  to: Int32Array;
  /** Hard targets: the output each row is trained toward. */
  hard?: Int32Array;
  /**
   * Soft targets (rows x outputs probabilities; zero where a class is outside the teacher's head), matched at
   * `temperature` as Hinton et al.'s distillation does: T^2 times the cross-entropy of softmax(z / T).
   */
  soft?: Float32Array;
  temperature?: number;
  /** The term's weight in the step's total loss. */
  weight: number;
}

/** Inputs (rows x features) and the loss terms scored on them. */
export interface TrainingBatch {
  x: Float32Array;
  rows: number;
  terms: LossTerm[];
}

/** A per-row range array of `rows` entries all equal to `value`. */
export function fillRange(rows: number, value: number): Int32Array {
  return new Int32Array(rows).fill(value);
}

/**
 * Adds each term's weighted mean loss over the rows, and (when given) its gradient with respect to the logits
 * into `grad` (rows x outputs, accumulated, not overwritten). Returns the weighted loss.
 */
export function termsLoss(
  logits: Float32Array,
  rows: number,
  outputs: number,
  terms: readonly LossTerm[],
  grad?: Float32Array,
): number {
  let total = 0;
  for (const term of terms) {
    const t = term.soft ? (term.temperature ?? 1) : 1;
    const scale = term.weight / rows;
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      const row = r * outputs;
      const from = term.from[r];
      const to = term.to[r];
      let max = -Infinity;
      for (let j = from; j < to; j++) max = Math.max(max, logits[row + j] / t);
      let z = 0;
      for (let j = from; j < to; j++) z += Math.exp(logits[row + j] / t - max);
      const logZ = Math.log(z) + max;
      if (term.soft) {
        // T^2 * -sum q log p; d/dlogit = T (p - q).
        for (let j = from; j < to; j++) {
          const q = term.soft[row + j];
          const logP = logits[row + j] / t - logZ;
          sum -= q * logP * t * t;
          if (grad) grad[row + j] += scale * t * (Math.exp(logP) - q);
        }
      } else {
        const target = term.hard![r];
        sum += logZ - logits[row + target];
        if (grad) {
          for (let j = from; j < to; j++) grad[row + j] += scale * Math.exp(logits[row + j] - logZ);
          grad[row + target] -= scale;
        }
      }
    }
    total += scale * sum;
  }
  return total;
}

/**
 * A teacher's soft targets: softmax(z / T) over each row's [from, to) of `logits` (rows x outputs), written into a
 * rows x `width` array (zero elsewhere), so a teacher with fewer outputs can teach a wider student.
 */
export function softTargets(
  logits: Float32Array,
  rows: number,
  outputs: number,
  from: Int32Array,
  to: Int32Array,
  temperature: number,
  width = outputs,
): Float32Array {
  const q = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let j = from[r]; j < to[r]; j++) max = Math.max(max, logits[r * outputs + j] / temperature);
    let z = 0;
    for (let j = from[r]; j < to[r]; j++) z += Math.exp(logits[r * outputs + j] / temperature - max);
    for (let j = from[r]; j < to[r]; j++)
      q[r * width + j] = Math.exp(logits[r * outputs + j] / temperature - max) / z;
  }
  return q;
}

/** Row r's prediction: the argmax of its logits over [from, to). */
export function argmaxIn(logits: Float32Array, row: number, from: number, to: number): number {
  let best = from;
  for (let j = from + 1; j < to; j++) if (logits[row + j] > logits[row + best]) best = j;
  return best;
}
