import type { ImageSplit, LabeledImageDataset } from '../data/index.js';
import { ConfigError } from '../util/errors.js';
import { validateSplit, type ContextSplit } from './contexts.js';

/** Which of a context's sample sets to read. */
export type Part = 'train' | 'test';

/** One context of a benchmark: its classes and its samples, read into float rows on demand. */
export interface ContinualContext {
  /** The labels its samples carry, as the benchmark's split numbers classes. */
  readonly classes: readonly number[];
  readonly trainCount: number;
  readonly testCount: number;
  /**
   * Copies samples `idx[from..to)` (positions within this context's `part`) into consecutive rows of `x` (floats in
   * [0, 1]) and their labels into `y`.
   */
  gather(part: Part, idx: ArrayLike<number>, from: number, to: number, x: Float32Array, y: Int32Array): void;
}

/** A sequence of contexts over one input space, with the split that numbers their classes. */
export interface ContinualBenchmark {
  readonly name: string;
  readonly inputSize: number;
  readonly split: ContextSplit;
  readonly contexts: readonly ContinualContext[];
}

/** The positions in `split` whose label is one of `classes`, in dataset order. */
function samplesOf(split: ImageSplit, classes: readonly number[]): Uint32Array {
  const wanted = new Uint8Array(256);
  for (const c of classes) wanted[c] = 1;
  const out: number[] = [];
  for (let i = 0; i < split.count; i++) if (wanted[split.labels[i]]) out.push(i);
  return Uint32Array.from(out);
}

/**
 * A context reading samples `rows` of a dataset split through a pixel map (`source[i]` is the dataset pixel behind
 * input i, or -1 for zero padding) and relabelling each as `label(datasetLabel)`.
 */
function mappedContext(
  ds: LabeledImageDataset,
  classes: readonly number[],
  rows: Record<Part, Uint32Array>,
  source: Int32Array | null,
  label: (datasetLabel: number) => number,
): ContinualContext {
  const size = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const width = source ? source.length : size;
  return {
    classes,
    trainCount: rows.train.length,
    testCount: rows.test.length,
    gather(part, idx, from, to, x, y) {
      const split = ds[part];
      const positions = rows[part];
      const px = split.images;
      for (let b = 0; b < to - from; b++) {
        const sample = positions[idx[from + b]];
        y[b] = label(split.labels[sample]);
        const src = sample * size;
        const dst = b * width;
        if (source)
          for (let i = 0; i < width; i++) x[dst + i] = source[i] < 0 ? 0 : px[src + source[i]] / 255;
        else for (let i = 0; i < width; i++) x[dst + i] = px[src + i] / 255;
      }
    },
  };
}

/** Split MNIST and Split Fashion-MNIST: each context the samples of its classes, labelled as the dataset labels them. */
export function splitBenchmark(ds: LabeledImageDataset, split: ContextSplit): ContinualBenchmark {
  if (split.classCount !== ds.classes.length)
    throw new ConfigError(
      'contexts',
      `expected a split of the ${ds.classes.length} classes of ${ds.name}, found one of ${split.classCount}`,
    );
  validateSplit(split);
  return {
    name: `split-${ds.name}`,
    inputSize: ds.shape[0] * ds.shape[1] * ds.shape[2],
    split,
    contexts: split.contexts.map((classes) =>
      mappedContext(
        ds,
        classes,
        { train: samplesOf(ds.train, classes), test: samplesOf(ds.test, classes) },
        null,
        (l) => l,
      ),
    ),
  };
}

/**
 * Permuted MNIST: every image zero-padded to `padTo` x `padTo` (centred), then its pixels permuted by the context's
 * permutation. Context k's digit d is class `k * classes + d`, so the three scenarios' heads follow from the split
 * (domain-IL shares one output per digit; class-IL has one per digit and context).
 */
export function permutedBenchmark(
  ds: LabeledImageDataset,
  permutations: readonly Uint32Array[],
  padTo = 32,
): ContinualBenchmark {
  const [channels, height, width] = ds.shape;
  if (channels !== 1 || padTo < height || padTo < width || (padTo - height) % 2 || (padTo - width) % 2)
    throw new ConfigError(
      'padTo',
      `expected a side of at least ${Math.max(height, width)} that pads ${ds.name}'s ${height}x${width} images evenly, found ${padTo}`,
    );
  const inputs = padTo * padTo;
  permutations.forEach((p, k) => {
    if (p.length !== inputs)
      throw new ConfigError(`permutations[${k}]`, `expected ${inputs} pixel indices, found ${p.length}`);
  });
  const [top, left] = [(padTo - height) / 2, (padTo - width) / 2];
  const padded = new Int32Array(inputs).fill(-1);
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++) padded[(r + top) * padTo + c + left] = r * width + c;
  const n = ds.classes.length;
  const all = Array.from({ length: n }, (_, d) => d);
  const rows = { train: samplesOf(ds.train, all), test: samplesOf(ds.test, all) };
  const contexts = permutations.map((perm, k) => {
    const source = Int32Array.from(perm, (p) => padded[p]);
    return mappedContext(
      ds,
      all.map((d) => k * n + d),
      rows,
      source,
      (d) => k * n + d,
    );
  });
  return {
    name: `permuted-${ds.name}`,
    inputSize: inputs,
    split: validateSplit({
      contexts: contexts.map((c) => [...c.classes]),
      classCount: n * permutations.length,
    }),
    contexts,
  };
}
