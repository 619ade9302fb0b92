import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runCli, tempDir, testNeeding } from './helpers.js';
import { backendNames, getBackend, loadModel, param, setBackend, type Param } from '../src/engine/index.js';
import { loadDataset } from '../src/data/index.js';
import { evaluate } from '../src/experiments/index.js';
import { NeuroPlastic, createOptimizer, type NeuroPlasticOptions } from '../src/optim/index.js';
import { Rng } from '../src/util/rng.js';

interface Golden {
  steps_per_epoch: number;
  shapes: number[][];
  init: number[][];
  target: number[][];
  curvature: number[][];
  noise: number[][][];
  cases: { name: string; ours: NeuroPlasticOptions & { gradScale?: number }; trajectory: number[][][] }[];
}

const golden = JSON.parse(
  readFileSync(join(REPO_ROOT, 'test', 'golden', 'neuroplastic-reference.json'), 'utf8'),
) as Golden;

test('NeuroPlastic follows the reference implementation step for step (9 configurations, 12 steps)', () => {
  assert.equal(golden.cases.length, 9);
  for (const c of golden.cases) {
    const params: Param[] = golden.shapes.map((s, i) => {
      const p = param(`p${i}`, s);
      p.value.set(golden.init[i]);
      return p;
    });
    // The reference starts its activity EMA from zero; see activityInit.
    const opt = new NeuroPlastic({ ...c.ours, activityInit: 'zero' });
    const scale = c.name === 'clipped-l2' ? 50 : 1;
    c.trajectory.forEach((want, t) => {
      params.forEach((p, i) => {
        for (let j = 0; j < p.value.length; j++)
          p.grad[j] =
            scale * (golden.curvature[i][j] * (p.value[j] - golden.target[i][j]) + golden.noise[t][i][j]);
      });
      opt.step(params, { epoch: Math.floor(t / golden.steps_per_epoch) });
      params.forEach((p, i) => {
        for (let j = 0; j < p.value.length; j++) {
          const w = want[i][j];
          assert.ok(
            Math.abs(p.value[j] - w) <= 2e-5 * (1 + Math.abs(w)),
            `${c.name} step ${t + 1} ${p.name}[${j}]: ${p.value[j]} vs reference ${w}`,
          );
        }
      });
    });
  }
});

function randomParams(rng: Rng): Param[] {
  return [[64, 32], [32]].map((s, i) => {
    const p = param(`w${i}`, s);
    rng.fillNormal(p.value, 0, 0.5);
    return p;
  });
}

/** Copies of `params` with the same values and zeroed gradients. */
function copyParams(params: Param[]): Param[] {
  return params.map((p) => ({
    ...p,
    value: Float32Array.from(p.value),
    grad: new Float32Array(p.grad.length),
  }));
}

test('parameterwise: false collapses alpha to ~1, making the rule the same as its grad-only ablation', () => {
  // Each signal is divided by its own tensor mean, so averaging them over the tensor gives ~1 whatever the weights:
  // the published "layerwise" flaw that the reference fixed upstream.
  const run = (o: NeuroPlasticOptions) => {
    const rng = new Rng(3);
    const params = randomParams(rng);
    const opt = new NeuroPlastic(o);
    const alphas: number[] = [];
    for (let t = 0; t < 20; t++) {
      for (const p of params) rng.fillNormal(p.grad, 0, 1).forEach((_, j) => (p.grad[j] *= 1 + (j % 7)));
      opt.step(params, { epoch: 5, diagnostics: true });
      alphas.push(opt.lastDiagnostics!.alphaMean, opt.lastDiagnostics!.alphaStd);
    }
    return { values: params.map((p) => Float32Array.from(p.value)), alphas };
  };
  const collapsed = run({ lr: 0.1, parameterwise: false, plasticityScale: 2 });
  const collapsedGradOnly = run({ lr: 0.1, parameterwise: false, ablation: 'grad-only' });
  for (let i = 0; i < collapsed.alphas.length; i += 2) {
    assert.ok(Math.abs(collapsed.alphas[i] - 1) < 1e-5, `alpha mean ${collapsed.alphas[i]}`);
    assert.ok(collapsed.alphas[i + 1] < 1e-5, `alpha std ${collapsed.alphas[i + 1]}`);
  }
  collapsed.values.forEach((v, i) =>
    v.forEach((x, j) =>
      assert.ok(Math.abs(x - collapsedGradOnly.values[i][j]) < 1e-5, `collapsed differs at ${i}/${j}`),
    ),
  );
  // Parameterwise, the full rule really differs from its ablation.
  const full = run({ lr: 0.1, plasticityScale: 2 });
  const gradOnly = run({ lr: 0.1, ablation: 'grad-only' });
  let diff = 0;
  full.values.forEach((v, i) =>
    v.forEach((x, j) => (diff = Math.max(diff, Math.abs(x - gradOnly.values[i][j])))),
  );
  assert.ok(diff > 1e-3, `full and grad-only should differ, max diff ${diff}`);
  assert.ok(full.alphas[1] > 0.1, 'parameterwise alphas spread');
});

