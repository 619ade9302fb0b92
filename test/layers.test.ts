import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { availableParallelism } from 'node:os';
import { Rng } from '../src/util/rng.js';
import { backendVariants, REPO_ROOT } from './helpers.js';
import {
  AvgPool2D,
  BasicBlock,
  BatchNorm,
  Conv2D,
  Dense,
  Dropout,
  GlobalAvgPool,
  MaxPool2D,
  ReLU,
  Sequential,
  backendNames,
  cnn,
  convGeometry,
  getBackend,
  poolGeometry,
  resnet18,
  setBackend,
  tensor,
  type Kernels,
  type Layer,
  type Tensor,
} from '../src/engine/index.js';

const rand = (rng: Rng, n: number, lo = -1, hi = 1) => rng.fillUniform(new Float32Array(n), lo, hi);

function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 1e-4): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < b.length; i++)
    assert.ok(
      Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])) || (Number.isNaN(a[i]) && Number.isNaN(b[i])),
      `${what}[${i}]: ${a[i]} vs ${b[i]}`,
    );
}

/**
 * Central finite differences of L = sum(w_out * layer(x)) against backward, for the input and every parameter.
 * Buffers (dropout's generator, batch-norm statistics) are restored before each evaluation so the function is fixed.
 */
function checkGradients(
  layer: Layer,
  x: Tensor,
  rng: Rng,
  opts: { eps?: number; tol?: number; training?: boolean } = {},
): void {
  const eps = opts.eps ?? 1e-2;
  const tol = opts.tol ?? 2e-2;
  const training = opts.training ?? true;
  const saved = layer.buffers().map((b) => Float32Array.from(b.value));
  const restore = () => layer.buffers().forEach((b, i) => b.value.set(saved[i]));
  const y0 = layer.forward(x, training);
  const wOut = rand(rng, y0.data.length);
  const loss = () => {
    restore();
    const y = layer.forward(x, training);
    let s = 0;
    for (let i = 0; i < y.data.length; i++) s += wOut[i] * y.data[i];
    return s;
  };
  for (const p of layer.params()) p.grad.fill(0);
  restore();
  layer.forward(x, training);
  const dx = Float32Array.from(layer.backward(tensor(y0.shape, Float32Array.from(wOut))).data);
  const numeric = (arr: Float32Array, i: number, h: number) => {
    const orig = arr[i];
    arr[i] = orig + h;
    const lp = loss();
    arr[i] = orig - h;
    const lm = loss();
    arr[i] = orig;
    return (lp - lm) / (2 * h);
  };
  const near = (a: number, b: number) => Math.abs(a - b) <= tol * (1 + Math.abs(a));
  let kinked = 0;
  let checked = 0;
  const check = (arr: Float32Array, analytic: Float32Array, what: string) => {
    for (let t = 0; t < Math.min(arr.length, 30); t++) {
      const i = rng.int(arr.length);
      const num = numeric(arr, i, eps);
      checked++;
      // Where halving the step changes the estimate, a ReLU or max kink lies within eps: not differentiable there.
      if (!near(num, numeric(arr, i, eps / 2))) {
        kinked++;
        continue;
      }
      assert.ok(
        near(num, analytic[i]),
        `${layer.name} ${what}[${i}]: numeric ${num} vs analytic ${analytic[i]}`,
      );
    }
  };
  check(x.data, dx, 'input');
  for (const p of layer.params()) check(p.value, Float32Array.from(p.grad), p.name);
  assert.ok(kinked <= 0.2 * checked, `${layer.name}: ${kinked} of ${checked} probes straddle a kink`);
}

/** Direct convolution in float64: the independent oracle for im2col + GEMM. */
function naiveConv(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  batch: number,
  g: ReturnType<typeof convGeometry>,
): Float64Array {
  const out = new Float64Array(batch * g.outChannels * g.outH * g.outW);
  let o = 0;
  for (let b = 0; b < batch; b++)
    for (let co = 0; co < g.outChannels; co++)
      for (let oy = 0; oy < g.outH; oy++)
        for (let ox = 0; ox < g.outW; ox++, o++) {
          let s = bias ? bias[co] : 0;
          for (let ci = 0; ci < g.inChannels; ci++)
            for (let ki = 0; ki < g.kernelH; ki++)
              for (let kj = 0; kj < g.kernelW; kj++) {
                const iy = oy * g.strideH - g.padH + ki;
                const ix = ox * g.strideW - g.padW + kj;
                if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) continue;
                s +=
                  x[((b * g.inChannels + ci) * g.inH + iy) * g.inW + ix] *
                  w[((co * g.inChannels + ci) * g.kernelH + ki) * g.kernelW + kj];
              }
          out[o] = s;
        }
  return out;
}

