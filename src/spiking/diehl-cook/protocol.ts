import { ConfigError } from '../../util/errors.js';
import { accuracy, confusionMatrix, labelNeurons, predictClasses } from '../readout.js';
import { DiehlCookNetwork, type DiehlCookState } from './network.js';
import type { DiehlCookOverrides } from './parameters.js';

/** Images and labels as the data part provides them (pixels 0..255, row-major, `count` images). */
export interface LabeledImages {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface DiehlCookProtocolOptions {
  /** Training images, presented once each in dataset order with plasticity on. */
  trainImages: number;
  /** Training images (from the start of the set) presented frozen to label the neurons (the paper uses all). */
  labelImages: number;
  /** Test images classified by the labelled neurons. */
  testImages: number;
  seed: number;
  params?: DiehlCookOverrides;
  classes?: number;
}

export interface DiehlCookProgress {
  phase: 'train' | 'label' | 'test';
  done: number;
  total: number;
  /** Presentations so far in this phase (an image is shown again, brighter, when the network is too quiet). */
  presentations: number;
}

export interface DiehlCookResult {
  /** The paper's readout: the class whose neurons fire most on average. */
  testAccuracy: number;
  /** BindsNET's proportion-weighted readout of the same responses. */
  proportionAccuracy: number;
  trainImages: number;
  labelImages: number;
  testImages: number;
  neurons: number;
  presentations: { train: number; label: number; test: number };
  /** Class per neuron (-1: never fired while labelling). */
  assignment: number[];
  /** confusion[true][predicted]. */
  confusion: number[][];
  meanThetaMv: number;
}

/** Where a run stands: enough, with the network state, to continue after a kill. */
export interface DiehlCookCheckpoint {
  trainDone: number;
  presentations: number;
  network: DiehlCookState;
}

export interface DiehlCookHooks {
  onProgress?: (p: DiehlCookProgress) => void;
  /** Called every `checkpointEvery` training images with the state to save. */
  onCheckpoint?: (c: DiehlCookCheckpoint) => Promise<void> | void;
  checkpointEvery?: number;
  /** Continue training from a checkpoint instead of from scratch. */
  resumeFrom?: DiehlCookCheckpoint;
}

function checkCount(field: string, n: number, available: number): void {
  if (!Number.isInteger(n) || n < 0 || n > available)
    throw new ConfigError(field, `expected an integer in [0, ${available}], found ${n}`);
}

/**
 * The paper's protocol: one pass of STDP learning over the training images; then, with weights and thresholds
 * frozen, label each neuron by its mean response per class over `labelImages` training images; then classify
 * the test images by the mean response of each class's neurons. Each frozen phase starts from a fresh cell state
 * and its own generator stream, so it gives the same answer whether or not training was resumed.
 */
export async function runDiehlCookProtocol(
  data: { train: LabeledImages; test: LabeledImages },
  o: DiehlCookProtocolOptions,
  hooks: DiehlCookHooks = {},
): Promise<{ result: DiehlCookResult; network: DiehlCookNetwork }> {
  const net = new DiehlCookNetwork(o.params, o.seed);
  const p = net.params;
  const classes = o.classes ?? 10;
  checkCount('diehl-cook trainImages', o.trainImages, data.train.count);
  checkCount('diehl-cook labelImages', o.labelImages, data.train.count);
  checkCount('diehl-cook testImages', o.testImages, data.test.count);
  if (o.labelImages === 0 && o.testImages > 0)
    throw new ConfigError('diehl-cook labelImages', 'must be positive to classify test images, found 0');
  const size = p.inputSize;
  const image = (split: LabeledImages, m: number) => split.images.subarray(m * size, (m + 1) * size);
  const every = hooks.checkpointEvery ?? 0;
  let start = 0;
  let trainPresentations = 0;
  if (hooks.resumeFrom) {
    net.restore(hooks.resumeFrom.network);
    start = hooks.resumeFrom.trainDone;
    trainPresentations = hooks.resumeFrom.presentations;
  }
  for (let m = start; m < o.trainImages; m++) {
    trainPresentations += net.present(image(data.train, m), true).presentations;
    const done = m + 1;
    if (done % 100 === 0 || done === o.trainImages)
      hooks.onProgress?.({ phase: 'train', done, total: o.trainImages, presentations: trainPresentations });
    if (every > 0 && done % every === 0 && done < o.trainImages)
      await hooks.onCheckpoint?.({
        trainDone: done,
        presentations: trainPresentations,
        network: net.state(),
      });
  }
  net.normalize();

  const frozenPass = (split: LabeledImages, count: number, phase: 'label' | 'test', stream: number) => {
    net.resetState();
    net.reseed(o.seed, stream);
    const responses = new Int32Array(count * p.neurons);
    let presentations = 0;
    for (let m = 0; m < count; m++) {
      const r = net.present(image(split, m), false);
      presentations += r.presentations;
      responses.set(r.counts, m * p.neurons);
      if ((m + 1) % 100 === 0 || m + 1 === count)
        hooks.onProgress?.({ phase, done: m + 1, total: count, presentations });
    }
    return { responses, presentations };
  };
  const label = frozenPass(data.train, o.labelImages, 'label', 31);
  const labelled = labelNeurons(
    label.responses,
    data.train.labels.subarray(0, o.labelImages),
    p.neurons,
    classes,
  );
  const test = frozenPass(data.test, o.testImages, 'test', 32);
  const truth = data.test.labels.subarray(0, o.testImages);
  const predicted = predictClasses(test.responses, labelled, 'mean');
  const predictedProportion = predictClasses(test.responses, labelled, 'proportion');
  let thetaSum = 0;
  for (const t of net.theta) thetaSum += t;
  return {
    network: net,
    result: {
      testAccuracy: accuracy(truth, predicted),
      proportionAccuracy: accuracy(truth, predictedProportion),
      trainImages: o.trainImages,
      labelImages: o.labelImages,
      testImages: o.testImages,
      neurons: p.neurons,
      presentations: { train: trainPresentations, label: label.presentations, test: test.presentations },
      assignment: Array.from(labelled.assignment),
      confusion: confusionMatrix(truth, predicted, classes),
      meanThetaMv: thetaSum / p.neurons,
    },
  };
}
