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

/**
 * Terms as parallel arrays: powers of X_pre (a), X_post (b) and R (g), and a coefficient. For a fixed presynaptic
 * neuron (a row) their sum is a polynomial in X_post, for a fixed postsynaptic one (a column) a polynomial in X_pre:
 * its coefficients are computed once per row or column and each synapse costs one short Horner evaluation.
 */
class TermTable {
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly g: Int32Array;
  readonly c: Float64Array;
  readonly degPre: number;
  readonly degPost: number;
  constructor(terms: readonly TaylorTerm[], coefficient: (t: TaylorTerm) => number) {
    this.a = Int32Array.from(terms, (t) => t.powers[2]);
    this.b = Int32Array.from(terms, (t) => t.powers[3]);
    this.g = Int32Array.from(terms, (t) => t.powers[5]);
    this.c = Float64Array.from(terms, coefficient);
    this.degPre = Math.max(0, ...this.a);
    this.degPost = Math.max(0, ...this.b);
  }
  get size(): number {
    return this.c.length;
  }
  /** out[e] = sum over terms with X_post power e of c xPre^a R^g (the polynomial of a row, in X_post). */
  inPost(xPre: number, r: number, out: Float64Array): Float64Array {
    out.fill(0, 0, this.degPost + 1);
    for (let t = 0; t < this.c.length; t++)
      out[this.b[t]] += this.c[t] * pow(xPre, this.a[t]) * pow(r, this.g[t]);
    return out;
  }
  /** out[e] = sum over terms with X_pre power e of c xPost^b R^g (the polynomial of a column, in X_pre). */
  inPre(xPost: number, r: number, out: Float64Array): Float64Array {
    out.fill(0, 0, this.degPre + 1);
    for (let t = 0; t < this.c.length; t++)
      out[this.a[t]] += this.c[t] * pow(xPost, this.b[t]) * pow(r, this.g[t]);
    return out;
  }
}

/** p[0] + p[1] x + ... + p[deg] x^deg. */
function horner(p: Float64Array, deg: number, x: number): number {
  let v = p[deg];
  for (let e = deg - 1; e >= 0; e--) v = v * x + p[e];
  return v;
}

/**
 * The Taylor rule of `TaylorRule` in the five signals S_pre, S_post, X_pre, X_post and R, computed event-driven: the
 * same weights as stepping every synapse every step (up to rounding, while no weight reaches a bound), at a cost
 * that grows with spikes instead of synapses x steps. Between a synapse's events (a spike of either neuron, or a
 * pulse of M) each trace decays geometrically, so a term m without a spike factor sums in closed form over the steps
 * since the synapse was last brought up to date: sum_{n=a+1..b} m(a) rho^n-a = k (m(a) - m(b)), k = rho / (1 - rho).
 * Each synapse keeps H = sum_t c_t k_t m_t at its last update, so bringing it up to date is H minus the same sum
 * now. A synapse is brought up to date when its presynaptic neuron spikes (before the spike is delivered, so it
 * carries the weight stepping would have given it), when its postsynaptic neuron spikes, at every pulse of M, and at
 * the end of every `Network.run`. Differences from `TaylorRule`: bounds clip a synapse's summed change at those
 * moments rather than every step; no eligibility (e) or weight (w) factors; R is the filtered modulator, not its
 * raw value.
 */
/** Trace decays over up to this many steps are looked up rather than computed (Math.exp dominated the columns). */
const DECAY_TABLE_STEPS = 4096;
/** The tables by logRho, shared by the rules of a network (one per time constant in use; bounded). */
const decayTables = new Map<number, Float64Array<ArrayBuffer>>();
function decayTable(logRho: number): Float64Array<ArrayBuffer> {
  let table = decayTables.get(logRho);
  if (!table) {
    if (decayTables.size >= 256) decayTables.clear();
    table = Float64Array.from({ length: DECAY_TABLE_STEPS }, (_, d) => Math.exp(logRho * d));
    decayTables.set(logRho, table);
  }
  return table;
}

