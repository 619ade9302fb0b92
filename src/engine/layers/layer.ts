import type { Param, Tensor } from '../tensor.js';
import { formatShape } from '../tensor.js';
import type { Rng } from '../../util/rng.js';

/** A named, non-trainable state tensor of a layer. */
export interface Buffer {
  name: string;
  shape: number[];
  value: Float32Array;
}

/** What a layer last saw and produced: its pre- and post-synaptic activity, for rules that need it. */
export interface LayerActivity {
  input: Tensor | null;
  output: Tensor | null;
}

/**
 * A differentiable layer. `forward` caches what `backward` needs; `backward` accumulates parameter
 * gradients into `param.grad` (callers zero them per step) and returns the gradient w.r.t. the input.
 */
export abstract class Layer {
  abstract readonly kind: string;
  name: string;
  protected lastInput: Tensor | null = null;
  protected lastOutput: Tensor | null = null;
  /**
   * False for a model's leading layers up to its first with parameters, whose input gradients nobody reads; layers
   * may then skip computing them.
   */
  inputGradient = true;

  constructor(name: string) {
    this.name = name;
  }

  /** Output shape for an input shape, both without the batch dimension; throws on a mismatch. */
  abstract outputShape(inputShape: number[]): number[];
  abstract forward(x: Tensor, training: boolean): Tensor;
  abstract backward(dy: Tensor): Tensor;

  params(): Param[] {
    return [];
  }

  /** Non-trainable state saved with the model (batch-norm running statistics, dropout's generator). */
  buffers(): Buffer[] {
    return [];
  }

  /** Sub-layers of a composite layer (a residual block); leaves return none. */
  children(): Layer[] {
    return [];
  }

  /** (Re)initialise parameters from the seeded generator. */
  init(_rng: Rng): void {}

  activity(): LayerActivity {
    return { input: this.lastInput, output: this.lastOutput };
  }

  /** Serialisable description (kind and hyperparameters) used to rebuild the layer on load. */
  abstract config(): Record<string, unknown>;

  protected shapeError(expected: string, found: readonly number[]): Error {
    return new RangeError(
      `layer ${this.name} (${this.kind}): expected input ${expected}, found ${formatShape(found)}`,
    );
  }
}
