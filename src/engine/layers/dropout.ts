import { ensureTensor, type Tensor } from '../tensor.js';
import { Layer, type Buffer } from './layer.js';
import { Rng, type RngState } from '../../util/rng.js';

/**
 * Inverted dropout: in training each value is zeroed with probability p and the rest scaled by 1/(1-p);
 * evaluation is the identity. The mask generator's state is a buffer, so a resumed run draws the same masks.
 */
export class Dropout extends Layer {
  readonly kind = 'dropout';
  /** The generator state as eight 16-bit halves (float32 holds them exactly). */
  private readonly rngState: Buffer;
  private mask = new Float32Array(0);
  private out: Tensor | null = null;
  private dx: Tensor | null = null;
  private masked = false;

  constructor(
    name: string,
    readonly p: number,
  ) {
    super(name);
    if (!(p >= 0 && p < 1)) throw new RangeError(`layer ${name} (dropout): p must be in [0, 1), found ${p}`);
    this.rngState = { name: `${name}.rng_state`, shape: [8], value: new Float32Array(8) };
    this.storeRng(new Rng(0));
  }

  private storeRng(rng: Rng): void {
    rng.getState().forEach((w, i) => {
      this.rngState.value[2 * i] = w >>> 16;
      this.rngState.value[2 * i + 1] = w & 0xffff;
    });
  }

  private loadRng(): Rng {
    const v = this.rngState.value;
    const words = [0, 1, 2, 3].map((i) => ((v[2 * i] << 16) | v[2 * i + 1]) >>> 0) as RngState;
    return Rng.fromState(words);
  }

  override init(rng: Rng): void {
    this.storeRng(new Rng(rng.int(0x100000000)));
  }

  override buffers(): Buffer[] {
    return [this.rngState];
  }

  outputShape(inputShape: number[]): number[] {
    return inputShape;
  }

  forward(x: Tensor, training: boolean): Tensor {
    this.lastInput = x;
    this.masked = training && this.p > 0;
    if (!this.masked) {
      this.lastOutput = x;
      return x;
    }
    const n = x.data.length;
    if (this.mask.length !== n) this.mask = new Float32Array(n);
    const rng = this.loadRng();
    const keep = 1 / (1 - this.p);
    for (let i = 0; i < n; i++) this.mask[i] = rng.float() >= this.p ? keep : 0;
    this.storeRng(rng);
    const y = (this.out = ensureTensor(this.out, x.shape));
    for (let i = 0; i < n; i++) y.data[i] = x.data[i] * this.mask[i];
    this.lastOutput = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.masked) return dy;
    const dx = (this.dx = ensureTensor(this.dx, dy.shape));
    for (let i = 0; i < dy.data.length; i++) dx.data[i] = dy.data[i] * this.mask[i];
    return dx;
  }

  config(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, p: this.p };
  }
}
