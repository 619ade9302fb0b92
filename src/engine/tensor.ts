import { kernels } from './kernels/registry.js';

/** A dense float32 tensor: row-major data with its shape (batch first for activations). */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(shape: number[], data?: Float32Array): Tensor {
  const n = sizeOf(shape);
  if (data && data.length !== n)
    throw new RangeError(`tensor: shape [${shape}] needs ${n} values, got ${data.length}`);
  return { shape, data: data ?? kernels.allocState(n) };
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A trainable parameter with its gradient buffer (same length). */
export interface Param {
  /** Unique within a model, e.g. "fc1.weight". */
  name: string;
  shape: number[];
  value: Float32Array;
  grad: Float32Array;
}

/**
 * Parameters live where the active backend's kernels use them in place (linear memory for WASM), so optimizer
 * steps and GEMMs on them copy nothing.
 */
export function param(name: string, shape: number[]): Param {
  const n = sizeOf(shape);
  return { name, shape, value: kernels.allocState(n), grad: kernels.allocState(n) };
}

/** The storage each ensureTensor result views (it may be larger than the tensor). */
const blocks = new WeakMap<Tensor, Float32Array>();

/**
 * Reuses `t` when it already has the wanted shape, and its storage when that is large enough (a training batch
 * after an evaluation batch, a short last batch), so that alternating shapes do not allocate; the contents are then
 * unspecified, as for a reused tensor.
 */
export function ensureTensor(t: Tensor | null, shape: number[]): Tensor {
  if (t && t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  const n = sizeOf(shape);
  const old = t ? blocks.get(t) : undefined;
  const block = old && old.length >= n ? old : kernels.allocState(n);
  const out = { shape, data: block.length === n ? block : block.subarray(0, n) };
  blocks.set(out, block);
  return out;
}
