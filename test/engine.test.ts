import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NATIVE_ADDON_PATH } from '../src/engine/kernels/native.js';
import { Waiter } from '../src/engine/kernels/wasm-control.js';
import { Rng } from '../src/util/rng.js';
import { backendVariants, REPO_ROOT, tempDir } from './helpers.js';
import {
  backendNames,
  getBackend,
  Dense,
  ReLU,
  Flatten,
  mlp,
  softmaxCrossEntropy,
  encodeBundle,
  decodeBundle,
  ensureTensor,
  tensor,
  type Layer,
  type Tensor,
} from '../src/engine/index.js';

/** The AssemblyScript flags scripts/build-wasm.sh uses. */
const ASC_FLAGS = readFileSync(join(REPO_ROOT, 'scripts', 'asc-flags.txt'), 'utf8')
  .trim()
  .split(/\s+/);

/** Textbook triple loop in float64: the independent oracle for every GEMM backend. */
function naiveGemm(
  tA: boolean,
  tB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++)
        s += (tA ? a[p * lda + i] : a[i * lda + p]) * (tB ? b[j * ldb + p] : b[p * ldb + j]);
      out[i * n + j] = alpha * s + (beta === 0 ? 0 : beta * c[i * ldc + j]);
    }
  return out;
}

test('every GEMM backend agrees with a float64 triple loop on random and odd shapes, all transposes', () => {
  const rng = new Rng(11);
  const shapes = [
    [1, 1, 1],
    [3, 5, 7],
    [17, 1, 9],
    [33, 65, 31],
    [64, 64, 64],
    [5, 130, 257],
    [129, 7, 3],
    // Few columns, long rows: the native dot-product path for A B^T (a first convolution's weight gradient).
    [33, 9, 784],
    [6, 1, 100],
    [5, 12, 67],
  ];
  for (const [name, kern] of backendVariants()) {
    for (const [m, n, k] of shapes)
      for (const tA of [false, true])
        for (const tB of [false, true])
          for (const [alpha, beta] of [
            [1, 0],
            [0.5, 1],
            [-1.25, 0.3],
          ]) {
            const lda = (tA ? m : k) + (m % 3);
            const ldb = (tB ? k : n) + 1;
            const ldc = n + 2;
            const a = rng.fillUniform(new Float32Array((tA ? k : m) * lda), -1, 1);
            const b = rng.fillUniform(new Float32Array((tB ? n : k) * ldb), -1, 1);
            const c = rng.fillUniform(new Float32Array(m * ldc), -1, 1);
            const want = naiveGemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            const got = Float32Array.from(c);
            kern.gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, got, ldc);
            for (let i = 0; i < m; i++)
              for (let j = 0; j < n; j++) {
                const w = want[i * n + j];
                const g = got[i * ldc + j];
                assert.ok(
                  Math.abs(g - w) <= 1e-5 * (1 + Math.sqrt(k)) * (1 + Math.abs(w)),
                  `${name} ${m}x${n}x${k} tA=${tA} tB=${tB}: [${i},${j}] ${g} vs ${w}`,
                );
              }
            // Padding columns of C beyond n must be untouched.
            for (let i = 0; i < m; i++)
              for (let j = n; j < ldc; j++) assert.equal(got[i * ldc + j], c[i * ldc + j]);
          }
  }
});

test('GEMM rejects buffers that are too small', () => {
  const k = getBackend('reference');
  assert.throws(
    () =>
      k.gemm(
        false,
        false,
        4,
        4,
        4,
        1,
        new Float32Array(15),
        4,
        new Float32Array(16),
        4,
        0,
        new Float32Array(16),
        4,
      ),
    /A has 15 elements, needs 16/,
  );
});

