import { requireNonNegative, requirePositive, requireTimeConstant } from './params.js';
import { ConfigError } from '../util/errors.js';
import type { Projection } from './projection.js';
import { DEFAULT_MODULATOR } from './modulators.js';
import type { ModulatedRule, PlasticityRule } from './types.js';
import type { KindDescription } from './registries.js';
import { stateArray, stateNumber, type SavedState } from './saved-state.js';

export interface PairStdpParameters {
  /** Potentiation amplitude (weight units) for a post spike right after a pre spike. */
  aPlus: number;
  /** Depression amplitude for a pre spike right after a post spike. */
  aMinus: number;
  tauPlusMs: number;
  tauMinusMs: number;
  wMax: number;
  /** 'additive': dw independent of w, clipped to [0, wMax]; 'multiplicative': soft bounds, dw+ ~ (wMax - w), dw- ~ w. */
  bounds?: 'additive' | 'multiplicative';
  /** 'all-to-all': every earlier spike counts (traces add); 'nearest': only the latest (traces reset to 1). */
  pairing?: 'all-to-all' | 'nearest';
  /**
   * A pre and a post spike in the same step: 'none' (the default) does not pair them (each pairing reads the other
   * side's trace from before this step's spikes); 'pre-before-post' is Brian2's order (a Synapses object's on_pre
   * runs before its on_post within a step), so the post spike sees the pre spike's trace increment and the pair
   * potentiates by aPlus, while the pre spike still reads the post trace from before this step.
   */
  sameStep?: 'none' | 'pre-before-post';
}

/**
 * Pair-based spike-timing-dependent plasticity with exponential traces (Song, Miller & Abbott 2000; Morrison et al.
 * 2008). Each presynaptic neuron keeps x_pre, each postsynaptic one x_post, decaying with tauPlusMs / tauMinusMs
 * and bumped by spikes. On a pre spike: w -= aMinus * x_post (depression); on a post spike: w += aPlus * x_pre
 * (potentiation). For one pair at dt = t_post - t_pre the weight change is the window
 *   dw = aPlus exp(-dt / tauPlus) for dt > 0,   dw = -aMinus exp(dt / tauMinus) for dt < 0.
 * A pre and a post spike in the same step (dt = 0) do not pair, unless `sameStep: 'pre-before-post'` (Brian2's
 * order) makes them potentiate by aPlus.
 */
export class PairStdp implements PlasticityRule {
  readonly kind: string = 'pair-stdp';
  readonly p: Required<PairStdpParameters>;
  private xPre = new Float32Array(0);
  private xPost = new Float32Array(0);
  private decayPre = 1;
  private decayPost = 1;
  /** Synapse indices grouped by postsynaptic neuron (CSC view of the CSR projection), built on attach. */
  private projection: Projection | null = null;

  constructor(params: PairStdpParameters) {
    this.p = { bounds: 'additive', pairing: 'all-to-all', sameStep: 'none', ...params };
    const where = 'stdp';
    requireNonNegative(where, 'aPlus', this.p.aPlus);
    requireNonNegative(where, 'aMinus', this.p.aMinus);
    requirePositive(where, 'tauPlusMs', this.p.tauPlusMs);
    requirePositive(where, 'tauMinusMs', this.p.tauMinusMs);
    requirePositive(where, 'wMax', this.p.wMax);
    if (!['additive', 'multiplicative'].includes(this.p.bounds))
      throw new ConfigError(`${where}.bounds`, `expected additive or multiplicative, found ${this.p.bounds}`);
    if (!['all-to-all', 'nearest'].includes(this.p.pairing))
      throw new ConfigError(`${where}.pairing`, `expected all-to-all or nearest, found ${this.p.pairing}`);
    if (!['none', 'pre-before-post'].includes(this.p.sameStep))
      throw new ConfigError(
        `${where}.sameStep`,
        `expected none or pre-before-post, found ${this.p.sameStep}`,
      );
  }

  /** Applies a pairing's weight change within [0, wMax] (eligibility-trace rules store it instead). */
  protected change(k: number, dw: number): void {
    const w = this.projection!.weight;
    w[k] = Math.min(this.p.wMax, Math.max(0, w[k] + dw));
  }

  /** Hook before this step's pairings (eligibility decay). */
  protected beforePairing(): void {}

