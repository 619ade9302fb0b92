import { kernels } from '../kernels/registry.js';
import { ensureTensor, param, type Param, type Tensor } from '../tensor.js';
import { Layer } from './layer.js';
import type { Rng } from '../../util/rng.js';

/** Fully connected layer y = x W + b, with W stored [in, out]. */
export class Dense extends Layer {
  readonly kind = 'dense';
  readonly weight: Param;
  readonly bias: Param | null;
  private out: Tensor | null = null;
  private dx: Tensor | null = null;

  constructor(
    name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    useBias = true,
  ) {
    super(name);
    if (
      !Number.isInteger(inFeatures) ||
      inFeatures <= 0 ||
      !Number.isInteger(outFeatures) ||
      outFeatures <= 0
    ) {
      throw new RangeError(
        `layer ${name} (dense): features must be positive integers, found ${inFeatures} -> ${outFeatures}`,
      );
    }
    this.weight = param(`${name}.weight`, [inFeatures, outFeatures]);
    this.bias = useBias ? param(`${name}.bias`, [outFeatures]) : null;
  }

  outputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 1 || inputShape[0] !== this.inFeatures)
      throw this.shapeError(`[${this.inFeatures}]`, inputShape);
    return [this.outFeatures];
  }

  /** PyTorch's default Linear init: U(-1/sqrt(in), 1/sqrt(in)) for weights and bias. */
  override init(rng: Rng): void {
    const bound = 1 / Math.sqrt(this.inFeatures);
    rng.fillUniform(this.weight.value, -bound, bound);
    if (this.bias) rng.fillUniform(this.bias.value, -bound, bound);
  }

  override params(): Param[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  forward(x: Tensor, _training: boolean): Tensor {
    if (x.shape.length !== 2 || x.shape[1] !== this.inFeatures)
      throw this.shapeError(`[batch, ${this.inFeatures}]`, x.shape);
    const batch = x.shape[0];
    const n = this.outFeatures;
    const y = (this.out = ensureTensor(this.out, [batch, n]));
    if (this.bias) {
      const b = this.bias.value;
      for (let i = 0; i < batch; i++) y.data.set(b, i * n);
    }
    kernels.gemm(
      false,
      false,
      batch,
      n,
      this.inFeatures,
      1,
      x.data,
      this.inFeatures,
      this.weight.value,
      n,
      this.bias ? 1 : 0,
      y.data,
      n,
    );
    this.lastInput = x;
    this.lastOutput = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = this.lastInput;
    if (!x) throw new Error(`layer ${this.name}: backward before forward`);
    const batch = x.shape[0];
    const n = this.outFeatures;
    const k = this.inFeatures;
    // dW += x^T dy ; db += sum_batch dy ; dx = dy W^T
    kernels.gemm(true, false, k, n, batch, 1, x.data, k, dy.data, n, 1, this.weight.grad, n);
    if (this.bias) {
      const g = this.bias.grad;
      for (let i = 0; i < batch; i++) {
        const row = i * n;
        for (let j = 0; j < n; j++) g[j] += dy.data[row + j];
      }
    }
    const dx = (this.dx = ensureTensor(this.dx, [batch, k]));
    // A first layer's input gradient is not read (its values are then unspecified).
    if (this.inputGradient)
      kernels.gemm(false, true, batch, k, n, 1, dy.data, n, this.weight.value, n, 0, dx.data, k);
    return dx;
  }

  config(): Record<string, unknown> {
    return {
      kind: this.kind,
      name: this.name,
      inFeatures: this.inFeatures,
      outFeatures: this.outFeatures,
      bias: this.bias !== null,
    };
  }
}
