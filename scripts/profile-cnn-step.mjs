#!/usr/bin/env node
// Milliseconds per layer forward and backward of the small CNN (conv32-pool-conv64-pool-dense10) on a batch of
// random images, on the active backend. Usage: npm run build && [NEUROPLAST_THREADS=1] [NEUROPLAST_BACKEND=...]
// node scripts/profile-cnn-step.mjs [batch]
/* global performance */
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { cnn, tensor, getBackend } = await import(join(root, 'build', 'src', 'engine', 'index.js'));
const { Rng } = await import(join(root, 'build', 'src', 'util', 'rng.js'));
const batch = Number(process.argv[2] ?? 128);
const model = cnn([1, 28, 28], { channels: [32, 64] }, 10).init(new Rng(0, 1));
const x = tensor([batch, 1, 28, 28]);
new Rng(0, 3).fillNormal(x.data, 0, 1);
const ms = {};
const timed = (key, f) => {
  const t0 = performance.now();
  const r = f();
  ms[key] = (ms[key] ?? 0) + performance.now() - t0;
  return r;
};
const warmup = 3,
  reps = 20;
for (let r = 0; r < warmup + reps; r++) {
  if (r === warmup) for (const k in ms) ms[k] = 0;
  let h = x;
  model.layers.forEach((l) => (h = timed(`${l.name} forward`, () => l.forward(h, true))));
  let g = tensor(h.shape);
  g.data.fill(0.01);
  for (const l of [...model.layers].reverse()) g = timed(`${l.name} backward`, () => l.backward(g));
}
const perStep = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Number((v / reps).toFixed(2))]));
const total = Object.values(perStep).reduce((a, b) => a + b, 0);
console.log(
  JSON.stringify(
    {
      backend: getBackend().name,
      batch,
      ms: perStep,
      total_ms: Number(total.toFixed(1)),
      samples_per_s: Math.round((batch / total) * 1000),
    },
    null,
    1,
  ),
);
