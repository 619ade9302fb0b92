import { requireFinite, requireNonNegative, requireTimeConstant } from '../params.js';
import { ConfigError } from '../../util/errors.js';
import type { CellType, NeuronPopulation, Receptor } from '../types.js';
import type { KindDescription } from '../registries.js';
import { savedSpikes, stateArray, type SavedState } from '../saved-state.js';
import { validateLifMembrane, type LifMembraneParameters } from './lif.js';
import { alphaGain, decayingCurrentGain, membraneDecay } from './glif3.js';

/** One alpha-shaped current synapse of a `GlifPscGroup` (a receptor port of NEST's glif_psc). */
export interface GlifPscReceptor {
  /** What projections name as `receptor`; `exc` and `inh` are the group's standard `exc` and `inh` arrays. */
  name: string;
  /** The current of one spike of weight w peaks at w after tauMs. */
  tauMs: number;
  /** The sign: an excitatory receptor's current enters the membrane with +, an inhibitory one's with -. */
  transmitter: 'excitatory' | 'inhibitory';
}

/**
 * NEST's `glif_psc` in its LIF_ASC form (Teeter et al. 2018) with any number of after-spike currents and of
 * alpha-shaped current receptors (units in the names):
 *   Cm dv/dt = -gL (v - EL) + sum_j I_j + sum_r s_r I_r + I_bias + I_input,   dI_j/dt = -k_j I_j,
 *   dx_r/dt = -x_r / tau_r,   dI_r/dt = -I_r / tau_r + (e / tau_r) x_r   (s_r = +1 excitatory, -1 inhibitory),
 * so one spike of weight w (pA) on receptor r gives I_r(t) = w (t / tau_r) e^{1 - t / tau_r}, peaking at w when
 * t = tau_r. When v exceeds vThreshMv + thresholdOffsetMv[i] the neuron fires: v = vResetMv, held for
 * refractoryMs (Brian2's count, as Glif3Group: round(t_ref / dt) - 1 steps after the spike's; NEST holds one step
 * more), and as NEST's glif_psc the after-spike currents become I_j <- A_j + r_j I_j e^{-k_j t_ref} and stay frozen
 * while v is held (Glif3Group instead jumps by A_j and keeps decaying); the synapses keep evolving.
 */
export interface GlifPscParameters extends LifMembraneParameters {
  /** Jumps A_j of the after-spike currents at a spike (pA); any number of currents, 0 included. */
  ascAmpsPa: number[];
  /** Decay rates k_j (1/ms; 0: no decay), one per after-spike current. */
  ascDecayPerMs: number[];
  /** Fractions r_j kept at a spike, one per after-spike current (default all 1). */
  ascRetention?: number[];
  /** Constant injected current (pA). */
  biasCurrentPa?: number;
  /** Initial membrane potential (default eLeakMv). */
  vInitMv?: number;
  /** The alpha receptors, at least one, with unique names (NEST's receptor ports 1..N in this order). */
  receptors: GlifPscReceptor[];
}

/** `value` when it is a list of numbers, else a one-line error naming `where.name`. */
function requireList(where: string, name: string, value: unknown, length?: number): number[] {
  if (!Array.isArray(value))
    throw new ConfigError(
      `${where}.${name}`,
      `expected a list of numbers, found ${value === undefined ? 'nothing' : JSON.stringify(value)}`,
    );
  if (length !== undefined && value.length !== length)
    throw new ConfigError(
      `${where}.${name}`,
      `expected ${length} values (one per entry of ascAmpsPa), found ${value.length}`,
    );
  return value as number[];
}

