/** A linear readout (softmax regression) trained on response vectors: the standard probe of what a network encodes. */
import { Dense, Sequential, softmaxCrossEntropy, tensor } from '../../../engine/index.js';
import { AdamW } from '../../../optim/index.js';
import { Rng } from '../../../util/rng.js';

export interface LinearReadoutOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  seed: number;
}

export interface LinearReadout {
  /** Predicted class per row of `x` (rows of `features` values, unstandardised). */
  predict(x: Float32Array): Int32Array;
  trainAccuracy: number;
}

/**
 * Trains softmax regression on rows of `features` values: each feature standardised by the training rows' mean and
 * standard deviation (a constant feature becomes 0), AdamW on shuffled mini-batches, cross-entropy.
 */
export function trainLinearReadout(
  x: Float32Array,
  labels: Int32Array,
  features: number,
  classes: number,
  o: LinearReadoutOptions,
): LinearReadout {
  const n = labels.length;
  const mean = new Float64Array(features);
  const sd = new Float64Array(features);
  for (let i = 0; i < n; i++) for (let j = 0; j < features; j++) mean[j] += x[i * features + j] / n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < features; j++) sd[j] += (x[i * features + j] - mean[j]) ** 2 / n;
  const scale = Float64Array.from(sd, (v) => (v > 0 ? 1 / Math.sqrt(v) : 0));
  const standardise = (rows: Float32Array) => {
    const out = new Float32Array(rows.length);
    for (let k = 0; k < rows.length; k++) {
      const j = k % features;
      out[k] = (rows[k] - mean[j]) * scale[j];
    }
    return out;
  };
  const z = standardise(x);
  const rng = new Rng(o.seed, 77);
  const model = new Sequential([new Dense('readout', features, classes)], [features]).init(rng);
  const optimizer = new AdamW({ lr: o.learningRate, weightDecay: o.weightDecay });
  const params = model.params();
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const xb = new Float32Array(o.batchSize * features);
  const yb = new Int32Array(o.batchSize);
  const grad = new Float32Array(o.batchSize * classes);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.float() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let from = 0; from < n; from += o.batchSize) {
      const b = Math.min(o.batchSize, n - from);
      for (let k = 0; k < b; k++) {
        const row = order[from + k];
        xb.set(z.subarray(row * features, (row + 1) * features), k * features);
        yb[k] = labels[row];
      }
      model.zeroGrad();
      const out = model.forward(tensor([b, features], xb.subarray(0, b * features)), true);
      const g = grad.subarray(0, b * classes);
      softmaxCrossEntropy(out, yb.subarray(0, b), g);
      model.backward({ shape: out.shape, data: g });
      optimizer.step(params, { epoch });
    }
  }
  const predict = (rows: Float32Array): Int32Array => {
    const m = rows.length / features;
    const out = model.forward(tensor([m, features], standardise(rows)), false);
    return Int32Array.from({ length: m }, (_, i) => {
      let best = 0;
      for (let c = 1; c < classes; c++)
        if (out.data[i * classes + c] > out.data[i * classes + best]) best = c;
      return best;
    });
  };
  const trainPredicted = predict(x);
  return { predict, trainAccuracy: trainPredicted.filter((p, i) => p === labels[i]).length / n };
}