const CONV_CASES: [number[], number, number, number, number][] = [
  // [C, H, W], outChannels, kernel, stride, pad
  [[1, 28, 28], 8, 3, 1, 1],
  [[3, 9, 7], 5, 3, 2, 1],
  [[4, 8, 8], 6, 1, 1, 0],
  [[2, 11, 6], 3, 5, 2, 2],
  [[5, 6, 6], 7, 1, 2, 0],
  [[32, 14, 14], 64, 3, 1, 1],
];

test('every backend: conv2d forward equals a direct float64 convolution (strides, padding, 1x1, odd sizes)', () => {
  const rng = new Rng(21);
  for (const [name, k] of backendVariants()) {
    for (const [shape, cout, ks, stride, pad] of CONV_CASES) {
      const g = convGeometry('t', shape, cout, [ks, ks], [stride, stride], [pad, pad]);
      const batch = 3;
      const x = rand(rng, batch * shape[0] * shape[1] * shape[2]);
      const w = rand(rng, cout * shape[0] * ks * ks);
      const bias = rand(rng, cout);
      const y = new Float32Array(batch * cout * g.outH * g.outW).fill(Number.NaN);
      k.conv2dForward(g, batch, x, w, bias, y);
      close(y, naiveConv(x, w, bias, batch, g), `${name} conv ${shape}`);
      k.conv2dForward(g, batch, x, w, null, y);
      close(y, naiveConv(x, w, null, batch, g), `${name} conv no bias ${shape}`);
    }
  }
});

test('im2col and col2im are adjoint: <im2col(x), c> = <x, col2im(c)>', () => {
  const rng = new Rng(22);
  for (const [name, k] of backendVariants()) {
    for (const [shape, cout, ks, stride, pad] of CONV_CASES) {
      const g = convGeometry('t', shape, cout, [ks, ks], [stride, stride], [pad, pad]);
      const n = shape[0] * shape[1] * shape[2];
      const rows = shape[0] * ks * ks * g.outH * g.outW;
      const x = rand(rng, n + 5);
      const c = rand(rng, rows);
      const cols = new Float32Array(rows);
      k.im2col(g, x, 5, cols);
      const back = new Float32Array(n + 5);
      k.col2im(g, c, back, 5);
      let lhs = 0;
      let rhs = 0;
      for (let i = 0; i < rows; i++) lhs += cols[i] * c[i];
      for (let i = 5; i < n + 5; i++) rhs += x[i] * back[i];
      assert.ok(Math.abs(lhs - rhs) < 1e-3 * (1 + Math.abs(lhs)), `${name} ${shape}: ${lhs} vs ${rhs}`);
      assert.ok(
        back.subarray(0, 5).every((v) => v === 0),
        'col2im wrote before its offset',
      );
    }
  }
});

function compareConvBackward(name: string, k: Kernels, ref: Kernels, rng: Rng): void {
  for (const [shape, cout, ks, stride, pad] of CONV_CASES) {
    const g = convGeometry('t', shape, cout, [ks, ks], [stride, stride], [pad, pad]);
    const batch = 2;
    const x = rand(rng, batch * shape[0] * shape[1] * shape[2]);
    const w = rand(rng, cout * shape[0] * ks * ks);
    const dy = rand(rng, batch * cout * g.outH * g.outW);
    const run = (kk: Kernels) => {
      const dw = rand(new Rng(1), w.length);
      const db = rand(new Rng(2), cout);
      const dx = new Float32Array(x.length).fill(Number.NaN);
      kk.conv2dBackward(g, batch, x, w, dy, dw, db, dx);
      return [dw, db, dx];
    };
    const want = run(ref);
    run(k).forEach((v, i) => close(v, want[i], `${name} conv backward output ${i} ${shape}`));
  }
}