/** Checks a GlifPscParameters set, naming the parameter at fault in one line. */
export function validateGlifPsc(where: string, p: GlifPscParameters, dtMs: number): void {
  validateLifMembrane(where, p, dtMs);
  requireFinite(where, 'biasCurrentPa', p.biasCurrentPa ?? 0);
  if (p.vInitMv !== undefined) requireFinite(where, 'vInitMv', p.vInitMv);
  const amps = requireList(where, 'ascAmpsPa', p.ascAmpsPa);
  const rates = requireList(where, 'ascDecayPerMs', p.ascDecayPerMs, amps.length);
  const kept = requireList(where, 'ascRetention', p.ascRetention ?? amps.map(() => 1), amps.length);
  for (let j = 0; j < amps.length; j++) {
    requireFinite(where, `ascAmpsPa[${j}]`, amps[j]);
    requireNonNegative(where, `ascDecayPerMs[${j}]`, rates[j]);
    if (rates[j] * dtMs > 1)
      throw new ConfigError(
        `${where}.ascDecayPerMs[${j}]`,
        `time step dt ${dtMs} ms is longer than the time constant 1 / ${rates[j]} ms`,
      );
    requireNonNegative(where, `ascRetention[${j}]`, kept[j]);
  }
  const receptors: unknown = p.receptors;
  if (!Array.isArray(receptors) || receptors.length === 0)
    throw new ConfigError(
      `${where}.receptors`,
      `expected at least one receptor { name, tauMs, transmitter }, found ${receptors === undefined ? 'nothing' : JSON.stringify(receptors)}`,
    );
  const seen = new Map<string, number>();
  receptors.forEach((r: Partial<GlifPscReceptor> | null, k) => {
    const at = `receptors[${k}]`;
    if (typeof r !== 'object' || r === null)
      throw new ConfigError(
        `${where}.${at}`,
        `expected { name, tauMs, transmitter }, found ${JSON.stringify(r)}`,
      );
    if (typeof r.name !== 'string' || r.name === '')
      throw new ConfigError(
        `${where}.${at}.name`,
        `expected a non-empty name, found ${JSON.stringify(r.name)}`,
      );
    const first = seen.get(r.name);
    if (first !== undefined)
      throw new ConfigError(
        `${where}.${at}.name`,
        `expected a name unique among the receptors, found ${JSON.stringify(r.name)} again (receptors[${first}])`,
      );
    seen.set(r.name, k);
    requireTimeConstant(where, `${at}.tauMs`, r.tauMs as number, dtMs);
    if (r.transmitter !== 'excitatory' && r.transmitter !== 'inhibitory')
      throw new ConfigError(
        `${where}.${at}.transmitter`,
        `expected excitatory or inhibitory, found ${JSON.stringify(r.transmitter)}`,
      );
    const standard = { exc: 'excitatory', inh: 'inhibitory' }[r.name as 'exc' | 'inh'] as string | undefined;
    if (standard && r.transmitter !== standard)
      throw new ConfigError(
        `${where}.${at}.transmitter`,
        `the receptor named ${r.name} is the standard ${standard} one, found ${r.transmitter}`,
      );
  });
}

/** A copy of a parameter set, so that later edits of the caller's object change neither the model nor describe(). */
function copyParameters(p: GlifPscParameters): GlifPscParameters {
  return {
    ...p,
    ascAmpsPa: [...p.ascAmpsPa],
    ascDecayPerMs: [...p.ascDecayPerMs],
    ...(p.ascRetention ? { ascRetention: [...p.ascRetention] } : {}),
    receptors: p.receptors.map((r) => ({ name: r.name, tauMs: r.tauMs, transmitter: r.transmitter })),
  };
}

/** Values below this are set to 0, as the GLIF3 kernels do (no denormals in long silent stretches). */
const flush = (x: number) => (Math.abs(x) > 1e-30 ? x : 0);

/**
 * A population of NEST glif_psc (LIF_ASC) neurons with N alpha receptors, sharing one parameter set (a cell type);
 * state is per neuron. Each step applies the exact propagator of the linear system (as Glif3Group, computed once in
 * float64 from `glif3.ts`'s helpers), in plain TypeScript over float32 state, float64 arithmetic.
 *
 * Receptors: `receptors` lists exactly the receptors in the parameters (name, transmitter and `input`, the array
 * projections add weights to), so `Network.connect` accepts exactly those names. A receptor named `exc` (`inh`) is
 * the standard `exc` (`inh`) array. Without one, `exc` (`inh`) is a zero array that nothing reads or writes: it
 * is not listed in `receptors`, so a projection or Poisson noise onto it is refused.
 */
