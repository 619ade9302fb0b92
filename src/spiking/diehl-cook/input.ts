import type { Rng } from '../../util/rng.js';

/**
 * One presentation's input spikes: exact Poisson trains (exponential intervals) of each input over `presentMs`,
 * placed on the step grid and bucketed by step (CSR over steps), so the input costs work per spike rather than per
 * input per step.
 */
export class PoissonPresentation {
  /** Steps of one presentation. */
  readonly steps: number;
  /** The spikes of step s are `inputs[start[s]..start[s + 1])` (input indices). */
  readonly start: Int32Array;
  inputs = new Int32Array(4096);
  private eventStep = new Int32Array(4096);
  private eventInput = new Int32Array(4096);
  private readonly fill: Int32Array;

  constructor(
    readonly presentMs: number,
    readonly dtMs: number,
  ) {
    this.start = new Int32Array(Math.round(presentMs / dtMs) + 1);
    this.steps = this.start.length - 1;
    this.fill = new Int32Array(this.start.length);
  }

  /** Draws the spikes of inputs firing at `ratesHz` and buckets them by step; returns how many. */
  draw(ratesHz: Float64Array, rng: Rng): number {
    const { steps, presentMs, dtMs } = this;
    let m = 0;
    for (let i = 0; i < ratesHz.length; i++) {
      const r = ratesHz[i];
      if (r <= 0) continue;
      const meanIntervalMs = 1000 / r;
      let tMs = -Math.log(1 - rng.float()) * meanIntervalMs;
      while (tMs < presentMs) {
        if (m === this.eventStep.length) this.growEvents();
        this.eventStep[m] = Math.min(steps - 1, Math.floor(tMs / dtMs));
        this.eventInput[m++] = i;
        tMs += -Math.log(1 - rng.float()) * meanIntervalMs;
      }
    }
    const start = this.start;
    start.fill(0);
    for (let e = 0; e < m; e++) start[this.eventStep[e] + 1]++;
    for (let s = 0; s < steps; s++) start[s + 1] += start[s];
    if (this.inputs.length < m) this.inputs = new Int32Array(this.eventStep.length);
    const fill = this.fill;
    fill.set(start);
    for (let e = 0; e < m; e++) this.inputs[fill[this.eventStep[e]]++] = this.eventInput[e];
    return m;
  }

  private growEvents(): void {
    const grow = (a: Int32Array) => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.eventStep = grow(this.eventStep);
    this.eventInput = grow(this.eventInput);
  }
}
