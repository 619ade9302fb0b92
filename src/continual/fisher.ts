import { Dense, kernels, type Param, type Sequential } from '../engine/index.js';
import type { Rng } from '../util/rng.js';

/**
 * Which labels the Fisher information's expectation runs over:
 * - `all`: every active output c weighted by the model's p(c|x) (the exact Fisher; the default of van de Ven's 2022
 *   code);
 * - `predicted`: the model's most likely output (what their 2019 code, behind the paper's tables, takes);
 * - `sample`: one output drawn from p(c|x);
 * - `empirical`: the true label (the "empirical Fisher", an ablation).
 */
export type FisherLabels = 'all' | 'predicted' | 'sample' | 'empirical';

/** Samples whose Fisher information is averaged: inputs, each row's active outputs, and true targets. */
export interface FisherSamples {
  x: Float32Array;
  rows: number;
  from: number;
  to: number;
  targets: Int32Array;
}

/** Per-row label weights: w[r][c] is how much output c's squared gradient counts for row r. */
function labelWeights(
  logits: Float32Array,
  outputs: number,
  s: FisherSamples,
  labels: FisherLabels,
  rng: Rng,
): Float32Array {
  const w = new Float32Array(s.rows * outputs);
  for (let r = 0; r < s.rows; r++) {
    const row = r * outputs;
    let max = -Infinity;
    let arg = s.from;
    for (let j = s.from; j < s.to; j++)
      if (logits[row + j] > max) {
        max = logits[row + j];
        arg = j;
      }
    if (labels === 'predicted') w[row + arg] = 1;
    else if (labels === 'empirical') w[row + s.targets[r]] = 1;
    else {
      let z = 0;
      for (let j = s.from; j < s.to; j++) z += Math.exp(logits[row + j] - max);
      if (labels === 'all')
        for (let j = s.from; j < s.to; j++) w[row + j] = Math.exp(logits[row + j] - max) / z;
      else {
        let u = rng.float() * z;
        let pick = s.to - 1;
        for (let j = s.from; j < s.to; j++)
          if ((u -= Math.exp(logits[row + j] - max)) <= 0) {
            pick = j;
            break;
          }
        w[row + pick] = 1;
      }
    }
  }
  return w;
}

/** d(-log p_c)/d(logits) over [from, to) for each row, times sqrt of the row's weight for c. */
function labelGradient(logits: Float32Array, outputs: number, s: FisherSamples, c: number, w: Float32Array) {
  const g = new Float32Array(s.rows * outputs);
  for (let r = 0; r < s.rows; r++) {
    const row = r * outputs;
    const scale = Math.sqrt(w[row + c]);
    if (scale === 0) continue;
    let max = -Infinity;
    for (let j = s.from; j < s.to; j++) max = Math.max(max, logits[row + j]);
    let z = 0;
    for (let j = s.from; j < s.to; j++) z += Math.exp(logits[row + j] - max);
    for (let j = s.from; j < s.to; j++) g[row + j] = (scale * Math.exp(logits[row + j] - max)) / z;
    g[row + c] -= scale;
  }
  return g;
}

/** Whether every layer is one the batched path handles (dense, ReLU, flatten, dropout at evaluation). */
function batchable(model: Sequential): boolean {
  return model.leaves().every((l) => ['dense', 'relu', 'flatten', 'dropout'].includes(l.kind));
}

/**
 * The diagonal of the Fisher information of `model` over the samples, the mean over rows of the squared gradient of
 * -log p(c|x) (c as `labels` says), per parameter. Accumulated into `into` (keyed by parameter) when given.
 * For a dense network each row's squared gradient is summed in one matrix product per layer and label (a row's weight
 * gradient is the outer product of its input and output gradient, so its square is that of their squares); other
 * networks take one backward pass per row.
 */