/** Central finite differences of the scalar loss L = sum(w_out * layer(x)) against the layer's backward. */
function checkLayerGradients(layer: Layer, x: Tensor, rng: Rng, tol = 2e-2): void {
  const y0 = layer.forward(x, true);
  const wOut = rng.fillUniform(new Float32Array(y0.data.length), -1, 1);
  const loss = () => {
    const y = layer.forward(x, true);
    let s = 0;
    for (let i = 0; i < y.data.length; i++) s += wOut[i] * y.data[i];
    return s;
  };
  for (const p of layer.params()) p.grad.fill(0);
  layer.forward(x, true);
  const dx = Float32Array.from(layer.backward(tensor(y0.shape, Float32Array.from(wOut))).data);
  const eps = 1e-2;
  const check = (arr: Float32Array, analytic: Float32Array, what: string) => {
    for (let t = 0; t < Math.min(arr.length, 40); t++) {
      const i = rng.int(arr.length);
      const orig = arr[i];
      arr[i] = orig + eps;
      const lp = loss();
      arr[i] = orig - eps;
      const lm = loss();
      arr[i] = orig;
      const num = (lp - lm) / (2 * eps);
      assert.ok(
        Math.abs(num - analytic[i]) <= tol * (1 + Math.abs(num)),
        `${layer.name} ${what}[${i}]: numeric ${num} vs analytic ${analytic[i]}`,
      );
    }
  };
  check(x.data, dx, 'input');
  for (const p of layer.params()) check(p.value, Float32Array.from(p.grad), p.name);
}

test('Dense backward matches finite differences', () => {
  const rng = new Rng(3);
  const d = new Dense('fc', 13, 7);
  d.init(rng);
  checkLayerGradients(d, tensor([5, 13], rng.fillUniform(new Float32Array(65), -1, 1)), rng);
});

test('ReLU and Flatten backward match finite differences', () => {
  const rng = new Rng(4);
  // Keep inputs away from the kink at 0, where the derivative is undefined.
  const x = rng.fillUniform(new Float32Array(24), 0.05, 1).map((v, i) => (i % 2 ? -v : v));
  checkLayerGradients(new ReLU('relu'), tensor([4, 6], x), rng);
  checkLayerGradients(
    new Flatten('flat'),
    tensor([2, 3, 4], rng.fillUniform(new Float32Array(24), -1, 1)),
    rng,
  );
});

test('softmax cross-entropy: value, accuracy and gradient against finite differences', () => {
  const rng = new Rng(5);
  const logits = tensor([6, 4], rng.fillUniform(new Float32Array(24), -3, 3));
  const labels = Int32Array.from([0, 1, 2, 3, 1, 2]);
  const grad = new Float32Array(24);
  const r = softmaxCrossEntropy(logits, labels, grad);
  // Direct formula in float64 as the oracle.
  let want = 0;
  for (let i = 0; i < 6; i++) {
    const row = Array.from(logits.data.subarray(4 * i, 4 * i + 4));
    want += Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[labels[i]];
  }
  assert.ok(Math.abs(r.loss - want / 6) < 1e-6);
  const eps = 1e-3;
  for (let i = 0; i < 24; i++) {
    const o = logits.data[i];
    logits.data[i] = o + eps;
    const lp = softmaxCrossEntropy(logits, labels).loss;
    logits.data[i] = o - eps;
    const lm = softmaxCrossEntropy(logits, labels).loss;
    logits.data[i] = o;
    assert.ok(Math.abs((lp - lm) / (2 * eps) - grad[i]) < 1e-3);
  }
  assert.throws(
    () => softmaxCrossEntropy(logits, Int32Array.from([0, 1, 2, 9, 1, 2])),
    /label 9 at row 3 outside \[0, 4\)/,
  );
});

test('model shape mismatches name the layer and both shapes', () => {
  const m = mlp([1, 28, 28], [32], 10);
  assert.throws(
    () => m.forward(tensor([2, 1, 32, 32]), false),
    /model input: expected \[batch, 1, 28, 28\], found \[2, 1, 32, 32\]/,
  );
  const d = new Dense('fc9', 10, 3);
  assert.throws(
    () => d.forward(tensor([2, 11]), false),
    /layer fc9 \(dense\): expected input \[batch, 10\], found \[2, 11\]/,
  );
});

