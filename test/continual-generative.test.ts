import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ContinualLearner,
  createStrategy,
  SCENARIOS,
  Vae,
  type ContinualBenchmark,
  type ContinualStrategy,
  type Replay,
  type Scenario,
} from '../src/continual/index.js';
import { ConfigError } from '../src/util/errors.js';
import { Rng } from '../src/util/rng.js';

const tinyVae = (seed: number) =>
  new Vae({ inputSize: 6, hidden: [5], latent: 3 }, new Rng(seed, 0), new Rng(seed, 1));

test("the VAE's gradients match central differences of its loss", () => {
  const vae = tinyVae(2);
  const rows = 4;
  const rng = new Rng(2, 2);
  const x = rng.fillUniform(new Float32Array(rows * 6));
  const eps = rng.fillNormal(new Float32Array(rows * 3));
  vae.zeroGrad();
  const loss = vae.lossAndGradient(x, rows, 1, eps);
  assert.ok(Math.abs(loss - vae.loss(x, rows, eps)) < 1e-12, 'lossAndGradient returns the loss');
  // Finite differences are only valid away from the ReLUs' kinks: every pre-activation is further from 0 than a
  // step of h = 1e-2 in one parameter moves it here.
  const preActivations = [vae.encoder.layers[0], vae.decoder.layers[0]].flatMap((l) =>
    Array.from(l.activity().output!.data),
  );
  assert.ok(Math.min(...preActivations.map(Math.abs)) > 3e-2, 'the point is away from the kinks');
  // Every parameter, the encoder's included: its last bias's gradient is the summed gradient with respect to mu and
  // logvar, so the KL's and the reparameterisation's gradients are checked through it.
  const h = 1e-2;
  let squaredError = 0;
  let squaredNorm = 0;
  for (const p of vae.params()) {
    const analytic = p.grad.slice();
    for (let i = 0; i < p.value.length; i++) {
      const v = p.value[i];
      p.value[i] = v + h;
      const up = p.value[i];
      const lossUp = vae.loss(x, rows, eps);
      p.value[i] = v - h;
      const down = p.value[i];
      const lossDown = vae.loss(x, rows, eps);
      p.value[i] = v;
      // The step float32 actually took, and the loss's float64 sums.
      const numeric = (lossUp - lossDown) / (up - down);
      // rtol 1e-2 bounds the O(h^2) truncation (measured <= 1e-3 here); atol 2e-5 the float32 activations' rounding
      // (relative 6e-8 on a loss of 0.7) divided by the step (measured 2e-6). A wrong term is off by O(1).
      const bound = 1e-2 * Math.max(Math.abs(numeric), Math.abs(analytic[i])) + 2e-5;
      assert.ok(
        Math.abs(numeric - analytic[i]) <= bound,
        `${p.name}[${i}]: analytic ${analytic[i]}, numeric ${numeric}`,
      );
      squaredError += (numeric - analytic[i]) ** 2;
      squaredNorm += numeric ** 2;
    }
  }
  assert.ok(Math.sqrt(squaredError / squaredNorm) < 1e-3, 'the whole gradient agrees to 1e-3');
  // The batch weight scales the gradient linearly.
  const before = vae.params().map((p) => p.grad.slice());
  vae.lossAndGradient(x, rows, 0.5, eps);
  vae
    .params()
    .forEach((p, j) =>
      p.grad.forEach((g, i) => assert.ok(Math.abs(g - 1.5 * before[j][i]) <= 1e-6 + 1e-5 * Math.abs(g))),
    );
});

