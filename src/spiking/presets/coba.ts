import { Rng } from '../../util/rng.js';
import { Network } from '../network.js';
import type { SpikeMonitor } from '../monitors.js';
import type { LifGroup, LifParameters } from '../neurons/index.js';

/** Vogels & Abbott (2005) conductance-based LIF, as in Brian2's COBA example (shared/anchors/brian2_coba.py). */
export const COBA_EXCITATORY: LifParameters = {
  cmPf: 200,
  gLeakNs: 10,
  eLeakMv: -60,
  vThreshMv: -50,
  vResetMv: -60,
  refractoryMs: 5,
  synapse: 'conductance',
  tauExcMs: 5,
  tauInhMs: 10,
  eExcMv: 0,
  eInhMv: -80,
};

export interface CobaOptions {
  neurons?: number;
  excitatoryFraction?: number;
  connectivity?: number;
  weExcNs?: number;
  wInhNs?: number;
  dtMs?: number;
  seed?: number;
}

/**
 * The COBA benchmark network: 4000 neurons (80% excitatory), 2% random connectivity, we 6 nS, wi 67 nS,
 * dt 0.1 ms, initial v, ge, gi drawn as in Brian2's example. Excitatory and inhibitory cells share one
 * parameter set; they are two groups so that each projection's receptor follows Dale's law.
 */
export function cobaNetwork(o: CobaOptions = {}): {
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
  const exc = net.lif('exc', nExc, COBA_EXCITATORY, { name: 'pyramidal', transmitter: 'excitatory' });
  const inh = net.lif('inh', n - nExc, COBA_EXCITATORY, { name: 'interneuron', transmitter: 'inhibitory' });
  const rng = new Rng(seed, 3);
  for (const g of [exc, inh]) {
    for (let i = 0; i < g.size; i++) {
      g.v[i] = -60 + (rng.normal() * 5 - 5);
      g.exc[i] = (rng.normal() * 1.5 + 4) * 10;
      g.inh[i] = (rng.normal() * 12 + 20) * 10;
    }
  }
  const we = o.weExcNs ?? 6;
  const wi = o.wInhNs ?? 67;
  // Brian2's Synapses(P[:3200], P).connect(p=0.02) allows i -> i, so self-connections are allowed here too.
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