test('tensor bundles round-trip exactly and reject corrupt input', () => {
  const rng = new Rng(9);
  const a = rng.fillNormal(new Float32Array(37));
  const buf = encodeBundle({
    meta: { hello: 'world', n: 3 },
    tensors: new Map([
      ['a', { shape: [37], data: a }],
      ['b', { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }],
    ]),
  });
  const back = decodeBundle(buf, 'x.nptb');
  assert.deepEqual(back.meta, { hello: 'world', n: 3 });
  assert.deepEqual(back.tensors.get('a')!.data, a);
  assert.deepEqual(back.tensors.get('b')!.shape, [2, 2]);
  assert.throws(() => decodeBundle(buf.subarray(0, buf.length - 4), 'x.nptb'), /x.nptb: truncated: tensor b/);
  assert.throws(() => decodeBundle(new Uint8Array(20), 'y.nptb'), /y.nptb: not a neuroplast tensor bundle/);
});

test('the WASM SIMD backend is registered; the native one too where its addon was built, and is then the default', () => {
  assert.ok(backendNames().includes('wasm-simd'), `backends: ${backendNames()}`);
  // A built addon that fails to load would silently cost speed: where the file exists it must be registered.
  const built = existsSync(NATIVE_ADDON_PATH) && process.env.NEUROPLAST_NATIVE !== '0';
  assert.equal(backendNames().includes('native'), built, `backends: ${backendNames()}`);
  assert.equal(getBackend().name, process.env.NEUROPLAST_BACKEND ?? (built ? 'native' : 'wasm-simd'));
});

test('NEUROPLAST_NATIVE=0 leaves the native addon out: wasm-simd is the default and everything else works', () => {
  const script = `import('${pathToFileURL(join(REPO_ROOT, 'build', 'src', 'engine', 'index.js')).href}').then((e) => {
    const c = new Float32Array(4);
    e.kernels.gemm(false, false, 2, 2, 2, 1, Float32Array.of(1, 2, 3, 4), 2, Float32Array.of(5, 6, 7, 8), 2, 0, c, 2);
    console.log(JSON.stringify({ names: e.backendNames(), active: e.getBackend().name, c: [...c] }));
  })`;
  const env: NodeJS.ProcessEnv = { ...process.env, NEUROPLAST_NATIVE: '0' };
  delete env.NEUROPLAST_BACKEND;
  const out = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { env }).toString(),
  );
  assert.deepEqual(out, { names: ['reference', 'wasm-simd'], active: 'wasm-simd', c: [19, 22, 43, 50] });
});

test('the committed wasm/kernels.wasm is reproducible from assembly/*.ts', () => {
  const dir = tempDir();
  const out = join(dir, 'kernels.wasm');
  execFileSync(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'assemblyscript', 'bin', 'asc.js'),
      join(REPO_ROOT, 'assembly', 'index.ts'),
      '--outFile',
      out,
      ...ASC_FLAGS,
    ],
    { cwd: REPO_ROOT, stdio: 'pipe' },
  );
  assert.ok(
    readFileSync(out).equals(readFileSync(join(REPO_ROOT, 'wasm', 'kernels.wasm'))),
    'rebuild with scripts/build-wasm.sh and commit',
  );
});

test('wasm/kernels.wasm has no data or start section (each thread instantiates it over the same shared memory)', () => {
  // A data segment (AssemblyScript emits one for e.g. Mathf.exp's tables) would be rewritten by every instantiation,
  // over memory the host uses; the kernels must therefore not use any static data.
  const bytes = readFileSync(join(REPO_ROOT, 'wasm', 'kernels.wasm'));
  const sections: number[] = [];
  let at = 8;
  const leb = () => {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[at++];
      result |= (byte & 127) << shift;
      shift += 7;
    } while (byte & 128);
    return result;
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const length = leb();
    sections.push(id);
    at += length;
  }
  assert.ok(sections.includes(10), 'has a code section');
  assert.ok(
    !sections.includes(11) && !sections.includes(8),
    `sections ${sections}: data (11) or start (8) present`,
  );
});

