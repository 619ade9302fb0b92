import { BatchNorm, type Layer, type Sequential, type Tensor } from '../../engine/index.js';

/** Every batch-norm layer of the model, residual blocks opened. */
export function batchNormLayers(model: Sequential): BatchNorm[] {
  return model.leaves().filter((l): l is BatchNorm => l instanceof BatchNorm);
}

const containsBatchNorm = (layer: Layer): boolean =>
  layer instanceof BatchNorm || layer.children().some(containsBatchNorm);

/**
 * Forward pass in which batch normalisation uses the batch's own statistics and everything else runs as in evaluation
 * (dropout off). The engine's training-mode batch norm also moves its running statistics; they are put back, so the
 * pass leaves the model as it found it (PyTorch's track_running_stats=False, as TENT configures it). The layers keep
 * what backward needs, so `model.backward` may follow.
 */
export function forwardWithBatchStatistics(model: Sequential, x: Tensor): Tensor {
  const norms = batchNormLayers(model);
  const saved = norms.map((bn) => [bn.runningMean.value.slice(), bn.runningVar.value.slice()] as const);
  let h = x;
  try {
    // Only layers holding batch norm run in training mode: dropout and the rest stay as in evaluation.
    for (const layer of model.layers) h = layer.forward(h, containsBatchNorm(layer));
  } finally {
    norms.forEach((bn, i) => {
      bn.runningMean.value.set(saved[i][0]);
      bn.runningVar.value.set(saved[i][1]);
    });
  }
  return h;
}

/** The class with the highest logit per row (the first on ties). */
export function argmaxRows(logits: Tensor): Int32Array {
  const [batch, classes] = logits.shape;
  const out = new Int32Array(batch);
  const z = logits.data;
  for (let i = 0; i < batch; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (z[i * classes + k] > z[i * classes + best]) best = k;
    out[i] = best;
  }
  return out;
}

/**
 * Mean Shannon entropy (nats) of the softmax of each row, H = -sum_k p_k log p_k, and, into `grad` when given, its
 * gradient w.r.t. the logits: dH/dz_k = -p_k (log p_k + H) per row, divided by the batch size for the mean.
 * Computed in float64 with a stable log-softmax.
 */
export function meanSoftmaxEntropy(logits: Tensor, grad?: Float32Array): number {
  const [batch, classes] = logits.shape;
  const z = logits.data;
  const logP = new Float64Array(classes);
  let total = 0;
  for (let i = 0; i < batch; i++) {
    const row = i * classes;
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, z[row + k]);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(z[row + k] - max);
    const logSum = Math.log(sum) + max;
    let h = 0;
    for (let k = 0; k < classes; k++) {
      logP[k] = z[row + k] - logSum;
      h -= Math.exp(logP[k]) * logP[k];
    }
    total += h;
    if (grad) for (let k = 0; k < classes; k++) grad[row + k] = (-Math.exp(logP[k]) * (logP[k] + h)) / batch;
  }
  return total / batch;
}
