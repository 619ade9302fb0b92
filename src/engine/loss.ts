import type { Tensor } from './tensor.js';

export interface LossResult {
  /** Mean loss over the batch. */
  loss: number;
  /** Number of rows whose argmax equals the label. */
  correct: number;
}

/**
 * Softmax cross-entropy with integer labels, computed stably (log-sum-exp). Writes d(mean loss)/d(logits)
 * into `grad` when given.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Int32Array, grad?: Float32Array): LossResult {
  const [batch, classes] = logits.shape;
  if (logits.shape.length !== 2)
    throw new RangeError(`softmaxCrossEntropy: expected logits [batch, classes], found [${logits.shape}]`);
  const z = logits.data;
  let total = 0;
  let correct = 0;
  for (let i = 0; i < batch; i++) {
    const row = i * classes;
    const label = labels[i];
    if (label < 0 || label >= classes)
      throw new RangeError(`softmaxCrossEntropy: label ${label} at row ${i} outside [0, ${classes})`);
    let max = -Infinity;
    let arg = 0;
    for (let j = 0; j < classes; j++) {
      if (z[row + j] > max) {
        max = z[row + j];
        arg = j;
      }
    }
    if (arg === label) correct++;
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(z[row + j] - max);
    const logSum = Math.log(sum) + max;
    total += logSum - z[row + label];
    if (grad) {
      const inv = 1 / batch;
      for (let j = 0; j < classes; j++) grad[row + j] = Math.exp(z[row + j] - logSum) * inv;
      grad[row + label] -= inv;
    }
  }
  return { loss: total / batch, correct };
}
