import { loadDataset, gatherBatch } from '../data/index.js';
import { mlp, softmaxCrossEntropy, getBackend } from '../engine/index.js';
import { Adam } from '../optim/index.js';
import { Rng } from '../util/rng.js';
import { runPythonAnchor } from './anchors.js';

/**
 * Training throughput of the MLP 784-256-10, batch 128, Adam (the shapes of the shared PyTorch and tfjs figures),
 * on real MNIST batches; PyTorch (one thread) runs side by side when python3-torch is installed.
 */
export async function benchTrainMlp(seconds = 3): Promise<Record<string, unknown>> {
  const batch = 128;
  const ds = await loadDataset('mnist');
  const model = mlp(ds.shape, [256], 10).init(new Rng(0, 1));
  const opt = new Adam({ lr: 1e-3 });
  const params = model.params();
  const order = new Rng(0, 2).permutation(ds.train.count);
  const x = new Float32Array(batch * 784);
  const y = new Int32Array(batch);
  const g = new Float32Array(batch * 10);
  let at = 0;
  const step = () => {
    if (at + batch > order.length) at = 0;
    gatherBatch(ds.train, ds.shape, order, at, at + batch, x, y);
    at += batch;
    model.zeroGrad();
    const out = model.forward({ shape: [batch, 1, 28, 28], data: x }, true);
    softmaxCrossEntropy(out, y, g);
    model.backward({ shape: out.shape, data: g });
    opt.step(params);
  };
  for (let i = 0; i < 20; i++) step();
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    step();
    steps++;
  }
  const dt = (performance.now() - t0) / 1000;
  const samplesPerS = (steps * batch) / dt;
  const torch = runPythonAnchor('torch_bench.py', ['mlp', String(seconds)]);
  const out: Record<string, unknown> = {
    model: 'mlp 784-256-10',
    batch,
    optimizer: 'adam',
    backend: getBackend().name,
    samples_per_s: Math.round(samplesPerS),
    step_ms: Number(((1000 * dt) / steps).toFixed(3)),
  };
  if (torch.result) {
    const t = Number(torch.result.samples_per_s);
    out.torch_samples_per_s = Math.round(t);
    out.torch_version = torch.result.torch;
    out.ratio_vs_torch = Number((samplesPerS / t).toFixed(3));
  } else {
    out.torch = `not run: ${torch.reason}`;
  }
  out.anchor_tfjs_wasm_samples_per_s = 1700;
  out.ratio_vs_tfjs_wasm = Number((samplesPerS / 1700).toFixed(2));
  return out;
}
