import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, testNeeding } from './helpers.js';
import { loadDataset } from '../src/data/index.js';
import {
  BatchNorm,
  Conv2D,
  Dense,
  Flatten,
  MaxPool2D,
  ReLU,
  Sequential,
  tensor,
} from '../src/engine/index.js';
import {
  ADAPTER_NAMES,
  SurpriseMeter,
  buildVisionClassifier,
  copyModel,
  createAdapter,
  forwardWithBatchStatistics,
  meanSoftmaxEntropy,
  surpriseFactor,
  trainClassifier,
  type AdapterName,
  type AdapterOptions,
} from '../src/adapt/vision/adapters.js';
import { ConfigError } from '../src/util/errors.js';
import { Rng } from '../src/util/rng.js';

const EPS = 1e-5;

/** A dense network with batch norm small enough to compute by hand: fc1 (5 -> 6), bn1, relu, fc2 (6 -> 4). */
function tinyDenseModel(seed: number): Sequential {
  const model = new Sequential(
    [new Dense('fc1', 5, 6), new BatchNorm('bn1', 6), new ReLU('relu1'), new Dense('fc2', 6, 4)],
    [5],
  ).init(new Rng(seed));
  // Affine parameters away from their identity start, running statistics away from the batch's.
  const rng = new Rng(seed + 1);
  const bn = model.layers[1] as BatchNorm;
  rng.fillUniform(bn.gamma.value, 0.5, 1.5);
  rng.fillUniform(bn.beta.value, -0.5, 0.5);
  rng.fillUniform(bn.runningMean.value, -0.3, 0.3);
  rng.fillUniform(bn.runningVar.value, 0.5, 1.5);
  return model;
}

const valuesOf = (m: Sequential) =>
  [...m.params(), ...m.buffers()].map((p) => [p.name, p.value.slice()] as const);

/**
 * The tiny dense model in float64, batch norm on the batch's statistics (biased variance), affine parameters given:
 * an oracle written from the definitions, sharing no code with the engine.
 */
function tinyDenseLogits64(
  model: Sequential,
  x: Float32Array,
  batch: number,
  gamma: number[],
  beta: number[],
) {
  const fc1 = model.layers[0] as Dense;
  const fc2 = model.layers[3] as Dense;
  const [nIn, nHidden, nOut] = [5, 6, 4];
  const z = Array.from({ length: batch }, (_, b) =>
    Array.from({ length: nHidden }, (_, j) => {
      let s = fc1.bias!.value[j];
      for (let i = 0; i < nIn; i++) s += x[b * nIn + i] * fc1.weight.value[i * nHidden + j];
      return s;
    }),
  );
  for (let j = 0; j < nHidden; j++) {
    let mean = 0;
    for (let b = 0; b < batch; b++) mean += z[b][j] / batch;
    let variance = 0;
    for (let b = 0; b < batch; b++) variance += (z[b][j] - mean) ** 2 / batch;
    for (let b = 0; b < batch; b++)
      z[b][j] = Math.max(0, (gamma[j] * (z[b][j] - mean)) / Math.sqrt(variance + EPS) + beta[j]);
  }
  return z.map((h) =>
    Array.from({ length: nOut }, (_, k) => {
      let s = fc2.bias!.value[k];
      for (let j = 0; j < nHidden; j++) s += h[j] * fc2.weight.value[j * nOut + k];
      return s;
    }),
  );
}

function meanEntropy64(logits: number[][]): number {
  let total = 0;
  for (const row of logits) {
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
    for (const v of row) total -= Math.exp(v - logSum) * (v - logSum);
  }
  return total / logits.length;
}

const randomInputs = (n: number, seed: number) => new Rng(seed).fillNormal(new Float32Array(n), 0.5, 1.5);

