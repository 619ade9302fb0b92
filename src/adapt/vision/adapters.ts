/**
 * Stream adapters: a classifier trained on clean images meets a stream of batches whose conditions change. Each
 * adapter predicts every incoming batch, then may adapt on it (online: a batch's prediction never benefits from that
 * batch's own update). Adapters change the model they are given in place; give each its own copy (`copyModel`).
 */
import {
  softmaxCrossEntropy,
  tensor,
  type Layer,
  type Param,
  type Sequential,
  type Tensor,
} from '../../engine/index.js';
import { Adam } from '../../optim/index.js';
import { ConfigError } from '../../util/errors.js';
import {
  argmaxRows,
  batchNormLayers,
  forwardWithBatchStatistics,
  meanSoftmaxEntropy,
} from './model-passes.js';

export {
  buildVisionClassifier,
  trainClassifier,
  copyModel,
  VISION_INPUT_SHAPE,
  VISION_CLASSES,
  type TrainClassifierOptions,
} from './classifier.js';
export {
  forwardWithBatchStatistics,
  meanSoftmaxEntropy,
  batchNormLayers,
  argmaxRows,
} from './model-passes.js';

export const ADAPTER_NAMES = [
  'frozen',
  'finetune',
  'bn-stats',
  'tent',
  'homeostatic',
  'surprise-finetune',
  'surprise-tent',
] as const;
export type AdapterName = (typeof ADAPTER_NAMES)[number];

export interface StreamAdapter {
  readonly name: AdapterName;
  /** Predicts the batch (class per row), then adapts on it; labels only reach supervised adapters. */
  step(images: Float32Array, batchSize: number, labels: Int32Array): Int32Array;
  /** Extra per-step values to log (e.g. surprise, learning-rate factor); may be empty. */
  readonly lastSignals: Record<string, number>;
}

export interface AdapterOptions {
  /** Adam's learning rate for finetune and tent (TENT's choice for CIFAR-10-C). Default 1e-3. */
  learningRate?: number;
  /**
   * The base rate of surprise-finetune and surprise-tent, multiplied each step by the surprise factor; lower than
   * `learningRate` so that a stream without change moves the model little. Default learningRate / 4.
   */
  surpriseLearningRate?: number;
  /** Factor per standard deviation of surprise: factor = clamp(1 + gain * max(0, z), 1, maxFactor). Default 1. */
  surpriseGain?: number;
  /** Upper bound of the surprise factor. Default 8. */
  maxFactor?: number;
  /** Steps over which the surprise signal's running mean and spread are averaged (an exponential window). Default 20. */
  surpriseWindow?: number;
  /** Homeostatic step size per batch for the first layer's bias and log gain, in (0, 1]. Default 0.3. */
  homeostaticRate?: number;
  /** Clean training images (rows of the model's input shape) whose first-layer statistics homeostasis tracks. */
  cleanImages?: Float32Array;
}

export interface ResolvedAdapterOptions {
  learningRate: number;
  surpriseLearningRate: number;
  surpriseGain: number;
  maxFactor: number;
  surpriseWindow: number;
  homeostaticRate: number;
  cleanImages: Float32Array | undefined;
}

const OPTION_KEYS = [
  'learningRate',
  'surpriseLearningRate',
  'surpriseGain',
  'maxFactor',
  'surpriseWindow',
  'homeostaticRate',
  'cleanImages',
] as const;

/** Steps of the surprise signal seen before its z-score counts (its spread is not yet known). */
const SURPRISE_WARMUP = 5;
/** A deviation beyond this many standard deviations widens the spread only by this much (see SurpriseMeter). */
const SPREAD_CLIP = 3;
/** Bound on a homeostatic gain (either way): a near-silent channel cannot drive it without limit. */
const MAX_LOG_GAIN = Math.log(100);

function positive(field: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value))
    throw new ConfigError(`adapter.${field}`, `expected a positive finite number, found ${String(value)}`);
  return value;
}

