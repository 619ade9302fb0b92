import type { LifParameters } from '../neurons/index.js';
import { excitatoryInhibitoryNetwork, type ExcitatoryInhibitoryNetwork } from './excitatory-inhibitory.js';

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
export function cobaNetwork(o: CobaOptions = {}): ExcitatoryInhibitoryNetwork {
  return excitatoryInhibitoryNetwork({
    cell: COBA_EXCITATORY,
    neurons: o.neurons ?? 4000,
    excitatoryFraction: o.excitatoryFraction ?? 0.8,
    connectivity: o.connectivity ?? 0.02,
    weights: [o.weExcNs ?? 6, o.wInhNs ?? 67],
    dtMs: o.dtMs ?? 0.1,
    seed: o.seed ?? 0,
    initStream: 3,
    initialize(g, i, rng) {
      g.v[i] = -60 + (rng.normal() * 5 - 5);
      g.exc[i] = (rng.normal() * 1.5 + 4) * 10;
      g.inh[i] = (rng.normal() * 12 + 20) * 10;
    },
  });
}
