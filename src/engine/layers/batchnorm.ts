import { kernels } from '../kernels/registry.js';
import { ensureTensor, param, type Param, type Tensor } from '../tensor.js';
import { Layer, type Buffer } from './layer.js';
import type { Rng } from '../../util/rng.js';

export interface BatchNormOptions {
  /** Weight of the newest batch in the running statistics (PyTorch's momentum), in (0, 1]. */
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalisation over the channel axis of [batch, C] or [batch, C, H, W] (torch.nn.BatchNorm1d/2d):
 * training normalises with the batch's biased variance and updates running statistics with the unbiased one;
 * evaluation uses the running statistics.
 */
export class BatchNorm extends Layer {
  readonly kind = 'batchnorm';
  readonly gamma: Param;
  readonly beta: Param;
  readonly runningMean: Buffer;
  readonly runningVar: Buffer;
  readonly momentum: number;
  readonly eps: number;
  private readonly mean: Float32Array;
  private readonly invStd: Float32Array;
  private readonly sums: Float32Array;
  private out: Tensor | null = null;
  private dx: Tensor | null = null;
  private trainedForward = false;

  constructor(
    name: string,
    readonly channels: number,
    options: BatchNormOptions = {},
  ) {
    super(name);
    this.momentum = options.momentum ?? 0.1;
    this.eps = options.eps ?? 1e-5;
    if (!Number.isInteger(channels) || channels <= 0)
      throw new RangeError(
        `layer ${name} (batchnorm): channels must be a positive integer, found ${channels}`,
      );
    if (!(this.momentum > 0 && this.momentum <= 1))
      throw new RangeError(`layer ${name} (batchnorm): momentum must be in (0, 1], found ${this.momentum}`);
    if (!(this.eps > 0))
      throw new RangeError(`layer ${name} (batchnorm): eps must be > 0, found ${this.eps}`);
    this.gamma = param(`${name}.weight`, [channels]);
    this.beta = param(`${name}.bias`, [channels]);
    this.runningMean = { name: `${name}.running_mean`, shape: [channels], value: new Float32Array(channels) };
    this.runningVar = { name: `${name}.running_var`, shape: [channels], value: new Float32Array(channels) };
    this.mean = new Float32Array(channels);
    this.invStd = new Float32Array(channels);
    this.sums = new Float32Array(channels);
    this.reset();
  }

  private reset(): void {
    this.gamma.value.fill(1);
    this.beta.value.fill(0);
    this.runningMean.value.fill(0);
    this.runningVar.value.fill(1);
  }

  override init(_rng: Rng): void {
    this.reset();
  }

  override params(): Param[] {
    return [this.gamma, this.beta];
  }

  override buffers(): Buffer[] {
    return [this.runningMean, this.runningVar];
  }

  outputShape(inputShape: number[]): number[] {
    if ((inputShape.length !== 1 && inputShape.length !== 3) || inputShape[0] !== this.channels)
      throw this.shapeError(`[${this.channels}] or [${this.channels}, height, width]`, inputShape);
    return inputShape;
  }

  forward(x: Tensor, training: boolean): Tensor {
    this.outputShape(x.shape.slice(1));
    const batch = x.shape[0];
    const C = this.channels;
    const spatial = x.data.length / (batch * C);
    const count = batch * spatial;
    const y = (this.out = ensureTensor(this.out, x.shape));
    const xd = x.data;
    const yd = y.data;
    if (training) {
      if (count < 2)
        throw new RangeError(
          `layer ${this.name} (batchnorm): training needs more than one value per channel`,
        );
      this.sums.fill(0);
      kernels.channelSum(batch, C, spatial, xd, this.sums);
      for (let c = 0; c < C; c++) this.mean[c] = this.sums[c] / count;
      // Two-pass variance: stable where E[x^2] - E[x]^2 would cancel.
      for (let c = 0; c < C; c++) {
        const m = this.mean[c];
        let ss = 0;
        for (let b = 0; b < batch; b++) {
          const at = (b * C + c) * spatial;
          for (let i = 0; i < spatial; i++) {
            const d = xd[at + i] - m;
            ss += d * d;
          }
        }
        const variance = ss / count;
        this.invStd[c] = 1 / Math.sqrt(variance + this.eps);
        const mom = this.momentum;
        this.runningMean.value[c] = (1 - mom) * this.runningMean.value[c] + mom * m;
        this.runningVar.value[c] = (1 - mom) * this.runningVar.value[c] + (mom * ss) / (count - 1);
      }
    } else {
      for (let c = 0; c < C; c++) {
        this.mean[c] = this.runningMean.value[c];
        this.invStd[c] = 1 / Math.sqrt(this.runningVar.value[c] + this.eps);
      }
    }
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < C; c++) {
        const at = (b * C + c) * spatial;
        const scale = this.gamma.value[c] * this.invStd[c];
        const shift = this.beta.value[c] - this.mean[c] * scale;
        for (let i = 0; i < spatial; i++) yd[at + i] = xd[at + i] * scale + shift;
      }
    }
    this.trainedForward = training;
    this.lastInput = x;
    this.lastOutput = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = this.lastInput!;
    const batch = x.shape[0];
    const C = this.channels;
    const spatial = x.data.length / (batch * C);
    const count = batch * spatial;
    const dx = (this.dx = ensureTensor(this.dx, x.shape));
    const xd = x.data;
    const g = dy.data;
    for (let c = 0; c < C; c++) {
      const m = this.mean[c];
      const inv = this.invStd[c];
      let sumDy = 0;
      let sumDyXhat = 0;
      for (let b = 0; b < batch; b++) {
        const at = (b * C + c) * spatial;
        for (let i = 0; i < spatial; i++) {
          sumDy += g[at + i];
          sumDyXhat += g[at + i] * (xd[at + i] - m) * inv;
        }
      }
      this.beta.grad[c] += sumDy;
      this.gamma.grad[c] += sumDyXhat;
      const k = this.gamma.value[c] * inv;
      for (let b = 0; b < batch; b++) {
        const at = (b * C + c) * spatial;
        if (this.trainedForward) {
          // d/dx of gamma * xhat with batch statistics: k * (dy - mean(dy) - xhat * mean(dy * xhat)).
          const a = sumDy / count;
          const s = sumDyXhat / count;
          for (let i = 0; i < spatial; i++)
            dx.data[at + i] = k * (g[at + i] - a - (xd[at + i] - m) * inv * s);
        } else {
          for (let i = 0; i < spatial; i++) dx.data[at + i] = k * g[at + i];
        }
      }
    }
    return dx;
  }

  config(): Record<string, unknown> {
    return {
      kind: this.kind,
      name: this.name,
      channels: this.channels,
      momentum: this.momentum,
      eps: this.eps,
    };
  }
}