test("TENT's gradient on batch-norm gamma and beta equals float64 central differences of the mean entropy", () => {
  const model = tinyDenseModel(11);
  const batch = 7;
  const x = randomInputs(batch * 5, 12);
  const bn = model.layers[1] as BatchNorm;
  model.zeroGrad();
  const logits = forwardWithBatchStatistics(model, tensor([batch, 5], x));
  const grad = new Float32Array(logits.data.length);
  const entropy = meanSoftmaxEntropy(logits, grad);
  model.backward(tensor(logits.shape, grad));

  const gamma = Array.from(bn.gamma.value);
  const beta = Array.from(bn.beta.value);
  const entropy64 = meanEntropy64(tinyDenseLogits64(model, x, batch, gamma, beta));
  assert.ok(Math.abs(entropy - entropy64) < 1e-5, `entropy ${entropy} vs float64 ${entropy64}`);
  const h = 1e-6;
  const central = (vector: number[], j: number) => {
    const up = vector.slice();
    const down = vector.slice();
    up[j] += h;
    down[j] -= h;
    const at = (v: number[]) =>
      meanEntropy64(
        tinyDenseLogits64(model, x, batch, vector === gamma ? v : gamma, vector === beta ? v : beta),
      );
    return (at(up) - at(down)) / (2 * h);
  };
  let largest = 0;
  for (const [vector, param] of [
    [gamma, bn.gamma],
    [beta, bn.beta],
  ] as const) {
    for (let j = 0; j < vector.length; j++) {
      const numeric = central(vector, j);
      largest = Math.max(largest, Math.abs(numeric));
      const analytic = param.grad[j];
      assert.ok(
        Math.abs(analytic - numeric) <= 2e-5 + 1e-3 * Math.abs(numeric),
        `${param.name}[${j}]: backprop ${analytic} vs central difference ${numeric}`,
      );
    }
  }
  assert.ok(largest > 1e-3, 'the gradient is not trivially zero');
});

test('bn-stats normalises with the batch statistics (float64 hand computation) and leaves every tensor as it was', () => {
  const model = tinyDenseModel(21);
  const bn = model.layers[1] as BatchNorm;
  const batch = 9;
  const x = randomInputs(batch * 5, 22);
  const before = valuesOf(model);
  const expected = tinyDenseLogits64(model, x, batch, Array.from(bn.gamma.value), Array.from(bn.beta.value));
  const logits = forwardWithBatchStatistics(model, tensor([batch, 5], x));
  for (let b = 0; b < batch; b++)
    for (let k = 0; k < 4; k++)
      assert.ok(Math.abs(logits.data[b * 4 + k] - expected[b][k]) < 1e-5, `logit [${b}, ${k}]`);
  const adapter = createAdapter('bn-stats', model, {}, 1);
  const predictions = adapter.step(x, batch, new Int32Array(batch));
  const argmax = expected.map((row) => row.indexOf(Math.max(...row)));
  assert.deepEqual(Array.from(predictions), argmax);
  // Evaluation with the running statistics gives other logits: the batch's statistics were really used.
  const evalLogits = model.forward(tensor([batch, 5], x), false);
  assert.ok(Math.abs(evalLogits.data[0] - expected[0][0]) > 1e-3);
  assert.deepEqual(valuesOf(model), before);
});

test('frozen changes nothing; tent changes gamma and beta only', () => {
  const batch = 9;
  const labels = new Int32Array(batch);
  const frozenModel = tinyDenseModel(31);
  const before = valuesOf(frozenModel);
  const frozen = createAdapter('frozen', frozenModel, {}, 1);
  for (let s = 0; s < 3; s++) frozen.step(randomInputs(batch * 5, 40 + s), batch, labels);
  assert.deepEqual(valuesOf(frozenModel), before);
  assert.deepEqual(frozen.lastSignals, {});

  for (const name of ['tent', 'surprise-tent'] as const) {
    const model = tinyDenseModel(31);
    const adapter = createAdapter(name, model, {}, 1);
    for (let s = 0; s < 3; s++) adapter.step(randomInputs(batch * 5, 40 + s), batch, labels);
    const after = new Map(valuesOf(model));
    for (const [key, value] of before) {
      if (key === 'bn1.weight' || key === 'bn1.bias')
        assert.notDeepEqual(after.get(key), value, `${name} ${key}`);
      else assert.deepEqual(after.get(key), value, `${name} ${key}`);
    }
    assert.ok(Number.isFinite(adapter.lastSignals.entropy), `${name} logs the entropy`);
  }
});

interface TentGolden {
  input_shape: number[];
  batch: number;
  lr: number;
  weights: Record<string, number[]>;
  steps: {
    x: number[];
    logits: number[];
    entropy: number;
    grads: Record<string, number[]>;
    after: Record<string, number[]>;
  }[];
}

