import { Network } from '../network.js';
import { PairStdp } from '../stdp.js';
import { SparsePoissonGroup } from '../inputs.js';
import type { SpikeMonitor } from '../monitors.js';
import type { LifGroup, LifParameters } from '../neurons/index.js';
import type { Projection } from '../projection.js';

/**
 * The neuron of Song, Miller & Abbott (2000) as in Brian2's examples/synapses/STDP.py: dv/dt = (ge (Ee - v) + El -
 * v) / taum with ge dimensionless (in units of the leak), taum 10 ms, El -74, vt -54, vr -60, Ee 0 mV, taue 5 ms, no
 * refractory period. Here Cm / gL = 10 ms with gL 10 nS, so a conductance of g nS is the example's ge = g / 10.
 * (The inhibitory receptor is unused; its reversal potential is only required by the parameter check.)
 */
export const SONG_NEURON: LifParameters = {
  cmPf: 100,
  gLeakNs: 10,
  eLeakMv: -74,
  vThreshMv: -54,
  vResetMv: -60,
  refractoryMs: 0,
  synapse: 'conductance',
  tauExcMs: 5,
  tauInhMs: 5,
  eExcMv: 0,
  eInhMv: -80,
};

export interface SongStdpOptions {
  /** Poisson inputs (1000). */
  inputs?: number;
  /** Their rate (15 Hz). */
  rateHz?: number;
  /** Largest weight in the example's units of the leak (0.01); in nS it is gmax x gLeakNs. */
  gmax?: number;
  /** Potentiation per pairing as a fraction of gmax (0.01). */
  dApre?: number;
  /** Depression / potentiation ratio of the window areas (1.05). */
  depressionRatio?: number;
  tauPreMs?: number;
  tauPostMs?: number;
  dtMs?: number;
  seed?: number;
}

export interface SongStdpNetwork {
  net: Network;
  inputs: SparsePoissonGroup;
  neuron: LifGroup;
  /** Inputs -> neuron, weights in nS (w_nS = w x gLeakNs), drawn uniformly in [0, gmax). */
  projection: Projection;
  stdp: PairStdp;
  /** The output neuron's spikes. */
  spikes: SpikeMonitor;
  /** gmax in nS (the weights' upper bound). */
  gmaxNs: number;
}

/**
 * Song, Miller & Abbott (2000), "Competitive Hebbian learning through spike-timing-dependent synaptic plasticity",
 * as in Brian2's STDP example: 1000 Poisson inputs at 15 Hz onto one conductance-based LIF neuron through additive
 * all-to-all pair STDP (taupre = taupost = 20 ms, dApre = 0.01 gmax per pairing, dApost = -1.05 dApre taupre /
 * taupost, weights clipped to [0, gmax] at every update, a pre and a post spike in the same step pairing as
 * pre-before-post as Brian2's on_pre/on_post order does). Initial weights rand() x gmax; dt 0.1 ms. Run it for
 * 100 s and the weights split into the bimodal distribution the paper is known for (`songWeightStats`).
 */
export function songStdpNetwork(o: SongStdpOptions = {}): SongStdpNetwork {
  const n = o.inputs ?? 1000;
  const seed = o.seed ?? 0;
  const gmaxNs = (o.gmax ?? 0.01) * SONG_NEURON.gLeakNs;
  const dApre = o.dApre ?? 0.01;
  const tauPreMs = o.tauPreMs ?? 20;
  const tauPostMs = o.tauPostMs ?? tauPreMs;
  const net = new Network(o.dtMs ?? 0.1);
  const inputs = net.add(new SparsePoissonGroup('input', n, o.rateHz ?? 15, net.dtMs, seed));
  const neuron = net.lif('neuron', 1, SONG_NEURON, { name: 'song', transmitter: 'excitatory' });
  const stdp = new PairStdp({
    aPlus: dApre * gmaxNs,
    aMinus: ((dApre * tauPreMs) / tauPostMs) * (o.depressionRatio ?? 1.05) * gmaxNs,
    tauPlusMs: tauPreMs,
    tauMinusMs: tauPostMs,
    wMax: gmaxNs,
    bounds: 'additive',
    pairing: 'all-to-all',
    sameStep: 'pre-before-post',
  });
  const projection = net.connect(inputs, neuron, {
    connector: { kind: 'all-to-all' },
    weight: (rng) => rng.float() * gmaxNs,
    receptor: 'exc',
    seed,
    plasticity: stdp,
  });
  return { net, inputs, neuron, projection, stdp, spikes: net.monitorSpikes(neuron), gmaxNs };
}

/** The weight distribution's summary: fraction of weights above gmax / 2 and mean w / gmax. */
export function songWeightStats(
  weights: ArrayLike<number>,
  gmax: number,
): { fractionAboveHalf: number; meanOverGmax: number } {
  let above = 0;
  let sum = 0;
  for (let k = 0; k < weights.length; k++) {
    if (weights[k] > gmax / 2) above++;
    sum += weights[k];
  }
  return { fractionAboveHalf: above / weights.length, meanOverGmax: sum / weights.length / gmax };
}
