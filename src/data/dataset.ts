import { Rng } from '../util/rng.js';
import { ConfigError } from '../util/errors.js';

/** One split of a labelled image dataset, stored compactly as bytes (NCHW). */
export interface ImageSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface LabeledImageDataset {
  name: string;
  /** [channels, height, width] */
  shape: [number, number, number];
  classes: string[];
  train: ImageSplit;
  test: ImageSplit;
  /** Where it was read from. */
  source: string;
  /** E.g. that a CIFAR batch is partial. */
  notes: string[];
}

/** Count of each label value 0..numClasses-1 over the given indices (or all). */
export function labelCounts(labels: Uint8Array, numClasses: number, indices?: ArrayLike<number>): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  if (indices) for (let i = 0; i < indices.length; i++) counts[labels[indices[i]]]++;
  else for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}

function checkFraction(field: string, f: number, allowZero: boolean): void {
  if (!Number.isFinite(f) || f > 1 || f < 0 || (!allowZero && f === 0)) {
    throw new ConfigError(field, `expected a fraction in ${allowZero ? '[0, 1]' : '(0, 1]'}, found ${f}`);
  }
}

/** Indices grouped by class, each group in a seeded random order. */
function shuffledByClass(
  labels: Uint8Array,
  indices: ArrayLike<number>,
  numClasses: number,
  rng: Rng,
): number[][] {
  const groups: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < indices.length; i++) groups[labels[indices[i]]].push(indices[i]);
  for (const g of groups) rng.shuffle(g);
  return groups;
}

/**
 * A stratified, seeded fraction of `indices`: each class keeps round(fraction * its count). A fraction that keeps
 * no image of a class present is an error with the numbers (rather than a silent one image per class). Subsets with
 * the same seed are nested: the 1% subset lies inside the 5% one. Returned indices are sorted ascending.
 */
export function stratifiedSubset(
  labels: Uint8Array,
  numClasses: number,
  fraction: number,
  seed: number,
  indices?: ArrayLike<number>,
): Uint32Array {
  checkFraction('fraction', fraction, false);
  const all = indices ?? Uint32Array.from({ length: labels.length }, (_, i) => i);
  const groups = shuffledByClass(labels, all, numClasses, new Rng(seed, 0x5b5e7));
  const smallest = groups.reduce((m, g) => (g.length > 0 && g.length < m.length ? g : m), all);
  if (smallest.length > 0 && Math.round(fraction * smallest.length) === 0) {
    throw new ConfigError(
      'trainFraction',
      `${fraction} keeps no image of class ${labels[smallest[0]]} (${smallest.length} of the ${all.length} ` +
        `training images here); expected at least ${((0.5 / smallest.length) * 1.005).toPrecision(3)}`,
    );
  }
  const picked: number[] = [];
  for (const g of groups) {
    const k = Math.round(fraction * g.length);
    for (let i = 0; i < k; i++) picked.push(g[i]);
  }
  return Uint32Array.from(picked).sort();
}

/** Stratified train/validation split of `indices` with `validationFraction` of each class held out. */
export function trainValidationSplit(
  labels: Uint8Array,
  numClasses: number,
  validationFraction: number,
  seed: number,
  indices?: ArrayLike<number>,
): { train: Uint32Array; validation: Uint32Array } {
  checkFraction('validationFraction', validationFraction, true);
  const all = indices ?? Uint32Array.from({ length: labels.length }, (_, i) => i);
  const groups = shuffledByClass(labels, all, numClasses, new Rng(seed, 0x7a11d));
  const train: number[] = [];
  const validation: number[] = [];
  for (const g of groups) {
    const k = Math.round(validationFraction * g.length);
    for (let i = 0; i < g.length; i++) (i < k ? validation : train).push(g[i]);
  }
  return { train: Uint32Array.from(train).sort(), validation: Uint32Array.from(validation).sort() };
}

/**
 * Copies the images at `indices[from..to)` into `x` as floats scaled to [0,1] (then standardised with
 * per-channel mean/std if given) and their labels into `y`.
 */
export function gatherBatch(
  split: ImageSplit,
  shape: [number, number, number],
  indices: ArrayLike<number>,
  from: number,
  to: number,
  x: Float32Array,
  y: Int32Array,
  norm?: { mean: number[]; std: number[] },
): void {
  const [c, h, w] = shape;
  const plane = h * w;
  const size = c * plane;
  for (let b = 0; b < to - from; b++) {
    const idx = indices[from + b];
    y[b] = split.labels[idx];
    const src = idx * size;
    const dst = b * size;
    if (!norm) {
      for (let i = 0; i < size; i++) x[dst + i] = split.images[src + i] / 255;
    } else {
      for (let ch = 0; ch < c; ch++) {
        const m = norm.mean[ch];
        const s = 1 / norm.std[ch];
        const o = ch * plane;
        for (let i = 0; i < plane; i++) x[dst + o + i] = (split.images[src + o + i] / 255 - m) * s;
      }
    }
  }
}

/** Per-channel mean and std of pixel values scaled to [0,1], over the given indices. */
export function channelStats(
  split: ImageSplit,
  shape: [number, number, number],
  indices: ArrayLike<number>,
): { mean: number[]; std: number[] } {
  const [c, h, w] = shape;
  const plane = h * w;
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  for (let k = 0; k < indices.length; k++) {
    const base = indices[k] * c * plane;
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      let q = 0;
      for (let i = 0; i < plane; i++) {
        const v = split.images[base + ch * plane + i] / 255;
        s += v;
        q += v * v;
      }
      sum[ch] += s;
      sq[ch] += q;
    }
  }
  const n = indices.length * plane;
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sq, (q, ch) => Math.sqrt(Math.max(1e-12, q / n - mean[ch] * mean[ch])));
  return { mean, std };
}
