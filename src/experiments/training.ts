import { gatherBatch, type ImageSplit } from '../data/index.js';
import { softmaxCrossEntropy, tensor, type Param, type Sequential } from '../engine/index.js';
import { NeuroplastError } from '../util/errors.js';
import { clipGradNorm, learningRateAt, type Optimizer, type ScheduleSpec } from '../optim/index.js';

/** The learning rate for each 0-based global step: during training, the one authority on the optimizer's rate. */
export type LearningRateSchedule = (step: number) => number;

/** A schedule from an experiment's `learner.schedule` and base rate (a pure function of the step: resumes exactly). */
export function learningRateSchedule(
  spec: ScheduleSpec,
  baseLr: number,
  stepsPerEpoch: number,
  totalSteps: number,
): LearningRateSchedule {
  return (step) => learningRateAt(spec, baseLr, step, stepsPerEpoch, totalSteps);
}

export const constantLearningRate =
  (lr: number): LearningRateSchedule =>
  () =>
    lr;

export interface SupervisedTrainerOptions {
  /** Per-sample input shape [channels, height, width]. */
  shape: [number, number, number];
  numClasses: number;
  batchSize: number;
  schedule: LearningRateSchedule;
  /** Clip the global gradient L2 norm to this before each step. */
  clipGradNorm?: number;
  /** Pixel normalisation per channel (standardize); absent: pixels scaled to [0, 1]. */
  norm?: { mean: number[]; std: number[] };
  /** Raises the error for a non-finite loss, before the weights change; the default names the step. */
  onNonFiniteLoss?: (loss: number, step: number) => never;
}

/** What one step saw: its mean loss, how many it got right, and the batch size. */
export interface StepResult {
  loss: number;
  correct: number;
  size: number;
}

/**
 * One supervised training step of a classifier on a batch of a labelled image split: gather, forward, softmax
 * cross-entropy, backward, clip, the schedule's learning rate, the optimizer's step. Used by every training loop
 * (experiments, benchmarks) so that they train the same way; batch buffers are allocated once.
 */
export class SupervisedTrainer {
  private readonly x: Float32Array;
  private readonly y: Int32Array;
  private readonly dlogits: Float32Array;
  private readonly params: Param[];
  private readonly perSample: number;

  constructor(
    readonly model: Sequential,
    readonly optimizer: Optimizer,
    readonly options: SupervisedTrainerOptions,
  ) {
    const { shape, batchSize, numClasses } = options;
    this.perSample = shape.reduce((a, b) => a * b, 1);
    this.x = new Float32Array(batchSize * this.perSample);
    this.y = new Int32Array(batchSize);
    this.dlogits = new Float32Array(batchSize * numClasses);
    this.params = model.params();
  }

  /**
   * Trains on `split` at `indices[from..to)` (at most batchSize). `step` is the 0-based global step (the schedule's
   * argument); `epoch` is the fractional epoch optimizers with warm-ups read; `diagnostics` asks the optimizer to
   * record them for this step.
   */
  step(
    split: ImageSplit,
    indices: ArrayLike<number>,
    from: number,
    to: number,
    at: { step: number; epoch: number; diagnostics?: boolean },
  ): StepResult {
    const { model, optimizer, options: o } = this;
    const b = to - from;
    const full = b === o.batchSize;
    gatherBatch(split, o.shape, indices, from, to, this.x, this.y, o.norm);
    const xb = tensor([b, ...o.shape], full ? this.x : this.x.subarray(0, b * this.perSample));
    model.zeroGrad();
    const out = model.forward(xb, true);
    const g = full ? this.dlogits : this.dlogits.subarray(0, b * o.numClasses);
    const r = softmaxCrossEntropy(out, full ? this.y : this.y.subarray(0, b), g);
    if (!Number.isFinite(r.loss)) {
      if (o.onNonFiniteLoss) o.onNonFiniteLoss(r.loss, at.step);
      throw new NeuroplastError(`training diverged: loss is ${r.loss} at step ${at.step + 1}`);
    }
    model.backward({ shape: out.shape, data: g });
    if (o.clipGradNorm !== undefined) clipGradNorm(this.params, o.clipGradNorm);
    optimizer.lr = o.schedule(at.step);
    optimizer.step(this.params, { epoch: at.epoch, diagnostics: at.diagnostics });
    return { loss: r.loss, correct: r.correct, size: b };
  }
}

/** What a DivergenceGuard keeps between steps (part of a checkpoint's loop state, so resume continues it). */
export interface DivergenceState {
  /** The loss of the run's first step (the untrained model's); null before it. */
  reference: number | null;
  sum: number;
  count: number;
}

/**
 * Catches a loss that explodes without becoming NaN (SGD with a huge rate can climb to 1e20 and end at chance): the
 * mean loss over each window of `windowSteps` steps is compared with the run's starting loss; `factor` times above
 * it (and above `factor` itself, for losses that start near zero) is divergence.
 */
export class DivergenceGuard {
  constructor(
    readonly windowSteps = 20,
    readonly factor = 100,
    public state: DivergenceState = { reference: null, sum: 0, count: 0 },
  ) {}

  /** Adds a step's loss; returns the window's mean and the starting loss when the run has diverged, else null. */
  observe(loss: number): { mean: number; reference: number } | null {
    const s = this.state;
    s.reference ??= loss;
    s.sum += loss;
    if (++s.count < this.windowSteps) return null;
    const mean = s.sum / s.count;
    s.sum = 0;
    s.count = 0;
    return mean > this.factor * Math.max(s.reference, 1) ? { mean, reference: s.reference } : null;
  }
}
