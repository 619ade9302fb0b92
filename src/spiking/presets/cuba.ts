import type { LifParameters } from '../neurons/index.js';
import { excitatoryInhibitoryNetwork, type ExcitatoryInhibitoryNetwork } from './excitatory-inhibitory.js';

/**
 * The current-based LIF of Brian2's CUBA example (examples/CUBA.py, after Vogels & Abbott 2005):
 * dv/dt = (ge + gi - (v - El)) / taum with ge, gi in volts. Here the membrane has a capacitance and a leak chosen
 * to give taum 20 ms (200 pF, 10 nS), so a synaptic variable of x mV there is a current of x * 10 pA here.
 * Integrated exactly, as the example's method='exact'.
 */
export const CUBA_NEURON: LifParameters = {
  cmPf: 200,
  gLeakNs: 10,
  eLeakMv: -49,
  vThreshMv: -50,
  vResetMv: -60,
  refractoryMs: 5,
  synapse: 'current',
  integrator: 'exact',
  tauExcMs: 5,
  tauInhMs: 10,
};

export interface CubaOptions {
  neurons?: number;
  excitatoryFraction?: number;
  connectivity?: number;
  /** Excitatory jump of the synaptic variable, mV (Brian2's we = 60 * 0.27 / 10 mV). */
  weExcMv?: number;
  /** Inhibitory jump, mV, as a positive number (Brian2's wi = -20 * 4.5 / 10 mV). */
  wInhMv?: number;
  dtMs?: number;
  seed?: number;
}

/**
 * Brian2's CUBA network: 4000 neurons (80% excitatory), 2% random connectivity (self-connections allowed, as
 * Brian2's connect(p=0.02)), we 1.62 mV, wi 9 mV, dt 0.1 ms, v drawn uniformly between reset and threshold,
 * synaptic currents starting at 0. Excitatory and inhibitory cells share one parameter set; they are two groups so
 * that each projection's receptor follows Dale's law.
 */
export function cubaNetwork(o: CubaOptions = {}): ExcitatoryInhibitoryNetwork {
  const { vResetMv, vThreshMv, gLeakNs } = CUBA_NEURON;
  // mV of Brian2's synaptic variable -> pA of ours: the current that moves the steady state by that much.
  const we = (o.weExcMv ?? (60 * 0.27) / 10) * gLeakNs;
  const wi = (o.wInhMv ?? (20 * 4.5) / 10) * gLeakNs;
  return excitatoryInhibitoryNetwork({
    cell: CUBA_NEURON,
    neurons: o.neurons ?? 4000,
    excitatoryFraction: o.excitatoryFraction ?? 0.8,
    connectivity: o.connectivity ?? 0.02,
    weights: [we, wi],
    dtMs: o.dtMs ?? 0.1,
    seed: o.seed ?? 0,
    initStream: 5,
    initialize(g, i, rng) {
      g.v[i] = vResetMv + rng.float() * (vThreshMv - vResetMv);
    },
  });
}
