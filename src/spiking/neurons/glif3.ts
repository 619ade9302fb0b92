import { requireFinite, requireNonNegative, requireTimeConstant } from '../params.js';
import { ConfigError } from '../../util/errors.js';
import { Glif3Param, kernels } from '../../engine/index.js';
import type { CellType, NeuronPopulation } from '../types.js';
import type { KindDescription } from '../registries.js';
import { savedSpikes, stateArray, type SavedState } from '../saved-state.js';
import { allocInt32State, validateLifMembrane, type LifMembraneParameters } from './lif.js';

/**
 * GLIF3, the Allen Institute's leaky integrate-and-fire neuron with after-spike currents (Teeter et al. 2018, Nat
 * Commun 9:709; NEST's glif_psc as LIF_ASC), with alpha-shaped current synapses (units in the names):
 *   Cm dv/dt = -gL (v - EL) + I_1 + I_2 + I_exc - I_inh + I_bias + I_input,   dI_j/dt = -k_j I_j  (j = 1, 2)
 *   dx/dt = -x / tau,   dI_syn/dt = -I_syn / tau + (e / tau) x   per receptor (x: what projections add a weight w to),
 * so one spike gives I_syn(t) = w (t / tau) e^{1 - t / tau}, peaking at w when t = tau. When v exceeds
 * vThreshMv + thresholdOffsetMv[i] the neuron fires: v = vResetMv, held for refractoryMs (Brian2's convention, as
 * LifGroup), and I_j <- r_j I_j + A_j. The after-spike currents and the synapses keep evolving while refractory.
 */
export interface Glif3Parameters extends LifMembraneParameters {
  /** Jumps A_j of the two after-spike currents at a spike (pA; negative: adapting, positive: depolarising). */
  ascAmpsPa: [number, number];
  /** Decay rates k_j of the after-spike currents (1/ms; 0: no decay). */
  ascDecayPerMs: [number, number];
  /** Fractions r_j of each after-spike current kept at a spike (default [1, 1]). */
  ascRetention?: [number, number];
  /** Alpha-synapse time constants: the current of one spike peaks after tau. */
  tauExcMs: number;
  tauInhMs: number;
  /** Constant injected current (pA). */
  biasCurrentPa?: number;
}

/** `value` when it is a pair of numbers, else a one-line error naming `where.name`. */
function requirePair(where: string, name: string, value: unknown): [number, number] {
  if (!Array.isArray(value) || value.length !== 2)
    throw new ConfigError(
      `${where}.${name}`,
      `expected a pair [number, number], found ${value === undefined ? 'nothing' : JSON.stringify(value)}`,
    );
  return value as [number, number];
}

export function validateGlif3(where: string, p: Glif3Parameters, dtMs: number): void {
  validateLifMembrane(where, p, dtMs);
  requireTimeConstant(where, 'tauExcMs', p.tauExcMs, dtMs);
  requireTimeConstant(where, 'tauInhMs', p.tauInhMs, dtMs);
  requireFinite(where, 'biasCurrentPa', p.biasCurrentPa ?? 0);
  const amps = requirePair(where, 'ascAmpsPa', p.ascAmpsPa);
  const rates = requirePair(where, 'ascDecayPerMs', p.ascDecayPerMs);
  const kept = requirePair(where, 'ascRetention', p.ascRetention ?? [1, 1]);
  for (const j of [0, 1]) {
    requireFinite(where, `ascAmpsPa[${j}]`, amps[j]);
    requireNonNegative(where, `ascDecayPerMs[${j}]`, rates[j]);
    // As for a time constant: a current gone within one step is likely a unit mistake (per ms, not per s).
    if (rates[j] * dtMs > 1)
      throw new ConfigError(
        `${where}.ascDecayPerMs[${j}]`,
        `time step dt ${dtMs} ms is longer than the time constant 1 / ${rates[j]} ms`,
      );
    requireNonNegative(where, `ascRetention[${j}]`, kept[j]);
  }
}

/** expm1(z) / z, 1 at 0: the exact weight of an exponentially decaying current, finite as rates coincide. */
export function phi1(z: number): number {
  return z === 0 ? 1 : Math.expm1(z) / z;
}

/** (e^z (z - 1) + 1) / z^2 = sum z^n / (n! (n + 2)), 1/2 at 0: the same for an alpha current's first variable. */
export function phi2(z: number): number {
  if (Math.abs(z) >= 1) return (Math.exp(z) * (z - 1) + 1) / (z * z);
  // The closed form cancels near 0; the series converges fast on |z| < 1.
  let term = 1;
  let sum = 0.5;
  for (let n = 1; n < 30; n++) {
    term *= z / n;
    sum += term / (n + 2);
    if (Math.abs(term) < 1e-18) break;
  }
  return sum;
}