/** Fills in defaults and checks every field; a bad one is a ConfigError naming the field, expected and found. */
export function resolveAdapterOptions(options: AdapterOptions = {}): ResolvedAdapterOptions {
  for (const key of Object.keys(options))
    if (!(OPTION_KEYS as readonly string[]).includes(key))
      throw new ConfigError(
        `adapter.${key}`,
        `expected one of ${OPTION_KEYS.join(', ')}, found an unknown option`,
      );
  const learningRate = positive('learningRate', options.learningRate ?? 1e-3);
  const surpriseLearningRate = positive(
    'surpriseLearningRate',
    options.surpriseLearningRate ?? learningRate / 4,
  );
  const surpriseGain = options.surpriseGain ?? 1;
  if (typeof surpriseGain !== 'number' || !(surpriseGain >= 0) || !Number.isFinite(surpriseGain))
    throw new ConfigError(
      'adapter.surpriseGain',
      `expected a finite number >= 0, found ${String(surpriseGain)}`,
    );
  const maxFactor = options.maxFactor ?? 8;
  if (typeof maxFactor !== 'number' || !(maxFactor >= 1) || !Number.isFinite(maxFactor))
    throw new ConfigError('adapter.maxFactor', `expected a finite number >= 1, found ${String(maxFactor)}`);
  const surpriseWindow = options.surpriseWindow ?? 20;
  if (!(Number.isInteger(surpriseWindow) && surpriseWindow >= 2))
    throw new ConfigError(
      'adapter.surpriseWindow',
      `expected an integer >= 2, found ${String(surpriseWindow)}`,
    );
  const homeostaticRate = options.homeostaticRate ?? 0.3;
  if (typeof homeostaticRate !== 'number' || !(homeostaticRate > 0 && homeostaticRate <= 1))
    throw new ConfigError(
      'adapter.homeostaticRate',
      `expected a number in (0, 1], found ${String(homeostaticRate)}`,
    );
  const cleanImages = options.cleanImages;
  if (cleanImages !== undefined && !(cleanImages instanceof Float32Array))
    throw new ConfigError(
      'adapter.cleanImages',
      `expected a Float32Array of images, found ${typeof cleanImages}`,
    );
  return {
    learningRate,
    surpriseLearningRate,
    surpriseGain,
    maxFactor,
    surpriseWindow,
    homeostaticRate,
    cleanImages,
  };
}

/** Checks a step's arguments against the model and wraps the images as a batch tensor. */
function batchTensor(model: Sequential, images: Float32Array, batchSize: number): Tensor {
  const perSample = model.inputShape.reduce((a, b) => a * b, 1);
  if (!(Number.isInteger(batchSize) && batchSize >= 1))
    throw new RangeError(`adapter step: batchSize must be a positive integer, found ${batchSize}`);
  if (images.length !== batchSize * perSample)
    throw new RangeError(
      `adapter step: expected ${batchSize} images of ${perSample} values, found ${images.length} values`,
    );
  return tensor([batchSize, ...model.inputShape], images);
}

function checkLabels(labels: Int32Array, batchSize: number): Int32Array {
  if (labels.length < batchSize)
    throw new RangeError(`adapter step: expected ${batchSize} labels, found ${labels.length}`);
  return labels.length === batchSize ? labels : labels.subarray(0, batchSize);
}

/**
 * Surprise as unexpected uncertainty (Yu & Dayan 2005, "Uncertainty, neuromodulation, and attention"): a scalar
 * signal is compared with what its recent history expects, z = (x - running mean) / running spread, over an
 * exponential window. Expected uncertainty is the spread; a deviation far beyond it is unexpected and is what drives
 * noradrenaline. Deviations beyond SPREAD_CLIP spreads widen the spread only by that much, so a lasting change stays
 * surprising while the running mean catches up with it (or the learner brings the signal back down), instead of being
 * explained away as noise after a step or two. src/neuromod's OutcomeSurprise scores categorical outcomes; a
 * continuous loss needs this instead.
 */
export class SurpriseMeter {
  private mean = 0;
  private variance = 0;
  private seen = 0;

  constructor(readonly window: number) {}

  /** The z-score of `x` against the history so far (0 during warm-up), then `x` joins the history. */
  observe(x: number): number {
    const spread = Math.sqrt(this.variance);
    const z = this.seen >= SURPRISE_WARMUP && spread > 0 ? (x - this.mean) / spread : 0;
    // Plain averages at first, then the exponential window.
    const a = Math.max(1 / this.window, 1 / (this.seen + 1));
    const diff = x - this.mean;
    const bounded =
      this.seen >= SURPRISE_WARMUP && spread > 0
        ? Math.max(-SPREAD_CLIP * spread, Math.min(SPREAD_CLIP * spread, diff))
        : diff;
    this.variance = this.seen === 0 ? 0 : (1 - a) * (this.variance + a * bounded * bounded);
    this.mean += a * diff;
    this.seen++;
    return z;
  }
}

/** The noradrenaline-like multiplier of the learning rate for a surprise z: clamp(1 + gain * max(0, z), 1, max). */
export function surpriseFactor(z: number, gain: number, maxFactor: number): number {
  return Math.min(maxFactor, Math.max(1, 1 + gain * Math.max(0, z)));
}