  /** Hook after this step's pairings (three-factor rules apply their modulated eligibility here). */
  protected afterPairing(): void {}

  protected get attached(): Projection {
    if (!this.projection) throw new Error('STDP rule: not attached to a projection');
    return this.projection;
  }

  attach(projection: Projection): void {
    const dt = projection.dtMs;
    requireTimeConstant('stdp', 'tauPlusMs', this.p.tauPlusMs, dt);
    requireTimeConstant('stdp', 'tauMinusMs', this.p.tauMinusMs, dt);
    this.projection = projection;
    this.xPre = new Float32Array(projection.sourceSize);
    this.xPost = new Float32Array(projection.targetSize);
    this.decayPre = Math.exp(-dt / this.p.tauPlusMs);
    this.decayPost = Math.exp(-dt / this.p.tauMinusMs);
  }

  /** One step: decay traces, then depression on pre spikes and potentiation on post spikes. */
  step(preSpikes: Int32Array, postSpikes: Int32Array): void {
    const proj = this.attached;
    const { aPlus, aMinus, wMax, bounds, pairing } = this.p;
    const w = proj.weight;
    const columns = proj.columns();
    this.beforePairing();
    const { xPre, xPost } = this;
    for (let i = 0; i < xPre.length; i++) xPre[i] *= this.decayPre;
    for (let j = 0; j < xPost.length; j++) xPost[j] *= this.decayPost;
    const soft = bounds === 'multiplicative';
    // Without depression (aMinus 0) pre spikes change nothing: no loop over their synapses.
    for (let s = 0; aMinus !== 0 && s < preSpikes.length; s++) {
      const i = preSpikes[s];
      for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++) {
        const dw = aMinus * xPost[proj.post[k]] * (soft ? w[k] / wMax : 1);
        this.change(k, -dw);
      }
    }
    // Brian2's order: this step's pre spikes bump their traces before the post spikes read them.
    const preFirst = this.p.sameStep === 'pre-before-post';
    if (preFirst) this.bumpPre(preSpikes, pairing);
    for (let s = 0; s < postSpikes.length; s++) {
      const j = postSpikes[s];
      for (let c = columns.start[j]; c < columns.start[j + 1]; c++) {
        const k = columns.synapses[c];
        const dw = aPlus * xPre[proj.rowOf(k)] * (soft ? (wMax - w[k]) / wMax : 1);
        this.change(k, dw);
      }
    }
    this.afterPairing();
    if (!preFirst) this.bumpPre(preSpikes, pairing);
    for (let s = 0; s < postSpikes.length; s++)
      xPost[postSpikes[s]] = pairing === 'nearest' ? 1 : xPost[postSpikes[s]] + 1;
  }

  /** The description `createPlasticityRule` builds this rule from (for saving). */
  describe(): KindDescription {
    return { kind: 'pair-stdp', ...this.p };
  }

  /** The traces (views). */
  saveState(): SavedState {
    return { xPre: this.xPre, xPost: this.xPost };
  }

  /** Restores `saveState()`'s traces into this rule, attached to a projection of the same sizes. */
  loadState(state: SavedState, where: string): void {
    const proj = this.attached;
    this.xPre.set(stateArray(state, 'xPre', 'float32', proj.sourceSize, where, 'the source size'));
    this.xPost.set(stateArray(state, 'xPost', 'float32', proj.targetSize, where, 'the target size'));
  }

  private bumpPre(preSpikes: Int32Array, pairing: 'all-to-all' | 'nearest'): void {
    const xPre = this.xPre;
    for (let s = 0; s < preSpikes.length; s++)
      xPre[preSpikes[s]] = pairing === 'nearest' ? 1 : xPre[preSpikes[s]] + 1;
  }
}

/**
 * Reward-modulated STDP, the three-factor rule (Izhikevich 2007; Fremaux & Gerstner 2016): pairings do not change the
 * weight but an eligibility trace per synapse, e += dw_STDP, decaying with tauEligibilityMs; the weight follows the
 * neuromodulatory signal M(t):
 *   dw/dt = eta M(t) e(t),  clipped to [0, wMax].
 * M is the signal named `modulatorName` (default "dopamine"), which a network with modulators hands over every step
 * (`net.modulator("dopamine", ...)`); without modulators the caller may set `modulator` directly.
 */
