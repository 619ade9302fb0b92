import type { ImageSplit, LabeledImageDataset } from '../../data/index.js';
import { ConfigError } from '../../util/errors.js';
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

/** The images a stream needs of each set, refused (naming the field) when a set holds fewer. */
export function checkStreamSizes(
  testCount: number,
  cleanCount: number,
  segments: readonly StreamSegment[],
  batchSize: number,
): { corrupted: number; clean: number } {
  const need = (clean: boolean) =>
    segments
      .filter((s) => (s.corruption === 'none') === clean)
      .reduce((n, s) => n + s.batches * batchSize, 0);
  const corrupted = need(false);
  const clean = need(true);
  if (corrupted > testCount)
    throw new ConfigError(
      'stream.segments',
      `expected at most ${testCount} corrupted images (the test set, each used once), found ${corrupted}`,
    );
  if (clean > cleanCount)
    throw new ConfigError(
      'heldOutImages',
      `expected at least the clean segments' ${clean} images (each used once), found ${cleanCount}`,
    );
  return { corrupted, clean };
}

/**
 * The stream: corrupted segments take test images in a seeded order, clean segments take held-out clean training
 * images, each image used once (a stream longer than either set is refused: an image met twice would reward
 * memorising it); each corrupted image gets its own draws as its segment says.
 */
export function buildVisionStream(
  test: ImageSplit,
  clean: { images: Float32Array; labels: Int32Array },
  segments: readonly StreamSegment[],
  batchSize: number,
  seed: number,
): { images: Float32Array; labels: Int32Array } {
  const need = checkStreamSizes(test.count, clean.labels.length, segments, batchSize);
  const total = need.corrupted + need.clean;
  const images = new Float32Array(total * PIXELS);
  const labels = new Int32Array(total);
  const order = new Rng(seed, 31).permutation(test.count);
  const rng = new Rng(seed, 32);
  const image = new Float32Array(PIXELS);
  let at = 0;
  let nextTest = 0;
  let nextClean = 0;
  for (const seg of segments) {
    const n = seg.batches * batchSize;
    for (let i = 0; i < n; i++, at++) {
      if (seg.corruption === 'none') {
        images.set(clean.images.subarray(nextClean * PIXELS, (nextClean + 1) * PIXELS), at * PIXELS);
        labels[at] = clean.labels[nextClean++];
        continue;
      }
      const src = order[nextTest++];
      for (let p = 0; p < PIXELS; p++) image[p] = test.images[src * PIXELS + p] / 255;
      const severity = seg.ramp ? (i + 1) / n : 1;
      images.set(corruptImage(seg.corruption, image, rng, severity), at * PIXELS);
      labels[at] = test.labels[src];
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
  if (o.train.images + o.heldOutImages > dataset.train.count)
    throw new ConfigError(
      'train.images',
      `expected train.images + heldOutImages at most the ${dataset.train.count} training images of ${dataset.name}, found ${o.train.images + o.heldOutImages}`,
    );
  // Checked before training: the stream's sizes against the sets it draws from.
  checkStreamSizes(dataset.test.count, o.heldOutImages, o.segments, o.batchSize);
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
  const stream = buildVisionStream(dataset.test, heldOut, o.segments, o.batchSize, seed);
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
