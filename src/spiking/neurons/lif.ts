import { requireFinite, requireNonNegative, requirePositive, requireTimeConstant } from '../params.js';
import { ConfigError } from '../../util/errors.js';
import { kernels, LifParam } from '../../engine/index.js';
import type { CellType, NeuronPopulation } from '../types.js';

/**
 * Leaky integrate-and-fire neuron (units in the names):
 *   Cm dv/dt = gL (EL - v) + I_syn + I_bias,   v > vThresh -> v = vReset, clamped for refractoryMs.
 * Synapses are exponentially decaying: current-based (I_syn = Ie - Ii, in pA) or conductance-based
 * (I_syn = ge (Ee - v) + gi (Ei - v), in nS), as in Vogels & Abbott (2005) and Brian2's COBA example.
 * Integration (`integrator`) is exponential Euler by default: over a step the synaptic drive is held, so v relaxes
 * exactly toward its steady state; the synaptic variables decay exactly. With current synapses the equation is
 * linear and `integrator: 'exact'` (Brian2's `method='exact'`) integrates it exactly, decaying currents included.
 */
/** The membrane of every LIF-family cell: capacitance, leak, rest, threshold, reset and refractory period. */
export interface LifMembraneParameters {
  cmPf: number;
  gLeakNs: number;
  eLeakMv: number;
  vThreshMv: number;
  vResetMv: number;
  refractoryMs: number;
}

/** Checks a LIF-family membrane, naming the parameter at fault. */
export function validateLifMembrane(where: string, p: LifMembraneParameters, dtMs: number): void {
  requirePositive(where, 'cmPf', p.cmPf);
  requirePositive(where, 'gLeakNs', p.gLeakNs);
  requireTimeConstant(where, 'membrane time constant (cmPf / gLeakNs)', p.cmPf / p.gLeakNs, dtMs);
  requireNonNegative(where, 'refractoryMs', p.refractoryMs);
  for (const k of ['eLeakMv', 'vThreshMv', 'vResetMv'] as const) requireFinite(where, k, p[k]);
  if (!(p.vResetMv < p.vThreshMv))
    throw new ConfigError(
      `${where}.vResetMv`,
      `must be below vThreshMv, found ${p.vResetMv} >= ${p.vThreshMv}`,
    );
}

/** How LifGroup integrates the membrane over a step (see `lifSynapticGains`). */
export type LifIntegrator = 'exponential-euler' | 'exact';

export interface LifParameters extends LifMembraneParameters {
  synapse: 'current' | 'conductance';
  /**
   * 'exponential-euler' (default): the synaptic drive is held over each step. 'exact' (current synapses only): the
   * exact solution of the linear equation, with the currents decaying over the step, as Brian2's method='exact'.
   */
  integrator?: LifIntegrator;
  tauExcMs: number;
  tauInhMs: number;
  /** Reversal potentials (conductance synapses only). */
  eExcMv?: number;
  eInhMv?: number;
  /** Constant injected current. */
  biasCurrentPa?: number;
}

export function validateLif(where: string, p: LifParameters, dtMs: number): void {
  validateLifMembrane(where, p, dtMs);
  requireTimeConstant(where, 'tauExcMs', p.tauExcMs, dtMs);
  requireTimeConstant(where, 'tauInhMs', p.tauInhMs, dtMs);
  if (p.synapse === 'conductance') {
    requireFinite(where, 'eExcMv', p.eExcMv ?? Number.NaN);
    requireFinite(where, 'eInhMv', p.eInhMv ?? Number.NaN);
  } else if (p.synapse !== 'current') {
    throw new ConfigError(
      `${where}.synapse`,
      `expected current or conductance, found ${JSON.stringify(p.synapse)}`,
    );
  }
  const integrator = p.integrator ?? 'exponential-euler';
  if (integrator !== 'exponential-euler' && integrator !== 'exact')
    throw new ConfigError(
      `${where}.integrator`,
      `expected exponential-euler or exact, found ${JSON.stringify(p.integrator)}`,
    );
  if (integrator === 'exact' && p.synapse === 'conductance')
    throw new ConfigError(
      `${where}.integrator`,
      `exact needs synapse 'current' (the conductance-based equation is not linear in v), found synapse 'conductance'; use exponential-euler`,
    );
}

/** expm1(x) / x, 1 at 0: the factor that keeps the exact coefficient accurate as tau approaches tau_m. */
function expm1Ratio(x: number): number {
  return x === 0 ? 1 : Math.expm1(x) / x;
}

/**
 * The coefficient of a synaptic current I(t) = I0 e^{-t/tau} in the exact membrane step:
 * v(t + dt) = EL + (v - EL) e^{-dt/tau_m} + c I0 + (constant drive terms), with
 * c = tau_m tau / (Cm (tau - tau_m)) (e^{-dt/tau} - e^{-dt/tau_m}), written as (dt/Cm) e^{-dt/tau_m} expm1(x)/x
 * with x = dt/tau_m - dt/tau so that tau = tau_m (c = dt/Cm e^{-dt/tau}) needs no special case. mV per pA.
 */
export function exactCurrentCoefficient(p: LifMembraneParameters, tauMs: number, dtMs: number): number {
  const a = (dtMs * p.gLeakNs) / p.cmPf;
  return (dtMs / p.cmPf) * Math.exp(-a) * expm1Ratio(a - dtMs / tauMs);
}

