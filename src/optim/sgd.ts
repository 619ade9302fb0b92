import type { Param } from '../engine/tensor.js';
import { Optimizer, checkDecay, checkNonNegative } from './optimizer.js';
import { ConfigError } from '../util/errors.js';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** SGD with PyTorch's semantics: L2 decay added to the gradient; momentum buffer starts at the first gradient. */
export class SGD extends Optimizer {
  readonly kind = 'sgd';
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(o: SgdOptions) {
    super(o.lr);
    this.momentum = o.momentum ?? 0;
    this.dampening = o.dampening ?? 0;
    this.nesterov = o.nesterov ?? false;
    this.weightDecay = o.weightDecay ?? 0;
    checkDecay('momentum', this.momentum);
    checkDecay('dampening', this.dampening);
    checkNonNegative('weightDecay', this.weightDecay);
    if (this.nesterov && (this.momentum === 0 || this.dampening !== 0)) {
      throw new ConfigError('nesterov', 'requires momentum > 0 and dampening = 0');
    }
  }

  protected update(p: Param): void {
    const { value: w, grad: g } = p;
    const { momentum: mu, dampening, nesterov, weightDecay: wd } = this;
    const lr = this.rateOf(p);
    if (mu === 0) {
      for (let i = 0; i < w.length; i++) w[i] -= lr * (g[i] + wd * w[i]);
      return;
    }
    const first = !this.hasSlot(p, 'momentum');
    const buf = this.slot(p, 'momentum');
    for (let i = 0; i < w.length; i++) {
      const d = g[i] + wd * w[i];
      const b = first ? d : mu * buf[i] + (1 - dampening) * d;
      buf[i] = b;
      w[i] -= lr * (nesterov ? d + mu * b : b);
    }
  }
}
