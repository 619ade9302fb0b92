import { Dense, ReLU, Sequential, type Layer, type Param } from '../engine/index.js';
import { Adam } from '../optim/index.js';
import { ConfigError } from '../util/errors.js';
import { Rng } from '../util/rng.js';

/** The generator's architecture and optimizer (van de Ven & Tolias's for MNIST by default). */
export interface VaeOptions {
  /** Features per sample (784 on MNIST), each in [0, 1]. */
  inputSize: number;
  /** Encoder widths (inputSize-400-400 by default); the decoder mirrors them (latent-400-400-inputSize). */
  hidden?: readonly number[];
  /** Latent dimensions (100 by default). */
  latent?: number;
  /** Adam's learning rate and betas (1e-3 and (0.9, 0.999) by default). */
  lr?: number;
  betas?: readonly [number, number];
}

/** Rows of inputs and the weight of their loss in a training step. */
export interface VaeBatch {
  x: Float32Array;
  rows: number;
  weight: number;
}

/** One batch's loss: the per-pixel total, and its two parts per sample (nats, means over the rows). */
export interface VaeLoss {
  /** (reconstruction + kl) / inputSize: what is trained. */
  loss: number;
  /** Binary cross-entropy summed over the pixels. */
  reconstruction: number;
  /** KL(q(z|x) || N(0, I)). */
  kl: number;
}

const reject = (field: string, expected: string, found: unknown) =>
  new ConfigError(`vae.${field}`, `expected ${expected}, found ${JSON.stringify(found)}`);

const isCount = (n: unknown) => Number.isInteger(n) && (n as number) > 0;

