import { getBackend, mlp, setBackend, type Param } from '../engine/index.js';
import { Adam, NeuroPlastic, type Optimizer } from '../optim/index.js';
import { median } from '../util/stats.js';
import { Rng } from '../util/rng.js';

/** Rounds of alternating timings: memory bandwidth on shared machines drifts, so each ratio pairs nearby times. */
const ROUNDS = 5;

/** Mean milliseconds per step over about `ms` milliseconds. */
function msPerStep(opt: Optimizer, params: Param[], ms: number): number {
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    opt.step(params, { epoch: 3 });
    steps++;
  }
  return (performance.now() - t0) / steps;
}

/**
 * Times Adam and NeuroPlastic in alternating rounds on the active backend; returns the median step time of each and
 * the median of the per-round ratios.
 */
function paired(params: Param[], seconds: number): { adam: number; neuroplastic: number; ratio: number } {
  const adam = new Adam({ lr: 1e-3 });
  const np = new NeuroPlastic({ lr: 0.1, warmupEpochs: 2, plasticityScale: 2 });
  // Warm-up: until both optimizers' code and the kernel thread's wait loop are optimised by V8.
  msPerStep(adam, params, 300);
  msPerStep(np, params, 300);
  const slice = (seconds * 1000) / (2 * ROUNDS);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(msPerStep(adam, params, slice));
    b.push(msPerStep(np, params, slice));
  }
  return { adam: median(a), neuroplastic: median(b), ratio: median(b.map((x, i) => x / a[i])) };
}

/**
 * Milliseconds per optimizer step on the MLP 784-256-10's parameters (203,530 floats) with fixed random
 * gradients: Adam against NeuroPlastic (published form) on the active backend, and both on the TypeScript reference
 * kernels for scale. Goal: NeuroPlastic <= 1.5x Adam on the same backend.
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
  const gradOnly = msPerStep(new NeuroPlastic({ lr: 0.1, ablation: 'grad-only' }), params, 300);
  // The hybrid modes: the modulation as a bounded residual on an AdamW or SGD-with-momentum step.
  const hybrid = (base: 'adamw' | 'sgd-momentum') =>
    msPerStep(
      new NeuroPlastic({ lr: 0.01, base, weightDecay: 0.01, warmupEpochs: 2, plasticityScale: 2 }),
      params,
      300,
    );
  const adamwBase = hybrid('adamw');
  const sgdMomentumBase = hybrid('sgd-momentum');
  // The tensor-mean form (parameterwise: false), whose collapse the docs describe.
  const tensorMean = msPerStep(new NeuroPlastic({ lr: 0.1, parameterwise: false }), params, 300);
  const withDiagnostics = (() => {
    const opt = new NeuroPlastic({ lr: 0.1, warmupEpochs: 2, plasticityScale: 2 });
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) opt.step(params, { epoch: 3, diagnostics: true });
    return (performance.now() - t0) / 20;
  })();
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
    reference_backend: {
      adam_ms: round(reference.adam),
      neuroplastic_ms: round(reference.neuroplastic),
      ratio: round(reference.ratio, 3),
    },
    goal_ratio: 1.5,
  };
}
