import { getBackend, mlp, setBackend } from '../engine/index.js';
import { Adam, NeuroPlastic, type Optimizer } from '../optim/index.js';
import { Rng } from '../util/rng.js';

/**
 * Milliseconds per optimizer step on the MLP 784-256-10's parameters (203,530 floats) with fixed random
 * gradients: Adam against NeuroPlastic (published form) on the active backend, and both on the TypeScript reference
 * kernels for scale. Goal: NeuroPlastic <= 1.5x Adam on the same backend.
 */
export function benchOptimStep(seconds = 1.5): Record<string, unknown> {
  const model = mlp([1, 28, 28], [256], 10).init(new Rng(0, 1));
  const params = model.params();
  const rng = new Rng(0, 2);
  for (const p of params) rng.fillNormal(p.grad, 0, 0.01);
  const time = (opt: Optimizer) => {
    const warm = performance.now();
    while (performance.now() - warm < 200) opt.step(params, { epoch: 3 });
    let steps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      opt.step(params, { epoch: 3 });
      steps++;
    }
    return (performance.now() - t0) / steps;
  };
  const adam = time(new Adam({ lr: 1e-3 }));
  const neuroplastic = time(new NeuroPlastic({ lr: 0.1, warmupEpochs: 2, plasticityScale: 2 }));
  const gradOnly = time(new NeuroPlastic({ lr: 0.1, ablation: 'grad-only' }));
  const withDiagnostics = (() => {
    const opt = new NeuroPlastic({ lr: 0.1, warmupEpochs: 2, plasticityScale: 2 });
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) opt.step(params, { epoch: 3, diagnostics: true });
    return (performance.now() - t0) / 20;
  })();
  // The same two optimizers on the portable TypeScript kernels, for scale.
  const active = getBackend().name;
  let adamReference = adam;
  let neuroplasticReference = neuroplastic;
  if (active !== 'reference') {
    setBackend('reference');
    try {
      adamReference = time(new Adam({ lr: 1e-3 }));
      neuroplasticReference = time(new NeuroPlastic({ lr: 0.1, warmupEpochs: 2, plasticityScale: 2 }));
    } finally {
      setBackend(active);
    }
  }
  return {
    model: 'mlp 784-256-10',
    backend: active,
    parameters: model.parameterCount(),
    adam_ms: Number(adam.toFixed(4)),
    neuroplastic_ms: Number(neuroplastic.toFixed(4)),
    neuroplastic_grad_only_ms: Number(gradOnly.toFixed(4)),
    neuroplastic_with_diagnostics_ms: Number(withDiagnostics.toFixed(4)),
    ratio_neuroplastic_vs_adam: Number((neuroplastic / adam).toFixed(3)),
    reference_backend: {
      adam_ms: Number(adamReference.toFixed(4)),
      neuroplastic_ms: Number(neuroplasticReference.toFixed(4)),
      ratio: Number((neuroplasticReference / adamReference).toFixed(3)),
    },
    goal_ratio: 1.5,
  };
}
