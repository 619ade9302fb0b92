import { mlp, softmaxCrossEntropy, tensor, kernels } from '../engine/index.js';
import { Adam } from '../optim/index.js';
import { DiehlCookNetwork, Network, PairStdp } from '../spiking/index.js';
import { Rng } from '../util/rng.js';

/** What `engineProbe` computed: its backend and each result's bytes as hex, so two runtimes compare bit for bit. */
export interface EngineProbe {
  backend: string;
  results: Record<string, string>;
}

function hex(a: Float32Array | Int32Array | Uint32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, '0');
  return s;
}

/**
 * A short run of each part a page runs on the active backend: five Adam steps of an MLP (GEMM, ReLU, the Adam
 * kernel), 200 ms of Poisson input onto LIF cells with pair STDP (poissonStep, lifStep, delivery, the rule) and two
 * Diehl & Cook presentations with learning. Node and a browser give the same bytes for the same seed.
 */
export function engineProbe(seed = 1): EngineProbe {
  const rng = new Rng(seed, 1);
  const model = mlp([1, 8, 8], [32], 10).init(new Rng(seed, 2));
  const adam = new Adam({ lr: 1e-3 });
  const batch = 16;
  for (let step = 0; step < 5; step++) {
    const x = tensor([batch, 1, 8, 8], rng.fillNormal(new Float32Array(batch * 64)));
    const labels = Int32Array.from({ length: batch }, () => rng.int(10));
    const logits = model.forward(x, true);
    const grad = new Float32Array(logits.data.length);
    softmaxCrossEntropy(logits, labels, grad);
    for (const p of model.params()) p.grad.fill(0);
    model.backward(tensor(logits.shape, grad));
    adam.step(model.params());
  }
  const results: Record<string, string> = {};
  for (const p of model.params()) results[`mlp ${p.name}`] = hex(p.value);

  const net = new Network(0.1);
  const input = net.poisson('input', 50, 40, seed);
  const cells = net.lif('cells', 20, {
    cmPf: 200,
    gLeakNs: 10,
    eLeakMv: -70,
    vThreshMv: -55,
    vResetMv: -70,
    refractoryMs: 2,
    synapse: 'current',
    tauExcMs: 5,
    tauInhMs: 10,
  });
  const stdp = new PairStdp({ aPlus: 5, aMinus: 5.5, tauPlusMs: 20, tauMinusMs: 20, wMax: 300 });
  const proj = net.connect(input, cells, {
    connector: { kind: 'all-to-all' },
    weight: 150,
    receptor: 'exc',
    seed: seed + 1,
    plasticity: stdp,
  });
  const spikes = net.monitorSpikes(cells);
  net.run(200);
  results['stdp weights'] = hex(proj.weight);
  results['stdp spike counts'] = hex(Int32Array.from(spikes.counts()));

  const dc = new DiehlCookNetwork({ neurons: 9 }, seed);
  const pixelRng = new Rng(seed, 3);
  for (let image = 0; image < 2; image++) {
    const pixels = Uint8Array.from({ length: 784 }, () => (pixelRng.float() < 0.2 ? pixelRng.int(256) : 0));
    dc.present(pixels, true);
  }
  results['diehl-cook weights'] = hex(dc.weights);
  results['diehl-cook theta'] = hex(dc.theta);
  return { backend: kernels.name, results };
}