function comparePooling(name: string, k: Kernels, ref: Kernels, rng: Rng): void {
  // 2x2: widths that are a multiple of four, not (an overlapping last group: 14, 7), narrower than four (3), odd
  // (a column and row no window covers); then values with ties and NaNs, where the first maximum or a NaN wins.
  for (const [shape, ks, stride, pad, values] of [
    [[3, 8, 8], 2, 2, 0],
    [[2, 28, 28], 2, 2, 0],
    [[2, 14, 14], 2, 2, 0],
    [[2, 6, 6], 2, 2, 0],
    [[2, 9, 11], 2, 2, 0],
    [[2, 14, 14], 2, 2, 0, 'ties'],
    [[2, 9, 11], 2, 2, 0, 'ties'],
    [[2, 7, 9], 3, 2, 1],
    [[4, 5, 5], 3, 1, 1],
    [[4, 5, 5], 3, 1, 1, 'ties'],
  ] as [number[], number, number, number, string?][]) {
    const g = poolGeometry('t', shape, ks, stride, pad);
    const batch = 2;
    const x = rand(rng, batch * shape[0] * shape[1] * shape[2]);
    if (values === 'ties')
      for (let i = 0; i < x.length; i++) x[i] = i % 13 === 5 ? NaN : Math.round(x[i] * 2);
    const outN = batch * shape[0] * g.outH * g.outW;
    const dy = rand(rng, outN);
    const run = (kk: Kernels) => {
      const y = new Float32Array(outN);
      const am = new Int32Array(outN);
      const ya = new Float32Array(outN);
      const dxm = new Float32Array(x.length).fill(Number.NaN);
      const dxa = new Float32Array(x.length).fill(Number.NaN);
      kk.maxPool2dForward(g, batch, x, y, am);
      kk.maxPool2dBackward(g, batch, dy, am, dxm);
      kk.avgPool2dForward(g, batch, x, ya);
      kk.avgPool2dBackward(g, batch, dy, dxa);
      return [y, am, ya, dxm, dxa];
    };
    const want = run(ref);
    run(k).forEach((v, i) => close(v, want[i], `${name} pool output ${i} ${shape}`));
  }
}

function compareVectorKernels(name: string, k: Kernels, ref: Kernels, rng: Rng): void {
  for (const n of [1, 3, 17, 1000, 4099]) {
    const x = rand(rng, n);
    const y = rand(rng, n);
    const pairs: [string, (kk: Kernels) => ArrayLike<number>][] = [
      ['axpy', (kk) => (kk.axpy(n, 0.7, x, Float32Array.from(y)), y)],
      [
        'axpy-out',
        (kk) => {
          const o = Float32Array.from(y);
          kk.axpy(n, 0.7, x, o);
          return o;
        },
      ],
      [
        'relu',
        (kk) => {
          const o = new Float32Array(n);
          kk.relu(n, x, o);
          return o;
        },
      ],
      [
        'reluBackward',
        (kk) => {
          const o = new Float32Array(n);
          kk.reluBackward(n, x, y, o);
          return o;
        },
      ],
      [
        'scale',
        (kk) => {
          const o = Float32Array.from(x);
          kk.scale(n, -1.5, o);
          return o;
        },
      ],
      ['dot/sum', (kk) => [kk.dot(n, x, y), kk.sum(n, x)]],
    ];
    for (const [what, f] of pairs) close(f(k), f(ref), `${name} ${what} n=${n}`);
  }
  for (const [m, n] of [
    [1, 1],
    [7, 13],
    [64, 100],
    [257, 33],
  ]) {
    const a = rand(rng, m * (n + 2));
    for (const trans of [false, true]) {
      const x = rand(rng, trans ? m : n);
      const run = (kk: Kernels) => {
        const out = rand(new Rng(m), trans ? n : m);
        kk.gemv(trans, m, n, 0.5, a, n + 2, x, 0.25, out);
        return out;
      };
      close(run(k), run(ref), `${name} gemv trans=${trans} ${m}x${n}`);
    }
    const x = rand(rng, m);
    const yv = rand(rng, n);
    const runGer = (kk: Kernels) => {
      const out = Float32Array.from(a);
      kk.ger(m, n, -0.3, x, yv, out, n + 2);
      return out;
    };
    close(runGer(k), runGer(ref), `${name} ger ${m}x${n}`);
    const xx = rand(rng, 3 * n * m);
    const runSum = (kk: Kernels) => {
      const out = rand(new Rng(5), n);
      kk.channelSum(3, n, m, xx, out);
      return out;
    };
    close(runSum(k), runSum(ref), `${name} channelSum ${m}x${n}`);
  }
}

