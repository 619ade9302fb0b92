import { ConfigError } from '../util/errors.js';
import { requirePositive, requireTimeConstant } from './params.js';
import type { Projection } from './projection.js';
import { DEFAULT_MODULATOR } from './modulators.js';
import type { TaylorRuleParameters, TaylorTerm } from './taylor.js';
import type { ModulatedRule } from './types.js';
import type { KindDescription } from './registries.js';

export interface EventTaylorRuleParameters extends Omit<
  TaylorRuleParameters,
  'tauEligibilityMs' | 'adaptiveScaling'
> {
  /**
   * The reward trace R filters the modulator signal M: R <- R e^(-dt / tau) + M each step (a one-step pulse of size
   * d makes R jump by d and decay). The `modulator` power of a term is a power of R.
   */
  tauModulatorMs: number;
}

interface EveryStepTerm {
  a: number;
  b: number;
  g: number;
  coefficient: number;
  /** Per step decay of the term's value between events, rho = rhoPre^a rhoPost^b rhoR^g. */
  rho: number;
}

/**
 * The Taylor rule of `TaylorRule` in the five signals S_pre, S_post, X_pre, X_post and R, computed event-driven: the
 * same weights as stepping every synapse every step (up to rounding, while no weight reaches a bound), at a cost
 * that grows with spikes instead of synapses x steps. Between a synapse's events (a spike of either neuron, or a
 * pulse of M) each trace decays geometrically, so a term without a spike factor sums in closed form over the steps
 * since the synapse was last brought up to date: sum_{n=a+1..b} m(a) rho^(n-a) = rho (m(a) - m(b)) / (1 - rho).
 * A synapse is brought up to date when its presynaptic neuron spikes (before the spike is delivered, so it carries
 * the weight stepping would have given it), when its postsynaptic neuron spikes, at every pulse of M, and at the end
 * of every `Network.run`. Differences from `TaylorRule`: bounds clip a synapse's summed change at those moments
 * rather than every step; no eligibility (e) or weight (w) factors; R is the filtered modulator, not its raw value.
 */
export class EventTaylorRule implements ModulatedRule {
  readonly kind = 'taylor-event';
  /** The modulator's value this step (M, the input of the R filter). */
  modulator = 0;
  readonly modulatorNames: readonly string[];
  private projection: Projection | null = null;
  private readonly preTerms: TaylorTerm[];
  private readonly postTerms: TaylorTerm[];
  private readonly bothTerms: TaylorTerm[];
  private readonly everyStep: EveryStepTerm[];
  /** Whether an every-step term has a factor R (then a pulse of M brings every synapse up to date). */
  private readonly readsR: boolean;
  private rho = { pre: 1, post: 1, r: 1 };
  /** The step being taken (steps taken so far). */
  private now = 0;
  // Per neuron: the trace's value just after its last jump, and that step; a cache of this step's value.
  private preValue = new Float64Array(0);
  private preStep = new Int32Array(0);
  private postValue = new Float64Array(0);
  private postStep = new Int32Array(0);
  private preNow = new Float64Array(0);
  private preStamp = new Int32Array(0);
  private postNow = new Float64Array(0);
  private postStamp = new Int32Array(0);
  private postSpiking = new Uint8Array(0);
  private rValue = 0;
  private rStep = 0;
  // Per synapse: the step its every-step terms are summed through and the three traces just after that step.
  private last = new Int32Array(0);
  private fPre = new Float64Array(0);
  private fPost = new Float64Array(0);
  private fR = new Float64Array(0);
  private seenVersion = -1;

  constructor(readonly p: EventTaylorRuleParameters) {
    requirePositive('taylor-event', 'tauPreMs', p.tauPreMs);
    requirePositive('taylor-event', 'tauPostMs', p.tauPostMs);
    requirePositive('taylor-event', 'tauModulatorMs', p.tauModulatorMs);
    requirePositive('taylor-event', 'wMax', p.wMax);
    if (!Array.isArray(p.terms))
      throw new ConfigError(
        'taylor-event.terms',
        `expected a list of { powers, coefficient }, found ${JSON.stringify(p.terms)}`,
      );
    p.terms.forEach((t, i) => {
      const ok =
        Array.isArray(t?.powers) &&
        t.powers.length === 7 &&
        t.powers.every((e) => Number.isInteger(e) && e >= 0) &&
        t.powers[0] <= 1 &&
        t.powers[1] <= 1 &&
        t.powers[4] === 0 &&
        t.powers[6] === 0;
      if (!ok)
        throw new ConfigError(
          `taylor-event.terms[${i}].powers`,
          `expected 7 non-negative integers (pre, post, xPre, xPost, eligibility, modulator, w) with spikes at most 1 and no eligibility or w factor, found ${JSON.stringify(t?.powers)}`,
        );
      if (!Number.isFinite(t.coefficient))
        throw new ConfigError(
          `taylor-event.terms[${i}].coefficient`,
          `expected a finite number, found ${t.coefficient}`,
        );
    });
    const live = p.terms.filter((t) => t.coefficient !== 0);
    this.preTerms = live.filter((t) => t.powers[0] > 0 && t.powers[1] === 0);
    this.postTerms = live.filter((t) => t.powers[1] > 0 && t.powers[0] === 0);
    this.bothTerms = live.filter((t) => t.powers[0] > 0 && t.powers[1] > 0);
    this.everyStep = live
      .filter((t) => t.powers[0] === 0 && t.powers[1] === 0)
      .map((t) => ({ a: t.powers[2], b: t.powers[3], g: t.powers[5], coefficient: t.coefficient, rho: 1 }));
    this.readsR = this.everyStep.some((t) => t.g > 0);
    this.modulatorNames = live.some((t) => t.powers[5] > 0) ? [p.modulatorName ?? DEFAULT_MODULATOR] : [];
  }