export class RewardModulatedStdp extends PairStdp implements ModulatedRule {
  override readonly kind = 'reward-modulated-stdp';
  /** The third factor, read every step: set by the network from the subscribed signal (or by hand). */
  modulator = 0;
  readonly modulatorNames: readonly string[];
  private eligibility: Float32Array = new Float32Array(0);
  private decayEligibility = 1;
  private seenVersion = 0;
  // The synapses whose eligibility may be nonzero (every other is exactly 0): decay and the weight update visit
  // only these, so a step costs the tagged synapses, not the projection.
  private tagged = new Int32Array(0);
  private isTagged = new Uint8Array(0);
  private taggedCount = 0;

  constructor(
    params: PairStdpParameters,
    readonly tauEligibilityMs: number,
    readonly eta: number,
    options: { modulatorName?: string } = {},
  ) {
    super(params);
    requirePositive('rstdp', 'tauEligibilityMs', tauEligibilityMs);
    requireNonNegative('rstdp', 'eta', eta);
    this.modulatorNames = [options.modulatorName ?? DEFAULT_MODULATOR];
  }

  modulate(values: Float64Array): void {
    this.modulator = values[0];
  }

  override attach(projection: Projection): void {
    super.attach(projection);
    requireTimeConstant('rstdp', 'tauEligibilityMs', this.tauEligibilityMs, projection.dtMs);
    this.resetEligibility(new Float32Array(projection.synapseCount));
    this.decayEligibility = Math.exp(-projection.dtMs / this.tauEligibilityMs);
  }

  /**
   * Eligibility of every synapse (a view for monitors and tests). Writes may only scale or zero entries: a synapse
   * the rule has not tagged is not visited, so a value written there would be ignored.
   */
  get traces(): Float32Array {
    return this.eligibility;
  }

  protected override change(k: number, dw: number): void {
    if (dw === 0) return;
    this.eligibility[k] += dw;
    if (this.isTagged[k] === 0) {
      this.isTagged[k] = 1;
      this.tagged[this.taggedCount++] = k;
    }
  }

  /** Takes `e` as the eligibility and tags its nonzero entries. */
  private resetEligibility(e: Float32Array): void {
    this.eligibility = e;
    this.tagged = new Int32Array(e.length);
    this.isTagged = new Uint8Array(e.length);
    this.taggedCount = 0;
    for (let k = 0; k < e.length; k++)
      if (e[k] !== 0) {
        this.isTagged[k] = 1;
        this.tagged[this.taggedCount++] = k;
      }
  }

  protected override beforePairing(): void {
    // A rewired projection has new synapses: their tags start at zero (kept synapses lose theirs too).
    if (this.seenVersion !== this.attached.version) {
      this.resetEligibility(new Float32Array(this.attached.synapseCount));
      this.seenVersion = this.attached.version;
    }
    // Decay the tagged synapses; one that reached exactly 0 (or was zeroed from outside) leaves the list.
    const { eligibility: e, tagged, isTagged } = this;
    const decay = this.decayEligibility;
    let kept = 0;
    for (let t = 0; t < this.taggedCount; t++) {
      const k = tagged[t];
      const v = (e[k] *= decay);
      if (v !== 0) tagged[kept++] = k;
      else isTagged[k] = 0;
    }
    this.taggedCount = kept;
  }

  protected override afterPairing(): void {
    if (this.modulator === 0) return;
    const proj = this.attached;
    const w = proj.weight;
    const { eligibility: e, tagged } = this;
    const k0 = this.eta * this.modulator * proj.dtMs;
    const wMax = this.p.wMax;
    // An untagged synapse has e = 0: its weight would not change.
    for (let t = 0; t < this.taggedCount; t++) {
      const k = tagged[t];
      w[k] = Math.min(wMax, Math.max(0, w[k] + k0 * e[k]));
    }
  }

  override describe(): KindDescription {
    return {
      kind: 'reward-modulated-stdp',
      ...this.p,
      tauEligibilityMs: this.tauEligibilityMs,
      eta: this.eta,
      modulatorName: this.modulatorNames[0],
    };
  }

  /** The traces, the eligibility of every synapse, the rewiring it has seen and the modulator value. */
  override saveState(): SavedState {
    return {
      ...super.saveState(),
      eligibility: this.eligibility,
      seenVersion: this.seenVersion,
      modulator: this.modulator,
    };
  }