test('every backend agrees with the reference: conv backward, pooling, gemv, ger, elementwise, reductions', () => {
  const ref = getBackend('reference');
  for (const [name, k] of backendVariants()) {
    const rng = new Rng(23);
    compareConvBackward(name, k, ref, rng);
    comparePooling(name, k, ref, rng);
    compareVectorKernels(name, k, ref, rng);
  }
});

test('the reference gemv and ger agree with float64 loops', () => {
  const rng = new Rng(24);
  const ref = getBackend('reference');
  const m = 5;
  const n = 4;
  const a = rand(rng, m * n);
  const x = rand(rng, n);
  const y = new Float32Array(m);
  ref.gemv(false, m, n, 2, a, n, x, 0, y);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j] * x[j];
    assert.ok(Math.abs(y[i] - 2 * s) < 1e-5);
  }
  const u = rand(rng, m);
  const before = Float32Array.from(a);
  ref.ger(m, n, 0.5, u, x, a, n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++)
      assert.ok(Math.abs(a[i * n + j] - before[i * n + j] - 0.5 * u[i] * x[j]) < 1e-6);
});

test('Conv2D backward matches finite differences (padding, stride, 1x1, no bias, fused ReLU)', () => {
  const rng = new Rng(31);
  const cases: [number, number, number, number, number, boolean][] = [
    [2, 3, 3, 1, 1, true],
    [3, 4, 3, 2, 0, true],
    [3, 2, 1, 1, 0, false],
    [2, 2, 1, 2, 0, false],
  ];
  for (const [cin, cout, ks, stride, pad, bias] of cases) {
    for (const activation of ['none', 'relu'] as const) {
      const conv = new Conv2D(`conv_${cin}_${cout}_${ks}_${stride}_${activation}`, cin, cout, {
        kernelSize: ks,
        stride,
        padding: pad,
        bias,
        activation,
      });
      conv.init(rng);
      // A bias probe moves a whole channel across the ReLU kink; a smaller step keeps most probes smooth.
      checkGradients(conv, tensor([2, cin, 7, 6], rand(rng, 2 * cin * 42)), rng, {
        eps: activation === 'relu' ? 1e-3 : 1e-2,
        tol: activation === 'relu' ? 3e-2 : 2e-2,
      });
    }
  }
});

test('pooling layers backward match finite differences', () => {
  const rng = new Rng(32);
  // Distinct, well-separated values keep the max away from ties, where it is not differentiable.
  const perm = rng.permutation(216);
  const x = Float32Array.from(perm, (v) => v / 20);
  checkGradients(new MaxPool2D('maxpool', 2), tensor([2, 3, 6, 6], x), rng);
  checkGradients(new MaxPool2D('maxpool_pad', 3, 2, 1), tensor([2, 3, 6, 6], x), rng);
  checkGradients(new AvgPool2D('avgpool', 2), tensor([2, 3, 6, 6], rand(rng, 216)), rng);
  checkGradients(new AvgPool2D('avgpool_pad', 3, 2, 1), tensor([2, 3, 6, 6], rand(rng, 216)), rng);
  checkGradients(new GlobalAvgPool('gap'), tensor([2, 3, 6, 6], rand(rng, 216)), rng);
});

test('BatchNorm backward matches finite differences in training and evaluation, 1-D and 2-D', () => {
  const rng = new Rng(33);
  const bn2 = new BatchNorm('bn2d', 3);
  rand(rng, 3).forEach((v, i) => {
    bn2.gamma.value[i] = 1 + v / 2;
    bn2.beta.value[i] = v;
  });
  checkGradients(bn2, tensor([4, 3, 3, 2], rand(rng, 72, -2, 2)), rng, { tol: 3e-2 });
  const bn1 = new BatchNorm('bn1d', 5);
  checkGradients(bn1, tensor([6, 5], rand(rng, 30, -2, 2)), rng, { tol: 3e-2 });
  rand(rng, 5, 0.5, 2).forEach((v, i) => (bn1.runningVar.value[i] = v));
  checkGradients(bn1, tensor([6, 5], rand(rng, 30, -2, 2)), rng, { training: false });
});

