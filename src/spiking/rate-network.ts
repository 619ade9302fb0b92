import { kernels } from '../engine/index.js';
import { ConfigError } from '../util/errors.js';
import { requirePositive, requireTimeConstant } from './params.js';
import type { RateRule } from './rate-rules.js';

/** A rate population: tau dr/dt = -r + phi(sum of inputs), phi linear, relu or tanh. */
export class RatePopulation {
  readonly rate: Float32Array;
  readonly input: Float32Array;
  readonly drive: Float32Array;
  constructor(
    readonly name: string,
    readonly size: number,
    readonly tauMs: number,
    readonly transfer: 'linear' | 'relu' | 'tanh' = 'relu',
  ) {
    if (!Number.isInteger(size) || size <= 0)
      throw new ConfigError(`${name}.size`, `expected a positive integer, found ${size}`);
    requirePositive(name, 'tauMs', tauMs);
    this.rate = new Float32Array(size);
    this.input = new Float32Array(size);
    this.drive = new Float32Array(size);
  }
}

/** Dense weights [post, pre] between rate populations, optionally plastic under a rate rule. */
export interface RateProjection {
  source: RatePopulation;
  target: RatePopulation;
  weight: Float32Array;
  rule?: RateRule;
}

/**
 * A rate-based network (Wilson-Cowan style, dense, on the engine's GEMV and rank-1 kernels): each step every
 * population's drive is the sum of W r_source over its projections plus its external input; rates relax toward
 * phi(drive) exactly (exponential Euler); then each plastic projection applies its rule to (r_source, r_target).
 */
export class RateNetwork {
  readonly populations: RatePopulation[] = [];
  readonly projections: RateProjection[] = [];
  constructor(readonly dtMs: number) {
    requirePositive('rate network', 'dtMs', dtMs);
  }

  population(
    name: string,
    size: number,
    tauMs: number,
    transfer?: RatePopulation['transfer'],
  ): RatePopulation {
    requireTimeConstant(name, 'tauMs', tauMs, this.dtMs);
    const p = new RatePopulation(name, size, tauMs, transfer);
    this.populations.push(p);
    return p;
  }

  connect(
    source: RatePopulation,
    target: RatePopulation,
    weight: Float32Array,
    rule?: RateRule,
  ): RateProjection {
    if (weight.length !== source.size * target.size)
      throw new ConfigError(
        `${source.name}->${target.name}.weight`,
        `expected ${target.size} x ${source.size} = ${source.size * target.size} values, found ${weight.length}`,
      );
    const proj = { source, target, weight, rule };
    this.projections.push(proj);
    return proj;
  }

  run(durationMs: number): void {
    const steps = Math.round(durationMs / this.dtMs);
    for (let s = 0; s < steps; s++) {
      for (const p of this.populations) p.drive.set(p.input);
      for (const { source, target, weight } of this.projections)
        kernels.gemv(false, target.size, source.size, 1, weight, source.size, source.rate, 1, target.drive);
      for (const p of this.populations) {
        const k = Math.exp(-this.dtMs / p.tauMs);
        for (let i = 0; i < p.size; i++) {
          const d = p.drive[i];
          const target = p.transfer === 'relu' ? (d > 0 ? d : 0) : p.transfer === 'tanh' ? Math.tanh(d) : d;
          p.rate[i] = target + (p.rate[i] - target) * k;
        }
      }
      for (const { source, target, weight, rule } of this.projections)
        rule?.update(weight, source.rate, target.rate);
    }
  }
}
