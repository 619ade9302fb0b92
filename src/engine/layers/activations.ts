import { kernels } from '../kernels/registry.js';
import { ensureTensor, sizeOf, type Tensor } from '../tensor.js';
import { Layer } from './layer.js';

/** Rectified linear unit, elementwise. */
export class ReLU extends Layer {
  readonly kind = 'relu';
  private out: Tensor | null = null;
  private dx: Tensor | null = null;

  outputShape(inputShape: number[]): number[] {
    return inputShape;
  }

  forward(x: Tensor, _training: boolean): Tensor {
    const y = (this.out = ensureTensor(this.out, x.shape));
    kernels.relu(x.data.length, x.data, y.data);
    this.lastInput = x;
    this.lastOutput = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const y = this.lastOutput!;
    const dx = (this.dx = ensureTensor(this.dx, dy.shape));
    kernels.reluBackward(dy.data.length, y.data, dy.data, dx.data);
    return dx;
  }

  config(): Record<string, unknown> {
    return { kind: this.kind, name: this.name };
  }
}

/** Flattens [batch, ...] to [batch, features]; a view, no copy. */
export class Flatten extends Layer {
  readonly kind = 'flatten';
  private inShape: number[] = [];

  outputShape(inputShape: number[]): number[] {
    return [sizeOf(inputShape)];
  }

  forward(x: Tensor, _training: boolean): Tensor {
    this.inShape = x.shape;
    const y = { shape: [x.shape[0], sizeOf(x.shape.slice(1))], data: x.data };
    this.lastInput = x;
    this.lastOutput = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    return { shape: this.inShape, data: dy.data };
  }

  config(): Record<string, unknown> {
    return { kind: this.kind, name: this.name };
  }
}