test('BatchNorm: batch statistics in training, running statistics with the unbiased variance, eval uses them', () => {
  const bn = new BatchNorm('bn', 1, { momentum: 0.5 });
  const y = bn.forward(tensor([4, 1], Float32Array.from([1, 2, 3, 6])), true);
  // mean 3, biased variance 3.5 normalises; the running variance takes the unbiased 14/3.
  const inv = 1 / Math.sqrt(3.5 + 1e-5);
  [1, 2, 3, 6].forEach((v, i) => assert.ok(Math.abs(y.data[i] - (v - 3) * inv) < 1e-5));
  assert.ok(Math.abs(bn.runningMean.value[0] - 1.5) < 1e-6);
  assert.ok(Math.abs(bn.runningVar.value[0] - (0.5 + 0.5 * (14 / 3))) < 1e-5);
  const e = bn.forward(tensor([1, 1], Float32Array.from([1.5])), false);
  assert.ok(Math.abs(e.data[0]) < 1e-6);
  assert.throws(
    () => bn.forward(tensor([1, 1], Float32Array.from([1])), true),
    /more than one value per channel/,
  );
  assert.throws(() => new BatchNorm('bad', 2, { momentum: 1.5 }), /momentum must be in \(0, 1\]/);
});

test('Dropout: keeps 1-p of the values scaled by 1/(1-p), identity in eval, backward uses the same mask', () => {
  const rng = new Rng(34);
  const d = new Dropout('drop', 0.3);
  d.init(rng);
  const x = tensor([100, 100], new Float32Array(10000).fill(1));
  const y = d.forward(x, true);
  const kept = y.data.filter((v) => v !== 0);
  assert.ok(Math.abs(kept.length / 10000 - 0.7) < 0.03, `kept fraction ${kept.length / 10000}`);
  assert.ok(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6));
  const dx = d.backward(tensor([100, 100], new Float32Array(10000).fill(2)));
  for (let i = 0; i < 10000; i++) assert.equal(dx.data[i], y.data[i] * 2);
  assert.equal(d.forward(x, false), x);
  // The generator state is a buffer: restoring it reproduces the mask (what a resumed run relies on).
  const state = Float32Array.from(d.buffers()[0].value);
  const m1 = Float32Array.from(d.forward(x, true).data);
  d.buffers()[0].value.set(state);
  assert.deepEqual(Float32Array.from(d.forward(x, true).data), m1);
  checkGradients(new Dropout('drop2', 0.5), tensor([3, 8], rand(rng, 24)), rng);
  assert.throws(() => new Dropout('bad', 1), /p must be in \[0, 1\)/);
});

test('BasicBlock backward matches finite differences, with identity and projection shortcuts', () => {
  const rng = new Rng(35);
  for (const [cin, cout, stride] of [
    [3, 3, 1],
    [2, 4, 2],
  ]) {
    const block = new BasicBlock(`block_${cin}_${cout}`, cin, cout, stride);
    block.init(rng);
    // Few units keep ReLU kinks rare within the probe step (the kink detector skips the rest).
    checkGradients(block, tensor([2, cin, 4, 4], rand(rng, 2 * cin * 16, -2, 2)), rng, {
      eps: 1e-3,
      tol: 5e-2,
    });
  }
});

test('models: the small CNN and ResNet-18 have the expected shapes and parameter counts', () => {
  const small = cnn([1, 28, 28], { channels: [32, 64] }, 10);
  assert.deepEqual(small.outputShape, [10]);
  // conv1 32*9+32, conv2 64*32*9+64, fc 3136*10+10
  assert.equal(small.parameterCount(), 320 + 18496 + 31370);
  const r = resnet18([3, 32, 32], 10);
  // The CIFAR ResNet-18 (3x3 stem, 1x1 projection shortcuts) with 10 classes has 11,173,962 parameters.
  assert.equal(r.parameterCount(), 11173962);
  assert.equal(r.buffers().length, 2 * 20);
  const narrow = resnet18([3, 32, 32], 10, 0.125).init(new Rng(1));
  const out = narrow.forward(tensor([2, 3, 32, 32], rand(new Rng(2), 2 * 3 * 1024)), true);
  assert.deepEqual(out.shape, [2, 10]);
  assert.ok(out.data.every(Number.isFinite));
  assert.equal(narrow.paramOwners().get(narrow.params()[3])?.kind, 'conv2d');
});