test('three TENT steps agree with PyTorch (scripts/torch_tent_golden.py)', () => {
  const golden = JSON.parse(
    readFileSync(join(REPO_ROOT, 'test', 'golden', 'tent-torch.json'), 'utf8'),
  ) as TentGolden;
  const model = new Sequential(
    [
      new Conv2D('conv', 1, 3, { kernelSize: 3, padding: 1 }),
      new BatchNorm('bn', 3),
      new ReLU('relu'),
      new MaxPool2D('pool', 2),
      new Flatten('flatten'),
      new Dense('fc', 27, 4),
    ],
    golden.input_shape,
  );
  const params = new Map(model.params().map((p) => [p.name, p]));
  for (const [name, values] of Object.entries(golden.weights)) {
    const p = params.get(name)!;
    if (name === 'fc.weight') {
      // PyTorch's Linear weight is [out, in]; the engine's Dense weight is [in, out].
      for (let o = 0; o < 4; o++) for (let i = 0; i < 27; i++) p.value[i * 4 + o] = values[o * 27 + i];
    } else p.value.set(values);
  }
  const bn = model.layers[1] as BatchNorm;
  const close = (found: ArrayLike<number>, expected: number[], tolerance: number, what: string) =>
    expected.forEach((e, i) =>
      assert.ok(
        Math.abs(found[i] - e) <= tolerance * (1 + Math.abs(e)),
        `${what}[${i}]: ${found[i]} vs PyTorch ${e}`,
      ),
    );
  const adapter = createAdapter('tent', model, { learningRate: golden.lr }, 1);
  // The adapter's optimizer steps on the parameters' gradients: read them after each step, before the next.
  golden.steps.forEach((s, i) => {
    const predictions = adapter.step(Float32Array.from(s.x), golden.batch, new Int32Array(golden.batch));
    const rows = Array.from({ length: golden.batch }, (_, b) => s.logits.slice(b * 4, b * 4 + 4));
    assert.deepEqual(
      Array.from(predictions),
      rows.map((r) => r.indexOf(Math.max(...r))),
      `step ${i} predictions`,
    );
    assert.ok(Math.abs(adapter.lastSignals.entropy - s.entropy) < 1e-5, `step ${i} entropy`);
    close(bn.gamma.grad, s.grads['bn.weight'], 1e-4, `step ${i} dgamma`);
    close(bn.beta.grad, s.grads['bn.bias'], 1e-4, `step ${i} dbeta`);
    close(bn.gamma.value, s.after['bn.weight'], 1e-6, `step ${i} gamma`);
    close(bn.beta.value, s.after['bn.bias'], 1e-6, `step ${i} beta`);
  });
});

test('the same seed and stream give the same predictions, for every adapter', () => {
  const batch = 9;
  const clean = randomInputs(40 * 5, 50);
  const stream = Array.from({ length: 4 }, (_, s) => randomInputs(batch * 5, 60 + s).map((v) => 0.3 * v + 1));
  const labels = Int32Array.from({ length: batch }, (_, i) => i % 4);
  const run = (name: AdapterName) => {
    const adapter = createAdapter(name, tinyDenseModel(71), { cleanImages: clean }, 5);
    return stream.map((x) => Array.from(adapter.step(x, batch, labels)));
  };
  for (const name of ADAPTER_NAMES) assert.deepEqual(run(name), run(name), name);
});

test('bad options are ConfigErrors naming the field, what was expected and what was found', () => {
  const model = tinyDenseModel(81);
  const cases: [AdapterName, AdapterOptions, RegExp][] = [
    ['tent', { learningRate: 0 }, /adapter\.learningRate: expected a positive finite number, found 0/],
    ['surprise-tent', { surpriseGain: -1 }, /adapter\.surpriseGain: expected a finite number >= 0, found -1/],
    [
      'surprise-finetune',
      { maxFactor: 0.5 },
      /adapter\.maxFactor: expected a finite number >= 1, found 0\.5/,
    ],
    [
      'surprise-tent',
      { surpriseWindow: 1.5 },
      /adapter\.surpriseWindow: expected an integer >= 2, found 1\.5/,
    ],
    [
      'homeostatic',
      { homeostaticRate: 2 },
      /adapter\.homeostaticRate: expected a number in \(0, 1\], found 2/,
    ],
    ['homeostatic', {}, /adapter\.cleanImages: expected clean training images for homeostatic, found none/],
    [
      'homeostatic',
      { cleanImages: new Float32Array(7) },
      /adapter\.cleanImages: expected at least 2 images of 5/,
    ],
    ['tent', { learningrate: 1 } as AdapterOptions, /adapter\.learningrate: expected one of learningRate, /],
  ];
  for (const [name, options, message] of cases)
    assert.throws(
      () => createAdapter(name, model, options, 1),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
      `${name} ${JSON.stringify(options)}`,
    );
  assert.throws(
    () => createAdapter('nope' as AdapterName, model, {}, 1),
    /adapter\.name: expected one of frozen/,
  );
  assert.throws(() => createAdapter('tent', model, {}, -1), /adapter\.seed: expected an integer/);
});