test('diagnostics: alpha statistics, histogram, clip fractions and the update-to-gradient ratio are consistent', () => {
  const rng = new Rng(4);
  const params = randomParams(rng);
  const opt = new NeuroPlastic({ lr: 0.1, plasticityScale: 2 });
  for (const p of params) rng.fillNormal(p.grad, 0, 1);
  opt.step(params, { epoch: 3, diagnostics: true });
  const d = opt.lastDiagnostics!;
  const n = 64 * 32 + 32;
  assert.equal(
    d.histogram.reduce((a, b) => a + b, 0),
    n,
  );
  assert.ok(
    d.alphaMin >= 0.2 - 1e-6 &&
      d.alphaMax <= 2 + 1e-6 &&
      d.alphaMin <= d.alphaMean &&
      d.alphaMean <= d.alphaMax,
  );
  assert.ok(d.fractionNearMin >= 0 && d.fractionNearMin <= 1 && d.fractionNearMax >= 0);
  // The bins span the clip bounds (the dashboard labels them with this range).
  assert.deepEqual(d.histogramRange, [0.2, 2]);
  assert.ok(d.updateToGradientNorm > 0 && Number.isFinite(d.updateToGradientNorm));
  assert.equal(d.gate, 1);
  opt.step(params, { epoch: 3 });
  assert.equal(opt.lastDiagnostics, null);
});

test('collecting diagnostics never changes the update: the same bits with and without, on every backend', () => {
  for (const name of backendNames()) {
    const rng = new Rng(8);
    const withDiag = randomParams(rng);
    const plain = copyParams(withDiag);
    const a = new NeuroPlastic({ lr: 0.1, warmupEpochs: 1, plasticityScale: 2, weightDecay: 0.01 });
    const b = new NeuroPlastic({ lr: 0.1, warmupEpochs: 1, plasticityScale: 2, weightDecay: 0.01 });
    const active = getBackend().name;
    setBackend(name);
    try {
      for (let t = 0; t < 4; t++) {
        withDiag.forEach((p, i) => {
          rng.fillNormal(p.grad);
          plain[i].grad.set(p.grad);
        });
        a.step(withDiag, { epoch: t, diagnostics: true });
        b.step(plain, { epoch: t });
      }
    } finally {
      setBackend(active);
    }
    withDiag.forEach((p, i) => assert.deepEqual(p.value, plain[i].value, `${name} ${p.name}`));
    assert.ok(a.lastDiagnostics && a.lastDiagnostics.alphaMax > a.lastDiagnostics.alphaMin);
  }
});

test('the hybrid bases (AdamW, SGD with momentum) run on every backend’s kernels and agree with the reference', () => {
  for (const base of ['adamw', 'sgd-momentum'] as const) {
    const run = (backend: string) => {
      const rng = new Rng(9);
      const params = [[80, 64], [64]].map((s, i) => param(`w${i}`, s));
      params.forEach((p) => rng.fillNormal(p.value, 0, 0.5));
      const opt = new NeuroPlastic({
        lr: 0.05,
        base,
        weightDecay: 0.01,
        warmupEpochs: 1,
        plasticityScale: 2,
      });
      const active = getBackend().name;
      setBackend(backend);
      try {
        for (let t = 0; t < 4; t++) {
          params.forEach((p) => rng.fillNormal(p.grad));
          opt.step(params, { epoch: t, diagnostics: t === 2 });
        }
      } finally {
        setBackend(active);
      }
      return params.map((p) => p.value);
    };
    const want = run('reference');
    for (const name of backendNames())
      run(name).forEach((got, i) =>
        got.forEach((x, j) =>
          assert.ok(
            Math.abs(x - want[i][j]) <= 2e-5 * (1 + Math.abs(want[i][j])),
            `${base} on ${name}, w${i}[${j}]: ${x} vs ${want[i][j]}`,
          ),
        ),
      );
  }
});

