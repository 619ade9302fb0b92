import type { Param, Tensor } from '../tensor.js';
import { formatShape } from '../tensor.js';
import type { Rng } from '../../util/rng.js';

/** What a layer last saw and produced: the pre- and post-synaptic activity that activity-aware optimizers read. */
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
