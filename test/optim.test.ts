import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SGD, Adam, AdamW, createOptimizer, type Optimizer } from '../src/optim/index.js';
import { param } from '../src/engine/index.js';
import { REPO_ROOT } from './helpers.js';

interface Golden {
  p0: number[];
  a: number[];
  t: number[];
  cases: {
    optimizer: 'sgd' | 'adam' | 'adamw';
    options: Record<string, number | boolean | number[]>;
    trajectory: number[][];
  }[];
}

// Produced by scripts/torch_optim_golden.py with Debian's python3-torch (PyTorch 1.13).
const golden: Golden = JSON.parse(
  readFileSync(join(REPO_ROOT, 'test', 'golden', 'optim-torch.json'), 'utf8'),
);

function fromTorchOptions(name: string, o: Golden['cases'][number]['options']): Optimizer {
  const betas = o.betas as number[] | undefined;
  const common = { lr: o.lr as number, weightDecay: o.weight_decay as number | undefined };
  if (name === 'sgd') {
    return new SGD({
      ...common,
      momentum: o.momentum as number,
      dampening: o.dampening as number,
      nesterov: o.nesterov as boolean,
    });
  }
  const adam = { ...common, beta1: betas?.[0], beta2: betas?.[1], eps: o.eps as number | undefined };
  return name === 'adam' ? new Adam(adam) : new AdamW(adam);
}

test('SGD, Adam and AdamW follow PyTorch step for step to 1e-5 relative (10 steps, golden numbers)', () => {
  assert.equal(golden.cases.length, 8);
  for (const c of golden.cases) {
    const opt = fromTorchOptions(c.optimizer, c.options);
    const p = param('w', [golden.p0.length]);
    p.value.set(golden.p0);
    const a = Float32Array.from(golden.a);
    const t = Float32Array.from(golden.t);
    c.trajectory.forEach((want, step) => {
      for (let i = 0; i < p.value.length; i++)
        p.grad[i] = Math.fround(a[i] * (p.value[i] - t[i])) + Math.fround(0.1 * Math.cos(p.value[i]));
      opt.step([p]);
      // Relative error of the parameter vector (float32 rounding of values near zero makes per-element ratios meaningless).
      let diff2 = 0;
      let norm2 = 0;
      for (let i = 0; i < want.length; i++) {
        diff2 += (p.value[i] - want[i]) ** 2;
        norm2 += want[i] ** 2;
        assert.ok(
          Math.abs(p.value[i] - want[i]) <= 1e-6,
          `${c.optimizer} ${JSON.stringify(c.options)} step ${step + 1} [${i}]: ${p.value[i]} vs torch ${want[i]}`,
        );
      }
      const rel = Math.sqrt(diff2 / norm2);
      assert.ok(
        rel <= 1e-5,
        `${c.optimizer} ${JSON.stringify(c.options)} step ${step + 1}: relative error ${rel}`,
      );
    });
  }
});

test('optimizer state export/import resumes the exact trajectory', () => {
  const run = (split: boolean) => {
    let opt = new Adam({ lr: 0.01 });
    const p = param('w', [4]);
    p.value.set([1, -2, 3, -4]);
    for (let s = 0; s < 6; s++) {
      if (split && s === 3) {
        const st = opt.exportState();
        opt = new Adam({ lr: 0.01 });
        opt.importState(st);
      }
      for (let i = 0; i < 4; i++) p.grad[i] = p.value[i] * 0.5 + 0.1;
      opt.step([p]);
    }
    return Array.from(p.value);
  };
  assert.deepEqual(run(true), run(false));
});

test('invalid hyperparameters are rejected with the setting named', () => {
  assert.throws(() => new SGD({ lr: -0.1 }), /lr: expected a positive number, found -0.1/);
  assert.throws(() => new SGD({ lr: 0.1, momentum: 1 }), /momentum: expected a decay in \[0, 1\), found 1/);
  assert.throws(() => new SGD({ lr: 0.1, nesterov: true }), /nesterov: requires momentum > 0/);
  assert.throws(() => new Adam({ lr: 0.1, beta1: 1.2 }), /beta1: expected a decay in \[0, 1\), found 1.2/);
  assert.throws(() => new Adam({ lr: 0.1, beta2: -0.1 }), /beta2/);
  assert.throws(() => new AdamW({ lr: 0.1, weightDecay: -1 }), /weightDecay: expected a number >= 0/);
  assert.throws(() => createOptimizer({ name: 'adam', lr: Number.NaN }), /lr/);
});
