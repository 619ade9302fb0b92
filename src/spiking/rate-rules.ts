import { kernels } from '../engine/index.js';
import { requireNonNegative, requirePositive } from './params.js';

/**
 * A plasticity rule for rate-based (dense) connections: W is [post, pre], row-major, updated in place from the
 * presynaptic rates x and postsynaptic rates y of one step (or sample).
 */
export interface RateRule {
  readonly kind: string;
  update(w: Float32Array, x: Float32Array, y: Float32Array): void;
}

/** Plain Hebbian: dW = eta y x^T (the rank-1 outer product, on the engine's `ger` kernel). A negative eta is anti-Hebbian. */
export class Hebbian implements RateRule {
  readonly kind = 'hebbian';
  constructor(readonly eta: number) {
    if (!Number.isFinite(eta)) throw new RangeError(`hebbian.eta: expected a finite number, found ${eta}`);
  }
  update(w: Float32Array, x: Float32Array, y: Float32Array): void {
    kernels.ger(y.length, x.length, this.eta, y, x, w, x.length);
  }
}

/**
 * Oja's rule: dW_ij = eta y_i (x_j - y_i W_ij). Hebbian growth with a decay that keeps each row's norm near 1;
 * a single output converges to the first principal component of its input (Oja 1982).
 */
export class Oja implements RateRule {
  readonly kind = 'oja';
  constructor(readonly eta: number) {
    requirePositive('oja', 'eta', eta);
  }
  update(w: Float32Array, x: Float32Array, y: Float32Array): void {
    const n = x.length;
    for (let i = 0; i < y.length; i++)
      kernels.scale(n, 1 - this.eta * y[i] * y[i], w.subarray(i * n, (i + 1) * n));
    kernels.ger(y.length, n, this.eta, y, x, w, n);
  }
}

/**
 * BCM with a sliding threshold (Bienenstock, Cooper & Munro 1982): dW_ij = eta x_j y_i (y_i - theta_i), and
 * theta_i relaxes toward y_i^2 with time constant tauTheta (in updates).
 */
export class Bcm implements RateRule {
  readonly kind = 'bcm';
  theta: Float32Array;
  private drive: Float32Array;
  constructor(
    readonly eta: number,
    readonly tauTheta: number,
    outputs: number,
    theta0 = 1,
  ) {
    requirePositive('bcm', 'eta', eta);
    requirePositive('bcm', 'tauTheta', tauTheta);
    requireNonNegative('bcm', 'theta0', theta0);
    this.theta = new Float32Array(outputs).fill(theta0);
    this.drive = new Float32Array(outputs);
  }
  update(w: Float32Array, x: Float32Array, y: Float32Array): void {
    for (let i = 0; i < y.length; i++) this.drive[i] = y[i] * (y[i] - this.theta[i]);
    kernels.ger(y.length, x.length, this.eta, this.drive, x, w, x.length);
    for (let i = 0; i < y.length; i++) this.theta[i] += (y[i] * y[i] - this.theta[i]) / this.tauTheta;
  }
}

/** Covariance rule: dW = eta (y - <y>)(x - <x>)^T with running means (EMA over tauMean updates). */
export class Covariance implements RateRule {
  readonly kind = 'covariance';
  private meanX: Float32Array | null = null;
  private meanY: Float32Array | null = null;
  private dx = new Float32Array(0);
  private dy = new Float32Array(0);
  constructor(
    readonly eta: number,
    readonly tauMean: number,
  ) {
    requirePositive('covariance', 'eta', eta);
    requirePositive('covariance', 'tauMean', tauMean);
  }
  update(w: Float32Array, x: Float32Array, y: Float32Array): void {
    if (!this.meanX || !this.meanY) {
      this.meanX = Float32Array.from(x);
      this.meanY = Float32Array.from(y);
      this.dx = new Float32Array(x.length);
      this.dy = new Float32Array(y.length);
    }
    for (let j = 0; j < x.length; j++) this.dx[j] = x[j] - this.meanX[j];
    for (let i = 0; i < y.length; i++) this.dy[i] = y[i] - this.meanY[i];
    kernels.ger(y.length, x.length, this.eta, this.dy, this.dx, w, x.length);
    for (let j = 0; j < x.length; j++) this.meanX[j] += this.dx[j] / this.tauMean;
    for (let i = 0; i < y.length; i++) this.meanY[i] += this.dy[i] / this.tauMean;
  }
}
