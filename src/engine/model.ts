import type { Buffer, Layer } from './layers/layer.js';
import type { Param, Tensor } from './tensor.js';
import { formatShape } from './tensor.js';
import type { Rng } from '../util/rng.js';

/** A feed-forward stack of layers with a fixed per-sample input shape. */
export class Sequential {
  constructor(
    readonly layers: Layer[],
    readonly inputShape: number[],
  ) {
    // Validate the whole chain of shapes up front so a mismatch names the layer before any data flows.
    let shape = inputShape;
    for (const l of layers) shape = l.outputShape(shape);
    this.outputShape = shape;
    const first = layers.findIndex((l) => l.params().length > 0);
    this.firstWithParams = first < 0 ? layers.length : first;
    const names = new Set<string>();
    for (const p of [...this.params(), ...this.buffers()]) {
      if (names.has(p.name)) throw new Error(`duplicate parameter name ${p.name}`);
      names.add(p.name);
    }
  }

  readonly outputShape: number[];
  /** The index of the first layer with parameters (the layers' count when none has any). */
  private readonly firstWithParams: number;

  init(rng: Rng): this {
    for (const l of this.layers) l.init(rng);
    return this;
  }

  params(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }

  /** Non-trainable state (batch-norm statistics, dropout generators), saved alongside the parameters. */
  buffers(): Buffer[] {
    return this.layers.flatMap((l) => l.buffers());
  }

  /** Every leaf layer, depth first (composite layers such as residual blocks are opened). */
  leaves(): Layer[] {
    const out: Layer[] = [];
    const visit = (l: Layer) => {
      const kids = l.children();
      if (kids.length === 0) out.push(l);
      else kids.forEach(visit);
    };
    this.layers.forEach(visit);
    return out;
  }

  /** Maps each parameter to the leaf layer that owns it (for rules that read a parameter's layer activity). */
  paramOwners(): Map<Param, Layer> {
    const m = new Map<Param, Layer>();
    for (const l of this.leaves()) for (const p of l.params()) m.set(p, l);
    return m;
  }

  forward(x: Tensor, training: boolean): Tensor {
    const per = x.shape.slice(1);
    if (per.length !== this.inputShape.length || per.some((d, i) => d !== this.inputShape[i])) {
      throw new RangeError(
        `model input: expected [batch, ${this.inputShape.join(', ')}], found ${formatShape(x.shape)}`,
      );
    }
    let h = x;
    for (const l of this.layers) h = l.forward(h, training);
    return h;
  }

  /**
   * When false (the default for training), the first layer may skip its input gradient, and the returned
   * tensor's values are then unspecified; set true to read d(loss)/d(input).
   */
  needsInputGradient = false;

  backward(dy: Tensor): Tensor {
    // Nobody reads the input gradient of the leading layers up to the first one with parameters (a Flatten, then
    // the first Dense): they may skip it.
    this.layers.forEach((l, i) => (l.inputGradient = this.needsInputGradient || i > this.firstWithParams));
    let g = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) g = this.layers[i].backward(g);
    return g;
  }

  zeroGrad(): void {
    for (const p of this.params()) p.grad.fill(0);
  }

  parameterCount(): number {
    return this.params().reduce((s, p) => s + p.value.length, 0);
  }

  describe(): Record<string, unknown>[] {
    return this.layers.map((l) => l.config());
  }
}
