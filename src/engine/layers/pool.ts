import { kernels } from '../kernels/registry.js';
import { poolGeometry, type PoolGeometry } from '../kernels/types.js';
import { ensureTensor, type Tensor } from '../tensor.js';
import { Layer } from './layer.js';

abstract class Pool2D extends Layer {
  readonly stride: number;
  protected geometry: PoolGeometry | null = null;
  protected out: Tensor | null = null;
  protected dx: Tensor | null = null;

  constructor(
    name: string,
    readonly kernelSize: number,
    stride?: number,
    readonly padding = 0,
  ) {
    super(name);
    this.stride = stride ?? kernelSize;
  }

  protected geometryFor(inputShape: readonly number[]): PoolGeometry {
    if (inputShape.length !== 3) throw this.shapeError('[channels, height, width]', inputShape);
    return poolGeometry(
      `layer ${this.name} (${this.kind})`,
      inputShape,
      this.kernelSize,
      this.stride,
      this.padding,
    );
  }

  outputShape(inputShape: number[]): number[] {
    const g = this.geometryFor(inputShape);
    return [g.channels, g.outH, g.outW];
  }

  protected prepare(x: Tensor): PoolGeometry {
    if (x.shape.length !== 4) throw this.shapeError('[batch, channels, height, width]', x.shape);
    const g = (this.geometry = this.geometryFor(x.shape.slice(1)));
    this.out = ensureTensor(this.out, [x.shape[0], g.channels, g.outH, g.outW]);
    this.lastInput = x;
    this.lastOutput = this.out;
    return g;
  }

  config(): Record<string, unknown> {
    return {
      kind: this.kind,
      name: this.name,
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
    };
  }
}

/** Max pooling over square windows (floor mode, implicit -inf padding), as torch.nn.MaxPool2d. */
export class MaxPool2D extends Pool2D {
  readonly kind = 'maxpool2d';
  /** Each output's argmax: storage from ensureTensor (reused across batch sizes, in place for the kernels). */
  private argmaxStore: Tensor | null = null;
  private argmax: Int32Array = new Int32Array(0);

  forward(x: Tensor, _training: boolean): Tensor {
    const g = this.prepare(x);
    const y = this.out!;
    const store = ensureTensor(this.argmaxStore, y.shape);
    if (store !== this.argmaxStore) {
      this.argmaxStore = store;
      this.argmax = new Int32Array(store.data.buffer, store.data.byteOffset, store.data.length);
    }
    kernels.maxPool2dForward(g, x.shape[0], x.data, y.data, this.argmax);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = this.lastInput!;
    const dx = (this.dx = ensureTensor(this.dx, x.shape));
    kernels.maxPool2dBackward(this.geometry!, x.shape[0], dy.data, this.argmax, dx.data);
    return dx;
  }
}

/** Average pooling over square windows, zero padding counted in the divisor (torch.nn.AvgPool2d's default). */
export class AvgPool2D extends Pool2D {
  readonly kind = 'avgpool2d';

  forward(x: Tensor, _training: boolean): Tensor {
    const g = this.prepare(x);
    kernels.avgPool2dForward(g, x.shape[0], x.data, this.out!.data);
    return this.out!;
  }

  backward(dy: Tensor): Tensor {
    const x = this.lastInput!;
    const dx = (this.dx = ensureTensor(this.dx, x.shape));
    kernels.avgPool2dBackward(this.geometry!, x.shape[0], dy.data, dx.data);
    return dx;
  }
}

/** Mean over each channel's spatial positions: [batch, C, H, W] -> [batch, C]. */
export class GlobalAvgPool extends Layer {
  readonly kind = 'global-avgpool';
  private out: Tensor | null = null;
  private dx: Tensor | null = null;

  outputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 3) throw this.shapeError('[channels, height, width]', inputShape);
    return [inputShape[0]];
  }

  forward(x: Tensor, _training: boolean): Tensor {
    if (x.shape.length !== 4) throw this.shapeError('[batch, channels, height, width]', x.shape);
    const [batch, channels, h, w] = x.shape;
    const spatial = h * w;
    const y = (this.out = ensureTensor(this.out, [batch, channels]));
    for (let p = 0; p < batch * channels; p++)
      y.data[p] = kernels.sum(spatial, x.data.subarray(p * spatial, (p + 1) * spatial)) / spatial;
    this.lastInput = x;
    this.lastOutput = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = this.lastInput!;
    const spatial = x.shape[2] * x.shape[3];
    const dx = (this.dx = ensureTensor(this.dx, x.shape));
    for (let p = 0; p < dy.data.length; p++)
      dx.data.fill(dy.data[p] / spatial, p * spatial, (p + 1) * spatial);
    return dx;
  }

  config(): Record<string, unknown> {
    return { kind: this.kind, name: this.name };
  }
}