test('shape mismatches name the layer and both shapes', () => {
  assert.throws(
    () => new Sequential([new Conv2D('conv1', 3, 8, { kernelSize: 3 })], [1, 28, 28]),
    /layer conv1 \(conv2d\): expected input \[3, height, width\], found \[1, 28, 28\]/,
  );
  assert.throws(
    () => new Sequential([new MaxPool2D('pool', 5)], [2, 3, 3]),
    /layer pool \(maxpool2d\): input height 3 \(padding 0\) is smaller than the kernel 5/,
  );
  assert.throws(() => cnn([1, 4, 4], { channels: [8, 8, 8] }, 10), /layer pool3 \(maxpool2d\)/);
  const m = new Sequential([new ReLU('r'), new Dense('fc', 12, 2)], [12]);
  assert.throws(
    () => m.forward(tensor([2, 10]), true),
    /model input: expected \[batch, 12\], found \[2, 10\]/,
  );
});

interface GoldenCase {
  name: string;
  shape: number[];
  training: boolean;
  x: number[];
  params: Record<string, number[]>;
  buffers_before: Record<string, number[]>;
  y_shape: number[];
  y: number[];
  dy: number[];
  dx: number[];
  grads: Record<string, number[]>;
  buffers_after: Record<string, number[]>;
}

test('layers agree with PyTorch: conv, batch norm, pooling, residual block (scripts/torch_layers_golden.py)', () => {
  const golden = JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'golden', 'layers-torch.json'), 'utf8')) as {
    cases: GoldenCase[];
  };
  const build: Record<string, () => Layer> = {
    conv2d: () => new Conv2D('m', 2, 3, { kernelSize: 3, stride: 2, padding: 1 }),
    'batchnorm2d-train': () => new BatchNorm('m', 3),
    'batchnorm2d-eval': () => new BatchNorm('m', 3),
    'batchnorm1d-train': () => new BatchNorm('m', 5),
    maxpool2d: () => new MaxPool2D('m', 3, 2, 1),
    avgpool2d: () => new AvgPool2D('m', 3, 2, 1),
    'basic-block': () => new BasicBlock('m', 3, 6, 2),
  };
  assert.deepEqual(
    golden.cases.map((c) => c.name),
    Object.keys(build),
  );
  const prev = getBackend().name;
  try {
    for (const backend of backendNames()) {
      setBackend(backend);
      for (const c of golden.cases) {
        const layer = build[c.name]();
        const params = new Map(layer.params().map((p) => [p.name, p]));
        const state = new Map([...layer.params(), ...layer.buffers()].map((p) => [p.name, p.value]));
        for (const [k, v] of Object.entries({ ...c.params, ...c.buffers_before })) {
          const target = state.get(`m.${k}`);
          assert.ok(target, `${c.name}: no tensor m.${k}`);
          target.set(v);
        }
        const y = layer.forward(tensor(c.shape, Float32Array.from(c.x)), c.training);
        assert.deepEqual(y.shape, c.y_shape);
        close(y.data, c.y, `${backend} ${c.name} y`);
        const dx = layer.backward(tensor(c.y_shape, Float32Array.from(c.dy)));
        close(dx.data, c.dx, `${backend} ${c.name} dx`);
        for (const [k, v] of Object.entries(c.grads))
          close(params.get(`m.${k}`)!.grad, v, `${backend} ${c.name} d${k}`);
        for (const [k, v] of Object.entries(c.buffers_after))
          close(state.get(`m.${k}`)!, v, `${backend} ${c.name} ${k}`);
      }
    }
  } finally {
    setBackend(prev);
  }
});

