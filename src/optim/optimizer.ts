import type { Param } from '../engine/tensor.js';
import { kernels } from '../engine/index.js';
import { checkPositive } from '../util/validate.js';

/** What an optimizer is told at each step besides the parameters and their gradients. */
export interface StepContext {
  /** Fractional epoch (for warm-up gates). */
  epoch?: number;
  /** Collect per-step diagnostics this step (optimizers that have them expose `lastDiagnostics`). */
  diagnostics?: boolean;
}

/**
 * One interface for every optimizer. Per-parameter state lives in named Float32Arrays so that it can be
 * checkpointed and restored exactly; `lr` may be changed between steps by a schedule.
 */
export abstract class Optimizer {
  abstract readonly kind: string;
  lr: number;
  stepCount = 0;
  /**
   * Multipliers of lr per parameter name (absent: 1): per-layer learning rates, e.g. set every step by a
   * neuromodulated learner. Not checkpointed: whoever sets them sets them again after a restore.
   */
  readonly lrScales = new Map<string, number>();
  protected state = new Map<string, Record<string, Float32Array>>();

  constructor(lr: number) {
    checkPositive('lr', lr);
    this.lr = lr;
  }

  step(params: Param[], ctx: StepContext = {}): void {
    this.stepCount++;
    for (const p of params) this.update(p, ctx);
  }

  protected abstract update(p: Param, ctx: StepContext): void;

  /** The learning rate of parameter p this step: lr times its scale. */
  protected rateOf(p: Param): number {
    const scale = this.lrScales.get(p.name);
    return scale === undefined ? this.lr : this.lr * scale;
  }

  protected slot(p: Param, key: string): Float32Array {
    let s = this.state.get(p.name);
    if (!s) this.state.set(p.name, (s = {}));
    // allocState: with the WASM backend the state lives where its optimizer kernels use it without copying.
    return (s[key] ??= kernels.allocState(p.value.length));
  }

  protected hasSlot(p: Param, key: string): boolean {
    return this.state.get(p.name)?.[key] !== undefined;
  }

  /** State tensors keyed "param/slot", plus scalar state, for checkpoints. */
  exportState(): { scalars: Record<string, number>; tensors: Map<string, Float32Array> } {
    const tensors = new Map<string, Float32Array>();
    for (const [name, slots] of this.state)
      for (const [k, v] of Object.entries(slots)) tensors.set(`${name}/${k}`, v);
    return { scalars: { stepCount: this.stepCount, lr: this.lr }, tensors };
  }

  importState(s: { scalars: Record<string, number>; tensors: Map<string, Float32Array> }): void {
    this.stepCount = s.scalars.stepCount ?? 0;
    if (s.scalars.lr !== undefined) this.lr = s.scalars.lr;
    this.state.clear();
    for (const [key, v] of s.tensors) {
      const cut = key.lastIndexOf('/');
      const name = key.slice(0, cut);
      let slots = this.state.get(name);
      if (!slots) this.state.set(name, (slots = {}));
      const slot = kernels.allocState(v.length);
      slot.set(v);
      slots[key.slice(cut + 1)] = slot;
    }
  }
}

export { checkPositive, checkNonNegative, checkDecay } from '../util/validate.js';