export class EventTaylorRule implements ModulatedRule {
  readonly kind = 'taylor-event';
  /** The modulator's value this step (M, the input of the R filter). */
  modulator = 0;
  readonly modulatorNames: readonly string[];
  private projection: Projection | null = null;
  private readonly preTerms: TermTable;
  private readonly postTerms: TermTable;
  private readonly bothTerms: TermTable;
  /** The every-step terms, coefficients times k = rho / (1 - rho) (set at attach, when dt is known). */
  private everyStep: TermTable;
  private readonly everyStepTerms: TaylorTerm[];
  private readonly inert: boolean;
  /** Whether an every-step term has a factor R (then a pulse of M brings every synapse up to date). */
  private readonly readsR: boolean;
  private rho = { pre: 1, post: 1, r: 1 };
  /** -dt / tau of each trace: rho^d = exp(d logRho). */
  private logRho = { pre: 0, post: 0, r: 0 };
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
  private preSpiking = new Uint8Array(0);
  private postSpiking = new Uint8Array(0);
  private rValue = 0;
  private rStep = 0;
  /** exp(logRho d) for d below DECAY_TABLE_STEPS, computed as the exp itself would be (so the same numbers). */
  private preDecay = new Float64Array(0);
  private postDecay = new Float64Array(0);
  // Per synapse: H (above) as it stood after the step it was last brought up to date.
  private h = new Float64Array(0);
  private seenVersion = -1;
  // Polynomial coefficients of the row or column at hand (reused).
  private readonly polyNow = new Float64Array(8);
  private readonly polyNext = new Float64Array(8);
  private readonly polyEvent = new Float64Array(8);
  private readonly polyBoth = new Float64Array(8);
  private readonly polyBefore = new Float64Array(8);
  // This step's changes of the spiking rows, kept between delivery and `step`, and the step they were prepared for.
  private pending = new Float64Array(0);
  // One column's weights and H, gathered (reused).
  private colW = new Float64Array(0);
  private colH = new Float64Array(0);
  private pendingH = new Float64Array(0);
  private pendingCount = 0;
  private prepared = -1;

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
        t.powers.every((e) => Number.isInteger(e) && e >= 0 && e <= 7) &&
        t.powers[0] <= 1 &&
        t.powers[1] <= 1 &&
        t.powers[4] === 0 &&
        t.powers[6] === 0 &&
        t.powers.some((e) => e > 0);
      if (!ok)
        throw new ConfigError(
          `taylor-event.terms[${i}].powers`,
          `expected 7 integers in 0..7 (pre, post, xPre, xPost, eligibility, modulator, w) with spikes at most 1, no eligibility or w factor, and not all 0 (a constant term has no trace to close its sum over), found ${JSON.stringify(t?.powers)}`,
        );
      if (!Number.isFinite(t.coefficient))
        throw new ConfigError(
          `taylor-event.terms[${i}].coefficient`,
          `expected a finite number, found ${t.coefficient}`,
        );
    });
    const live = p.terms.filter((t) => t.coefficient !== 0);
    const coefficient = (t: TaylorTerm) => t.coefficient;
    this.preTerms = new TermTable(
      live.filter((t) => t.powers[0] > 0 && t.powers[1] === 0),
      coefficient,
    );
    this.postTerms = new TermTable(
      live.filter((t) => t.powers[1] > 0 && t.powers[0] === 0),
      coefficient,
    );
    this.bothTerms = new TermTable(
      live.filter((t) => t.powers[0] > 0 && t.powers[1] > 0),
      coefficient,
    );
    this.everyStepTerms = live.filter((t) => t.powers[0] === 0 && t.powers[1] === 0);
    this.everyStep = new TermTable(this.everyStepTerms, coefficient);
    this.inert = live.length === 0;
    this.readsR = this.everyStepTerms.some((t) => t.powers[5] > 0);
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
    // Weights are brought up to date before a rewiring, which starts the per-synapse sums over.
    projection.onBeforeRewire(() => {
      if (this.prepared === this.now)
        throw new ConfigError(
          'taylor-event',
          `${projection.name} was rewired between spike delivery and this rule's step: in a rule chain, put the rule that rewires after this one`,
        );
      this.flush();
    });
    const rho = {
      pre: Math.exp(-dt / this.p.tauPreMs),
      post: Math.exp(-dt / this.p.tauPostMs),
      r: Math.exp(-dt / this.p.tauModulatorMs),
    };
    this.rho = rho;
    this.logRho = {
      pre: -dt / this.p.tauPreMs,
      post: -dt / this.p.tauPostMs,
      r: -dt / this.p.tauModulatorMs,
    };
    this.preDecay = decayTable(this.logRho.pre);
    this.postDecay = decayTable(this.logRho.post);
    this.everyStep = new TermTable(this.everyStepTerms, (t) => {
      const q = rho.pre ** t.powers[2] * rho.post ** t.powers[3] * rho.r ** t.powers[5];
      return (t.coefficient * q) / (1 - q);
    });
    const [m, n] = [projection.sourceSize, projection.targetSize];
    this.preValue = new Float64Array(m);
    this.preStep = new Int32Array(m);
    this.preNow = new Float64Array(m);
    this.preStamp = new Int32Array(m).fill(-1);
    this.preSpiking = new Uint8Array(m);
    this.postValue = new Float64Array(n);
    this.postStep = new Int32Array(n);
    this.postNow = new Float64Array(n);
    this.postStamp = new Int32Array(n).fill(-1);
    this.postSpiking = new Uint8Array(n);
    this.now = 0;
    this.rValue = 0;
    this.rStep = 0;
    this.seenVersion = -1;
    this.prepared = -1;
  }

  /** Presynaptic neuron i's trace this step, before this step's jump (cached for the step). */
  private xPre(i: number): number {
    return this.preStamp[i] === this.now ? this.preNow[i] : this.decayPre(i);
  }

  private decayPre(i: number): number {
    const v = this.preValue[i];
    const d = this.now - this.preStep[i];
    const x = v === 0 ? 0 : v * (d < DECAY_TABLE_STEPS ? this.preDecay[d] : Math.exp(this.logRho.pre * d));
    this.preNow[i] = x;
    this.preStamp[i] = this.now;
    return x;
  }

  private xPost(j: number): number {
    return this.postStamp[j] === this.now ? this.postNow[j] : this.decayPost(j);
  }

  private decayPost(j: number): number {
    const v = this.postValue[j];
    const d = this.now - this.postStep[j];
    const x = v === 0 ? 0 : v * (d < DECAY_TABLE_STEPS ? this.postDecay[d] : Math.exp(this.logRho.post * d));
    this.postNow[j] = x;
    this.postStamp[j] = this.now;
    return x;
  }

  private rNow(): number {
    return this.rValue === 0 ? 0 : this.rValue * Math.exp(this.logRho.r * (this.now - this.rStep));
  }

  private ensureState(): Projection {
    const proj = this.projection;
    if (!proj) throw new Error('EventTaylorRule: not attached to a projection');
    if (this.seenVersion !== proj.version || this.h.length !== proj.synapseCount) {
      // New or rewired: every synapse starts from the present.
      const n = proj.synapseCount;
      this.h = new Float64Array(n);
      if (this.everyStep.size > 0) {
        const ev = this.everyStep;
        const r = this.rNow() / this.rho.r;
        for (let i = 0; i < proj.sourceSize; i++) {
          const c = ev.inPost(this.xPre(i) / this.rho.pre, r, this.polyNow);
          for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++)
            this.h[k] = horner(c, ev.degPost, this.xPost(proj.post[k]) / this.rho.post);
        }
      }
      this.seenVersion = proj.version;
    }
    return proj;
  }

  private apply(k: number, dw: number): void {
    const w = this.projection!.weight;
    w[k] = Math.min(this.p.wMax, Math.max(0, w[k] + dw));
  }

  /** Brings row i through step now - 1 (H as it stood after that step). */
  private catchUpRow(proj: Projection, i: number, r: number): void {
    const ev = this.everyStep;
    const c = ev.inPost(this.xPre(i) / this.rho.pre, r / this.rho.r, this.polyNow);
    const stepNow = this.now;
    const { h, postStamp, postNow } = this;
    const w = proj.weight;
    const post = proj.post;
    const wMax = this.p.wMax;
    const deg = ev.degPost;
    const toBefore = 1 / this.rho.post;
    const end = proj.rowStart[i + 1];
    for (let k = proj.rowStart[i]; k < end; k++) {
      const j = post[k];
      const xq = postStamp[j] === stepNow ? postNow[j] : this.decayPost(j);
      const v = horner(c, deg, xq * toBefore);
      const nw = w[k] + h[k] - v;
      w[k] = nw > wMax ? wMax : nw > 0 ? nw : 0;
      h[k] = v;
    }
  }

  /**
   * The rows of this step's spiking presynaptic neurons, in one pass, before the network delivers their spikes: each
   * synapse is brought through the previous step (so the spike carries the weight stepping would have given it),
   * and this step's change (spike-triggered terms, and the every-step terms at this step) is kept in `pending`, to
   * be applied by `step` after delivery. H is left as it stands after this step's jumps, M taken as 0 (`step`
   * corrects the rows on a step with a pulse).
   */
  private prepareRows(preSpikes: Int32Array, postSpikes: Int32Array): void {
    const proj = this.ensureState();
    const { preSpiking, postSpiking, everyStep: ev, h, postStamp, postNow } = this;
    for (const i of preSpikes) preSpiking[i] = 1;
    for (const j of postSpikes) postSpiking[j] = 1;
    this.prepared = this.now;
    this.pendingCount = 0;
    const every = ev.size > 0;
    if (!every && this.preTerms.size === 0 && this.bothTerms.size === 0) return;
    let total = 0;
    for (const i of preSpikes) total += proj.rowStart[i + 1] - proj.rowStart[i];
    if (this.pending.length < total) {
      this.pending = new Float64Array(Math.max(total, 2 * this.pending.length));
      this.pendingH = new Float64Array(this.pending.length);
    }
    const { pending, pendingH } = this;
    const r = this.rNow();
    const w = proj.weight;
    const wMax = this.p.wMax;
    const post = proj.post;
    const stepNow = this.now;
    const dPre = this.preTerms.degPost;
    const dBoth = this.bothTerms.degPost;
    const dEv = ev.degPost;
    const toBefore = 1 / this.rho.post;
    let p = 0;
    for (const i of preSpikes) {
      const xp = this.xPre(i);
      const pre = this.preTerms.inPost(xp, r, this.polyEvent);
      const both = this.bothTerms.inPost(xp, r, this.polyBoth);
      const before = ev.inPost(xp / this.rho.pre, r / this.rho.r, this.polyBefore);
      const now = ev.inPost(xp, r, this.polyNow);
      const next = ev.inPost(xp + 1, r, this.polyNext);
      const end = proj.rowStart[i + 1];
      for (let k = proj.rowStart[i]; k < end; k++) {
        const j = post[k];
        const xq = postStamp[j] === stepNow ? postNow[j] : this.decayPost(j);
        let d = horner(pre, dPre, xq);
        if (postSpiking[j]) d += horner(both, dBoth, xq);
        if (every) {
          // Through the previous step now; this step's term is the rest of the way to H after this step.
          const v = horner(before, dEv, xq * toBefore);
          const nw = w[k] + h[k] - v;
          w[k] = nw > wMax ? wMax : nw > 0 ? nw : 0;
          d += v - horner(now, dEv, xq);
          // H stands at the end of the previous step until `step` takes this one.
          h[k] = v;
          pendingH[p] = horner(next, dEv, xq + postSpiking[j]);
        }
        pending[p++] = d;
      }
    }
    this.pendingCount = p;
  }

  /** Prepares this step's rows (see `prepareRows`) before the network delivers their spikes. */
  beforeDelivery(preSpikes: Int32Array, postSpikes: Int32Array): void {
    if (!this.inert) this.prepareRows(preSpikes, postSpikes);
  }

  step(preSpikes: Int32Array, postSpikes: Int32Array): void {
    if (this.inert) {
      this.now++;
      return;
    }
    if (this.prepared !== this.now) this.prepareRows(preSpikes, postSpikes);
    const proj = this.ensureState();
    const r = this.rNow();
    const m = this.modulator;
    const { preSpiking, postSpiking, everyStep: ev } = this;
    const every = ev.size > 0;
    const w = proj.weight;
    const wMax = this.p.wMax;
    const { h, preStamp, preNow, pending, pendingH } = this;
    const stepNow = this.now;
    const dPost = this.postTerms.degPre;
    if (this.pendingCount > 0) {
      const post = proj.post;
      let p = 0;
      for (const i of preSpikes) {
        const end = proj.rowStart[i + 1];
        for (let k = proj.rowStart[i]; k < end; k++, p++) {
          const v = w[k] + pending[p];
          w[k] = v > wMax ? wMax : v > 0 ? v : 0;
          if (every) h[k] = pendingH[p];
        }
      }
      if (m !== 0 && this.readsR)
        for (const i of preSpikes) {
          // H after this step's jumps, with R's.
          const next = ev.inPost(this.xPre(i) + 1, r + m, this.polyNext);
          for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++) {
            const j = post[k];
            h[k] = horner(next, ev.degPost, this.xPost(j) + postSpiking[j]);
          }
        }
    }
    if (every || this.postTerms.size > 0) {
      const { start, synapses, pre: preOf } = proj.columns();
      const dEv = ev.degPre;
      for (const j of postSpikes) {
        const xq = this.xPost(j);
        const postPoly = this.postTerms.inPre(xq, r, this.polyEvent);
        const now = ev.inPre(xq, r, this.polyNow);
        const next = ev.inPre(xq + 1, r + m, this.polyNext);
        const first = start[j];
        const count = start[j + 1] - first;
        if (this.colW.length < count) {
          this.colW = new Float64Array(2 * count);
          this.colH = new Float64Array(2 * count);
        }
        const { colW, colH } = this;
        // A column's synapses lie scattered: gathering them first, in a loop that only loads, lets the processor
        // wait for many of them at once; then the arithmetic runs on contiguous copies, and the results go back.
        for (let q = 0; q < count; q++) {
          const k = synapses[first + q];
          colW[q] = w[k];
          if (every) colH[q] = h[k];
        }
        for (let q = 0; q < count; q++) {
          const i = preOf[first + q];
          const xp = preStamp[i] === stepNow ? preNow[i] : this.decayPre(i);
          let d = horner(postPoly, dPost, xp);
          if (every) {
            // A synapse whose presynaptic neuron spiked too was brought through this step in the row loop.
            if (!preSpiking[i]) d += colH[q] - horner(now, dEv, xp);
            colH[q] = horner(next, dEv, xp + preSpiking[i]);
          }
          const v = colW[q] + d;
          colW[q] = v > wMax ? wMax : v > 0 ? v : 0;
        }
        for (let q = 0; q < count; q++) {
          const k = synapses[first + q];
          w[k] = colW[q];
          if (every) h[k] = colH[q];
        }
      }
    }
    if (m !== 0 && this.readsR) {
      // R jumps: every synapse is brought through this step, so that its sums in R restart from the new R.
      for (let i = 0; i < proj.sourceSize; i++) {
        // Rows and columns of this step's spikes were brought through it above.
        if (preSpiking[i]) continue;
        const xp = this.xPre(i);
        const now = ev.inPost(xp, r, this.polyNow);
        const next = ev.inPost(xp, r + m, this.polyNext);
        for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++) {
          const j = proj.post[k];
          if (postSpiking[j]) continue;
          const xq = this.xPost(j);
          this.apply(k, this.h[k] - horner(now, ev.degPost, xq));
          this.h[k] = horner(next, ev.degPost, xq);
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
      preSpiking[i] = 0;
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
    // Rows prepared for a step that is not taken (learning stopped before it): that step's changes are dropped.
    if (this.prepared === this.now) {
      this.prepared = -1;
      this.pendingCount = 0;
      this.preSpiking.fill(0);
      this.postSpiking.fill(0);
    }
    if (this.everyStep.size === 0 || !this.projection) return;
    const proj = this.ensureState();
    const r = this.rNow();
    for (let i = 0; i < proj.sourceSize; i++) this.catchUpRow(proj, i, r);
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