test('the KL term is the closed form for a hand-set mean and log-variance', () => {
  const vae = tinyVae(1);
  const mu = [0.5, -1.25, 2];
  const logvar = [0, -0.7, 1.3];
  // A zero last encoder layer outputs its bias: mu and logvar whatever the input.
  const toLatent = vae.encoder.params().slice(-2);
  toLatent[0].value.fill(0);
  toLatent[1].value.set([...mu, ...logvar]);
  // A zero last decoder layer outputs logits 0: p = 1/2, each pixel's cross-entropy ln 2 whatever its value.
  const toInput = vae.decoder.params().slice(-2);
  toInput[0].value.fill(0);
  toInput[1].value.fill(0);
  // The closed form of the float32 values the layer holds.
  const [m, lv] = [Float32Array.from(mu), Float32Array.from(logvar)];
  const closedForm = -0.5 * m.reduce((sum, mi, i) => sum + 1 + lv[i] - mi * mi - Math.exp(lv[i]), 0);
  const rows = 3;
  const x = new Rng(4).fillUniform(new Float32Array(rows * 6));
  const parts = vae.elbo(x, rows);
  assert.ok(Math.abs(parts.kl - closedForm) < 1e-12, `${parts.kl} vs ${closedForm}`);
  assert.ok(Math.abs(parts.reconstruction - 6 * Math.LN2) < 1e-12);
  assert.ok(Math.abs(parts.loss - (6 * Math.LN2 + closedForm) / 6) < 1e-12, 'the per-pixel ELBO');
});

test('a VAE trained on four noisy patterns models them better than any model of independent pixels', () => {
  const pixels = 16;
  const rng = new Rng(5, 3);
  const patterns = Array.from({ length: 4 }, () =>
    Array.from({ length: pixels }, () => (rng.float() < 0.5 ? 1 : 0)),
  );
  // Each sample one of the patterns with 5% of its pixels flipped.
  const sample = (rows: number) => {
    const x = new Float32Array(rows * pixels);
    for (let r = 0; r < rows; r++) {
      const p = patterns[rng.int(4)];
      for (let j = 0; j < pixels; j++) x[r * pixels + j] = rng.float() < 0.05 ? 1 - p[j] : p[j];
    }
    return x;
  };
  const heldOut = sample(256);
  // The best a model without the latent can do: each pixel's entropy under the held-out marginals.
  let entropy = 0;
  for (let j = 0; j < pixels; j++) {
    let m = 0;
    for (let r = 0; r < 256; r++) m += heldOut[r * pixels + j] / 256;
    if (m > 0 && m < 1) entropy -= m * Math.log(m) + (1 - m) * Math.log(1 - m);
  }
  const independentPixels = entropy / pixels;
  const vae = new Vae({ inputSize: pixels, hidden: [32], latent: 4 }, new Rng(1, 0), new Rng(1, 1));
  const eps = new Rng(7).fillNormal(new Float32Array(256 * 4));
  const before = vae.loss(heldOut, 256, eps);
  for (let step = 0; step < 300; step++) vae.trainStep([{ x: sample(32), rows: 32, weight: 1 }]);
  const after = vae.loss(heldOut, 256, eps);
  assert.ok(after < before, `${after} < ${before}`);
  assert.ok(after < independentPixels, `${after} < ${independentPixels} (independent pixels)`);
  // Its samples are pixel means; a frozen snapshot samples the same and refuses to train.
  const samples = vae.generate(8, new Rng(3));
  assert.equal(samples.length, 8 * pixels);
  assert.ok(samples.every((v) => v > 0 && v < 1));
  const frozen = vae.snapshot();
  assert.deepEqual(frozen.generate(8, new Rng(3)), samples);
  assert.throws(() => frozen.trainStep([{ x: heldOut, rows: 4, weight: 1 }]), /frozen/);
  assert.equal(frozen.loss(heldOut, 256, eps), after);
});

/** Two contexts of two classes each; a class's samples are its 8-float pattern plus uniform noise. */
function syntheticBenchmark(): ContinualBenchmark {
  const rng = new Rng(11);
  const patterns = Array.from({ length: 4 }, () => rng.fillUniform(new Float32Array(8)));
  const make = (classes: number[], count: number) => {
    const x = new Float32Array(count * 8);
    const y = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      y[i] = classes[i % 2];
      for (let j = 0; j < 8; j++)
        x[i * 8 + j] = Math.min(1, Math.max(0, patterns[y[i]][j] + 0.2 * (rng.float() - 0.5)));
    }
    return { x, y, count };
  };
  const split = {
    contexts: [
      [0, 1],
      [2, 3],
    ],
    classCount: 4,
  };
  return {
    name: 'synthetic',
    inputSize: 8,
    split,
    contexts: split.contexts.map((classes) => {
      const parts = { train: make(classes, 40), test: make(classes, 20) };
      return {
        classes,
        trainCount: 40,
        testCount: 20,
        gather(part, idx, from, to, x, y) {
          const p = parts[part];
          for (let b = 0; b < to - from; b++) {
            const i = idx[from + b];
            x.set(p.x.subarray(i * 8, (i + 1) * 8), b * 8);
            y[b] = p.y[i];
          }
        },
      };
    }),
  };
}

