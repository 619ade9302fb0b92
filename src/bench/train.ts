import { loadDataset, type LabeledImageDataset } from '../data/index.js';
import { cnn, mlp, getBackend, type Sequential } from '../engine/index.js';
import { Adam, type Optimizer } from '../optim/index.js';
import { constantLearningRate, SupervisedTrainer } from '../experiments/index.js';
import { Rng } from '../util/rng.js';
import { runPythonAnchor } from './anchors.js';

interface TrainBenchSpec {
  /** Name the PyTorch anchor script knows the same model by. */
  anchor: 'mlp' | 'cnn';
  describe: string;
  batch: number;
  build: (shape: number[]) => Sequential;
}

/**
 * One training step on real batches (the experiments' own step: forward, softmax cross-entropy, backward,
 * optimizer step), cycling through the training set in a fixed shuffled order at the optimizer's learning rate.
 */
export function trainingStep(
  ds: LabeledImageDataset,
  model: Sequential,
  batch: number,
  opt: Optimizer,
): () => void {
  const trainer = new SupervisedTrainer(model, opt, {
    shape: ds.shape,
    numClasses: ds.classes.length,
    batchSize: batch,
    schedule: constantLearningRate(opt.lr),
  });
  const order = new Rng(0, 2).permutation(ds.train.count);
  let at = 0;
  let step = 0;
  return () => {
    if (at + batch > order.length) at = 0;
    // Past NeuroPlastic's 2-epoch warm-up, so its full rule is timed (Adam ignores the epoch).
    trainer.step(ds.train, order, at, at + batch, { step: step++, epoch: 3 });
    at += batch;
  };
}

/**
 * Training throughput on real MNIST batches (Adam, lr 1e-3), with PyTorch on one thread running the same model,
 * batch and optimizer side by side when python3-torch is installed (scripts/torch_bench.py).
 */
async function benchTrain(spec: TrainBenchSpec, seconds: number): Promise<Record<string, unknown>> {
  const { batch } = spec;
  const ds = await loadDataset('mnist');
  const model = spec.build(ds.shape).init(new Rng(0, 1));
  const step = trainingStep(ds, model, batch, new Adam({ lr: 1e-3 }));
  const measure = () => {
    const warmup = performance.now();
    for (let i = 0; i < 5 || performance.now() - warmup < 300; i++) step();
    let steps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      step();
      steps++;
    }
    return { dt: (performance.now() - t0) / 1000, steps };
  };
  const backend = getBackend();
  await backend.prepare?.();
  const { dt, steps } = measure();
  const samplesPerS = (steps * batch) / dt;
  const out: Record<string, unknown> = {
    model: spec.describe,
    batch,
    optimizer: 'adam',
    backend: backend.name,
    threads: backend.threads ?? 1,
    samples_per_s: Math.round(samplesPerS),
    step_ms: Number(((1000 * dt) / steps).toFixed(3)),
  };
  if (backend.setThreads && (backend.threads ?? 1) > 1) {
    backend.setThreads(1);
    const one = measure();
    backend.setThreads(2);
    out.samples_per_s_1_thread = Math.round((one.steps * batch) / one.dt);
  }
  const torch = runPythonAnchor('torch_bench.py', [spec.anchor, String(seconds)]);
  if (torch.result) {
    const t = Number(torch.result.samples_per_s);
    out.torch_samples_per_s = Math.round(t);
    out.torch_version = torch.result.torch;
    out.ratio_vs_torch = Number((samplesPerS / t).toFixed(3));
    if (out.samples_per_s_1_thread !== undefined)
      out.ratio_vs_torch_1_thread = Number((Number(out.samples_per_s_1_thread) / t).toFixed(3));
  } else {
    out.torch = `not run: ${torch.reason}`;
  }
  return out;
}

/** MLP 784-256-10, batch 128 (the shapes of the PyTorch and tfjs figures). */
export async function benchTrainMlp(seconds = 3): Promise<Record<string, unknown>> {
  const out = await benchTrain(
    { anchor: 'mlp', describe: 'mlp 784-256-10', batch: 128, build: (s) => mlp(s, [256], 10) },
    seconds,
  );
  // tfjs-node's native binding cannot be installed offline; its WASM backend's figure from the issue is quoted.
  out.anchor_tfjs_wasm_samples_per_s = 1700;
  out.ratio_vs_tfjs_wasm = Number((Number(out.samples_per_s) / 1700).toFixed(2));
  return out;
}

/** The small CNN conv32-pool-conv64-pool-dense10 (3x3, padding 1), batch 64. */
export async function benchTrainCnn(seconds = 4): Promise<Record<string, unknown>> {
  return benchTrain(
    {
      anchor: 'cnn',
      describe: 'cnn conv32-pool-conv64-pool-dense10',
      batch: 64,
      build: (s) => cnn(s, { channels: [32, 64] }, 10),
    },
    seconds,
  );
}
