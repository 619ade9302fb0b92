import type { LabeledImageDataset } from '../../data/index.js';
import { Rng } from '../../util/rng.js';
import { createAdapter, type AdapterName, type AdapterOptions } from './adapters.js';
import { buildVisionClassifier, copyModel, trainClassifier } from './classifier.js';
import { corruptImage, type CorruptionName } from './corruptions.js';

const PIXELS = 28 * 28;

/** A stretch of the stream under one condition: clean, or a corruption at full severity, or ramping up to it. */
export interface StreamSegment {
  name: string;
  corruption: CorruptionName | 'none';
  batches: number;
  /** Gradual drift: the severity grows from 0 to 1 over the segment's images (otherwise 1 from its first image). */
  ramp: boolean;
}

export interface VisionStudyOptions {
  /** The classifier: its convolutions' channels, and its training on clean images. */
  channels: number[];
  train: { images: number; epochs: number; batchSize: number; learningRate: number };
  /** Clean training images kept out of training, for the homeostatic targets' check and the clean accuracy. */
  heldOutImages: number;
  batchSize: number;
  segments: StreamSegment[];
  adapters: AdapterName[];
  adapterOptions: Omit<AdapterOptions, 'cleanImages'>;
}

export interface VisionSeedResult {
  seed: number;
  dataset: string;
  /** The trained model's accuracy on held-out clean training images (frozen, running statistics). */
  cleanAccuracy: number;
  trainLoss: number[];
  /** Per adapter, the accuracy of every stream batch, predicted before adapting on it. */
  methods: Record<string, { batchAccuracy: number[]; signals: Record<string, number[]> }>;
  seconds: number;
}

const toFloat = (bytes: Uint8Array) => Float32Array.from(bytes, (b) => b / 255);

/**
 * The stream: test images in a seeded order (wrapping if the stream is longer than the test set), each corrupted
 * with its own draws as its segment says.
 */
export function buildVisionStream(
  dataset: LabeledImageDataset,
  segments: readonly StreamSegment[],
  batchSize: number,
  seed: number,
): { images: Float32Array; labels: Int32Array } {
  const total = segments.reduce((n, s) => n + s.batches * batchSize, 0);
  const images = new Float32Array(total * PIXELS);
  const labels = new Int32Array(total);
  const order = new Rng(seed, 31).permutation(dataset.test.count);
  const rng = new Rng(seed, 32);
  const clean = new Float32Array(PIXELS);
  let at = 0;
  for (const seg of segments) {
    const n = seg.batches * batchSize;
    for (let i = 0; i < n; i++, at++) {
      const src = order[at % order.length];
      for (let p = 0; p < PIXELS; p++) clean[p] = dataset.test.images[src * PIXELS + p] / 255;
      const severity = seg.ramp ? (i + 1) / n : 1;
      images.set(
        seg.corruption === 'none' ? clean : corruptImage(seg.corruption, clean, rng, severity),
        at * PIXELS,
      );
      labels[at] = dataset.test.labels[src];
    }
  }
  return { images, labels };
}

/**
 * One seed of the vision case: a classifier trained on clean images meets the stream once per adapter, each from
 * the same trained weights; every batch is predicted before the adapter learns from it.
 */
export function runVisionSeed(
  dataset: LabeledImageDataset,
  o: VisionStudyOptions,
  seed: number,
): VisionSeedResult {
  const t0 = performance.now();
  const pick = new Rng(seed, 30).permutation(dataset.train.count);
  const subset = (from: number, to: number) => {
    const idx = pick.subarray(from, Math.min(to, pick.length));
    const images = new Float32Array(idx.length * PIXELS);
    const labels = new Int32Array(idx.length);
    idx.forEach((src, i) => {
      images.set(toFloat(dataset.train.images.subarray(src * PIXELS, (src + 1) * PIXELS)), i * PIXELS);
      labels[i] = dataset.train.labels[src];
    });
    return { images, labels };
  };
  const train = subset(0, o.train.images);
  const heldOut = subset(o.train.images, o.train.images + o.heldOutImages);
  const model = buildVisionClassifier(seed, o.channels);
  const trainLoss = trainClassifier(model, train.images, train.labels, { ...o.train, seed });
  const frozen = createAdapter('frozen', copyModel(model), {}, seed);
  let correct = 0;
  for (let from = 0; from < heldOut.labels.length; from += o.batchSize) {
    const to = Math.min(heldOut.labels.length, from + o.batchSize);
    const labels = heldOut.labels.subarray(from, to);
    const pred = frozen.step(heldOut.images.subarray(from * PIXELS, to * PIXELS), to - from, labels);
    pred.forEach((p, i) => (correct += p === labels[i] ? 1 : 0));
  }
  const stream = buildVisionStream(dataset, o.segments, o.batchSize, seed);
  const batches = stream.labels.length / o.batchSize;
  const methods: VisionSeedResult['methods'] = {};
  for (const name of o.adapters) {
    const adapter = createAdapter(
      name,
      copyModel(model),
      {
        ...o.adapterOptions,
        ...(name === 'homeostatic' ? { cleanImages: train.images.subarray(0, 2000 * PIXELS) } : {}),
      },
      seed,
    );
    const batchAccuracy: number[] = [];
    const signals: Record<string, number[]> = {};
    for (let b = 0; b < batches; b++) {
      const labels = stream.labels.subarray(b * o.batchSize, (b + 1) * o.batchSize);
      const pred = adapter.step(
        stream.images.subarray(b * o.batchSize * PIXELS, (b + 1) * o.batchSize * PIXELS),
        o.batchSize,
        labels,
      );
      let ok = 0;
      pred.forEach((p, i) => (ok += p === labels[i] ? 1 : 0));
      batchAccuracy.push(ok / o.batchSize);
      for (const [k, v] of Object.entries(adapter.lastSignals))
        (signals[k] ??= []).push(Number(v.toFixed(5)));
    }
    methods[name] = { batchAccuracy, signals };
  }
  return {
    seed,
    dataset: dataset.name,
    cleanAccuracy: correct / heldOut.labels.length,
    trainLoss,
    methods,
    seconds: (performance.now() - t0) / 1000,
  };
}
