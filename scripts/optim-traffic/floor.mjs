#!/usr/bin/env node
// How fast could a NeuroPlastic step be if its arithmetic were free? Times traffic-only copies of the three passes
// (traffic.ts) against the real WASM kernels, all on one 200,704-value tensor (the MLP's first weight matrix).
// Usage: node scripts/optim-traffic/floor.mjs   (compiles traffic.ts with the AssemblyScript devDependency)
/* global WebAssembly, performance */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(mkdtempSync(join(tmpdir(), 'np-traffic-')), 'traffic.wasm');
const flags = readFileSync(join(root, 'scripts', 'asc-flags.txt'), 'utf8')
  .trim()
  .split(/\s+/);
execFileSync(
  'npx',
  ['asc', join(root, 'scripts', 'optim-traffic', 'traffic.ts'), '--outFile', out, ...flags],
  {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
const env = { env: { memory, abort() {} } };
const traffic = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(out)), env).exports;
const real = new WebAssembly.Instance(
  new WebAssembly.Module(readFileSync(join(root, 'wasm', 'kernels.wasm'))),
  env,
).exports;

const n = 200704;
let next = 65536;
const array = () => {
  const at = next;
  next += n * 4 + 64;
  const a = new Float32Array(memory.buffer, at, n);
  for (let i = 0; i < n; i++) a[i] = 0.001 + ((i * 7919) % 1000) * 1e-5; // positive, varied, deterministic
  return at;
};
const [g, w, act, m, v, mem] = [array(), array(), array(), array(), array(), array()];
const sums = next;

/** Milliseconds per call of `step` over about `budget` ms (after a warm-up). */
function ms(step, budget) {
  for (let i = 0; i < 50; i++) step();
  let count = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budget) {
    step();
    count++;
  }
  return (performance.now() - t0) / count;
}
const steps = {
  adam_ms: () => real.adamUpdate(n, w, g, m, v, 0.9, 0.999, 0, 1, 1e-9, 1, 1e-8),
  adam_traffic_only_ms: () => traffic.trafficAdam(n, w, g, m, v),
  neuroplastic_ms: () => {
    real.neuroplasticTraces(n, g, act, m, v, mem, 0, 0.95, 0.9, 0.99, 1e-8, sums);
    real.neuroplasticUpdate(n, g, w, act, mem, mem, 1, 0.4, 0.4, 0.2, 0.2, 2, 2, 0);
    real.applyUpdate(n, w, mem, 1, 1e-9);
  },
  neuroplastic_pass1_ms: () => real.neuroplasticTraces(n, g, act, m, v, mem, 0, 0.95, 0.9, 0.99, 1e-8, sums),
  neuroplastic_pass2_ms: () =>
    real.neuroplasticUpdate(n, g, w, act, mem, mem, 1, 0.4, 0.4, 0.2, 0.2, 2, 2, 0),
  neuroplastic_pass3_ms: () => real.applyUpdate(n, w, mem, 1, 1e-9),
  neuroplastic_pass1_traffic_only_ms: () => traffic.trafficTraces(n, g, act, m, v, mem),
  neuroplastic_pass2_traffic_only_ms: () => traffic.trafficUpdate(n, g, act, mem),
  neuroplastic_pass3_traffic_only_ms: () => traffic.trafficApply(n, w, mem),
  neuroplastic_traffic_only_ms: () => {
    traffic.trafficTraces(n, g, act, m, v, mem);
    traffic.trafficUpdate(n, g, act, mem);
    traffic.trafficApply(n, w, mem);
  },
};
// Memory bandwidth on shared hosts drifts over seconds: time every step in each of several short rounds and report
// medians, so all figures (and the ratio) come from the same stretch of time.
const ROUNDS = 7;
const times = Object.fromEntries(Object.keys(steps).map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) for (const [k, step] of Object.entries(steps)) times[k].push(ms(step, 150));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const result = Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, Number(median(xs).toFixed(4))]));
result.floor_ratio = Number((result.neuroplastic_traffic_only_ms / result.adam_ms).toFixed(3));
result.ratio = Number((result.neuroplastic_ms / result.adam_ms).toFixed(3));
console.log(JSON.stringify(result));
