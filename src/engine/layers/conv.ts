import { kernels } from '../kernels/registry.js';
import { convGeometry, type ConvGeometry } from '../kernels/types.js';
import { ensureTensor, param, type Param, type Tensor } from '../tensor.js';
import { Layer } from './layer.js';
import type { Rng } from '../../util/rng.js';

export interface Conv2DOptions {
  kernelSize: number;
  stride?: number;
  padding?: number;
  bias?: boolean;
  /** 'uniform': PyTorch's default U(+-1/sqrt(fanIn)); 'kaiming-normal': N(0, 2/fanOut), as torchvision's ResNet. */
  init?: 'uniform' | 'kaiming-normal';
  /** 'relu' fuses max(., 0) into the convolution (one pass fewer over the output than a separate ReLU layer). */
  activation?: 'none' | 'relu';
}

/** 2-D convolution over NCHW input, weight [out, in, k, k], computed by the backend's im2col + GEMM kernels. */
export class Conv2D extends Layer {
  readonly kind = 'conv2d';
  readonly weight: Param;
  readonly bias: Param | null;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly initMode: 'uniform' | 'kaiming-normal';
  readonly activation: 'none' | 'relu';
  private dyMasked: Tensor | null = null;
  private geometry: ConvGeometry | null = null;
  private out: Tensor | null = null;
  private dx: Tensor | null = null;

  constructor(
    name: string,
    readonly inChannels: number,
    readonly outChannels: number,
    options: Conv2DOptions,
  ) {
    super(name);
    this.kernelSize = options.kernelSize;
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.initMode = options.init ?? 'uniform';
    this.activation = options.activation ?? 'none';
    for (const [what, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
      ['kernelSize', this.kernelSize],
      ['stride', this.stride],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new RangeError(`layer ${name} (conv2d): ${what} must be a positive integer, found ${v}`);
    }
    if (!Number.isInteger(this.padding) || this.padding < 0)
      throw new RangeError(`layer ${name} (conv2d): padding must be an integer >= 0, found ${this.padding}`);
    const k = this.kernelSize;
    this.weight = param(`${name}.weight`, [outChannels, inChannels, k, k]);
    this.bias = options.bias === false ? null : param(`${name}.bias`, [outChannels]);
  }

  private geometryFor(inputShape: readonly number[]): ConvGeometry {
    if (inputShape.length !== 3 || inputShape[0] !== this.inChannels)
      throw this.shapeError(`[${this.inChannels}, height, width]`, inputShape);
    const k = this.kernelSize;
    return convGeometry(
      `layer ${this.name} (conv2d)`,
      inputShape,
      this.outChannels,
      [k, k],
      [this.stride, this.stride],
      [this.padding, this.padding],
    );
  }

  outputShape(inputShape: number[]): number[] {
    const g = this.geometryFor(inputShape);
    return [g.outChannels, g.outH, g.outW];
  }

  override init(rng: Rng): void {
    const fanIn = this.inChannels * this.kernelSize * this.kernelSize;
    if (this.initMode === 'kaiming-normal') {
      const fanOut = this.outChannels * this.kernelSize * this.kernelSize;
      rng.fillNormal(this.weight.value, 0, Math.sqrt(2 / fanOut));
      this.bias?.value.fill(0);
    } else {
      const bound = 1 / Math.sqrt(fanIn);
      rng.fillUniform(this.weight.value, -bound, bound);
      if (this.bias) rng.fillUniform(this.bias.value, -bound, bound);
    }
  }

  override params(): Param[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  forward(x: Tensor, _training: boolean): Tensor {
    if (x.shape.length !== 4) throw this.shapeError(`[batch, ${this.inChannels}, height, width]`, x.shape);
    const g = this.geometryFor(x.shape.slice(1));
    this.geometry = g;
    const batch = x.shape[0];
    const y = (this.out = ensureTensor(this.out, [batch, g.outChannels, g.outH, g.outW]));
    kernels.conv2dForward(
      g,
      batch,
      x.data,
      this.weight.value,
      this.bias?.value ?? null,
      y.data,
      this.activation === 'relu',
    );
    this.lastInput = x;
    this.lastOutput = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = this.lastInput;
    const g = this.geometry;
    if (!x || !g) throw new Error(`layer ${this.name}: backward before forward`);
    const dx = (this.dx = ensureTensor(this.dx, x.shape));
    if (this.activation === 'relu') {
      const masked = (this.dyMasked = ensureTensor(this.dyMasked, dy.shape));
      kernels.reluBackward(dy.data.length, this.lastOutput!.data, dy.data, masked.data);
      dy = masked;
    }
    kernels.conv2dBackward(
      g,
      x.shape[0],
      x.data,
      this.weight.value,
      dy.data,
      this.weight.grad,
      this.bias?.grad ?? null,
      this.inputGradient ? dx.data : null,
    );
    return dx;
  }

  config(): Record<string, unknown> {
    return {
      kind: this.kind,
      name: this.name,
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      bias: this.bias !== null,
      init: this.initMode,
      activation: this.activation,
    };
  }
}
