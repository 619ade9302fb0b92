import { Rng } from '../../util/rng.js';
import { Network } from '../network.js';
import type { SpikeMonitor } from '../monitors.js';
import type { LifGroup, LifParameters } from '../neurons/index.js';

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
export function cubaNetwork(o: CubaOptions = {}): {
  net: Network;
  exc: LifGroup;
  inh: LifGroup;
  spikes: [SpikeMonitor, SpikeMonitor];
} {
  const n = o.neurons ?? 4000;
  const nExc = Math.round(n * (o.excitatoryFraction ?? 0.8));
  const p = o.connectivity ?? 0.02;
  const seed = o.seed ?? 0;
  const net = new Network(o.dtMs ?? 0.1);
  const exc = net.lif('exc', nExc, CUBA_NEURON, { name: 'pyramidal', transmitter: 'excitatory' });
  const inh = net.lif('inh', n - nExc, CUBA_NEURON, { name: 'interneuron', transmitter: 'inhibitory' });
  const { vResetMv, vThreshMv, gLeakNs } = CUBA_NEURON;
  const rng = new Rng(seed, 5);
  for (const g of [exc, inh])
    for (let i = 0; i < g.size; i++) g.v[i] = vResetMv + rng.float() * (vThreshMv - vResetMv);
  // mV of Brian2's synaptic variable -> pA of ours: the current that moves the steady state by that much.
  const we = (o.weExcMv ?? (60 * 0.27) / 10) * gLeakNs;
  const wi = (o.wInhMv ?? (20 * 4.5) / 10) * gLeakNs;
  const connector = { kind: 'fixed-probability', p, allowSelf: true } as const;
  let k = 0;
  for (const [src, w, receptor] of [
    [exc, we, 'exc'],
    [inh, wi, 'inh'],
  ] as const)
    for (const tgt of [exc, inh])
      net.connect(src, tgt, { connector, weight: w, receptor, seed: seed * 16 + ++k });
  return { net, exc, inh, spikes: [net.monitorSpikes(exc), net.monitorSpikes(inh)] };
}