/** e^{-dt gL / Cm}: how much of V - EL (beyond the held current's steady state) is left after a step. */
export function membraneDecay(p: LifMembraneParameters, dtMs: number): number {
  return Math.exp((-p.gLeakNs / p.cmPf) * dtMs);
}

/**
 * The exact weight (mV per pA) with which a current I0 at a step's start, decaying at rate k (1/ms), moves V by the
 * step's end: (dt / Cm) e^{-a dt} phi1((a - k) dt), a = gL / Cm. With k = 1/tau it is also the weight of an alpha
 * channel's current.
 */
export function decayingCurrentGain(p: LifMembraneParameters, kPerMs: number, dtMs: number): number {
  const a = p.gLeakNs / p.cmPf;
  return (dtMs / p.cmPf) * Math.exp(-a * dtMs) * phi1((a - kPerMs) * dtMs);
}

/**
 * The exact weight (mV per pA) with which an alpha channel's first variable x0 (what projections add weights to)
 * moves V by the step's end: (e / (tau Cm)) e^{-a dt} dt^2 phi2((a - 1/tau) dt).
 */
export function alphaGain(p: LifMembraneParameters, tauMs: number, dtMs: number): number {
  const a = p.gLeakNs / p.cmPf;
  return (Math.E / (tauMs * p.cmPf)) * Math.exp(-a * dtMs) * dtMs * dtMs * phi2((a - 1 / tauMs) * dtMs);
}

/**
 * The exact propagator of GLIF3's linear system over one step of `dtMs` (float64, in Glif3Param's slots). With
 * a = gL / Cm and u = v - EL, from the step's start: u relaxes as e^{-a dt} toward the held current over gL; a current
 * I0 decaying at rate k adds I0 (dt / Cm) e^{-a dt} phi1((a - k) dt); an alpha channel's first variable x0 adds
 * x0 (e / (tau Cm)) e^{-a dt} dt^2 phi2((a - 1/tau) dt) and feeds its current by x0 (e dt / tau) e^{-dt/tau}.
 */
export function glif3Propagator(p: Glif3Parameters, dtMs: number): Float64Array {
  const b = new Float64Array(Glif3Param.SIZE);
  const leak = membraneDecay(p, dtMs);
  const current = (k: number) => decayingCurrentGain(p, k, dtMs);
  const alpha = (tau: number) => alphaGain(p, tau, dtMs);
  const [k1, k2] = p.ascDecayPerMs;
  const [r1, r2] = p.ascRetention ?? [1, 1];
  b[Glif3Param.E_LEAK] = p.eLeakMv;
  b[Glif3Param.G_LEAK] = p.gLeakNs;
  b[Glif3Param.V_THRESH] = p.vThreshMv;
  b[Glif3Param.V_RESET] = p.vResetMv;
  b[Glif3Param.BIAS] = p.biasCurrentPa ?? 0;
  b[Glif3Param.LEAK_DECAY] = leak;
  b[Glif3Param.ASC1_DECAY] = Math.exp(-k1 * dtMs);
  b[Glif3Param.ASC2_DECAY] = Math.exp(-k2 * dtMs);
  b[Glif3Param.ASC1_GAIN] = current(k1);
  b[Glif3Param.ASC2_GAIN] = current(k2);
  b[Glif3Param.ASC1_RETENTION] = r1;
  b[Glif3Param.ASC2_RETENTION] = r2;
  [b[Glif3Param.ASC1_AMP], b[Glif3Param.ASC2_AMP]] = p.ascAmpsPa;
  for (const [tau, decay, rise, gain, currentGain] of [
    [p.tauExcMs, Glif3Param.EXC_DECAY, Glif3Param.EXC_RISE, Glif3Param.EXC_GAIN, Glif3Param.EXC_CURRENT_GAIN],
    [p.tauInhMs, Glif3Param.INH_DECAY, Glif3Param.INH_RISE, Glif3Param.INH_GAIN, Glif3Param.INH_CURRENT_GAIN],
  ]) {
    b[decay] = Math.exp(-dtMs / tau);
    b[rise] = ((Math.E * dtMs) / tau) * Math.exp(-dtMs / tau);
    b[gain] = alpha(tau);
    b[currentGain] = current(1 / tau);
  }
  return b;
}

/** The float32 per-neuron variables saved and loaded. */
const FLOAT_STATE = [
  'v',
  'asc1',
  'asc2',
  'exc',
  'excCurrent',
  'inh',
  'inhCurrent',
  'inputPa',
  'thresholdOffsetMv',
] as const;

