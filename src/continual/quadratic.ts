import type { Param } from '../engine/index.js';

/**
 * A sum of quadratic anchors, sum_k F_k (theta - theta*_k)^2 per parameter, kept folded as
 * (sum_k F_k) theta^2 - 2 (sum_k F_k theta*_k) theta + sum_k F_k theta*_k^2, so a step costs one pass over the
 * parameters however many contexts are anchored (EWC adds one per context). The folded sums that cancel are float64.
 */
export class QuadraticPenalty {
  private readonly importance = new Map<Param, Float32Array>();
  private readonly weighted = new Map<Param, Float64Array>();
  private constant = 0;

  get empty(): boolean {
    return this.importance.size === 0;
  }

  /** Adds the anchor F (theta - theta*)^2 at the parameters' current values. */
  add(params: readonly Param[], importance: Map<Param, Float32Array>): void {
    for (const p of params) {
      const f = importance.get(p)!;
      const sum = this.importance.get(p) ?? new Float32Array(f.length);
      const weighted = this.weighted.get(p) ?? new Float64Array(f.length);
      const v = p.value;
      for (let i = 0; i < f.length; i++) {
        sum[i] += f[i];
        weighted[i] += f[i] * v[i];
        this.constant += f[i] * v[i] * v[i];
      }
      this.importance.set(p, sum);
      this.weighted.set(p, weighted);
    }
  }

  /** Replaces every anchor by one at the parameters' current values (online EWC, SI). */
  reset(params: readonly Param[], importance: Map<Param, Float32Array>): void {
    this.importance.clear();
    this.weighted.clear();
    this.constant = 0;
    this.add(params, importance);
  }

  /**
   * Adds weight * sum_k F_k (theta - theta*_k) into the parameters' gradients; returns
   * weight/2 * sum_k F_k (theta - theta*_k)^2.
   */
  apply(params: readonly Param[], weight: number): number {
    if (weight === 0 || this.empty) return 0;
    let penalty = this.constant;
    for (const p of params)
      penalty += foldedStep(p.value, p.grad, this.importance.get(p)!, this.weighted.get(p)!, weight);
    return (weight / 2) * Math.max(0, penalty);
  }
}

/** One parameter's share: g += weight (F theta - W); returns sum (F theta - 2 W) theta. A plain function: see si.ts. */
function foldedStep(
  v: Float32Array,
  g: Float32Array,
  f: Float32Array,
  w: Float64Array,
  weight: number,
): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const vi = v[i];
    const fv = f[i] * vi;
    sum += (fv - 2 * w[i]) * vi;
    g[i] += weight * (fv - w[i]);
  }
  return sum;
}