test('the surprise factor stays near 1 on a steady signal and rises at a jump, bounded by maxFactor', () => {
  const meter = new SurpriseMeter(20);
  const rng = new Rng(3);
  const steady: number[] = [];
  for (let i = 0; i < 60; i++) steady.push(surpriseFactor(meter.observe(1 + 0.05 * rng.normal()), 1, 8));
  const calm = steady.slice(10).reduce((a, b) => a + b, 0) / 50;
  assert.ok(calm < 1.6, `mean factor on a steady signal ${calm}`);
  const jump = surpriseFactor(meter.observe(2), 1, 8);
  assert.equal(jump, 8);
  // A lasting change stays surprising for a while, then is learned.
  const after = Array.from({ length: 60 }, () =>
    surpriseFactor(meter.observe(2 + 0.05 * rng.normal()), 1, 8),
  );
  assert.ok(after[2] > 2, `factor two steps after the jump ${after[2]}`);
  assert.ok(after[59] < 2, `factor long after the jump ${after[59]}`);
});

/** Contrast reduction towards mid-grey, applied inline (the stream's own corruptions are made elsewhere). */
const lowContrast = (x: Float32Array) => x.map((v) => 0.3 * v + 0.35);

function floatImages(images: Uint8Array, from: number, count: number): Float32Array {
  const out = new Float32Array(count * 784);
  for (let i = 0; i < out.length; i++) out[i] = images[from * 784 + i] / 255;
  return out;
}

function streamAccuracy(
  name: AdapterName,
  model: Sequential,
  images: Float32Array,
  labels: Int32Array,
  batch: number,
  options: AdapterOptions,
): { accuracy: number; secondHalf: number; hits: number[]; signals: Record<string, number>[] } {
  const adapter = createAdapter(name, copyModel(model), options, 7);
  const batches = labels.length / batch;
  let correct = 0;
  let late = 0;
  const signals: Record<string, number>[] = [];
  const hitsPerBatch: number[] = [];
  for (let s = 0; s < batches; s++) {
    const y = labels.subarray(s * batch, (s + 1) * batch);
    const predictions = adapter.step(images.subarray(s * batch * 784, (s + 1) * batch * 784), batch, y);
    signals.push({ ...adapter.lastSignals });
    let hits = 0;
    for (let i = 0; i < batch; i++) if (predictions[i] === y[i]) hits++;
    hitsPerBatch.push(hits);
    correct += hits;
    if (s >= batches / 2) late += hits;
  }
  return {
    accuracy: correct / labels.length,
    secondHalf: late / (labels.length / 2),
    hits: hitsPerBatch,
    signals,
  };
}

interface TrainedTask {
  model: Sequential;
  trainImages: Float32Array;
  streamImages: Float32Array;
  streamLabels: Int32Array;
  trainMs: number;
}

let trainedTask: Promise<TrainedTask> | null = null;
/** A small CNN trained once on 3000 Fashion-MNIST images, and 1200 test images for streams (shared by the tests). */
function fashionTask(): Promise<TrainedTask> {
  trainedTask ??= (async () => {
    const ds = await loadDataset('fashion-mnist');
    const trainCount = 3000;
    const streamCount = 1200;
    const trainImages = floatImages(ds.train.images, 0, trainCount);
    const trainLabels = Int32Array.from(ds.train.labels.subarray(0, trainCount));
    const started = Date.now();
    const model = buildVisionClassifier(1, [8, 16]);
    trainClassifier(model, trainImages, trainLabels, {
      epochs: 2,
      batchSize: 32,
      learningRate: 2e-3,
      seed: 2,
    });
    return {
      model,
      trainImages,
      streamImages: floatImages(ds.test.images, 0, streamCount),
      streamLabels: Int32Array.from(ds.test.labels.subarray(0, streamCount)),
      trainMs: Date.now() - started,
    };
  })();
  return trainedTask;
}

const BATCH = 60;