  modulate(values: Float64Array): void {
    this.modulator = values[0];
  }

  attach(projection: Projection): void {
    const dt = projection.dtMs;
    requireTimeConstant('taylor-event', 'tauPreMs', this.p.tauPreMs, dt);
    requireTimeConstant('taylor-event', 'tauPostMs', this.p.tauPostMs, dt);
    requireTimeConstant('taylor-event', 'tauModulatorMs', this.p.tauModulatorMs, dt);
    this.projection = projection;
    this.rho = {
      pre: Math.exp(-dt / this.p.tauPreMs),
      post: Math.exp(-dt / this.p.tauPostMs),
      r: Math.exp(-dt / this.p.tauModulatorMs),
    };
    for (const t of this.everyStep) t.rho = this.rho.pre ** t.a * this.rho.post ** t.b * this.rho.r ** t.g;
    const [m, n] = [projection.sourceSize, projection.targetSize];
    this.preValue = new Float64Array(m);
    this.preStep = new Int32Array(m);
    this.preNow = new Float64Array(m);
    this.preStamp = new Int32Array(m).fill(-1);
    this.postValue = new Float64Array(n);
    this.postStep = new Int32Array(n);
    this.postNow = new Float64Array(n);
    this.postStamp = new Int32Array(n).fill(-1);
    this.postSpiking = new Uint8Array(n);
    this.now = 0;
    this.rValue = 0;
    this.rStep = 0;
    this.seenVersion = -1;
  }

  /** Presynaptic neuron i's trace this step, before this step's jump. */
  private xPre(i: number): number {
    if (this.preStamp[i] !== this.now) {
      const v = this.preValue[i];
      this.preNow[i] = v === 0 ? 0 : v * this.rho.pre ** (this.now - this.preStep[i]);
      this.preStamp[i] = this.now;
    }
    return this.preNow[i];
  }

  private xPost(j: number): number {
    if (this.postStamp[j] !== this.now) {
      const v = this.postValue[j];
      this.postNow[j] = v === 0 ? 0 : v * this.rho.post ** (this.now - this.postStep[j]);
      this.postStamp[j] = this.now;
    }
    return this.postNow[j];
  }

  private rNow(): number {
    return this.rValue === 0 ? 0 : this.rValue * this.rho.r ** (this.now - this.rStep);
  }