export function diagonalFisher(
  model: Sequential,
  s: FisherSamples,
  labels: FisherLabels,
  rng: Rng,
  batchSize = 256,
): Map<Param, Float32Array> {
  const fisher = new Map<Param, Float32Array>(
    model.params().map((p) => [p, new Float32Array(p.value.length)]),
  );
  const inputSize = s.x.length / s.rows;
  const fast = batchable(model);
  for (let start = 0; start < s.rows; start += batchSize) {
    const rows = Math.min(batchSize, s.rows - start);
    const part: FisherSamples = {
      ...s,
      x: s.x.subarray(start * inputSize, (start + rows) * inputSize),
      rows,
      targets: s.targets.subarray(start, start + rows),
    };
    if (fast) accumulateDense(model, part, labels, rng, fisher);
    else accumulatePerRow(model, part, labels, rng, fisher);
  }
  for (const f of fisher.values()) for (let i = 0; i < f.length; i++) f[i] /= s.rows;
  return fisher;
}

function accumulateDense(
  model: Sequential,
  s: FisherSamples,
  labels: FisherLabels,
  rng: Rng,
  fisher: Map<Param, Float32Array>,
) {
  const out = model.forward({ shape: [s.rows, s.x.length / s.rows], data: s.x }, false);
  const outputs = out.shape[1];
  const logits = out.data.slice(0, s.rows * outputs);
  const w = labelWeights(logits, outputs, s, labels, rng);
  const layers = model.leaves();
  // Nothing below the first layer with parameters needs a gradient.
  const firstWithParams = layers.findIndex((l) => l.params().length > 0);
  // Each dense layer's input, squared, as this forward pass left it.
  const inputsSquared = new Map(
    layers
      .filter((l): l is Dense => l instanceof Dense)
      .map((l) => [l, l.activity().input!.data.map((v) => v * v)] as const),
  );
  for (let c = s.from; c < s.to; c++) {
    let any = false;
    for (let r = 0; r < s.rows && !any; r++) any = w[r * outputs + c] > 0;
    if (!any) continue;
    let dy = labelGradient(logits, outputs, s, c, w);
    let width = outputs;
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i];
      if (layer instanceof Dense) {
        const k = layer.inFeatures;
        const dy2 = dy.map((v) => v * v);
        kernels.gemm(
          true,
          false,
          k,
          width,
          s.rows,
          1,
          inputsSquared.get(layer)!,
          k,
          dy2,
          width,
          1,
          fisher.get(layer.weight)!,
          width,
        );
        if (layer.bias) {
          const fb = fisher.get(layer.bias)!;
          for (let r = 0; r < s.rows; r++) for (let j = 0; j < width; j++) fb[j] += dy2[r * width + j];
        }
        if (i === firstWithParams) break;
        const dx = new Float32Array(s.rows * k);
        kernels.gemm(false, true, s.rows, k, width, 1, dy, width, layer.weight.value, width, 0, dx, k);
        dy = dx;
        width = k;
      } else if (layer.kind === 'relu') {
        const y = layer.activity().output!.data;
        for (let j = 0; j < dy.length; j++) if (!(y[j] > 0)) dy[j] = 0;
      }
      // flatten and dropout (at evaluation) pass the gradient through unchanged.
    }
  }
}

/** One backward pass per row and label: the definition, for any network (and the batched path's oracle). */
export function accumulatePerRow(
  model: Sequential,
  s: FisherSamples,
  labels: FisherLabels,
  rng: Rng,
  fisher: Map<Param, Float32Array>,
) {
  const inputSize = s.x.length / s.rows;
  const params = model.params();
  const saved = params.map((p) => p.grad.slice());
  for (let r = 0; r < s.rows; r++) {
    const x = s.x.slice(r * inputSize, (r + 1) * inputSize);
    const out = model.forward({ shape: [1, ...model.inputShape], data: x }, false);
    const outputs = out.shape[1];
    const logits = out.data.slice(0, outputs);
    const one: FisherSamples = { ...s, x, rows: 1, targets: s.targets.subarray(r, r + 1) };
    const w = labelWeights(logits, outputs, one, labels, rng);
    for (let c = s.from; c < s.to; c++) {
      if (w[c] === 0) continue;
      model.forward({ shape: [1, ...model.inputShape], data: x }, false);
      model.zeroGrad();
      model.backward({ shape: [1, outputs], data: labelGradient(logits, outputs, one, c, w) });
      for (const p of params) {
        const f = fisher.get(p)!;
        for (let i = 0; i < f.length; i++) f[i] += p.grad[i] * p.grad[i];
      }
    }
  }
  params.forEach((p, i) => p.grad.set(saved[i]));
}