test('invalid NeuroPlastic settings are rejected before training, naming the setting', () => {
  const cases: [NeuroPlasticOptions, RegExp][] = [
    [
      { lr: 0.1, alphaMin: 2, alphaMax: 1 },
      /alphaMin: must be below alphaMax, found alphaMin 2 >= alphaMax 1/,
    ],
    [{ lr: 0.1, activityWeight: -0.4 }, /activityWeight: expected a number >= 0, found -0.4/],
    [{ lr: 0.1, momentumDecay: 1 }, /momentumDecay: expected a decay in \[0, 1\), found 1/],
    [{ lr: 0.1, ablation: 'no-gradient' as never }, /ablation: unknown ablation "no-gradient"/],
    [{ lr: -1 }, /lr: expected a positive number, found -1/],
    [{ lr: 0.1, warmupEpochs: 1.5 }, /warmupEpochs: expected an integer >= 0, found 1.5/],
    [{ lr: 0.1, activityWeight: 0, gradientWeight: 0, memoryWeight: 0 }, /must not all be 0/],
  ];
  for (const [o, re] of cases) assert.throws(() => new NeuroPlastic(o), re);
  assert.equal(createOptimizer({ name: 'neuroplastic', lr: 0.1 }).kind, 'neuroplastic');
});

test('NeuroPlastic state survives export/import: a restored optimizer continues identically', () => {
  const make = () => new NeuroPlastic({ lr: 0.1, warmupEpochs: 1 });
  const rng = new Rng(6);
  const a = randomParams(rng);
  const b = copyParams(a);
  const o1 = make();
  const grads = Array.from({ length: 6 }, () =>
    a.map((p) => rng.fillNormal(new Float32Array(p.value.length))),
  );
  for (let t = 0; t < 3; t++) {
    a.forEach((p, i) => p.grad.set(grads[t][i]));
    o1.step(a, { epoch: t });
  }
  const o2 = make();
  const s = o1.exportState();
  o2.importState({
    scalars: s.scalars,
    tensors: new Map([...s.tensors].map(([k, v]) => [k, Float32Array.from(v)])),
  });
  b.forEach((p, i) => p.value.set(a[i].value));
  for (let t = 3; t < 6; t++) {
    a.forEach((p, i) => p.grad.set(grads[t][i]));
    b.forEach((p, i) => p.grad.set(grads[t][i]));
    o1.step(a, { epoch: t });
    o2.step(b, { epoch: t });
  }
  a.forEach((p, i) => assert.deepEqual(p.value, b[i].value));
});

testNeeding(
  ['fashion-mnist'],
  'neuroplastic runs from an experiment file, logs its diagnostics, and bad settings name the field',
  async () => {
    const dir = tempDir();
    const exp = join(dir, 'np.yaml');
    writeFileSync(
      exp,
      `
name: np-small
seed: 4
task: { kind: classification, dataset: fashion-mnist, trainFraction: 0.02 }
model: { type: mlp, hidden: [64] }
learner: { optimizer: { name: neuroplastic, lr: 0.1, warmupEpochs: 1, plasticityScale: 2 }, batchSize: 32, epochs: 2 }
log: { everySteps: 10 }
`,
    );
    const out = join(dir, 'run');
    const r = await runCli(['run', exp, '--out', out, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(s.optimizer, 'neuroplastic');
    assert.ok(s.testAccuracy > 0.6, `test accuracy ${s.testAccuracy}`);
    // No validation split: the summary reuses the last epoch's test evaluation, which the saved model reproduces.
    assert.equal(s.history.at(-1).evalSplit, 'test');
    assert.equal(s.testAccuracy, s.history.at(-1).evalAccuracy);
    const ds = await loadDataset('fashion-mnist');
    const { model } = await loadModel(join(out, 'model.nptb'));
    const all = Uint32Array.from({ length: ds.test.count }, (_, i) => i);
    const ev = evaluate(model, ds, ds.test, all, 1000);
    assert.equal(ev.accuracy, s.testAccuracy);
    assert.ok(Math.abs(ev.loss - s.testLoss) < 1e-9);
    const diag = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === 'optimizer');
    assert.ok(diag.length >= 6);
    assert.equal(diag[0].gate, 0);
    assert.equal(diag.at(-1).gate, 1);
    assert.equal(diag[0].histogram.length, 20);

    writeFileSync(exp, readFileSync(exp, 'utf8').replace('plasticityScale: 2', 'alphaMin: 3'));
    const bad = await runCli(['run', exp, '--out', join(dir, 'bad')]);
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /learner\.optimizer\.alphaMin: alphaMin must be below alphaMax, found alphaMin 3 >= alphaMax 2/,
    );
    writeFileSync(exp, readFileSync(exp, 'utf8').replace('alphaMin: 3', 'ablation: no-gradient'));
    const bad2 = await runCli(['run', exp, '--out', join(dir, 'bad2')]);
    assert.match(bad2.stderr, /learner\.optimizer\.ablation: .*no-activity.*found "no-gradient"/);
  },
);