/** 1 / (1 + exp(-l)) through e = exp(-|l|), which does not overflow. */
function sigmoid(l: number): number {
  const e = Math.exp(-Math.abs(l));
  return l >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/**
 * The binary cross-entropy of sigmoid(logits) against targets, summed over n values, with the sigmoids written into
 * `means`. Per value it is -[x log p + (1 - x) log(1 - p)] = softplus(l) - x l, softplus(l) = max(l, 0) + log(1 + e),
 * e = exp(-|l|) (exact for large |l|). The e serves the sigmoid too, and the logs are taken of products of 512
 * factors 1 + e <= 2 (at most 2^512, far from overflow): one exp per value and not also a log, the hot path's cost.
 */
function crossEntropy(logits: Float32Array, targets: Float32Array, n: number, means: Float32Array): number {
  let sum = 0;
  let product = 1;
  for (let i = 0; i < n; i++) {
    const l = logits[i];
    const e = Math.exp(-Math.abs(l));
    const q = 1 / (1 + e);
    means[i] = l >= 0 ? q : e * q;
    sum += Math.max(l, 0) - targets[i] * l;
    product *= 1 + e;
    if ((i & 511) === 511) {
      sum += Math.log(product);
      product = 1;
    }
  }
  return sum + Math.log(product);
}

/** A view of `buffer`'s first n values, growing the buffer when it is shorter (reused across steps). */
function grow(buffer: Float32Array, n: number): Float32Array {
  return buffer.length >= n ? buffer : new Float32Array(n);
}

/**
 * A variational autoencoder with a Bernoulli decoder (Kingma & Welling 2014), as van de Ven & Tolias's generator
 * for generative replay: a ReLU MLP encoder to the mean and log-variance of q(z|x), z = mu + eps * exp(logvar / 2),
 * and a ReLU MLP decoder whose sigmoid outputs are the pixels' means. The loss per sample is the binary
 * cross-entropy summed over the pixels plus KL(q(z|x) || N(0, I)), divided by the pixels: the per-pixel negative
 * ELBO, as van de Ven's code normalises both terms (so the classifier's and generator's step sizes compare).
 */
export class Vae {
  readonly inputSize: number;
  readonly hidden: readonly number[];
  readonly latent: number;
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly optimizer: Adam;
  /** A snapshot: it generates and scores, but does not train. */
  readonly frozen: boolean;
  private readonly parameters: Param[];
  // Buffers reused by every step (grown when a batch is larger).
  private eps: Float32Array = new Float32Array(0);
  private z: Float32Array = new Float32Array(0);
  private dEncoded: Float32Array = new Float32Array(0);
  private sampled: Float32Array = new Float32Array(0);
  /** The last forward's encoder outputs (per row, latent means then log-variances) and pixel means. */
  private encoded: Float32Array = new Float32Array(0);
  private means: Float32Array = new Float32Array(0);

  /** `init` draws the initial weights, `noise` the reparameterisation's eps. */
  constructor(
    readonly options: VaeOptions,
    init: Rng | null,
    private readonly noise: Rng,
    frozen = false,
  ) {
    const { inputSize, hidden = [400, 400], latent = 100, lr = 1e-3, betas = [0.9, 0.999] } = options;
    if (!isCount(inputSize)) throw reject('inputSize', 'a positive integer', inputSize);
    if (!hidden.every(isCount)) throw reject('hidden', 'positive integers', hidden);
    if (!isCount(latent)) throw reject('latent', 'a positive integer', latent);
    if (!(lr > 0)) throw reject('lr', 'a positive number', lr);
    this.inputSize = inputSize;
    this.hidden = [...hidden];
    this.latent = latent;
    this.frozen = frozen;
    this.encoder = new Sequential(stack('encoder', inputSize, hidden, 2 * latent), [inputSize]);
    this.decoder = new Sequential(stack('decoder', latent, [...hidden].reverse(), inputSize), [latent]);
    // The decoder's input gradient is dL/dz, which flows on into mu and logvar.
    this.decoder.needsInputGradient = true;
    if (init) {
      this.encoder.init(init);
      this.decoder.init(init);
    }
    this.parameters = [...this.encoder.params(), ...this.decoder.params()];
    this.optimizer = new Adam({ lr, beta1: betas[0], beta2: betas[1] });
  }

  params(): Param[] {
    return this.parameters;
  }

  zeroGrad(): void {
    for (const p of this.parameters) p.grad.fill(0);
  }

  /** One Adam step on the weighted sum of the batches' losses; returns that sum. */
  trainStep(batches: readonly VaeBatch[]): number {
    if (this.frozen) throw new Error('a snapshot of a VAE is frozen: train the VAE it was taken from');
    this.zeroGrad();
    let loss = 0;
    for (const b of batches) loss += this.lossAndGradient(b.x, b.rows, b.weight);
    this.optimizer.step(this.parameters);
    return loss;
  }

  /**
   * The weighted loss of rows of x, its gradient accumulated into the parameters' gradients. `eps` (rows x latent)
   * fixes the reparameterisation's noise; it is drawn from the VAE's generator when absent.
   */
  lossAndGradient(x: Float32Array, rows: number, weight = 1, eps?: Float32Array): number {
    const parts = this.forward(x, rows, eps, true);
    const { inputSize: pixels, latent } = this;
    const scale = weight / (rows * pixels);
    // Binary cross-entropy with the sigmoid folded in: d/dlogit = sigmoid - x, written over the means.
    const dLogits = this.means.subarray(0, rows * pixels);
    for (let i = 0; i < rows * pixels; i++) dLogits[i] = scale * (dLogits[i] - x[i]);
    const dz = this.decoder.backward({ shape: [rows, pixels], data: dLogits }).data;
    const encoded = this.encoded;
    const noise = eps ?? this.eps;
    const dEncoded = (this.dEncoded = grow(this.dEncoded, rows * 2 * latent)).subarray(0, rows * 2 * latent);
    for (let r = 0; r < rows; r++)
      for (let i = 0; i < latent; i++) {
        const mu = encoded[r * 2 * latent + i];
        const logvar = encoded[r * 2 * latent + latent + i];
        const std = Math.exp(0.5 * logvar);
        const g = dz[r * latent + i];
        // KL's gradients, then z = mu + eps * std's.
        dEncoded[r * 2 * latent + i] = scale * mu + g;
        dEncoded[r * 2 * latent + latent + i] =
          scale * 0.5 * (std * std - 1) + g * noise[r * latent + i] * 0.5 * std;
      }
    this.encoder.backward({ shape: [rows, 2 * latent], data: dEncoded });
    return weight * parts.loss;
  }

  /** The loss of rows of x (no gradient), with `eps` as in lossAndGradient. */
  loss(x: Float32Array, rows: number, eps?: Float32Array): number {
    return this.forward(x, rows, eps, false).loss;
  }

  /** The loss and its two parts. */
  elbo(x: Float32Array, rows: number, eps?: Float32Array): VaeLoss {
    return this.forward(x, rows, eps, false);
  }

  /** `rows` samples: z ~ N(0, I) from `rng`, decoded to the pixels' means (rows x inputSize, into `out`). */
  generate(rows: number, rng: Rng, out = new Float32Array(rows * this.inputSize)): Float32Array {
    const z = (this.sampled = grow(this.sampled, rows * this.latent)).subarray(0, rows * this.latent);
    rng.fillNormal(z);
    const logits = this.decoder.forward({ shape: [rows, this.latent], data: z }, false).data;
    for (let i = 0; i < rows * this.inputSize; i++) out[i] = sigmoid(logits[i]);
    return out;
  }

  /** A frozen copy of the VAE as it is now: it generates (and scores) but does not train. */
  snapshot(): Vae {
    const copy = new Vae(this.options, null, Rng.fromState(this.noise.getState()), true);
    copy.parameters.forEach((p, i) => p.value.set(this.parameters[i].value));
    return copy;
  }

  private forward(x: Float32Array, rows: number, eps: Float32Array | undefined, training: boolean): VaeLoss {
    const { inputSize: pixels, latent } = this;
    if (x.length < rows * pixels)
      throw new RangeError(`vae: expected ${rows} rows of ${pixels} inputs, found ${x.length} values`);
    if (eps && eps.length < rows * latent)
      throw new RangeError(`vae: expected ${rows * latent} noise values, found ${eps.length}`);
    const input = x.length === rows * pixels ? x : x.subarray(0, rows * pixels);
    const encoded = (this.encoded = this.encoder.forward(
      { shape: [rows, pixels], data: input },
      training,
    ).data);
    let noise = eps;
    if (!noise) {
      noise = (this.eps = grow(this.eps, rows * latent)).subarray(0, rows * latent);
      this.noise.fillNormal(noise);
    }
    const z = (this.z = grow(this.z, rows * latent)).subarray(0, rows * latent);
    let kl = 0;
    for (let r = 0; r < rows; r++)
      for (let i = 0; i < latent; i++) {
        const mu = encoded[r * 2 * latent + i];
        const logvar = encoded[r * 2 * latent + latent + i];
        const std = Math.exp(0.5 * logvar);
        z[r * latent + i] = mu + noise[r * latent + i] * std;
        kl -= 0.5 * (1 + logvar - mu * mu - std * std);
      }
    const logits = this.decoder.forward({ shape: [rows, latent], data: z }, training).data;
    const means = (this.means = grow(this.means, rows * pixels));
    const reconstruction = crossEntropy(logits, input, rows * pixels, means);
    return {
      loss: (reconstruction + kl) / (rows * pixels),
      reconstruction: reconstruction / rows,
      kl: kl / rows,
    };
  }
}

/** Dense+ReLU per hidden width, then a Dense to `outputs`, the layers named `${prefix}.fc<n>`. */
function stack(prefix: string, inputs: number, hidden: readonly number[], outputs: number): Layer[] {
  const layers: Layer[] = [];
  let width = inputs;
  hidden.forEach((h, i) => {
    layers.push(new Dense(`${prefix}.fc${i + 1}`, width, h), new ReLU(`${prefix}.relu${i + 1}`));
    width = h;
  });
  layers.push(new Dense(`${prefix}.fc${hidden.length + 1}`, width, outputs));
  return layers;
}
