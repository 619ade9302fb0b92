import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { TfjsNeuroPlastic, epochCallback, neuroplastic } from '../src/tfjs/index.js';
import { NeuroPlastic } from '../src/optim/index.js';
import { param } from '../src/engine/index.js';
import { loadDataset, gatherBatch } from '../src/data/index.js';
import { Rng } from '../src/util/rng.js';

test('the tfjs adapter applies exactly neuroplast’s NeuroPlastic update to tf.Variables', async () => {
  await tf.setBackend('cpu');
  const rng = new Rng(1);
  const w0 = rng.fillNormal(new Float32Array(12));
  const w = tf.variable(tf.tensor(w0, [4, 3]), true, 'adapter_w');
  const opt = neuroplastic({ lr: 0.1, warmupEpochs: 1, plasticityScale: 2 });
  const ref = new NeuroPlastic({ lr: 0.1, warmupEpochs: 1, plasticityScale: 2 });
  const p = param('adapter_w', [4, 3]);
  p.value.set(w0);
  for (let t = 0; t < 4; t++) {
    const g = rng.fillNormal(new Float32Array(12));
    opt.setEpoch(t >> 1);
    opt.applyGradients({ adapter_w: tf.tensor(g, [4, 3]) });
    p.grad.set(g);
    ref.step([p], { epoch: t >> 1 });
    assert.deepEqual(Float32Array.from(w.dataSync()), p.value, `step ${t + 1}`);
  }
  assert.equal(opt.iterations, 4);
  // Optimizer state round-trips through tfjs's getWeights/setWeights.
  const weights = await opt.getWeights();
  assert.ok(weights.some((x) => x.name === 'adapter_w/momentum'));
  const copy = new TfjsNeuroPlastic({ lr: 0.1 });
  await copy.setWeights(weights);
  assert.deepEqual(
    copy.inner.exportState().tensors.get('adapter_w/activity'),
    ref.exportState().tensors.get('adapter_w/activity'),
  );
  assert.equal(tf.serialization.SerializationMap.getMap().classNameMap.NeuroPlastic[0], TfjsNeuroPlastic);
  w.dispose();
});

test('a tfjs-layers model compiles and trains with NeuroPlastic on real MNIST (CPU backend)', async () => {
  await tf.setBackend('cpu');
  const ds = await loadDataset('mnist');
  const n = 1024;
  const order = new Rng(2).permutation(ds.train.count).subarray(0, n);
  const x = new Float32Array(n * 784);
  const y = new Int32Array(n);
  gatherBatch(ds.train, ds.shape, order, 0, n, x, y);
  const xs = tf.tensor2d(x, [n, 784]);
  const ys = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [784], units: 32, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  const opt = neuroplastic({ lr: 0.1, warmupEpochs: 1, plasticityScale: 2 });
  model.compile({ optimizer: opt, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const h = await model.fit(xs, ys, {
    epochs: 3,
    batchSize: 64,
    shuffle: false,
    verbose: 0,
    callbacks: epochCallback(opt),
  });
  const loss = h.history.loss as number[];
  const acc = h.history.acc as number[];
  assert.ok(loss[2] < loss[0], `loss ${loss}`);
  assert.ok(acc[2] > 0.7, `accuracy ${acc}`);
  assert.equal(opt.iterations, 3 * 16);
  tf.dispose([xs, ys]);
  model.dispose();
});