export class GlifPscGroup implements NeuronPopulation {
  readonly kind = 'glif-psc';
  readonly params: GlifPscParameters;
  readonly v: Float32Array;
  /** The after-spike currents (pA), one array per current. */
  readonly asc: readonly Float32Array[];
  /** Per receptor (in the parameters' order): its name, transmitter and first variable x (what projections add to). */
  readonly receptors: readonly Receptor[];
  /** Per receptor (in the parameters' order): its synaptic current I (pA). */
  readonly currents: readonly Float32Array[];
  readonly exc: Float32Array;
  readonly inh: Float32Array;
  /** Extra current per neuron (pA), e.g. set by an experiment; added to biasCurrentPa. */
  readonly inputPa: Float32Array;
  /** Per-neuron threshold offset (mV), zeros unless set (cell-to-cell variability). */
  readonly thresholdOffsetMv: Float32Array;
  /** Steps of refractoriness left. */
  readonly refractory: Int32Array;
  spikes: Int32Array = new Int32Array(0);
  private readonly spikeBuf: Int32Array;
  /** The drive of the step being computed (mV, float64), per neuron. */
  private readonly drive: Float64Array;
  private readonly leak: number;
  private readonly ascDecay: Float64Array;
  /** exp(-k_j t_ref): how much of a kept after-spike current is left when refractoriness ends (NEST's reset). */
  private readonly ascRefractoryDecay: Float64Array;
  private readonly ascGain: Float64Array;
  private readonly ascRetention: Float64Array;
  /** Per receptor: decay e^{-dt/tau}, rise (e dt / tau) e^{-dt/tau}, and the signed gains of x and I into V. */
  private readonly synDecay: Float64Array;
  private readonly synRise: Float64Array;
  private readonly synGain: Float64Array;
  private readonly synCurrentGain: Float64Array;

  constructor(
    readonly name: string,
    readonly size: number,
    params: GlifPscParameters,
    readonly dtMs: number,
    readonly cellType?: CellType,
  ) {
    if (!Number.isInteger(size) || size <= 0)
      throw new ConfigError(`${name}.size`, `expected a positive integer, found ${size}`);
    validateGlifPsc(name, params, dtMs);
    const p = (this.params = copyParameters(params));
    this.v = new Float32Array(size).fill(p.vInitMv ?? p.eLeakMv);
    this.asc = p.ascAmpsPa.map(() => new Float32Array(size));
    this.receptors = p.receptors.map((r) => ({
      name: r.name,
      transmitter: r.transmitter,
      input: new Float32Array(size),
    }));
    this.currents = p.receptors.map(() => new Float32Array(size));
    this.exc = this.receptors.find((r) => r.name === 'exc')?.input ?? new Float32Array(size);
    this.inh = this.receptors.find((r) => r.name === 'inh')?.input ?? new Float32Array(size);
    this.inputPa = new Float32Array(size);
    this.thresholdOffsetMv = new Float32Array(size);
    this.refractory = new Int32Array(size);
    this.spikeBuf = new Int32Array(size);
    this.drive = new Float64Array(size);
    this.leak = membraneDecay(p, dtMs);
    this.ascDecay = Float64Array.from(p.ascDecayPerMs, (k) => Math.exp(-k * dtMs));
    this.ascGain = Float64Array.from(p.ascDecayPerMs, (k) => decayingCurrentGain(p, k, dtMs));
    this.ascRetention = Float64Array.from(p.ascRetention ?? p.ascAmpsPa.map(() => 1));
    this.ascRefractoryDecay = Float64Array.from(p.ascDecayPerMs, (k) => Math.exp(-k * p.refractoryMs));
    const sign = (r: GlifPscReceptor) => (r.transmitter === 'excitatory' ? 1 : -1);
    this.synDecay = Float64Array.from(p.receptors, (r) => Math.exp(-dtMs / r.tauMs));
    this.synRise = Float64Array.from(
      p.receptors,
      (r) => ((Math.E * dtMs) / r.tauMs) * Math.exp(-dtMs / r.tauMs),
    );
    this.synGain = Float64Array.from(p.receptors, (r) => sign(r) * alphaGain(p, r.tauMs, dtMs));
    this.synCurrentGain = Float64Array.from(
      p.receptors,
      (r) => sign(r) * decayingCurrentGain(p, 1 / r.tauMs, dtMs),
    );
  }

  /** The synaptic current (pA) of the receptor `name`. */
  current(name: string): Float32Array {
    const k = this.receptors.findIndex((r) => r.name === name);
    if (k < 0)
      throw new ConfigError(
        `${this.name}.current`,
        `expected a receptor (${this.receptors.map((r) => r.name).join(', ')}), found ${JSON.stringify(name)}`,
      );
    return this.currents[k];
  }

