import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset } from '../src/data/index.js';
import {
  composeKernels,
  getBackend,
  kernels,
  mlp,
  referenceNn,
  referenceOptim,
  referenceSpiking,
  registerBackend,
  setBackend,
  softmaxCrossEntropy,
  tensor,
  type Gemm,
  type Sequential,
} from '../src/engine/index.js';
import { NeuroPlastic } from '../src/optim/index.js';
import { Rng } from '../src/util/rng.js';

// A backend from outside the engine, built through the public API only: the reference kernel families with one
// kernel replaced, here by a GEMM that counts its calls and leaves the arithmetic to the reference.

const STEPS = 5;
const BATCH = 32;
const HIDDEN = 32;

/** The counting backend and its call count. */
function countingBackend() {
  const calls = { gemm: 0 };
  const gemm: Gemm = (...args) => {
    calls.gemm++;
    referenceNn.gemm(...args);
  };
  const backend = composeKernels(
    {
      name: 'counting-gemm',
      allocState: (n) => new Float32Array(n),
      beginStateScope() {},
      endStateScope() {},
    },
    { nn: { ...referenceNn, gemm }, optim: referenceOptim, spiking: referenceSpiking },
  );
  return { backend, calls };
}

/** The bits of each of `model`'s parameters. */
const bits = (model: Sequential) =>
  model.params().map((p) => new Uint32Array(Float32Array.from(p.value).buffer));

/** An MLP's parameter bits before and after STEPS NeuroPlastic steps on the first MNIST images, on `backend`. */
async function train(backend: string): Promise<{ initial: Uint32Array[]; trained: Uint32Array[] }> {
  setBackend(backend);
  const ds = await loadDataset('mnist');
  const pixels = ds.shape.reduce((a, b) => a * b);
  const model = mlp(ds.shape, [HIDDEN], 10).init(new Rng(11));
  const initial = bits(model);
  const optimizer = new NeuroPlastic({ lr: 0.01 });
  for (let step = 0; step < STEPS; step++) {
    assert.equal(kernels.name, backend);
    const x = tensor([BATCH, ...ds.shape]);
    const labels = new Int32Array(BATCH);
    for (let i = 0; i < BATCH; i++) {
      const m = step * BATCH + i;
      labels[i] = ds.train.labels[m];
      for (let j = 0; j < pixels; j++) x.data[i * pixels + j] = ds.train.images[m * pixels + j] / 255;
    }
    model.zeroGrad();
    const logits = model.forward(x, true);
    const dLogits = tensor(logits.shape);
    softmaxCrossEntropy(logits, labels, dLogits.data);
    model.backward(dLogits);
    optimizer.step(model.params(), { epoch: 0 });
  }
  return { initial, trained: bits(model) };
}

test('a backend registered from outside the engine trains an MLP on MNIST bit for bit as the reference does', async () => {
  const previous = getBackend().name;
  const { backend, calls } = countingBackend();
  registerBackend(backend);
  try {
    const want = await train('reference');
    const got = await train('counting-gemm');
    // Every GEMM of the run went through the override: per step, each of the two Dense layers' forward and weight
    // gradient, and the second one's input gradient (nobody reads the first one's).
    assert.equal(calls.gemm, STEPS * (2 * 3 - 1));
    assert.deepEqual(got.initial, want.initial);
    assert.notDeepEqual(want.trained, want.initial, 'the steps changed the weights');
    assert.equal(got.trained.length, want.trained.length);
    got.trained.forEach((b, i) => assert.deepEqual(b, want.trained[i], `parameter ${i}`));
  } finally {
    setBackend(previous);
  }
  assert.equal(getBackend().name, previous);
});