  override loadState(state: SavedState, where: string): void {
    super.loadState(state, where);
    const seen = stateNumber(state, 'seenVersion', where, 'count');
    // Eligibility of a projection rewired since the last step is stale: the next step starts it over.
    const n = seen === this.attached.version ? this.attached.synapseCount : null;
    this.resetEligibility(
      Float32Array.from(stateArray(state, 'eligibility', 'float32', n, where, 'the synapse count')),
    );
    this.seenVersion = seen;
    this.modulator = stateNumber(state, 'modulator', where, 'any');
  }
}

export interface InhibitoryStdpParameters {
  eta: number;
  tauMs: number;
  /** The postsynaptic rate the rule drives toward (sets the depression offset alpha = 2 rho0 tau). */
  targetRateHz: number;
  wMax: number;
}

/**
 * Inhibitory STDP for E/I balance (Vogels et al. 2011): symmetric traces x_pre, x_post (time constant tau); on a pre
 * spike w += eta (x_post - alpha), on a post spike w += eta x_pre, with alpha = 2 rho0 tau. One pair at any
 * |dt| changes w by eta (exp(-|dt| / tau) - alpha); postsynaptic rates settle near rho0.
 */
export class InhibitoryStdp extends PairStdp {
  override readonly kind = 'inhibitory-stdp';
  readonly alpha: number;
  private traceDecay = 1;
  private pre = new Float32Array(0);
  private postTrace = new Float32Array(0);

  constructor(readonly ip: InhibitoryStdpParameters) {
    super({ aPlus: ip.eta, aMinus: ip.eta, tauPlusMs: ip.tauMs, tauMinusMs: ip.tauMs, wMax: ip.wMax });
    requireNonNegative('istdp', 'targetRateHz', ip.targetRateHz);
    this.alpha = (2 * ip.targetRateHz * ip.tauMs) / 1000;
  }

  override attach(projection: Projection): void {
    super.attach(projection);
    this.pre = new Float32Array(projection.sourceSize);
    this.postTrace = new Float32Array(projection.targetSize);
    this.traceDecay = Math.exp(-projection.dtMs / this.ip.tauMs);
  }

  override step(preSpikes: Int32Array, postSpikes: Int32Array): void {
    const proj = this.attached;
    const { eta } = this.ip;
    const w = proj.weight;
    const wMax = this.ip.wMax;
    for (let i = 0; i < this.pre.length; i++) this.pre[i] *= this.traceDecay;
    for (let j = 0; j < this.postTrace.length; j++) this.postTrace[j] *= this.traceDecay;
    for (let s = 0; s < preSpikes.length; s++) {
      const i = preSpikes[s];
      for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++)
        w[k] = Math.min(wMax, Math.max(0, w[k] + eta * (this.postTrace[proj.post[k]] - this.alpha)));
    }
    const { start, synapses } = proj.columns();
    for (let s = 0; s < postSpikes.length; s++) {
      const j = postSpikes[s];
      for (let c = start[j]; c < start[j + 1]; c++) {
        const k = synapses[c];
        w[k] = Math.min(wMax, Math.max(0, w[k] + eta * this.pre[proj.rowOf(k)]));
      }
    }
    for (let s = 0; s < preSpikes.length; s++) this.pre[preSpikes[s]] += 1;
    for (let s = 0; s < postSpikes.length; s++) this.postTrace[postSpikes[s]] += 1;
  }

  override describe(): KindDescription {
    return { kind: 'inhibitory-stdp', ...this.ip };
  }

  override saveState(): SavedState {
    return { pre: this.pre, postTrace: this.postTrace };
  }

  override loadState(state: SavedState, where: string): void {
    const proj = this.attached;
    this.pre.set(stateArray(state, 'pre', 'float32', proj.sourceSize, where, 'the source size'));
    this.postTrace.set(stateArray(state, 'postTrace', 'float32', proj.targetSize, where, 'the target size'));
  }
}

export interface TripletStdpParameters {
  /** Pair and triplet potentiation amplitudes (A2+, A3+) and depression amplitudes (A2-, A3-). */
  a2Plus: number;
  a3Plus: number;
  a2Minus: number;
  a3Minus: number;
  tauPlusMs: number;
  tauMinusMs: number;
  /** Slow traces of the triplet terms (tau_x for pre, tau_y for post). */
  tauXMs: number;
  tauYMs: number;
  wMax: number;
}

