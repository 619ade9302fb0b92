// The LIF step's cost alone: a lone LifGroup (CUBA's current-based cell) of 64 to 40000 neurons stepped
// 4e7 / n times on the default backend; prints microseconds per call and nanoseconds per neuron and step.
//   npm run build && node scripts/lif-kernel-cost.mjs
import { performance } from 'node:perf_hooks';
import { CUBA_NEURON, LifGroup } from '../build/src/spiking/index.js';
import { getBackend } from '../build/src/engine/index.js';

console.log(`backend ${getBackend().name}`);
for (const n of [64, 400, 4000, 40000]) {
  const g = new LifGroup('g', n, CUBA_NEURON, 0.1);
  for (let i = 0; i < n; i++) g.v[i] = -60 + (9 * i) / n;
  const steps = Math.round(4e7 / n);
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) g.step();
  const us = ((performance.now() - t0) * 1000) / steps;
  console.log(`${n} neurons: ${us.toFixed(2)} us per step, ${((us * 1000) / n).toFixed(2)} ns per neuron`);
}