test('ensureTensor keeps a tensor of the same shape and reuses storage large enough for a new one', () => {
  const big = ensureTensor(null, [8, 3]);
  assert.equal(ensureTensor(big, [8, 3]), big);
  const small = ensureTensor(big, [5, 3]); // a short last batch: a view of the same storage
  assert.deepEqual(small.shape, [5, 3]);
  assert.equal(small.data.length, 15);
  assert.equal(small.data.buffer, big.data.buffer);
  assert.equal(small.data.byteOffset, big.data.byteOffset);
  const back = ensureTensor(small, [8, 3]); // the full batch again fits the original storage
  assert.equal(back.data.byteOffset, big.data.byteOffset);
  assert.equal(back.data.length, 24);
  const larger = ensureTensor(back, [9, 3]); // too large: new storage
  assert.equal(larger.data.length, 27);
  assert.ok(larger.data.buffer !== big.data.buffer || larger.data.byteOffset !== big.data.byteOffset);
  // A tensor made elsewhere (its data may be the caller's) is never written through: new storage.
  const outside = tensor([4], new Float32Array(4));
  assert.notEqual(ensureTensor(outside, [2]).data.buffer, outside.data.buffer);
});

test('a state scope frees its blocks when it closes: the next allocation of that size reuses one, zeroed', () => {
  for (const name of backendNames().filter((n) => n !== 'reference')) {
    const k = getBackend(name);
    k.beginStateScope();
    const a = k.allocState(1000).fill(7);
    k.beginStateScope(); // nested: closes first, frees only its own
    const inner = k.allocState(1000).fill(5);
    k.endStateScope();
    const again = k.allocState(1000);
    assert.equal(again.byteOffset, inner.byteOffset, `${name}: inner block not reused`);
    assert.ok(again.every((v) => v === 0));
    assert.ok(
      a.every((v) => v === 7),
      `${name}: the outer scope's array was freed early`,
    );
    k.endStateScope();
    assert.equal(
      k.allocState(1000).byteOffset,
      again.byteOffset,
      `${name}: outer scope's last block not reused`,
    );
    assert.throws(() => k.endStateScope(), /no open state scope/);
  }
});

test('the kernel-thread waiter polls while it has the core and stops polling after repeated preemption', () => {
  const ctrl = new Int32Array(new SharedArrayBuffer(16));
  // A fake clock that advances `step` ms per look and plays the other thread: it bumps the slot at look `answerAt`.
  let t = 0;
  let step = 0.001;
  let looks = 0;
  let answerAt = Infinity;
  const clock = () => {
    looks++;
    if (looks === answerAt) Atomics.add(ctrl, 0, 1);
    return (t += step);
  };
  const waiter = new Waiter(ctrl, clock);
  const waitForAnswerAfter = (n: number) => {
    answerAt = looks + n;
    const before = looks;
    waiter.wait(0, Atomics.load(ctrl, 0));
    return looks - before;
  };
  // Idle machine: it polls (50 looks at the clock) until the answer comes, and keeps polling.
  assert.equal(waitForAnswerAfter(50), 50);
  assert.equal(waiter.backingOff(), false);
  // Each look 1 ms after the last: descheduled. One or two such polls may be stray interrupts...
  step = 1;
  waitForAnswerAfter(2);
  waitForAnswerAfter(2);
  assert.equal(waiter.backingOff(), false);
  // ...the third within 100 ms turns polling off (waits then go straight to Atomics.wait)...
  waitForAnswerAfter(2);
  assert.equal(waiter.backingOff(), true);
  assert.equal(waiter.backingOff(t + 990), true);
  // ...for a second; then it polls again.
  t += 1000;
  step = 0.001;
  assert.equal(waiter.backingOff(), false);
  assert.equal(waitForAnswerAfter(30), 30);
});