testNeeding(
  ['fashion-mnist'],
  'on Fashion-MNIST, low contrast costs accuracy; bn-stats, tent, homeostatic and finetune win part of it back',
  async () => {
    const task = await fashionTask();
    const count = 960;
    const cleanStream = task.streamImages.subarray(0, count * 784);
    const streamLabels = task.streamLabels.subarray(0, count);
    const corrupted = lowContrast(cleanStream);
    const options: AdapterOptions = { cleanImages: task.trainImages.subarray(0, 1000 * 784) };
    const started = Date.now();
    const clean = streamAccuracy('frozen', task.model, cleanStream, streamLabels, BATCH, options).accuracy;
    const results = Object.fromEntries(
      ADAPTER_NAMES.map((name) => [
        name,
        streamAccuracy(name, task.model, corrupted, streamLabels, BATCH, options),
      ]),
    );
    const accuracy = Object.fromEntries(
      Object.entries(results).map(([k, r]) => [
        k,
        `${r.accuracy.toFixed(3)} (late ${r.secondHalf.toFixed(3)})`,
      ]),
    );
    console.log(
      `clean ${clean.toFixed(3)}; low contrast: ${JSON.stringify(accuracy)}; trained in ${task.trainMs} ms, ` +
        `streams in ${Date.now() - started} ms`,
    );
    const frozen = results.frozen.accuracy;
    assert.ok(clean > 0.7, `clean accuracy ${clean}`);
    assert.ok(frozen < clean - 0.15, `low contrast costs accuracy: ${frozen} vs clean ${clean}`);
    for (const name of ['bn-stats', 'tent', 'surprise-tent'] as const)
      assert.ok(
        results[name].accuracy > frozen + 0.1,
        `${name} ${results[name].accuracy} vs frozen ${frozen}`,
      );
    assert.ok(
      results.tent.accuracy >= results['bn-stats'].accuracy - 0.02,
      `tent ${results.tent.accuracy} vs bn-stats ${results['bn-stats'].accuracy}`,
    );
    assert.ok(
      results.homeostatic.secondHalf > results.frozen.secondHalf + 0.1,
      `homeostatic ${results.homeostatic.secondHalf} vs frozen ${results.frozen.secondHalf} (second half)`,
    );
    for (const name of ['finetune', 'surprise-finetune'] as const)
      assert.ok(
        results[name].secondHalf > results.frozen.secondHalf + 0.2,
        `${name} ${results[name].secondHalf} vs frozen ${results.frozen.secondHalf} (second half)`,
      );
  },
);

testNeeding(
  ['fashion-mnist'],
  'on Fashion-MNIST, the surprise factor stays near 1 on clean batches, jumps when contrast drops, and helps finetune',
  async () => {
    const task = await fashionTask();
    const cleanBatches = 8;
    const stream = task.streamImages.slice();
    for (let i = cleanBatches * BATCH * 784; i < stream.length; i++) stream[i] = 0.3 * stream[i] + 0.35;
    const runs = new Map<AdapterName, ReturnType<typeof streamAccuracy>>();
    const run = (name: AdapterName) => {
      if (!runs.has(name))
        runs.set(name, streamAccuracy(name, task.model, stream, task.streamLabels, BATCH, {}));
      return runs.get(name)!;
    };
    const afterShift = (r: ReturnType<typeof run>) =>
      r.hits.slice(cleanBatches).reduce((a, b) => a + b, 0) / ((r.hits.length - cleanBatches) * BATCH);
    for (const name of ['surprise-finetune', 'surprise-tent'] as const) {
      const factors = run(name).signals.map((s) => s.factor);
      const calm = factors.slice(5, cleanBatches).reduce((a, b) => a + b, 0) / (cleanBatches - 5);
      console.log(`${name} factors: ${factors.map((f) => f.toFixed(1)).join(' ')}`);
      assert.ok(calm < 2, `${name}: mean factor on clean batches after warm-up ${calm}`);
      assert.ok(factors[cleanBatches] >= 4, `${name}: factor at the shift ${factors[cleanBatches]}`);
    }
    const plain = afterShift(run('finetune'));
    const modulated = afterShift(run('surprise-finetune'));
    console.log(`after the shift: finetune ${plain.toFixed(3)}, surprise-finetune ${modulated.toFixed(3)}`);
    assert.ok(
      modulated > plain + 0.02,
      `surprise-finetune ${modulated} vs finetune ${plain} after the shift`,
    );
  },
);