/** A population of GLIF3 neurons sharing one parameter set (a cell type); state is per neuron. */
export class Glif3Group implements NeuronPopulation {
  readonly kind = 'glif3';
  readonly params: Glif3Parameters;
  readonly v: Float32Array;
  /** The two after-spike currents (pA). */
  readonly asc1: Float32Array;
  readonly asc2: Float32Array;
  /** Alpha synapses: projections add weights (pA) to exc and inh; excCurrent and inhCurrent are the currents. */
  readonly exc: Float32Array;
  readonly excCurrent: Float32Array;
  readonly inh: Float32Array;
  readonly inhCurrent: Float32Array;
  /** Extra current per neuron (pA), e.g. set by an experiment; added to biasCurrentPa. */
  readonly inputPa: Float32Array;
  /** Per-neuron threshold offset (mV), zeros unless set (cell-to-cell variability). */
  readonly thresholdOffsetMv: Float32Array;
  /** Steps of refractoriness left. */
  readonly refractory: Int32Array;
  spikes: Int32Array = new Int32Array(0);
  private readonly spikeBuf: Int32Array;
  private readonly block: Float32Array;
  /** Keeps the backend storage behind the Int32 views alive. */
  private readonly storage: Float32Array[] = [];

  constructor(
    readonly name: string,
    readonly size: number,
    params: Glif3Parameters,
    readonly dtMs: number,
    readonly cellType?: CellType,
  ) {
    if (!Number.isInteger(size) || size <= 0)
      throw new ConfigError(`${name}.size`, `expected a positive integer, found ${size}`);
    validateGlif3(name, params, dtMs);
    // A copy: the block is computed once, so later edits of the caller's object must not change describe().
    this.params = {
      ...params,
      ascAmpsPa: [...params.ascAmpsPa],
      ascDecayPerMs: [...params.ascDecayPerMs],
      ...(params.ascRetention ? { ascRetention: [...params.ascRetention] } : {}),
    };
    // State lives in the kernel backend's storage (WASM linear memory), so the step runs in place.
    this.v = kernels.allocState(size).fill(params.eLeakMv);
    this.asc1 = kernels.allocState(size);
    this.asc2 = kernels.allocState(size);
    this.exc = kernels.allocState(size);
    this.excCurrent = kernels.allocState(size);
    this.inh = kernels.allocState(size);
    this.inhCurrent = kernels.allocState(size);
    this.inputPa = kernels.allocState(size);
    this.thresholdOffsetMv = kernels.allocState(size);
    this.refractory = allocInt32State(this.storage, size);
    this.spikeBuf = allocInt32State(this.storage, size);
    this.block = Float32Array.from(glif3Propagator(this.params, dtMs));
  }

  /** Advances one step and records which neurons crossed threshold (reset, refractory, after-spike currents). */
  step(): void {
    const refractorySteps = Math.max(0, Math.round(this.params.refractoryMs / this.dtMs) - 1);
    const count = kernels.glif3Step(
      this.size,
      this.v,
      this.asc1,
      this.asc2,
      this.exc,
      this.excCurrent,
      this.inh,
      this.inhCurrent,
      this.inputPa,
      this.thresholdOffsetMv,
      this.refractory,
      this.spikeBuf,
      this.block,
      refractorySteps,
    );
    this.spikes = this.spikeBuf.subarray(0, count);
  }

  /** Kind, name, size, parameters and cell type: what persist.ts's group-kind table builds it from. */
  describe(): KindDescription {
    const p = this.params;
    return {
      kind: 'glif3',
      name: this.name,
      size: this.size,
      params: {
        ...p,
        ascAmpsPa: [...p.ascAmpsPa],
        ascDecayPerMs: [...p.ascDecayPerMs],
        ...(p.ascRetention ? { ascRetention: [...p.ascRetention] } : {}),
      },
      cellType: this.cellType ? { name: this.cellType.name, transmitter: this.cellType.transmitter } : null,
    };
  }

  /** Every per-neuron variable (views), refractory steps left and the last step's spikes. */
  saveState(): SavedState {
    const {
      v,
      asc1,
      asc2,
      exc,
      excCurrent,
      inh,
      inhCurrent,
      inputPa,
      thresholdOffsetMv,
      refractory,
      spikes,
    } = this;
    return {
      v,
      asc1,
      asc2,
      exc,
      excCurrent,
      inh,
      inhCurrent,
      inputPa,
      thresholdOffsetMv,
      refractory,
      spikes,
    };
  }

  loadState(state: SavedState, where: string): void {
    for (const k of FLOAT_STATE)
      this[k].set(stateArray(state, k, 'float32', this.size, where, 'the group size'));
    this.refractory.set(stateArray(state, 'refractory', 'int32', this.size, where, 'the group size'));
    const spikes = savedSpikes(state, where, this.size, this.size);
    this.spikeBuf.set(spikes);
    this.spikes = this.spikeBuf.subarray(0, spikes.length);
  }
}