for (const backend of ['wasm-simd', 'native']) {
  test(`the ${backend} backend gives bit-identical results on one thread and on two (the work is cut the same way)`, async (t) => {
    if (!backendNames().includes(backend)) return t.skip(`${backend} is not available here`);
    const k = getBackend(backend);
    // The kernel thread starts on first use and comes up asynchronously; on a multi-core machine make sure it runs.
    await k.prepare!();
    if (availableParallelism() > 1) assert.equal(k.threads, 2, 'kernel thread never became ready');
    const run = () => {
      const out: (Float32Array | Float64Array)[] = [];
      const n = 300;
      const a = rand(new Rng(1), n * n);
      const b = rand(new Rng(2), n * n);
      for (const [ta, tb, m, nn] of [
        [false, false, n, n],
        [true, true, n, 12],
      ] as [boolean, boolean, number, number][]) {
        const c = new Float32Array(m * nn);
        k.gemm(ta, tb, m, nn, n, 1, a, ta ? m : n, b, tb ? n : nn, 0, c, nn);
        out.push(c);
      }
      const g = convGeometry('t', [32, 14, 14], 64, [3, 3], [1, 1], [1, 1]);
      const x = rand(new Rng(3), 16 * 32 * 196);
      const w = rand(new Rng(4), 64 * 32 * 9);
      const y = new Float32Array(16 * 64 * 196);
      k.conv2dForward(g, 16, x, w, null, y, true);
      const dw = new Float32Array(w.length);
      const db = new Float32Array(64);
      const dx = new Float32Array(x.length);
      k.conv2dBackward(g, 16, x, w, y, dw, db, dx);
      out.push(y, dw, db, dx);
      // The optimizer kernels are cut in two from 32,768 values up; their sums are added in a fixed order.
      const len = 70_001;
      const [pg, pw, pm, pv, pa] = [5, 6, 7, 8, 9].map((s) => rand(new Rng(s), len));
      const v2 = pv.map((x) => x * x);
      const mem = new Float32Array(len);
      const sums = new Float64Array(3);
      const traces = { activityDecay: 0.95, momentumDecay: 0.9, varianceDecay: 0.99, eps: 1e-8 };
      k.neuroplasticTraces(len, pg, pa, pm, v2, mem, false, traces, sums);
      const alpha = {
        gradScale: 1.1,
        activityCoef: 0.9,
        gradientCoef: 0.4,
        memoryCoef: 0.7,
        alphaMin: 0.2,
        alphaMax: 2,
        mix: 2,
      };
      const sq = k.neuroplasticUpdate(len, pg, pw, pa, mem, mem, alpha, 0.01);
      k.applyUpdate(len, pw, mem, 0.999, 0.05);
      const adam = {
        beta1: 0.9,
        beta2: 0.999,
        l2: 0.01,
        shrink: 1,
        stepSize: 1e-3,
        invSqrtBc2: 1.2,
        eps: 1e-8,
      };
      k.adamUpdate(len, pw, pg, pm, v2, adam);
      const base = new Float32Array(len);
      const adamwBase = { beta1: 0.9, beta2: 0.999, invBc1: 2, invBc2: 3, eps: 1e-8, weightDecay: 0 };
      k.baseDirection(len, 0, pg, pw, pm, v2, base, adamwBase);
      const hs = new Float64Array(3);
      k.neuroplasticResidual(len, pg, pa, mem, base, mem, alpha, 0.15, hs);
      k.applyResidualUpdate(len, pw, base, mem, 0.6, 0.999, 0.05);
      const si = [10, 11, 12, 13, 14].map((s) => rand(new Rng(s), len));
      const siSum = k.siStep(len, pw, pg, si[0], si[1], si[2], si[3], si[4], 0.3);
      out.push(pa, pm, v2, pw, ...si, Float64Array.from([...sums, sq, ...hs, siSum]));
      return out;
    };
    const two = run();
    k.setThreads!(1);
    try {
      const one = run();
      one.forEach((v, i) => assert.deepEqual(v, two[i], `output ${i} differs between 1 and 2 threads`));
    } finally {
      k.setThreads!(2);
    }
  });
}

test('siStep: every backend gives the reference parameters, gradients and path bit for bit, on its own storage and on plain arrays', () => {
  const ref = getBackend('reference');
  // An odd length: pairs of lanes, a tail, and the cut in two threads.
  const n = 40_001;
  const inputs = [20, 21, 22, 23, 24, 25, 26].map((s) => rand(new Rng(s), n));
  inputs[5] = inputs[5].map(Math.abs); // importance omega is non-negative
  const expected = inputs.map((a) => a.slice());
  const [v, g, path, before, grad, omega, anchor] = expected;
  const sum = ref.siStep(n, v, g, path, before, grad, omega, anchor, 2e3);
  assert.ok(sum > 0);
  for (const name of backendNames()) {
    const k = getBackend(name);
    for (const storage of ['plain', 'own'] as const) {
      const a = inputs.map((x) => {
        if (storage === 'plain') return x.slice();
        const own = k.allocState(n);
        own.set(x);
        return own;
      });
      const got = k.siStep(n, a[0], a[1], a[2], a[3], a[4], a[5], a[6], 2e3);
      ['v', 'g', 'path', 'before', 'grad', 'omega', 'anchor'].forEach((what, i) =>
        assert.deepEqual(a[i], expected[i], `${name} ${storage}: ${what}`),
      );
      assert.ok(Math.abs(got - sum) <= 1e-12 * sum, `${name} ${storage}: sum ${got} against ${sum}`);
    }
  }
});