/**
 * No adaptation: TENT's "source" baseline (Wang et al. 2021), the model as trained, in evaluation mode throughout
 * (batch norm on its running statistics). Every other adapter is measured against it.
 */
class FrozenAdapter implements StreamAdapter {
  readonly name = 'frozen';
  readonly lastSignals: Record<string, number> = {};
  constructor(private readonly model: Sequential) {}

  step(images: Float32Array, batchSize: number): Int32Array {
    return argmaxRows(this.model.forward(batchTensor(this.model, images, batchSize), false));
  }
}

/**
 * Test-time normalisation (Schneider et al. 2020, "Improving robustness against common corruptions by covariate shift
 * adaptation"; the "BN" baseline of TENT, Wang et al. 2021): batch norm uses the current batch's statistics instead
 * of the running ones from training. Nothing is learned or kept: parameters and running statistics stay as they are.
 */
class BatchStatisticsAdapter implements StreamAdapter {
  readonly name = 'bn-stats';
  readonly lastSignals: Record<string, number> = {};
  constructor(private readonly model: Sequential) {}

  step(images: Float32Array, batchSize: number): Int32Array {
    return argmaxRows(forwardWithBatchStatistics(this.model, batchTensor(this.model, images, batchSize)));
  }
}

/**
 * For the surprise-scaled adapters (a meter given), sets the optimizer's rate to the base rate times the surprise
 * factor of this step's signal; returns the step's signals either way.
 */
function scaleRateBySurprise(
  meter: SurpriseMeter | null,
  name: string,
  value: number,
  optimizer: Adam,
  options: ResolvedAdapterOptions,
): Record<string, number> {
  if (!meter) return { [name]: value };
  const surprise = meter.observe(value);
  const factor = surpriseFactor(surprise, options.surpriseGain, options.maxFactor);
  optimizer.lr = options.surpriseLearningRate * factor;
  return { [name]: value, surprise, factor, learningRate: optimizer.lr };
}

/**
 * Continual fine-tuning with labels, the plain baseline of continual learning ("fine-tuning" in Li & Hoiem 2017,
 * "Learning without forgetting"), here a supervised reference for the label-free adapters: predict in evaluation mode, then one Adam step on the batch's softmax
 * cross-entropy over all parameters, the forward of that step in training mode (batch norm's running statistics
 * follow the stream, as they would in any further training). With `surprise`, the step's rate is the base rate times
 * the surprise factor of the batch's loss (the prediction's, before the update).
 */
class FinetuneAdapter implements StreamAdapter {
  lastSignals: Record<string, number> = {};
  private readonly optimizer: Adam;
  private readonly params: Param[];
  private readonly meter: SurpriseMeter | null;

  constructor(
    readonly name: 'finetune' | 'surprise-finetune',
    private readonly model: Sequential,
    private readonly options: ResolvedAdapterOptions,
  ) {
    const surprise = name === 'surprise-finetune';
    this.optimizer = new Adam({ lr: surprise ? options.surpriseLearningRate : options.learningRate });
    this.params = model.params();
    this.meter = surprise ? new SurpriseMeter(options.surpriseWindow) : null;
  }

  step(images: Float32Array, batchSize: number, labels: Int32Array): Int32Array {
    const { model, optimizer, options } = this;
    const x = batchTensor(model, images, batchSize);
    const y = checkLabels(labels, batchSize);
    const logits = model.forward(x, false);
    const predictions = argmaxRows(logits);
    const loss = softmaxCrossEntropy(logits, y).loss;
    this.lastSignals = scaleRateBySurprise(this.meter, 'loss', loss, optimizer, options);
    model.zeroGrad();
    const out = model.forward(x, true);
    const grad = new Float32Array(out.data.length);
    softmaxCrossEntropy(out, y, grad);
    model.backward(tensor(out.shape, grad));
    optimizer.step(this.params);
    return predictions;
  }
}

/**
 * TENT (Wang, Shelhamer, Liu, Olshausen & Darrell 2021, ICLR, "Tent: Fully test-time adaptation by entropy
 * minimization"; github.com/DequanWang/tent): batch norm normalises with the batch's statistics, and one Adam step per
 * batch (lr 1e-3, betas 0.9/0.999, no weight decay: their CIFAR-10-C setting) lowers the mean Shannon entropy of the
 * softmax predictions, over the batch-norm affine parameters (gamma, beta) only. The batch's prediction is the forward
 * that the step's gradient comes from, before the update, as in their code. With `surprise`, the step's rate is the
 * base rate times the surprise factor of the batch's mean entropy.
 */
