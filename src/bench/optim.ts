import { getBackend, mlp, setBackend, type Param } from '../engine/index.js';
import { Adam, NeuroPlastic, type Optimizer } from '../optim/index.js';
import { median } from '../util/stats.js';
import { Rng } from '../util/rng.js';
import { loadDataset } from '../data/index.js';
import { trainingStep } from './train.js';

/** Rounds of alternating timings: memory bandwidth on shared machines drifts, so each ratio pairs nearby times. */
const ROUNDS = 5;

/** Mean milliseconds per call of `step` over about `ms` milliseconds. */
function msPerCall(step: () => void, ms: number): number {
  let calls = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    step();
    calls++;
  }
  return (performance.now() - t0) / calls;
}

/** Mean milliseconds per optimizer step over about `ms` milliseconds. */
function msPerStep(opt: Optimizer, params: Param[], ms: number): number {
  return msPerCall(() => opt.step(params, { epoch: 3 }), ms);
}

/**
 * Milliseconds per step of a new optimizer: after a warm-up (its first steps allocate state, V8 optimises), the
 * median of ROUNDS windows, so that one window slowed by the kernel thread's back-off (see Waiter) does not decide.
 */
function settledMsPerStep(opt: Optimizer, params: Param[]): number {
  msPerStep(opt, params, 200);
  return median(Array.from({ length: ROUNDS }, () => msPerStep(opt, params, 100)));
}

/** The published form at the reference's best MNIST setting, as everywhere in this bench. */
function publishedNeuroPlastic(): NeuroPlastic {
  return new NeuroPlastic({ lr: 0.1, warmupEpochs: 2, plasticityScale: 2 });
}

interface Paired {
  adam: number;
  neuroplastic: number;
  ratio: number;
}

/**
 * Times two step functions (Adam's, NeuroPlastic's) in alternating rounds; returns the median time of each and the
 * median of the per-round ratios.
 */
function alternate(adam: () => void, neuroplastic: () => void, seconds: number): Paired {
  // Warm-up: until both optimizers' code and the kernel thread's wait loop are optimised by V8.
  msPerCall(adam, 300);
  msPerCall(neuroplastic, 300);
  const slice = (seconds * 1000) / (2 * ROUNDS);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(msPerCall(adam, slice));
    b.push(msPerCall(neuroplastic, slice));
  }
  return { adam: median(a), neuroplastic: median(b), ratio: median(b.map((x, i) => x / a[i])) };
}

/** Adam's and NeuroPlastic's step alone, on the active backend. */
function paired(params: Param[], seconds: number): Paired {
  const adam = new Adam({ lr: 1e-3 });
  const np = publishedNeuroPlastic();
  return alternate(
    () => adam.step(params, { epoch: 3 }),
    () => np.step(params, { epoch: 3 }),
    seconds,
  );
}

/**
 * Whole training steps (batch 128 of real MNIST: forward, loss, backward, optimizer step) with each optimizer, each
 * on its own copy of the model: what the optimizer's cost means for training.
 */
async function pairedTraining(seconds: number): Promise<Paired & { batch: number }> {
  const batch = 128;
  const ds = await loadDataset('mnist');
  const build = () => mlp(ds.shape, [256], 10).init(new Rng(0, 1));
  const t = alternate(
    trainingStep(ds, build(), batch, new Adam({ lr: 1e-3 })),
    trainingStep(ds, build(), batch, publishedNeuroPlastic()),
    seconds,
  );
  return { ...t, batch };
}

/**
 * Milliseconds per optimizer step on the MLP 784-256-10's parameters (203,530 floats) with fixed random
 * gradients: Adam against NeuroPlastic (published form) on the active backend, whole training steps with each, and
 * both optimizers on the TypeScript reference kernels for scale. Goal: NeuroPlastic <= 1.5x Adam on the same backend.
 */
export async function benchOptimStep(seconds = 3): Promise<Record<string, unknown>> {
  const backend = getBackend();
  await backend.prepare?.();
  const model = mlp([1, 28, 28], [256], 10).init(new Rng(0, 1));
  const params = model.params();
  const rng = new Rng(0, 2);
  for (const p of params) rng.fillNormal(p.grad, 0, 0.01);
  const active = backend.name;
  const threads = backend.threads ?? 1;
  const main = paired(params, seconds);
  // The same on one thread: both optimizers' kernels are cut in halves, one per thread, from 32,768 values.
  let oneThread: typeof main | null = null;
  if (backend.setThreads && threads > 1) {
    backend.setThreads(1);
    try {
      oneThread = paired(params, seconds / 2);
    } finally {
      backend.setThreads(2);
    }
  }
  const gradOnly = settledMsPerStep(new NeuroPlastic({ lr: 0.1, ablation: 'grad-only' }), params);
  // The hybrid modes: the modulation as a bounded residual on an AdamW or SGD-with-momentum step.
  const hybrid = (base: 'adamw' | 'sgd-momentum') =>
    settledMsPerStep(
      new NeuroPlastic({ lr: 0.01, base, weightDecay: 0.01, warmupEpochs: 2, plasticityScale: 2 }),
      params,
    );
  const adamwBase = hybrid('adamw');
  const sgdMomentumBase = hybrid('sgd-momentum');
  // The tensor-mean form (parameterwise: false), whose collapse the docs describe.
  const tensorMean = settledMsPerStep(new NeuroPlastic({ lr: 0.1, parameterwise: false }), params);
  const withDiagnostics = (() => {
    const opt = publishedNeuroPlastic();
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) opt.step(params, { epoch: 3, diagnostics: true });
    return (performance.now() - t0) / 20;
  })();
  const training = await pairedTraining(seconds);
  // The same two optimizers on the portable TypeScript kernels, for scale.
  let reference = main;
  if (active !== 'reference') {
    setBackend('reference');
    try {
      reference = paired(params, seconds / 2);
    } finally {
      setBackend(active);
    }
  }
  const round = (x: number, d = 4) => Number(x.toFixed(d));
  return {
    model: 'mlp 784-256-10',
    backend: active,
    threads,
    parameters: model.parameterCount(),
    rounds: ROUNDS,
    adam_ms: round(main.adam),
    neuroplastic_ms: round(main.neuroplastic),
    neuroplastic_grad_only_ms: round(gradOnly),
    neuroplastic_adamw_base_ms: round(adamwBase),
    neuroplastic_sgd_momentum_base_ms: round(sgdMomentumBase),
    neuroplastic_tensor_mean_ms: round(tensorMean),
    neuroplastic_with_diagnostics_ms: round(withDiagnostics),
    ratio_neuroplastic_vs_adam: round(main.ratio, 3),
    ...(oneThread && {
      one_thread: {
        adam_ms: round(oneThread.adam),
        neuroplastic_ms: round(oneThread.neuroplastic),
        ratio: round(oneThread.ratio, 3),
      },
    }),
    training_step: {
      batch: training.batch,
      adam_ms: round(training.adam),
      neuroplastic_ms: round(training.neuroplastic),
      ratio: round(training.ratio, 3),
    },
    reference_backend: {
      adam_ms: round(reference.adam),
      neuroplastic_ms: round(reference.neuroplastic),
      ratio: round(reference.ratio, 3),
    },
    goal_ratio: 1.5,
  };
}
