import { requirePositive, requireTimeConstant } from './params.js';
import type { Projection } from './projection.js';
import { isModulatedRule } from './modulators.js';
import type { ModulatedRule, PlasticityRule } from './types.js';
import type { KindDescription } from './registries.js';
import {
  requireSavable,
  stateArray,
  stateList,
  stateNumber,
  isPlainState,
  type SavedState,
} from './saved-state.js';
import { DataFormatError } from '../util/errors.js';

export interface SynapticScalingParameters {
  /** The postsynaptic rate each neuron is driven toward. */
  targetRateHz: number;
  /** Time constant of each neuron's rate estimate (an exponential average of its spikes). */
  tauRateMs: number;
  /** Relative weight change per update at a rate error of 100% (dimensionless). */
  eta: number;
  /** How often the scaling is applied. */
  everyMs: number;
}

/**
 * Homeostatic synaptic scaling (Turrigiano et al. 1998; van Rossum et al. 2000): each postsynaptic neuron's
 * incoming weights are multiplied by 1 + eta (rTarget - r) / rTarget every `everyMs`, where r is an exponential
 * estimate of its rate. Multiplicative, so the relative pattern learned by other rules is kept. Attach it to a
 * projection like any plasticity rule; it reads only the postsynaptic spikes.
 */
export class SynapticScaling implements PlasticityRule {
  readonly kind = 'synaptic-scaling';
  private projection: Projection | null = null;
  /** Each postsynaptic neuron's rate estimate (Hz). */
  rateHz = new Float32Array(0);
  private factors = new Float32Array(0);
  private decay = 1;
  private stepsPerUpdate = 1;
  private steps = 0;

  constructor(readonly p: SynapticScalingParameters) {
    requirePositive('scaling', 'targetRateHz', p.targetRateHz);
    requirePositive('scaling', 'tauRateMs', p.tauRateMs);
    requirePositive('scaling', 'eta', p.eta);
    requirePositive('scaling', 'everyMs', p.everyMs);
  }

  attach(projection: Projection): void {
    requireTimeConstant('scaling', 'tauRateMs', this.p.tauRateMs, projection.dtMs);
    this.projection = projection;
    this.rateHz = new Float32Array(projection.targetSize).fill(this.p.targetRateHz);
    this.factors = new Float32Array(projection.targetSize);
    this.decay = Math.exp(-projection.dtMs / this.p.tauRateMs);
    this.stepsPerUpdate = Math.max(1, Math.round(this.p.everyMs / projection.dtMs));
  }

  step(_preSpikes: Int32Array, postSpikes: Int32Array): void {
    const proj = this.projection;
    if (!proj) throw new Error('SynapticScaling: not attached to a projection');
    const r = this.rateHz;
    // The estimate decays, and each spike adds 1 / tau (in Hz), so a steady rate is estimated without bias.
    for (let j = 0; j < r.length; j++) r[j] *= this.decay;
    const bump = 1000 / this.p.tauRateMs;
    for (const j of postSpikes) r[j] += bump;
    if (++this.steps < this.stepsPerUpdate) return;
    this.steps = 0;
    const { targetRateHz: target, eta } = this.p;
    for (let j = 0; j < r.length; j++) this.factors[j] = Math.max(0, 1 + (eta * (target - r[j])) / target);
    proj.scaleIncoming(this.factors);
  }

  /** The description `createPlasticityRule` builds this rule from (for saving). */
  describe(): KindDescription {
    return { kind: 'synaptic-scaling', ...this.p };
  }

  /** The rate estimates and the steps since the last scaling. */
  saveState(): SavedState {
    return { rateHz: this.rateHz, steps: this.steps };
  }

  loadState(state: SavedState, where: string): void {
    const proj = this.projection;
    if (!proj) throw new Error('SynapticScaling: not attached to a projection');
    this.rateHz.set(stateArray(state, 'rateHz', 'float32', proj.targetSize, where, 'the target size'));
    this.steps = stateNumber(state, 'steps', where, 'count');
  }
}

/**
 * Heterosynaptic competition (as in Zenke, Agnes & Gerstner 2015, in its simplest subtractive form): whenever the
 * summed incoming weight of a postsynaptic neuron exceeds `maxTotal`, every one of its synapses is depressed by an
 * equal share of the excess (times `rate`, 1 = all of it at once), floored at 0. Attach it after a Hebbian rule on
 * the same projection: potentiation of some synapses then comes at the expense of the others.
 */
