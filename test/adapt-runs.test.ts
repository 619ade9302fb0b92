import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, runCli, tempDir } from './helpers.js';

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
  assert.deepEqual(Object.keys(s.methods), ['fixed', 'hebbian', 'spiking']);
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
