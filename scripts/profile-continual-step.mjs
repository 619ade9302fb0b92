#!/usr/bin/env node
// Where the Split MNIST class-IL step's time goes (the `neuroplast bench continual` step: MLP 784-400-400-10, batch
// 128, Adam, context 2 of 5): whole trainStep() per method and each part on its own (batch gather, forward, masked
// loss, backward, zeroGrad, Adam, EWC's penalty over 2 anchors, SI's penalty with its path-integral update), medians and
// ranges of ROUNDS alternating windows, in ms. Also the first dense layer's input-gradient GEMM, which nobody reads.
// Usage: npm run build && node scripts/profile-continual-step.mjs [THREADS (1)] [ROUNDS (7)]
/* global performance */
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const load = (p) => import(join(root, 'build', 'src', p));
const { loadDataset } = await load('data/index.js');
const { getBackend, kernels, Dense } = await load('engine/index.js');
const { ContinualLearner, createStrategy, splitBenchmark, splitContexts, termsLoss } =
  await load('continual/index.js');

const threads = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 7);
const backend = getBackend();
await backend.prepare?.();
backend.setThreads?.(threads);
const benchmark = splitBenchmark(await loadDataset('mnist'), splitContexts(10, 2, 0));
const learner = (method, settings) => {
  const l = new ContinualLearner(
    benchmark,
    { scenario: 'class', hidden: [400, 400], lr: 1e-3, iterationsPerContext: 20, batchSize: 128, seed: 0 },
    createStrategy(method, settings, 'class'),
  );
  l.trainContext(0);
  l.trainContext(1);
  l.context = 2;
  l.step = 0;
  l.strategy.beforeContext?.(l);
  return l;
};
const ft = learner('finetune', {});
const ewc = learner('ewc', { lambda: 1e8, fisherSamples: 500 });
const si = learner('si', { c: 1e8 });
const batch = ft.contextBatch(2);
const x = { shape: [128, 784], data: batch.x };
const logits = ft.model.forward(x, true);
const grad = new Float32Array(128 * 10);
const first = ft.model.leaves().find((l) => l instanceof Dense);
const dy = kernels.allocState(128 * first.outFeatures).fill(0.01);
const dx = kernels.allocState(128 * first.inFeatures);
const parts = {
  'trainStep finetune': () => ft.trainStep(),
  'trainStep ewc': () => ewc.trainStep(),
  'trainStep si': () => si.trainStep(),
  'batch gather': () => ft.contextBatch(2),
  'forward (training)': () => ft.model.forward(x, true),
  'masked loss': () => {
    grad.fill(0);
    termsLoss(logits.data, 128, 10, batch.terms, grad);
  },
  // One backward after a forward (the forward is not timed).
  backward: null,
  zeroGrad: () => ft.model.zeroGrad(),
  'adam step': () => ft.optimizer.step(ft.model.params()),
  'ewc penalty (2 anchors)': () => ewc.strategy.penalty(ewc),
  'si penalty and path integral (1 anchor)': () => si.strategy.penalty(si),
  'first layer dx GEMM (unused)': () =>
    kernels.gemm(
      false,
      true,
      128,
      first.inFeatures,
      first.outFeatures,
      1,
      dy,
      first.outFeatures,
      first.weight.value,
      first.outFeatures,
      0,
      dx,
      first.inFeatures,
    ),
};
const backwardOnce = () => {
  ft.model.forward(x, true);
  const t0 = performance.now();
  ft.model.backward({ shape: [128, 10], data: grad });
  return performance.now() - t0;
};
const msPerCall = (f, ms) => {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    f();
    n++;
  }
  return (performance.now() - t0) / n;
};
const times = Object.fromEntries(Object.keys(parts).map((k) => [k, []]));
// Warm-up: each part over 150 ms (V8 optimises the loops, the kernel thread settles).
for (const f of Object.values(parts)) {
  if (f) msPerCall(f, 150);
  else backwardOnce();
}
for (let r = 0; r < rounds; r++)
  for (const [k, f] of Object.entries(parts))
    times[k].push(f ? msPerCall(f, 150) : Math.min(backwardOnce(), backwardOnce(), backwardOnce()));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const r3 = (v) => Number(v.toFixed(3));
console.log(
  JSON.stringify(
    {
      backend: backend.name,
      threads: backend.threads ?? 1,
      rounds,
      ms: Object.fromEntries(
        Object.entries(times).map(([k, v]) => [
          k,
          { median: r3(median(v)), min: r3(Math.min(...v)), max: r3(Math.max(...v)) },
        ]),
      ),
    },
    null,
    1,
  ),
);