  private ensureState(): Projection {
    const proj = this.projection;
    if (!proj) throw new Error('EventTaylorRule: not attached to a projection');
    if (this.seenVersion !== proj.version || this.last.length !== proj.synapseCount) {
      // New or rewired: every synapse starts from the present, with the present traces.
      const n = proj.synapseCount;
      this.last = new Int32Array(n).fill(this.now - 1);
      this.fPre = new Float64Array(n);
      this.fPost = new Float64Array(n);
      this.fR = new Float64Array(n);
      const r = this.rNow() / this.rho.r;
      for (let i = 0; i < proj.sourceSize; i++) {
        const x = this.xPre(i) / this.rho.pre;
        for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++) {
          this.fPre[k] = x;
          this.fPost[k] = this.xPost(proj.post[k]) / this.rho.post;
          this.fR[k] = r;
        }
      }
      this.seenVersion = proj.version;
    }
    return proj;
  }

  /**
   * The every-step terms of synapse k summed from its last update through step `now - 1` (`through` -1) or `now`
   * (0), given the traces' values this step before its jumps.
   */
  private everyStepSum(k: number, xp: number, xq: number, r: number, through: -1 | 0): number {
    let sum = 0;
    const fp = this.fPre[k];
    const fq = this.fPost[k];
    const fr = this.fR[k];
    for (const t of this.everyStep) {
      const then = pow(fp, t.a) * pow(fq, t.b) * pow(fr, t.g);
      const nowValue = pow(xp, t.a) * pow(xq, t.b) * pow(r, t.g);
      sum += (t.coefficient * (t.rho * then - (through === 0 ? t.rho * nowValue : nowValue))) / (1 - t.rho);
    }
    return sum;
  }

  private apply(k: number, dw: number): void {
    const w = this.projection!.weight;
    w[k] = Math.min(this.p.wMax, Math.max(0, w[k] + dw));
  }

  /**
   * Brings the synapses of this step's spiking presynaptic neurons up to the end of the previous step, before the
   * network delivers their spikes.
   */
  beforeDelivery(preSpikes: Int32Array): void {
    if (this.everyStep.length === 0) return;
    const proj = this.ensureState();
    const r = this.rNow();
    for (const i of preSpikes) {
      const xp = this.xPre(i);
      for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++)
        this.catchUp(k, xp, this.xPost(proj.post[k]), r);
    }
  }

  /** Synapse k brought through step now - 1, its traces stored as they stood after that step. */
  private catchUp(k: number, xp: number, xq: number, r: number): void {
    if (this.last[k] >= this.now - 1) return;
    this.apply(k, this.everyStepSum(k, xp, xq, r, -1));
    this.last[k] = this.now - 1;
    this.fPre[k] = xp / this.rho.pre;
    this.fPost[k] = xq / this.rho.post;
    this.fR[k] = r / this.rho.r;
  }

  /** Synapse k brought through this step (plus `events`), its traces stored as they stand after this step's jumps. */
  private settle(
    k: number,
    j: number,
    xp: number,
    xq: number,
    r: number,
    events: number,
    preJump: number,
  ): void {
    const sum = this.everyStep.length > 0 && this.last[k] < this.now ? this.everyStepSum(k, xp, xq, r, 0) : 0;
    this.apply(k, sum + events);
    this.last[k] = this.now;
    this.fPre[k] = xp + preJump;
    this.fPost[k] = xq + this.postSpiking[j];
    this.fR[k] = r + this.modulator;
  }

  /** The event terms' sum, their spike factors being 1 at the event. */
  private events(terms: TaylorTerm[], xp: number, xq: number, r: number): number {
    let d = 0;
    for (const t of terms) {
      const q = t.powers;
      d += t.coefficient * pow(xp, q[2]) * pow(xq, q[3]) * pow(r, q[5]);
    }
    return d;
  }

  step(preSpikes: Int32Array, postSpikes: Int32Array): void {
    const proj = this.ensureState();
    const r = this.rNow();
    const m = this.modulator;
    const { postSpiking } = this;
    for (const j of postSpikes) postSpiking[j] = 1;
    for (const i of preSpikes) {
      const xp = this.xPre(i);
      for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++) {
        const j = proj.post[k];
        const xq = this.xPost(j);
        let d = this.events(this.preTerms, xp, xq, r);
        if (postSpiking[j]) d += this.events(this.bothTerms, xp, xq, r);
        this.settle(k, j, xp, xq, r, d, 1);
      }
    }
    const { start, synapses } = proj.columns();
    for (const j of postSpikes) {
      const xq = this.xPost(j);
      for (let c = start[j]; c < start[j + 1]; c++) {
        const k = synapses[c];
        const i = proj.rowOf(k);
        const xp = this.xPre(i);
        const d = this.events(this.postTerms, xp, xq, r);
        // A synapse whose presynaptic neuron spiked too was settled in the row loop; its trace jumps with the spike.
        this.settle(k, j, xp, xq, r, d, this.last[k] === this.now ? 1 : 0);
      }
    }
    if (m !== 0 && this.readsR) {
      // R jumps: every synapse is brought through this step, so that its sums in R restart from the new R.
      for (let i = 0; i < proj.sourceSize; i++) {
        const xp = this.xPre(i);
        for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++) {
          if (this.last[k] === this.now) continue;
          const j = proj.post[k];
          this.settle(k, j, xp, this.xPost(j), r, 0, 0);
        }
      }
    }
    if (m !== 0) {
      this.rValue = r + m;
      this.rStep = this.now;
    }
    for (const i of preSpikes) {
      this.preValue[i] = this.xPre(i) + 1;
      this.preStep[i] = this.now;
    }
    for (const j of postSpikes) {
      this.postValue[j] = this.xPost(j) + 1;
      this.postStep[j] = this.now;
      postSpiking[j] = 0;
    }
    this.now++;
  }

  /** Brings every weight up to date (the network calls this at the end of each run). */
  flush(): void {
    if (this.everyStep.length === 0 || !this.projection) return;
    const proj = this.ensureState();
    const r = this.rNow();
    for (let i = 0; i < proj.sourceSize; i++) {
      const xp = this.xPre(i);
      for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++)
        this.catchUp(k, xp, this.xPost(proj.post[k]), r);
    }
  }

  describe(): KindDescription {
    return {
      kind: 'taylor-event',
      ...this.p,
      terms: this.p.terms.map((t) => ({ powers: [...t.powers], coefficient: t.coefficient })),
    };
  }
}

/** x^e for the small integer powers of a Taylor term (0^0 = 1). */
function pow(x: number, e: number): number {
  return e === 0 ? 1 : e === 1 ? x : e === 2 ? x * x : x ** e;
}
