import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAndKill, runCli, tempDir, testNeeding } from './helpers.js';
import { loadDataset } from '../src/data/index.js';
import {
  loadModel,
  resnet18,
  cnn,
  encodeModel,
  decodeModel,
  decodeBundle,
  encodeBundle,
  tensor,
} from '../src/engine/index.js';
import { evaluate } from '../src/experiments/index.js';
import { Rng } from '../src/util/rng.js';

/** A small CNN with batch norm and dropout on 2% of Fashion-MNIST: every kind of saved state is exercised. */
const SMALL_CNN = `
name: small-fashion-cnn
seed: 3
task: { kind: classification, dataset: fashion-mnist, trainFraction: 0.02, validationFraction: 0.1, normalize: standardize }
model: { type: cnn, channels: [4, 8], hidden: [16], batchNorm: true, dropout: 0.25 }
learner: { optimizer: { name: adamw, lr: 0.003, weightDecay: 0.01 }, batchSize: 32, epochs: 2 }
log: { everySteps: 5 }
checkpoint: { everySteps: 10 }
`;

testNeeding(
  ['fashion-mnist'],
  'a CNN with batch norm and dropout trains, resumes after SIGKILL to the identical summary, and its saved model reloads',
  async () => {
    const dir = tempDir();
    const exp = join(dir, 'cnn.yaml');
    writeFileSync(exp, SMALL_CNN);
    const full = join(dir, 'full');
    const r = await runCli(['run', exp, '--out', full, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(readFileSync(join(full, 'summary.json'), 'utf8'));
    // 1080 training images, 2 epochs: well above the 10% of chance on the 10k test images.
    assert.ok(summary.testAccuracy > 0.5, `test accuracy ${summary.testAccuracy}`);

    const killed = join(dir, 'killed');
    const k = await runAndKill(exp, killed, 40); // mid-epoch 2 (34 steps per epoch)
    assert.equal(k.signal, 'SIGKILL');
    const res = await runCli(['run', '--resume', killed, '--quiet']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(JSON.parse(readFileSync(join(killed, 'summary.json'), 'utf8')), summary);
    assert.equal(
      readFileSync(join(killed, 'metrics.jsonl'), 'utf8'),
      readFileSync(join(full, 'metrics.jsonl'), 'utf8'),
    );

    // The saved model (layers, weights, batch-norm statistics) reproduces the reported test accuracy.
    const { model, meta } = await loadModel(join(full, 'model.nptb'));
    const ds = await loadDataset('fashion-mnist');
    const norm = meta.normalization as { mean: number[]; std: number[] };
    const ev = evaluate(
      model,
      ds,
      ds.test,
      Uint32Array.from({ length: ds.test.count }, (_, i) => i),
      1000,
      norm,
    );
    assert.equal(ev.accuracy, summary.testAccuracy);
  },
);

test('early stopping stops after `patience` epochs without improvement and restores the best weights', async () => {
  const dir = tempDir();
  const exp = join(dir, 'es.yaml');
  // minDelta 100 makes every epoch after the first a non-improvement, so the stop point is known exactly.
  writeFileSync(
    exp,
    `
name: early-stop
seed: 2
task: { kind: classification, dataset: mnist, trainFraction: 0.02 }
model: { type: mlp, hidden: [32] }
learner: { optimizer: { name: sgd, lr: 0.05 }, batchSize: 32, epochs: 6, earlyStopping: { patience: 2, minDelta: 100 } }
`,
  );
  const out = join(dir, 'run');
  const r = await runCli(['run', exp, '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(s.history.length, 3);
  assert.deepEqual(s.earlyStopping, {
    bestEpoch: 1,
    bestEvalLoss: s.history[0].evalLoss,
    stoppedAfterEpoch: 3,
    restoredBest: true,
  });
  // Without a validation split the per-epoch evaluation is on the test set: the restored weights reproduce epoch 1.
  assert.equal(s.testLoss, s.history[0].evalLoss);
  assert.notEqual(s.history[2].evalLoss, s.history[0].evalLoss);
  const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.filter((l) => l.type === 'early-stop').length, 1);
});

test('models round-trip through the saved format; corrupt descriptions are named', () => {
  const rng = new Rng(9);
  for (const model of [
    resnet18([3, 32, 32], 10, 0.125).init(new Rng(1)),
    cnn([1, 28, 28], { channels: [4, 8], batchNorm: true, dropout: 0.3, hidden: [12] }, 10).init(new Rng(2)),
  ]) {
    const x = tensor(
      [2, ...model.inputShape],
      rng.fillUniform(new Float32Array(2 * model.inputShape.reduce((a, b) => a * b)), -1, 1),
    );
    model.forward(x, true); // moves the batch-norm running statistics away from their initial values
    const want = Float32Array.from(model.forward(x, false).data);
    const { model: back } = decodeModel(encodeModel(model, { note: 'test' }), 'mem');
    assert.deepEqual(back.describe(), model.describe());
    assert.deepEqual(Float32Array.from(back.forward(x, false).data), want);
  }
  const m = cnn([1, 28, 28], { channels: [4] }, 10);
  const bytes = encodeModel(m);
  // An edit of the saved file is caught by its checksum...
  const text = Buffer.from(bytes).toString('latin1').replace('"kind":"conv2d"', '"kind":"conv9d"');
  assert.throws(
    () => decodeModel(Buffer.from(text, 'latin1'), 'bad.nptb'),
    /^DataFormatError: bad\.nptb: damaged: its checksum does not match its contents/,
  );
  // ...and a description that is wrong from the start is named.
  const bundle = decodeBundle(bytes, 'mem');
  const meta = JSON.parse(JSON.stringify(bundle.meta).replace('"kind":"conv2d"', '"kind":"conv9d"'));
  assert.throws(
    () => decodeModel(encodeBundle({ meta, tensors: bundle.tensors }), 'bad.nptb'),
    /bad\.nptb: unknown layer kind "conv9d" in layer conv1/,
  );
});