test('every backend’s optimizer kernels agree with the reference, on its own state storage and on plain arrays', () => {
  const ref = getBackend('reference');
  // Each case exercises a specialised loop: the trace's first step, weight decay on or off, and a mix of 0
  // (grad-only), inside [0, 1] (warmup) and above 1 (plasticityScale 2), where the folded clip bounds swap.
  const cases = [
    { first: false, l2: 0.01, mix: 1.5 },
    { first: true, l2: 0, mix: 0 },
    { first: false, l2: 0, mix: 0.5 },
    { first: false, l2: 0, mix: 2 },
  ];
  for (const name of backendNames()) {
    const k = getBackend(name);
    // 70,001 is past OPTIM_PARALLEL_MIN, where the kernels are cut in two halves (one per thread).
    for (const n of [7, 101, 5003, 70_001]) {
      for (const { first, l2, mix } of cases) {
        for (const storage of ['backend', 'plain'] as const) {
          const alloc = (src: Float32Array) => {
            const a = storage === 'backend' ? k.allocState(src.length) : new Float32Array(src.length);
            a.set(src);
            return a;
          };
          const rng = new Rng(n);
          const init = Array.from({ length: 6 }, () => rng.fillNormal(new Float32Array(n)));
          const run = (kk: typeof ref, mk: (s: Float32Array) => Float32Array) => {
            const [g, act, m, v0, w] = init.map(mk);
            const v = v0.map(Math.abs);
            const mem = mk(new Float32Array(n));
            const sums = new Float64Array(3);
            const traces = { activityDecay: 0.95, momentumDecay: 0.9, varianceDecay: 0.99, eps: 1e-8 };
            kk.neuroplasticTraces(n, g, act, m, v, mem, first, traces, sums);
            const clip = { alphaMin: 0.2, alphaMax: 2, mix };
            const alpha = {
              gradScale: 1 / (sums[0] / n),
              activityCoef: 0.4 / (sums[1] / n),
              gradientCoef: 0.4,
              memoryCoef: 0.2 / (sums[2] / n),
              ...clip,
            };
            const sq = kk.neuroplasticUpdate(n, g, w, act, mem, mem, alpha, l2);
            kk.applyUpdate(n, w, mem, 0.999, 0.05);
            const am = mk(init[1]);
            const av = mk(init[2].map(Math.abs));
            const aw = mk(init[3]);
            const adam = {
              beta1: 0.9,
              beta2: 0.999,
              l2,
              shrink: 1,
              stepSize: 1e-3,
              invSqrtBc2: 1.2,
              eps: 1e-8,
            };
            kk.adamUpdate(n, aw, g, am, av, adam);
            // The hybrid modes: both base directions, the residual (into the memory signal) and its apply.
            const [bm, bv, bw] = [mk(init[4]), mk(init[5].map(Math.abs)), mk(init[3])];
            const base = mk(new Float32Array(n));
            const sgd = mk(new Float32Array(n));
            const sgdBase = { beta1: 0.9, beta2: 0, invBc1: 1, invBc2: 1, eps: 0, weightDecay: l2 };
            kk.baseDirection(n, 1, g, bw, mk(init[4]), sgd, sgd, sgdBase);
            const adamwBase = {
              beta1: 0.9,
              beta2: 0.999,
              invBc1: 1 / 0.19,
              invBc2: 1 / 0.002,
              eps: 1e-8,
              weightDecay: 0,
            };
            kk.baseDirection(n, 0, g, bw, bm, bv, base, adamwBase);
            const resid = mk(init[5].map(Math.abs));
            const hs = new Float64Array(3);
            const residAlpha = {
              gradScale: 1.3,
              activityCoef: 0.5,
              gradientCoef: 0.4,
              memoryCoef: 0.3,
              ...clip,
            };
            kk.neuroplasticResidual(n, g, act, resid, base, resid, residAlpha, 0.15, hs);
            kk.applyResidualUpdate(n, bw, base, resid, 0.7, 0.999, 0.05);
            return [
              act,
              m,
              v,
              w,
              Float32Array.from([...sums, sq]),
              aw,
              am,
              av,
              bm,
              bv,
              sgd,
              bw,
              Float32Array.from(hs),
            ];
          };
          const want = run(ref, (s) => Float32Array.from(s));
          run(k, alloc).forEach((got, i) =>
            got.forEach((x, j) =>
              assert.ok(
                Math.abs(x - want[i][j]) <= 2e-5 * (1 + Math.abs(want[i][j])),
                `${name} ${storage} n=${n} first=${first} l2=${l2} mix=${mix} output ${i}[${j}]: ${x} vs ${want[i][j]}`,
              ),
            ),
          );
        }
      }
    }
  }
});
