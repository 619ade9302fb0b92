import { Rng } from '../../util/rng.js';
import { Network } from '../network.js';
import type { SpikeMonitor } from '../monitors.js';
import type { LifGroup, LifParameters } from '../neurons/index.js';

/** A random network of one cell type split 80/20 into excitatory and inhibitory groups (COBA, CUBA). */
export interface ExcitatoryInhibitoryNetwork {
  net: Network;
  exc: LifGroup;
  inh: LifGroup;
  spikes: [SpikeMonitor, SpikeMonitor];
}

/**
 * Brian2's COBA and CUBA layout: `neurons` cells of one parameter set, the first `excitatoryFraction` excitatory,
 * every pair connected with probability `connectivity` (self-connections allowed, as Brian2's connect(p=...)),
 * excitatory synapses of weight `weights[0]` and inhibitory ones of `weights[1]`. The two halves are two groups so
 * that each projection's receptor follows Dale's law; `initialize` draws each cell's initial state from
 * `Rng(seed, initStream)`.
 */
export function excitatoryInhibitoryNetwork(o: {
  cell: LifParameters;
  neurons: number;
  excitatoryFraction: number;
  connectivity: number;
  weights: [exc: number, inh: number];
  dtMs: number;
  seed: number;
  initStream: number;
  initialize: (group: LifGroup, i: number, rng: Rng) => void;
}): ExcitatoryInhibitoryNetwork {
  const nExc = Math.round(o.neurons * o.excitatoryFraction);
  const net = new Network(o.dtMs);
  const exc = net.lif('exc', nExc, o.cell, { name: 'pyramidal', transmitter: 'excitatory' });
  const inh = net.lif('inh', o.neurons - nExc, o.cell, { name: 'interneuron', transmitter: 'inhibitory' });
  const rng = new Rng(o.seed, o.initStream);
  for (const g of [exc, inh]) for (let i = 0; i < g.size; i++) o.initialize(g, i, rng);
  const connector = { kind: 'fixed-probability', p: o.connectivity, allowSelf: true } as const;
  let k = 0;
  for (const [src, w, receptor] of [
    [exc, o.weights[0], 'exc'],
    [inh, o.weights[1], 'inh'],
  ] as const)
    for (const tgt of [exc, inh])
      net.connect(src, tgt, { connector, weight: w, receptor, seed: o.seed * 16 + ++k });
  return { net, exc, inh, spikes: [net.monitorSpikes(exc), net.monitorSpikes(inh)] };
}