test('kernels work in place on the backend’s own storage (aliasing in/out included) as on plain arrays', () => {
  const ref = getBackend('reference');
  for (const name of backendNames()) {
    const k = getBackend(name);
    const own = (src: Float32Array) => {
      const a = k.allocState(src.length);
      a.set(src);
      return a;
    };
    const n = 6000;
    const x = rand(new Rng(1), n);
    const y = rand(new Rng(2), n);
    const inPlace = own(x);
    k.relu(n, inPlace, inPlace);
    const want = new Float32Array(n);
    ref.relu(n, x, want);
    close(inPlace, want, `${name} relu in place`);
    const acc = own(y);
    k.axpy(n, 0.5, own(x), acc);
    const accRef = Float32Array.from(y);
    ref.axpy(n, 0.5, x, accRef);
    close(acc, accRef, `${name} axpy on own storage`);
    close([k.sum(n, own(x)), k.dot(n, own(x), own(y))], [ref.sum(n, x), ref.dot(n, x, y)], `${name} sum/dot`);
    const m = 60;
    const cols = 100;
    const a = rand(new Rng(3), m * cols);
    const ga = own(a);
    k.ger(m, cols, 0.3, own(x.subarray(0, m)), own(y.subarray(0, cols)), ga, cols);
    const gaRef = Float32Array.from(a);
    ref.ger(m, cols, 0.3, x.subarray(0, m), y.subarray(0, cols), gaRef, cols);
    close(ga, gaRef, `${name} ger on own storage`);
    const gv = own(new Float32Array(m));
    k.gemv(false, m, cols, 1, own(a), cols, own(y.subarray(0, cols)), 0, gv);
    const gvRef = new Float32Array(m);
    ref.gemv(false, m, cols, 1, a, cols, y.subarray(0, cols), 0, gvRef);
    close(gv, gvRef, `${name} gemv on own storage`);
    const c = own(new Float32Array(m * m));
    k.gemm(false, true, m, m, cols, 1, own(a), cols, own(a), cols, 0, c, m);
    const cRef = new Float32Array(m * m);
    ref.gemm(false, true, m, m, cols, 1, a, cols, a, cols, 0, cRef, m);
    close(c, cRef, `${name} gemm on own storage`);
  }
});

test('operands above 2 GiB of linear memory: every backend still agrees with the reference (addresses are unsigned)', () => {
  // In a child process: its memory grows past 2^31 bytes (untouched, so not resident) and cannot shrink again.
  const script = `
    const e = await import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'build', 'src', 'engine', 'index.js')).href)});
    const { Rng } = await import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'build', 'src', 'util', 'rng.js')).href)});
    const out = {};
    // 2.24 GB of the memory wasm-simd and native share: what they allocate next lies above 2^31.
    const filler = e.getBackend('wasm-simd').allocState(560e6);
    for (const name of e.backendNames()) {
      const k = e.getBackend(name);
      const g = e.convGeometry('t', [3, 10, 10], 8, [3, 3], [1, 1], [1, 1]);
      const fill = (n, seed) => new Rng(seed).fillUniform(k.allocState(n), -1, 1);
      const [x, w, dy] = [fill(2 * 300, 1), fill(8 * 27, 2), fill(2 * 800, 3)];
      const y = k.allocState(2 * 800), dw = k.allocState(8 * 27), db = k.allocState(8), dx = k.allocState(600);
      k.conv2dForward(g, 2, x, w, null, y, true);
      k.conv2dBackward(g, 2, x, w, dy, dw, db, dx);
      const c = k.allocState(40 * 30);
      k.gemm(false, true, 40, 30, 50, 1, fill(40 * 50, 4), 50, fill(30 * 50, 5), 50, 0, c, 30);
      const sum = (a) => a.reduce((s, v) => s + Math.abs(v), 0);
      out[name] = { above: x.byteOffset > 2 ** 31, sums: [y, dw, dx, c].map(sum), filler: filler.length };
    }
    console.log(JSON.stringify(out));`;
  const out = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { maxBuffer: 1 << 20 }).toString(),
  );
  const want = out.reference.sums as number[];
  for (const [name, r] of Object.entries(out) as [string, { above: boolean; sums: number[] }][]) {
    if (name !== 'reference') assert.ok(r.above, `${name}: operands did not land above 2 GiB`);
    r.sums.forEach((v, i) =>
      assert.ok(Math.abs(v - want[i]) < 1e-3 * (1 + want[i]), `${name} output ${i}: ${v}`),
    );
  }
});
