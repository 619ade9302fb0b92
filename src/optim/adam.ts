import type { Param } from '../engine/tensor.js';
import { kernels, type AdamTerms } from '../engine/index.js';
import { Optimizer, checkDecay, checkNonNegative, checkPositive } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

/**
 * Adam (Kingma & Ba 2015) with PyTorch's semantics: weight decay as L2 on the gradient, bias correction,
 * eps added after dividing sqrt(v) by sqrt(1 - beta2^t). `decoupled` gives AdamW (Loshchilov & Hutter 2019).
 */
export class Adam extends Optimizer {
  readonly kind: string = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected decoupled = false;
  /** The step's terms, refilled per parameter (no allocation per step). */
  private readonly terms: AdamTerms;

  constructor(o: AdamOptions) {
    super(o.lr);
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0;
    checkDecay('beta1', this.beta1);
    checkDecay('beta2', this.beta2);
    checkPositive('eps', this.eps);
    checkNonNegative('weightDecay', this.weightDecay);
    this.terms = {
      beta1: this.beta1,
      beta2: this.beta2,
      l2: 0,
      shrink: 1,
      stepSize: 0,
      invSqrtBc2: 1,
      eps: this.eps,
    };
  }

  protected update(p: Param): void {
    const { value: w, grad: g } = p;
    const { beta1: b1, beta2: b2, weightDecay: wd, terms } = this;
    const lr = this.rateOf(p);
    const m = this.slot(p, 'exp_avg');
    const v = this.slot(p, 'exp_avg_sq');
    const t = this.stepCount;
    const bc1 = 1 - Math.pow(b1, t);
    const sqrtBc2 = Math.sqrt(1 - Math.pow(b2, t));
    terms.stepSize = lr / bc1;
    terms.invSqrtBc2 = 1 / sqrtBc2;
    terms.l2 = this.decoupled ? 0 : wd;
    terms.shrink = this.decoupled ? 1 - lr * wd : 1;
    kernels.adamUpdate(w.length, w, g, m, v, terms);
  }
}

/** AdamW: decoupled weight decay (theta *= 1 - lr*wd before the Adam step), PyTorch default wd 0.01. */
export class AdamW extends Adam {
  override readonly kind = 'adamw';
  constructor(o: AdamOptions) {
    super({ ...o, weightDecay: o.weightDecay ?? 0.01 });
    this.decoupled = true;
  }
}