class TentAdapter implements StreamAdapter {
  lastSignals: Record<string, number> = {};
  private readonly optimizer: Adam;
  private readonly affine: Param[];
  private readonly meter: SurpriseMeter | null;

  constructor(
    readonly name: 'tent' | 'surprise-tent',
    private readonly model: Sequential,
    private readonly options: ResolvedAdapterOptions,
  ) {
    const surprise = name === 'surprise-tent';
    this.affine = batchNormLayers(model).flatMap((bn) => [bn.gamma, bn.beta]);
    if (this.affine.length === 0)
      throw new ConfigError(`adapter ${name}`, 'expected a model with batch norm, found none');
    this.optimizer = new Adam({ lr: surprise ? options.surpriseLearningRate : options.learningRate });
    this.meter = surprise ? new SurpriseMeter(options.surpriseWindow) : null;
  }

  step(images: Float32Array, batchSize: number): Int32Array {
    const { model, optimizer, options } = this;
    model.zeroGrad();
    const logits = forwardWithBatchStatistics(model, batchTensor(model, images, batchSize));
    const predictions = argmaxRows(logits);
    const grad = new Float32Array(logits.data.length);
    const entropy = meanSoftmaxEntropy(logits, grad);
    this.lastSignals = scaleRateBySurprise(this.meter, 'entropy', entropy, optimizer, options);
    model.backward(tensor(logits.shape, grad));
    optimizer.step(this.affine);
    return predictions;
  }
}

/**
 * A plastic early layer: intrinsic plasticity / synaptic scaling of the first layer's units (Turrigiano 2008, "The
 * self-tuning neuron: synaptic scaling of excitatory synapses"; Triesch 2005 for intrinsic plasticity of a unit's gain
 * and threshold), without labels.
 *
 * Design: the model is wrapped, not edited. The forward runs the layers up to and including the first one with
 * parameters (the first convolution or dense layer) in evaluation mode, giving each unit's pre-activation h (a conv
 * channel counts as one unit over all positions). Each unit c then gets a gain g_c and a bias b_c, u = g_c h + b_c,
 * and the rest of the model runs on u in evaluation mode. Before the stream, the mean and standard deviation of h per
 * unit are recorded on clean training images (g = 1, b = 0): these are the set points. After predicting a batch, each
 * unit moves its own statistics of u on that batch towards its set points:
 *   b_c += eta (target_mean_c - batch_mean_c),   log g_c += eta (log target_std_c - log batch_std_c)
 * so a change of contrast (a scale) or brightness (an offset) of the input, which reaches the first layer's units as a
 * per-unit scale and offset, is undone over about 1/eta batches, and the trained weights downstream see activity in
 * the range they were trained on. Nothing in the model changes; the gains and biases live in the adapter.
 */
class HomeostaticAdapter implements StreamAdapter {
  readonly name = 'homeostatic';
  lastSignals: Record<string, number> = {};
  private readonly front: Layer[];
  private readonly rest: Layer[];
  private readonly units: number;
  private readonly targetMean: Float64Array;
  private readonly targetLogStd: Float64Array;
  readonly gain: Float64Array;
  readonly bias: Float64Array;

  constructor(
    private readonly model: Sequential,
    private readonly options: ResolvedAdapterOptions,
  ) {
    const first = model.layers.findIndex((l) => l.params().length > 0);
    if (first < 0)
      throw new ConfigError('adapter homeostatic', 'expected a model with a parameterised layer');
    this.front = model.layers.slice(0, first + 1);
    this.rest = model.layers.slice(first + 1);
    let shape = model.inputShape;
    for (const l of this.front) shape = l.outputShape(shape);
    this.units = shape[0];
    this.gain = new Float64Array(this.units).fill(1);
    this.bias = new Float64Array(this.units);
    const clean = options.cleanImages;
    const perSample = model.inputShape.reduce((a, b) => a * b, 1);
    if (clean === undefined)
      throw new ConfigError(
        'adapter.cleanImages',
        'expected clean training images for homeostatic, found none',
      );
    if (clean.length % perSample !== 0 || clean.length < 2 * perSample)
      throw new ConfigError(
        'adapter.cleanImages',
        `expected at least 2 images of ${perSample} values, found ${clean.length} values`,
      );
    this.targetMean = new Float64Array(this.units);
    this.targetLogStd = new Float64Array(this.units);
    const sum = new Float64Array(this.units);
    const sumSquares = new Float64Array(this.units);
    let count = 0;
    const count0 = clean.length / perSample;
    const chunk = 256;
    for (let from = 0; from < count0; from += chunk) {
      const b = Math.min(chunk, count0 - from);
      const x = tensor([b, ...model.inputShape], clean.subarray(from * perSample, (from + b) * perSample));
      count += this.accumulate(this.runFront(x), sum, sumSquares);
    }
    for (let c = 0; c < this.units; c++) {
      const mean = sum[c] / count;
      this.targetMean[c] = mean;
      this.targetLogStd[c] = Math.log(Math.sqrt(Math.max(0, sumSquares[c] / count - mean * mean)) + 1e-6);
    }
  }

