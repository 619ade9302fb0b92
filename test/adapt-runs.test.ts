import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildVisionStream } from '../src/adapt/vision/index.js';
import { visionMetrics, visionSchema } from '../src/experiments/kinds/adapt-vision/run.js';
import { methodsTable, summarizeMethods } from '../src/experiments/adapt-summary.js';
import { REPO_ROOT, runCli, tempDir, testNeeding } from './helpers.js';

interface MethodEntry {
  metric: string;
  mean: number;
  std: number;
  n: number;
  metrics: Record<string, { mean: number; std: number; n: number }>;
}

test('neuroplast run --quick experiments/adapt-cartpole.yaml: every method with its headline over seeds, a report with curves, the same numbers again', async () => {
  const dir = tempDir();
  const run = async (out: string) => {
    const r = await runCli(
      ['run', join(REPO_ROOT, 'experiments', 'adapt-cartpole.yaml'), '--quick', '--out', out, '--jobs', '1'],
      {},
      { timeoutMs: 300_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  };
  const s = await run(join(dir, 'a'));
  assert.equal(s.kind, 'adapt-cartpole');
  assert.deepEqual(Object.keys(s.methods), ['fixed', 'hebbian', 'spiking', 'fixed-varied', 'hebbian-varied']);
  for (const m of Object.values(s.methods) as MethodEntry[]) {
    assert.equal(m.metric, 'balance_steps_after_change');
    assert.equal(m.n, 2);
    assert.ok(m.mean >= 0 && m.mean <= 500 && m.std >= 0, JSON.stringify(m));
    assert.ok(m.metrics['recovery_episodes/double-gravity'].mean >= 0);
    assert.ok('steps_after_within_change/short-pole-mid-episode' in m.metrics);
  }
  // Evolved on the standard dynamics for 5 generations, the fixed network balances there longer than a spiking
  // actor after 50 practice episodes.
  assert.ok(
    s.methods.fixed.metrics.balance_steps_first.mean > s.methods.spiking.metrics.balance_steps_first.mean,
  );
  const page = readFileSync(join(dir, 'a', 'report.html'), 'utf8');
  assert.match(page, /balance_steps_after_change/);
  assert.match(page, /<svg/);
  assert.deepEqual((await run(join(dir, 'b'))).methods, s.methods);
});

test('an adaptation case with a bad field is refused in one line naming the file and the field', async () => {
  const dir = tempDir();
  const file = join(dir, 'bad.yaml');
  const text = readFileSync(join(REPO_ROOT, 'experiments', 'adapt-cartpole.yaml'), 'utf8').replace(
    'poleHalfLengthM: 1.0',
    'poleHalfLenM: 1.0',
  );
  writeFileSync(file, text);
  const r = await runCli(['run', file, '--out', join(dir, 'out')]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr.trim(),
    /^neuroplast: .*bad\.yaml: task\.phases\.1\.params\.poleHalfLenM: expected one of .*poleHalfLengthM/,
  );
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

testNeeding(
  ['fashion-mnist'],
  'neuroplast run --quick experiments/adapt-vision.yaml: every method over seeds; test-time normalisation beats the frozen network',
  async () => {
    const out = join(tempDir(), 'vision');
    const r = await runCli(
      ['run', join(REPO_ROOT, 'experiments', 'adapt-vision.yaml'), '--quick', '--out', out, '--jobs', '1'],
      {},
      { timeoutMs: 400_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(s.kind, 'adapt-vision');
    assert.deepEqual(Object.keys(s.methods), [
      'frozen',
      'finetune',
      'bn-stats',
      'tent',
      'homeostatic',
      'surprise-finetune',
      'surprise-tent',
    ]);
    for (const m of Object.values(s.methods) as MethodEntry[]) {
      assert.equal(m.metric, 'stream_accuracy');
      assert.equal(m.n, 2);
      assert.ok(m.mean > 0.1 && m.mean < 1, JSON.stringify(m));
      assert.ok(m.metrics.clean_before.mean > m.mean, 'the corruptions cost accuracy');
    }
    assert.ok(s.methods['bn-stats'].mean > s.methods.frozen.mean + 0.02);
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /fashion-mnist: accuracy per batch/);
  },
);

test('vision metrics: recovery counts batches until a window reaches the fraction of clean accuracy, censored at the segment', () => {
  const cfg = visionSchema.parse({
    name: 'v',
    seed: 0,
    task: { kind: 'adapt-vision', datasets: ['mnist'] },
    methods: ['frozen'],
    seeds: [0],
    train: { images: 10, epochs: 1, batchSize: 2, learningRate: 0.001 },
    stream: {
      batchSize: 10,
      segments: [
        { corruption: 'none', batches: 2 },
        { corruption: 'rotate', batches: 4 },
        { corruption: 'fog', batches: 3 },
        { corruption: 'contrast', batches: 2, ramp: true },
        { name: 'again', corruption: 'none', batches: 1 },
      ],
    },
    recovery: { window: 2, fraction: 0.9 },
  });
  const acc = [1, 1, 0.5, 0.7, 0.9, 1, 0.2, 0.3, 0.2, 0.6, 0.8, 0.95];
  const m = visionMetrics(
    cfg,
    {
      seed: 0,
      dataset: 'mnist',
      cleanAccuracy: 0.97,
      trainLoss: [],
      methods: { frozen: { batchAccuracy: acc, signals: {} } },
      seconds: 0,
    },
    'frozen',
  );
  // rotate: windows (0.5,0.7) 0.6, (0.7,0.9) 0.8, (0.9,1) 0.95 >= 0.9: 2 batches; fog never: 3 (its length).
  assert.equal(m.recovery_batches, (2 + 3) / 2);
  assert.equal(m.recovered_fraction, 0.5);
  assert.equal(m.clean_before, 1);
  assert.equal(m.clean_after, 0.95);
  assert.ok(Math.abs(m.stream_accuracy - (0.5 + 0.7 + 0.9 + 1 + 0.2 + 0.3 + 0.2 + 0.6 + 0.8) / 9) < 1e-12);
  assert.ok(Math.abs(m['accuracy/contrast-gradual'] - 0.7) < 1e-12);
});

test('the vision stream: seeded, clean images from the held-out set, each test image once with its label, ramps', () => {
  const count = 50;
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 10;
    for (let p = 0; p < 784; p++) images[i * 784 + p] = (i * 7 + p) % 256;
  }
  const test = { images, labels, count };
  const clean = {
    images: new Float32Array(20 * 784).map((_, k) => (k % 784) / 1000 + Math.floor(k / 784) / 100),
    labels: Int32Array.from({ length: 20 }, (_, i) => 9 - (i % 10)),
  };
  const segments = [
    { name: 'clean', corruption: 'none' as const, batches: 2, ramp: false },
    { name: 'b', corruption: 'brightness' as const, batches: 4, ramp: true },
  ];
  const a = buildVisionStream(test, clean, segments, 10, 3);
  assert.deepEqual(buildVisionStream(test, clean, segments, 10, 3), a);
  assert.notDeepEqual(buildVisionStream(test, clean, segments, 10, 4).labels, a.labels);
  assert.deepEqual(a.images.subarray(0, 20 * 784), clean.images);
  assert.deepEqual(a.labels.subarray(0, 20), clean.labels);
  const used = new Set<number>();
  for (let i = 20; i < 60; i++) {
    const sev = (i - 20 + 1) / 40;
    const src = labels.findIndex((_, j) =>
      [0, 100, 400].every(
        (p) => Math.abs(a.images[i * 784 + p] - Math.min(1, images[j * 784 + p] / 255 + 0.5 * sev)) < 1e-5,
      ),
    );
    assert.ok(src >= 0 && !used.has(src), `image ${i}`);
    used.add(src);
    assert.equal(a.labels[i], labels[src]);
  }
  assert.throws(
    () => buildVisionStream(test, clean, [{ ...segments[1], batches: 6 }], 10, 3),
    /stream\.segments: expected at most 50 corrupted images \(the test set, each used once\), found 60/,
  );
  assert.throws(
    () => buildVisionStream(test, clean, [{ ...segments[0], batches: 3 }], 10, 3),
    /heldOutImages: expected at least/,
  );
});

test('a metric missing from some seeds is averaged over the others, and the table says over how many', () => {
  const methods = summarizeMethods(
    {
      a: [{ score: 1, recovery: 4 }, { score: 3, recovery: NaN }, { score: 5 }],
      b: [{ score: 2, recovery: 1 }],
    },
    'score',
  );
  assert.deepEqual([methods.a.seeds, methods.a.n, methods.a.mean], [3, 3, 3]);
  assert.deepEqual([methods.a.metrics.recovery.n, methods.a.metrics.recovery.mean], [1, 4]);
  const table = String(
    methodsTable({
      kind: 'k',
      name: 'n',
      headline: { metric: 'score', description: 'd', better: 'higher' },
      metricDescriptions: {},
      methods,
      seeds: [0, 1, 2],
      runs: { done: 4, total: 6 },
    }),
  );
  assert.match(table, /<td>4\.000 ± 0\.000 \(n=1 of 3\)<\/td>/);
  assert.match(table, /<td>3\.000 ± 2\.000<\/td>/);
  assert.match(table, /<td>1\.000 ± 0\.000<\/td>/);
  assert.match(table, /4 of 6 runs/);
});
