#!/usr/bin/env node
// Times the WASM and the native sgemm side by side on the small CNN's GEMM shapes (per image, batch 128 scale) and
// checks they agree. Usage: npm run build && node scripts/gemm-shapes.mjs [--width 8|16]
/* global WebAssembly, performance */
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { loadNativeAddon } = await import(join(root, 'build', 'src', 'engine', 'kernels', 'native.js'));
const native = loadNativeAddon();
if (!native) throw new Error('the native addon is not built (node scripts/build-native.mjs)');
const memory = new WebAssembly.Memory({ initial: 2048, maximum: 65536, shared: true });
const wasm = new WebAssembly.Instance(
  new WebAssembly.Module(readFileSync(join(root, 'wasm', 'kernels.wasm'))),
  {
    env: { memory, abort() {} },
  },
).exports;
native.bindMemory(new Uint8Array(memory.buffer));
const at = process.argv.indexOf('--width');
if (at > 0) native.useVectorWidth(Number(process.argv[at + 1]));
const work = 1 << 20;
let next = work + wasm.workspaceBytes() + 64;
const alloc = (n) => {
  const p = (next + 63) & ~63;
  next = p + n * 4;
  const a = new Float32Array(memory.buffer, p, n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 1.3);
  return p;
};
const time = (f) => {
  for (let i = 0; i < 20; i++) f();
  let reps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 300) {
    f();
    reps++;
  }
  return ((performance.now() - t0) / reps) * 1000;
};
const shapes = [
  ['conv2 forward', 0, 0, 64, 196, 288],
  ['conv2 weight gradient', 0, 1, 64, 288, 196],
  ['conv2 input gradient', 1, 0, 288, 196, 64],
  ['conv1 forward', 0, 0, 32, 784, 9],
  ['conv1 weight gradient', 0, 1, 32, 9, 784],
  ['square 256', 0, 0, 256, 256, 256],
];
const out = { native_target: native.target() };
for (const [name, ta, tb, m, n, k] of shapes) {
  const a = alloc(m * k),
    b = alloc(k * n),
    c = alloc(m * n),
    c2 = alloc(m * n);
  const [lda, ldb] = [ta ? m : k, tb ? k : n];
  wasm.sgemm(ta, tb, m, n, k, 0.7, a, lda, b, ldb, 0, c, n, work);
  native.sgemm(ta, tb, m, n, k, 0.7, a, lda, b, ldb, 0, c2, n, work);
  const [x, y] = [new Float32Array(memory.buffer, c, m * n), new Float32Array(memory.buffer, c2, m * n)];
  const err = x.reduce((e, v, i) => Math.max(e, Math.abs(v - y[i]) / (1 + Math.abs(v))), 0);
  const tw = time(() => wasm.sgemm(ta, tb, m, n, k, 1, a, lda, b, ldb, 1, c, n, work));
  const tn = time(() => native.sgemm(ta, tb, m, n, k, 1, a, lda, b, ldb, 1, c2, n, work));
  const gflops = (us) => Number(((2 * m * n * k) / us / 1000).toFixed(1));
  out[`${name} ${m}x${n}x${k}`] = {
    wasm_gflops: gflops(tw),
    native_gflops: gflops(tn),
    speedup: Number((tw / tn).toFixed(2)),
    max_rel_diff: Number(err.toExponential(1)),
  };
}
console.log(JSON.stringify(out, null, 1));
