import {
  cnn,
  decodeModel,
  encodeModel,
  softmaxCrossEntropy,
  tensor,
  type Sequential,
} from '../../engine/index.js';
import { Adam } from '../../optim/index.js';
import { ConfigError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';

/** Fashion-MNIST's per-sample shape [channels, height, width] and class count. */
export const VISION_INPUT_SHAPE: [number, number, number] = [1, 28, 28];
export const VISION_CLASSES = 10;
const PIXELS = VISION_INPUT_SHAPE[0] * VISION_INPUT_SHAPE[1] * VISION_INPUT_SHAPE[2];

/**
 * A small CNN with batch norm for 28x28x1 images and 10 classes: per entry of `channels` (default [16, 32]) a 3x3
 * convolution, BatchNorm, ReLU and 2x2 max-pool, then a dense readout; initialised from `seed`.
 */
export function buildVisionClassifier(seed: number, channels: number[] = [16, 32]): Sequential {
  return cnn(VISION_INPUT_SHAPE, { channels, batchNorm: true }, VISION_CLASSES).init(new Rng(seed));
}

export interface TrainClassifierOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/**
 * Trains a classifier on float images (rows of [1, 28, 28] values, as the stream delivers them) with Adam on softmax
 * cross-entropy, batches in a seeded shuffled order, batch norm in training mode. The experiments' SupervisedTrainer
 * does the same step but gathers from byte-valued dataset splits, which a stream of float images is not. Returns the
 * mean loss of each epoch.
 */
export function trainClassifier(
  model: Sequential,
  images: Float32Array,
  labels: Int32Array,
  options: TrainClassifierOptions,
): number[] {
  const { epochs, batchSize, learningRate, seed } = options;
  const count = labels.length;
  if (images.length !== count * PIXELS)
    throw new ConfigError(
      'images',
      `expected ${count} images of ${PIXELS} values, found ${images.length} values`,
    );
  if (!(Number.isInteger(epochs) && epochs >= 1))
    throw new ConfigError('epochs', `expected a positive integer, found ${epochs}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 2))
    throw new ConfigError('batchSize', `expected an integer of at least 2, found ${batchSize}`);
  if (!(learningRate > 0 && Number.isFinite(learningRate)))
    throw new ConfigError('learningRate', `expected a positive number, found ${learningRate}`);
  const rng = new Rng(seed);
  const optimizer = new Adam({ lr: learningRate });
  const params = model.params();
  const x = new Float32Array(batchSize * PIXELS);
  const y = new Int32Array(batchSize);
  const dlogits = new Float32Array(batchSize * VISION_CLASSES);
  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.permutation(count);
    let lossSum = 0;
    let batches = 0;
    // A last batch of one would give batch norm a single value per channel after pooling: it is dropped.
    for (let from = 0; from + 2 <= count; from += batchSize) {
      const b = Math.min(batchSize, count - from);
      for (let i = 0; i < b; i++) {
        const idx = order[from + i];
        x.set(images.subarray(idx * PIXELS, (idx + 1) * PIXELS), i * PIXELS);
        y[i] = labels[idx];
      }
      model.zeroGrad();
      const out = model.forward(tensor([b, ...VISION_INPUT_SHAPE], x.subarray(0, b * PIXELS)), true);
      const g = dlogits.subarray(0, b * VISION_CLASSES);
      lossSum += softmaxCrossEntropy(out, y.subarray(0, b), g).loss;
      batches++;
      model.backward(tensor(out.shape, g));
      optimizer.step(params);
    }
    losses.push(lossSum / batches);
  }
  return losses;
}

/** An independent copy of a model (layers, parameters, batch-norm statistics): each adapter changes its model. */
export function copyModel(model: Sequential): Sequential {
  return decodeModel(encodeModel(model), 'model copy').model;
}