/** Runs generative replay on the synthetic benchmark, recording what each step replayed. */
function runGenerativeReplay(scenario: Scenario) {
  const strategy = createStrategy('generative_replay', {}, scenario);
  const replays: Replay[] = [];
  const spy: ContinualStrategy = {
    ...strategy,
    replay(learner, current) {
      const replay = strategy.replay!(learner, current);
      if (replay) replays.push(structuredClone(replay));
      return replay;
    },
  };
  const learner = new ContinualLearner(
    syntheticBenchmark(),
    { scenario, hidden: [16], lr: 1e-3, iterationsPerContext: 12, batchSize: 8, seed: 3 },
    spy,
  );
  return { learner, result: learner.run(), replays };
}

test('generative replay runs in the three scenarios, replaying samples with the teacher’s soft targets', () => {
  for (const scenario of SCENARIOS) {
    const { learner, result, replays } = runGenerativeReplay(scenario);
    assert.equal(result.accuracy.length, 2);
    assert.ok(result.finalLoss.every(Number.isFinite));
    // Context 0 replays nothing; each step of context 1 one generated batch.
    assert.equal(replays.length, 12, scenario);
    // The teacher's heads: each earlier context's in task-IL, the shared one in domain-IL, context 0's classes in
    // class-IL (trained over the classes seen so far).
    const heads = learner.heads;
    for (const replay of replays) {
      assert.equal(replay.batches!.length, 1);
      const [batch] = replay.batches!;
      assert.equal(batch.rows, 8);
      assert.ok(
        batch.x.every((v) => v > 0 && v < 1),
        'generated pixel means',
      );
      assert.equal(batch.terms.length, 1, 'one earlier context');
      const [term] = batch.terms;
      const [from, to] = heads.range(0);
      assert.deepEqual(
        [term.from[0], term.to[0]],
        scenario === 'class' ? [0, 4] : [from, to],
        'trained on the outputs of now',
      );
      assert.equal(term.temperature, 2);
      for (let r = 0; r < batch.rows; r++) {
        let inHead = 0;
        for (let j = 0; j < heads.outputs; j++) {
          const q = term.soft![r * heads.outputs + j];
          if (j >= from && j < to) inHead += q;
          else assert.equal(q, 0, `${scenario}: no target outside the teacher's head`);
        }
        assert.ok(Math.abs(inHead - 1) < 1e-6, `${scenario}: soft targets sum to ${inHead}`);
      }
    }
  }
});

test('generative replay is deterministic for a seed', () => {
  const first = runGenerativeReplay('class');
  const second = runGenerativeReplay('class');
  assert.deepEqual(second.result.accuracy, first.result.accuracy);
  assert.deepEqual(second.result.finalLoss, first.result.finalLoss);
  assert.deepEqual(second.replays[5].batches![0].x, first.replays[5].batches![0].x);
  // Each step samples new inputs.
  assert.notDeepEqual(first.replays[5].batches![0].x, first.replays[6].batches![0].x);
});

test('bad generative-replay settings are refused, naming the field', () => {
  const refused = (settings: Record<string, unknown>, field: string) =>
    assert.throws(
      () => createStrategy('generative_replay', settings, 'class'),
      (e: unknown) => e instanceof ConfigError && e.message.startsWith(`methods.generative_replay.${field}:`),
    );
  refused({ latent: -4 }, 'latent');
  refused({ latent: 2.5 }, 'latent');
  refused({ temperature: 0 }, 'temperature');
  refused({ lr: 0 }, 'lr');
  refused({ hidden: [400, 0] }, 'hidden.1');
  refused({ temperature: { task: 2, domain: 2 } }, 'temperature.class');
  assert.throws(() => createStrategy('generative_replay', { latnet: 10 }, 'class'), ConfigError);
  assert.equal(
    createStrategy('generative_replay', { latent: 10, hidden: [] }, 'task').name,
    'generative_replay',
  );
});