/**
 * The LifParam EXC_GAIN and INH_GAIN of a parameter set: 1 and 1 for exponential Euler, where a current held over
 * the step enters with (1 - leak) / gL; for the exact integrator, the exact coefficient over that one, computed from
 * the float32 values the kernel reads so that the product the kernel forms is the exact coefficient.
 */
export function lifSynapticGains(p: LifParameters, dtMs: number): [exc: number, inh: number] {
  if ((p.integrator ?? 'exponential-euler') !== 'exact') return [1, 1];
  const leak = Math.fround(Math.exp((-dtMs * p.gLeakNs) / p.cmPf));
  const held = (1 - leak) / Math.fround(p.gLeakNs);
  return [
    exactCurrentCoefficient(p, p.tauExcMs, dtMs) / held,
    exactCurrentCoefficient(p, p.tauInhMs, dtMs) / held,
  ];
}

/**
 * An Int32 view over kernel-backend state (WASM linear memory), for counters a kernel updates in place; its Float32
 * storage goes into `storage`, which keeps it alive as long as the group.
 */
export function allocInt32State(storage: Float32Array[], n: number): Int32Array {
  const f = kernels.allocState(n);
  storage.push(f);
  return new Int32Array(f.buffer, f.byteOffset, n);
}

/** A population of LIF neurons sharing one parameter set (a cell type); state is per neuron. */
export class LifGroup implements NeuronPopulation {
  readonly kind = 'lif';
  readonly v: Float32Array;
  /** Excitatory and inhibitory synaptic variables: conductance (nS) or current (pA). */
  readonly exc: Float32Array;
  readonly inh: Float32Array;
  /** Extra current per neuron (pA), e.g. set by an experiment; added to biasCurrentPa. */
  readonly inputPa: Float32Array;
  /** Steps of refractoriness left. */
  readonly refractory: Int32Array;
  /** Indices of the neurons that spiked in the last step. */
  spikes: Int32Array = new Int32Array(0);
  private readonly spikeBuf: Int32Array;
  private readonly block = new Float32Array(LifParam.SIZE);
  /** Keeps the backend storage behind the Int32 views alive (it is reclaimed when its array is collected). */
  private readonly storage: Float32Array[] = [];

  constructor(
    readonly name: string,
    readonly size: number,
    readonly params: LifParameters,
    readonly dtMs: number,
    readonly cellType?: CellType,
  ) {
    if (!Number.isInteger(size) || size <= 0)
      throw new ConfigError(`${name}.size`, `expected a positive integer, found ${size}`);
    validateLif(name, params, dtMs);
    // State lives in the kernel backend's storage (WASM linear memory), so the step runs in place.
    this.v = kernels.allocState(size).fill(params.eLeakMv);
    this.exc = kernels.allocState(size);
    this.inh = kernels.allocState(size);
    this.inputPa = kernels.allocState(size);
    this.refractory = allocInt32State(this.storage, size);
    this.spikeBuf = allocInt32State(this.storage, size);
    const p = params;
    const b = this.block;
    b[LifParam.G_LEAK] = p.gLeakNs;
    b[LifParam.CM] = p.cmPf;
    b[LifParam.E_LEAK] = p.eLeakMv;
    b[LifParam.E_EXC] = p.eExcMv ?? 0;
    b[LifParam.E_INH] = p.eInhMv ?? 0;
    b[LifParam.BIAS] = p.biasCurrentPa ?? 0;
    b[LifParam.V_THRESH] = p.vThreshMv;
    b[LifParam.V_RESET] = p.vResetMv;
    b[LifParam.DT] = dtMs;
    b[LifParam.DECAY_EXC] = Math.exp(-dtMs / p.tauExcMs);
    b[LifParam.DECAY_INH] = Math.exp(-dtMs / p.tauInhMs);
    // nS * mV = pA; pF / nS = ms.
    b[LifParam.LEAK_DECAY] = Math.exp((-dtMs * p.gLeakNs) / p.cmPf);
    [b[LifParam.EXC_GAIN], b[LifParam.INH_GAIN]] = lifSynapticGains(p, dtMs);
  }

  /** Advances one step and records which neurons crossed threshold (they are reset and become refractory). */
  step(): void {
    // Brian2's convention: refractory while t - lastspike < refractoryMs, i.e. for the next round(ref/dt) - 1 steps.
    const refractorySteps = Math.max(0, Math.round(this.params.refractoryMs / this.dtMs) - 1);
    const count = kernels.lifStep(
      this.size,
      this.v,
      this.exc,
      this.inh,
      this.inputPa,
      this.refractory,
      this.spikeBuf,
      this.block,
      this.params.synapse === 'conductance',
      refractorySteps,
    );
    this.spikes = this.spikeBuf.subarray(0, count);
  }

  /** Analytic firing rate (Hz) of an uncoupled current-based neuron driven by a constant current. */
  static analyticRateHz(p: LifParameters, currentPa: number): number {
    const tau = p.cmPf / p.gLeakNs;
    const vInf = p.eLeakMv + currentPa / p.gLeakNs;
    if (vInf <= p.vThreshMv) return 0;
    const isiMs = p.refractoryMs + tau * Math.log((vInf - p.vResetMv) / (vInf - p.vThreshMv));
    return 1000 / isiMs;
  }
}
