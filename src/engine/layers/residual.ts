import { kernels } from '../kernels/registry.js';
import { ensureTensor, type Param, type Tensor } from '../tensor.js';
import { Layer, type Buffer } from './layer.js';
import { Conv2D } from './conv.js';
import { BatchNorm } from './batchnorm.js';
import { ReLU } from './activations.js';
import type { Rng } from '../../util/rng.js';

/**
 * ResNet's basic residual block (He et al. 2016): relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)),
 * with 3x3 convolutions and a 1x1 strided convolution + batch norm as the shortcut when the shape changes.
 */
export class BasicBlock extends Layer {
  readonly kind = 'basic-block';
  readonly conv1: Conv2D;
  readonly bn1: BatchNorm;
  readonly relu1: ReLU;
  readonly conv2: Conv2D;
  readonly bn2: BatchNorm;
  readonly shortcut: [Conv2D, BatchNorm] | null;
  private out: Tensor | null = null;
  private dx: Tensor | null = null;
  private dsum: Tensor | null = null;

  constructor(
    name: string,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly stride = 1,
  ) {
    super(name);
    const conv = (suffix: string, cin: number, k: number, s: number) =>
      new Conv2D(`${name}.${suffix}`, cin, outChannels, {
        kernelSize: k,
        stride: s,
        padding: k === 3 ? 1 : 0,
        bias: false,
        init: 'kaiming-normal',
      });
    this.conv1 = conv('conv1', inChannels, 3, stride);
    this.bn1 = new BatchNorm(`${name}.bn1`, outChannels);
    this.relu1 = new ReLU(`${name}.relu1`);
    this.conv2 = conv('conv2', outChannels, 3, 1);
    this.bn2 = new BatchNorm(`${name}.bn2`, outChannels);
    this.shortcut =
      stride !== 1 || inChannels !== outChannels
        ? [conv('shortcut.0', inChannels, 1, stride), new BatchNorm(`${name}.shortcut.1`, outChannels)]
        : null;
  }

  private mainPath(): Layer[] {
    return [this.conv1, this.bn1, this.relu1, this.conv2, this.bn2];
  }

  override children(): Layer[] {
    return [...this.mainPath(), ...(this.shortcut ?? [])];
  }

  override params(): Param[] {
    return this.children().flatMap((l) => l.params());
  }

  override buffers(): Buffer[] {
    return this.children().flatMap((l) => l.buffers());
  }

  override init(rng: Rng): void {
    for (const l of this.children()) l.init(rng);
  }

  outputShape(inputShape: number[]): number[] {
    let shape = inputShape;
    for (const l of this.mainPath()) shape = l.outputShape(shape);
    if (this.shortcut) this.shortcut[1].outputShape(this.shortcut[0].outputShape(inputShape));
    return shape;
  }

  forward(x: Tensor, training: boolean): Tensor {
    let h = x;
    for (const l of this.mainPath()) h = l.forward(h, training);
    let s = x;
    if (this.shortcut) s = this.shortcut[1].forward(this.shortcut[0].forward(x, training), training);
    const y = (this.out = ensureTensor(this.out, h.shape));
    const n = y.data.length;
    y.data.set(h.data);
    kernels.axpy(n, 1, s.data, y.data);
    kernels.relu(n, y.data, y.data);
    this.lastInput = x;
    this.lastOutput = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const y = this.lastOutput!;
    const x = this.lastInput!;
    const d = (this.dsum = ensureTensor(this.dsum, y.shape));
    kernels.reluBackward(d.data.length, y.data, dy.data, d.data);
    let g = d;
    const main = this.mainPath();
    for (let i = main.length - 1; i >= 0; i--) g = main[i].backward(g);
    const dx = (this.dx = ensureTensor(this.dx, x.shape));
    dx.data.set(g.data);
    const ds = this.shortcut ? this.shortcut[0].backward(this.shortcut[1].backward(d)) : d;
    kernels.axpy(dx.data.length, 1, ds.data, dx.data);
    return dx;
  }

  config(): Record<string, unknown> {
    return {
      kind: this.kind,
      name: this.name,
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      stride: this.stride,
    };
  }
}