export class HeterosynapticCompetition implements PlasticityRule {
  readonly kind = 'heterosynaptic-competition';
  private projection: Projection | null = null;

  constructor(
    readonly maxTotal: number,
    readonly rate = 1,
  ) {
    requirePositive('heterosynaptic', 'maxTotal', maxTotal);
    requirePositive('heterosynaptic', 'rate', rate);
  }

  attach(projection: Projection): void {
    this.projection = projection;
  }

  step(_preSpikes: Int32Array, postSpikes: Int32Array): void {
    const proj = this.projection;
    if (!proj) throw new Error('HeterosynapticCompetition: not attached to a projection');
    const { start, synapses } = proj.columns();
    const w = proj.weight;
    // Incoming totals change only through potentiation at postsynaptic spikes, so only those neurons are checked.
    for (const j of postSpikes) {
      const n = start[j + 1] - start[j];
      if (n === 0) continue;
      let total = 0;
      for (let c = start[j]; c < start[j + 1]; c++) total += w[synapses[c]];
      if (total <= this.maxTotal) continue;
      const share = (this.rate * (total - this.maxTotal)) / n;
      for (let c = start[j]; c < start[j + 1]; c++) {
        const k = synapses[c];
        w[k] = Math.max(0, w[k] - share);
      }
    }
  }

  describe(): KindDescription {
    return { kind: 'heterosynaptic-competition', maxTotal: this.maxTotal, rate: this.rate };
  }

  /** Nothing changes while it runs. */
  saveState(): SavedState {
    return {};
  }

  loadState(): void {}
}

/**
 * Several rules on one projection, stepped in order (e.g. STDP, then competition). It reads the signals its rules
 * read (each name once) and hands each rule its own.
 */
export class RuleChain implements ModulatedRule {
  readonly kind = 'rule-chain';
  readonly modulatorNames: readonly string[];
  /** Per modulated rule: where each of its signals sits in the chain's values. */
  private readonly routes: { rule: ModulatedRule; at: number[]; values: Float64Array }[];

  constructor(readonly rules: PlasticityRule[]) {
    const modulated = rules.filter(isModulatedRule);
    const names = [...new Set(modulated.flatMap((r) => r.modulatorNames))];
    this.modulatorNames = names;
    this.routes = modulated.map((rule) => ({
      rule,
      at: rule.modulatorNames.map((n) => names.indexOf(n)),
      values: new Float64Array(rule.modulatorNames.length),
    }));
  }

  modulate(values: Float64Array): void {
    for (const { rule, at, values: own } of this.routes) {
      for (let k = 0; k < at.length; k++) own[k] = values[at[k]];
      rule.modulate(own);
    }
  }

  attach(projection: Projection): void {
    for (const r of this.rules) r.attach(projection);
  }
  beforeDelivery(preSpikes: Int32Array, postSpikes: Int32Array): void {
    for (const r of this.rules) r.beforeDelivery?.(preSpikes, postSpikes);
  }

  flush(): void {
    for (const r of this.rules) r.flush?.();
  }

  step(preSpikes: Int32Array, postSpikes: Int32Array): void {
    for (const r of this.rules) r.step(preSpikes, postSpikes);
  }

  /** The chained rules' descriptions; each rule must be savable (`Savable`), or this names the one that is not. */
  describe(): KindDescription {
    return {
      kind: 'rule-chain',
      rules: this.rules.map((r, i) =>
        requireSavable(r, `rule-chain.rules.${i}`, 'createPlasticityRule').describe(),
      ),
    };
  }

  /** Each chained rule's state, in order. */
  saveState(): SavedState {
    return {
      rules: this.rules.map((r, i) =>
        requireSavable(r, `rule-chain.rules.${i}`, 'createPlasticityRule').saveState(),
      ),
    };
  }

  loadState(state: SavedState, where: string): void {
    const saved = stateList(state, 'rules', where, this.rules.length);
    this.rules.forEach((r, i) => {
      const s = saved[i];
      if (!isPlainState(s))
        throw new DataFormatError(`${where}.rules.${i}`, 'expected a mapping (the rule state)');
      requireSavable(r, `${where}.rules.${i}`, 'createPlasticityRule').loadState(s, `${where}.rules.${i}`);
    });
  }
}