  /** Advances one step and records which neurons crossed threshold (reset, refractory, after-spike currents). */
  step(): void {
    const n = this.size;
    const drive = this.drive;
    drive.fill(0);
    // Receptor by receptor (monomorphic loops): each channel's contribution to V over the step from its state at
    // the step's start, then the channel advanced exactly.
    const held = this.refractory;
    for (let j = 0; j < this.asc.length; j++) {
      const a = this.asc[j];
      const gain = this.ascGain[j];
      const decay = this.ascDecay[j];
      for (let i = 0; i < n; i++) {
        const x = a[i];
        drive[i] += gain * x;
        // NEST freezes the after-spike currents while the membrane is held.
        if (held[i] === 0) a[i] = flush(x * decay);
      }
    }
    for (let r = 0; r < this.receptors.length; r++) {
      const x = this.receptors[r].input;
      const c = this.currents[r];
      const gx = this.synGain[r];
      const gc = this.synCurrentGain[r];
      const decay = this.synDecay[r];
      const rise = this.synRise[r];
      for (let i = 0; i < n; i++) {
        const xi = x[i];
        const ci = c[i];
        drive[i] += gc * ci + gx * xi;
        c[i] = flush(ci * decay + xi * rise);
        x[i] = flush(xi * decay);
      }
    }
    const p = this.params;
    const { v, inputPa, thresholdOffsetMv: thr, refractory, spikeBuf, leak } = this;
    const eL = p.eLeakMv;
    const gL = p.gLeakNs;
    const vTh = p.vThreshMv;
    const vReset = p.vResetMv;
    const bias = p.biasCurrentPa ?? 0;
    const refractorySteps = Math.max(0, Math.round(p.refractoryMs / this.dtMs) - 1);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (refractory[i] > 0) {
        refractory[i]--;
        v[i] = vReset;
        continue;
      }
      const uInf = (bias + inputPa[i]) / gL;
      const vi = eL + uInf + (v[i] - eL - uInf) * leak + drive[i];
      if (vi > vTh + thr[i]) {
        spikeBuf[count++] = i;
        v[i] = vReset;
        refractory[i] = refractorySteps;
        // NEST's reset: the kept part decays over the refractory period at once, the new jump arrives whole.
        for (let j = 0; j < this.asc.length; j++)
          this.asc[j][i] =
            p.ascAmpsPa[j] + this.ascRetention[j] * this.asc[j][i] * this.ascRefractoryDecay[j];
      } else v[i] = vi;
    }
    this.spikes = spikeBuf.subarray(0, count);
  }

  /** Kind, name, size, parameters and cell type: what persist.ts's group-kind table builds it from. */
  describe(): KindDescription {
    return {
      kind: 'glif-psc',
      name: this.name,
      size: this.size,
      params: copyParameters(this.params) as unknown as Record<string, unknown>,
      cellType: this.cellType ? { name: this.cellType.name, transmitter: this.cellType.transmitter } : null,
    };
  }

  /**
   * Every per-neuron variable (views): v, inputPa, thresholdOffsetMv, the after-spike currents as asc0, asc1, ...,
   * each receptor's x and I as synapse0, current0, ... (the parameters' order), refractory steps left and the last
   * step's spikes.
   */
  saveState(): SavedState {
    const state: SavedState = {
      v: this.v,
      inputPa: this.inputPa,
      thresholdOffsetMv: this.thresholdOffsetMv,
      refractory: this.refractory,
      spikes: this.spikes,
    };
    this.asc.forEach((a, j) => (state[`asc${j}`] = a));
    this.receptors.forEach((r, k) => {
      state[`synapse${k}`] = r.input;
      state[`current${k}`] = this.currents[k];
    });
    return state;
  }

  loadState(state: SavedState, where: string): void {
    const of = 'the group size';
    const float = (key: string, into: Float32Array) =>
      into.set(stateArray(state, key, 'float32', this.size, where, of));
    float('v', this.v);
    float('inputPa', this.inputPa);
    float('thresholdOffsetMv', this.thresholdOffsetMv);
    this.asc.forEach((a, j) => float(`asc${j}`, a));
    this.receptors.forEach((r, k) => {
      float(`synapse${k}`, r.input);
      float(`current${k}`, this.currents[k]);
    });
    this.refractory.set(stateArray(state, 'refractory', 'int32', this.size, where, of));
    const spikes = savedSpikes(state, where, this.size, this.size);
    this.spikeBuf.set(spikes);
    this.spikes = this.spikeBuf.subarray(0, spikes.length);
  }
}