/**
 * Triplet STDP (Pfister & Gerstner 2006, all-to-all): fast traces r1 (pre, tauPlus) and o1 (post, tauMinus), slow
 * traces r2 (pre, tauX) and o2 (post, tauY). On a post spike: w += r1 (A2+ + A3+ o2); on a pre spike:
 * w -= o1 (A2- + A3- r2), the slow trace read before this spike's own increment. With A3+ = A3- = 0 it is pair STDP;
 * A3+ > 0 makes potentiation grow with the postsynaptic rate (the frequency dependence of the data it fits).
 */
export class TripletStdp implements PlasticityRule {
  readonly kind = 'triplet-stdp';
  private projection: Projection | null = null;
  private r1 = new Float32Array(0);
  private r2 = new Float32Array(0);
  private o1 = new Float32Array(0);
  private o2 = new Float32Array(0);
  private decay = { r1: 1, r2: 1, o1: 1, o2: 1 };

  constructor(readonly p: TripletStdpParameters) {
    for (const k of ['a2Plus', 'a3Plus', 'a2Minus', 'a3Minus'] as const)
      requireNonNegative('triplet', k, p[k]);
    for (const k of ['tauPlusMs', 'tauMinusMs', 'tauXMs', 'tauYMs', 'wMax'] as const)
      requirePositive('triplet', k, p[k]);
  }

  attach(projection: Projection): void {
    const dt = projection.dtMs;
    for (const k of ['tauPlusMs', 'tauMinusMs', 'tauXMs', 'tauYMs'] as const)
      requireTimeConstant('triplet', k, this.p[k], dt);
    this.projection = projection;
    this.r1 = new Float32Array(projection.sourceSize);
    this.r2 = new Float32Array(projection.sourceSize);
    this.o1 = new Float32Array(projection.targetSize);
    this.o2 = new Float32Array(projection.targetSize);
    this.decay = {
      r1: Math.exp(-dt / this.p.tauPlusMs),
      r2: Math.exp(-dt / this.p.tauXMs),
      o1: Math.exp(-dt / this.p.tauMinusMs),
      o2: Math.exp(-dt / this.p.tauYMs),
    };
  }

  step(preSpikes: Int32Array, postSpikes: Int32Array): void {
    const proj = this.projection;
    if (!proj) throw new Error('TripletStdp: not attached to a projection');
    const { r1, r2, o1, o2, decay } = this;
    const { a2Plus, a3Plus, a2Minus, a3Minus, wMax } = this.p;
    const w = proj.weight;
    for (let i = 0; i < r1.length; i++) {
      r1[i] *= decay.r1;
      r2[i] *= decay.r2;
    }
    for (let j = 0; j < o1.length; j++) {
      o1[j] *= decay.o1;
      o2[j] *= decay.o2;
    }
    for (const i of preSpikes)
      for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++)
        w[k] = Math.max(0, w[k] - o1[proj.post[k]] * (a2Minus + a3Minus * r2[i]));
    const { start, synapses } = proj.columns();
    for (const j of postSpikes)
      for (let c = start[j]; c < start[j + 1]; c++) {
        const k = synapses[c];
        w[k] = Math.min(wMax, w[k] + r1[proj.rowOf(k)] * (a2Plus + a3Plus * o2[j]));
      }
    for (const i of preSpikes) {
      r1[i] += 1;
      r2[i] += 1;
    }
    for (const j of postSpikes) {
      o1[j] += 1;
      o2[j] += 1;
    }
  }

  describe(): KindDescription {
    return { kind: 'triplet-stdp', ...this.p };
  }

  /** The four traces (views). */
  saveState(): SavedState {
    return { r1: this.r1, r2: this.r2, o1: this.o1, o2: this.o2 };
  }

  loadState(state: SavedState, where: string): void {
    const proj = this.projection;
    if (!proj) throw new Error('TripletStdp: not attached to a projection');
    for (const k of ['r1', 'r2'] as const)
      this[k].set(stateArray(state, k, 'float32', proj.sourceSize, where, 'the source size'));
    for (const k of ['o1', 'o2'] as const)
      this[k].set(stateArray(state, k, 'float32', proj.targetSize, where, 'the target size'));
  }
}