  private runFront(x: Tensor): Tensor {
    let h = x;
    for (const l of this.front) h = l.forward(h, false);
    return h;
  }

  /** Adds each unit's sum and sum of squares over the batch (and positions); returns the values per unit. */
  private accumulate(h: Tensor, sum: Float64Array, sumSquares: Float64Array): number {
    const batch = h.shape[0];
    const spatial = h.data.length / (batch * this.units);
    for (let b = 0; b < batch; b++)
      for (let c = 0; c < this.units; c++) {
        const at = (b * this.units + c) * spatial;
        let s = 0;
        let ss = 0;
        for (let i = 0; i < spatial; i++) {
          const v = h.data[at + i];
          s += v;
          ss += v * v;
        }
        sum[c] += s;
        sumSquares[c] += ss;
      }
    return batch * spatial;
  }

  step(images: Float32Array, batchSize: number): Int32Array {
    const x = batchTensor(this.model, images, batchSize);
    const h = this.runFront(x);
    const spatial = h.data.length / (batchSize * this.units);
    // A fresh tensor: h is the first layer's own output buffer.
    const u = tensor(h.shape, new Float32Array(h.data.length));
    for (let b = 0; b < batchSize; b++)
      for (let c = 0; c < this.units; c++) {
        const at = (b * this.units + c) * spatial;
        const g = this.gain[c];
        const o = this.bias[c];
        for (let i = 0; i < spatial; i++) u.data[at + i] = g * h.data[at + i] + o;
      }
    let out = u;
    for (const l of this.rest) out = l.forward(out, false);
    const predictions = argmaxRows(out);

    const sum = new Float64Array(this.units);
    const sumSquares = new Float64Array(this.units);
    const count = this.accumulate(u, sum, sumSquares);
    const eta = this.options.homeostaticRate;
    let meanShift = 0;
    for (let c = 0; c < this.units; c++) {
      const mean = sum[c] / count;
      const logStd = Math.log(Math.sqrt(Math.max(0, sumSquares[c] / count - mean * mean)) + 1e-6);
      meanShift += Math.abs(this.targetMean[c] - mean) / Math.exp(this.targetLogStd[c]);
      this.bias[c] += eta * (this.targetMean[c] - mean);
      const logGain = Math.log(this.gain[c]) + eta * (this.targetLogStd[c] - logStd);
      this.gain[c] = Math.exp(Math.max(-MAX_LOG_GAIN, Math.min(MAX_LOG_GAIN, logGain)));
    }
    let gainSum = 0;
    let biasSum = 0;
    for (let c = 0; c < this.units; c++) {
      gainSum += this.gain[c];
      biasSum += this.bias[c];
    }
    this.lastSignals = {
      meanShift: meanShift / this.units,
      gainMean: gainSum / this.units,
      biasMean: biasSum / this.units,
    };
    return predictions;
  }
}

/**
 * An adapter of `model` (changed in place by those that learn) for a stream of batches. `seed` is checked and kept for
 * adapters that draw random numbers; the ones here are deterministic, so the same model and stream give the same
 * predictions.
 */
export function createAdapter(
  name: AdapterName,
  model: Sequential,
  options: AdapterOptions,
  seed: number,
): StreamAdapter {
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff))
    throw new ConfigError('adapter.seed', `expected an integer in [0, 4294967295], found ${seed}`);
  const resolved = resolveAdapterOptions(options);
  switch (name) {
    case 'frozen':
      return new FrozenAdapter(model);
    case 'bn-stats':
      return new BatchStatisticsAdapter(model);
    case 'finetune':
    case 'surprise-finetune':
      return new FinetuneAdapter(name, model, resolved);
    case 'tent':
    case 'surprise-tent':
      return new TentAdapter(name, model, resolved);
    case 'homeostatic':
      return new HomeostaticAdapter(model, resolved);
    default:
      throw new ConfigError(
        'adapter.name',
        `expected one of ${ADAPTER_NAMES.join(', ')}, found ${JSON.stringify(name as unknown)}`,
      );
  }
}
