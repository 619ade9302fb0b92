#!/usr/bin/env node
// Why JavaScript loops over parameters are slow: SI's per-step path-integral update over the Split MNIST MLP's 478,410
// values, on ordinary Float32Arrays and on arrays from the backend's allocState (shared memory, where the kernel
// thread reads them), ms per pass after a warm-up. Usage: npm run build && node scripts/shared-memory-loop.mjs
/* global performance */
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { kernels, getBackend } = await import(join(root, 'build', 'src', 'engine', 'index.js'));
const { Rng } = await import(join(root, 'build', 'src', 'util', 'rng.js'));
const rng = new Rng(0);
await getBackend().prepare?.();
const n = 478410;
function mk(alloc) {
  const a = alloc(n);
  rng.fillUniform(a);
  return a;
}
for (const [name, alloc] of [
  ['plain', (n) => new Float32Array(n)],
  ['allocState', (n) => kernels.allocState(n)],
]) {
  const v = mk(alloc),
    g = mk(alloc),
    w = new Float32Array(n),
    old = new Float32Array(n);
  const f = () => {
    for (let i = 0; i < n; i++) {
      const vi = v[i];
      w[i] -= g[i] * (vi - old[i]);
      old[i] = vi;
    }
  };
  for (let r = 0; r < 50; r++) f();
  const t = performance.now();
  for (let r = 0; r < 200; r++) f();
  console.log(name, ((performance.now() - t) / 200).toFixed(3), 'ms');
}
console.log(
  getBackend().name,
  Object.prototype.toString.call(kernels.allocState(4)),
  kernels.allocState(4).buffer.constructor.name,
);
