import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, runAndKill, runCli, tempDir } from '../helpers.js';

/** 2% of MNIST, checkpoints every 10 steps: 34 steps per epoch, 2 epochs. */
const SMALL = `
name: small-mnist
seed: 7
task: { kind: classification, dataset: mnist, trainFraction: 0.02, validationFraction: 0.1 }
model: { type: mlp, hidden: [32] }
learner: { optimizer: { name: sgd, lr: 0.1, momentum: 0.9 }, batchSize: 32, epochs: 2 }
log: { everySteps: 5 }
checkpoint: { everySteps: 10 }
`;

function experiment(text = SMALL): { dir: string; exp: string } {
  const dir = tempDir('np-hostile-');
  const exp = join(dir, 'small.yaml');
  writeFileSync(exp, text);
  return { dir, exp };
}

const errorLine = (stderr: string) => {
  const lines = stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('neuroplast: warning: '));
  assert.equal(lines.length, 1, `expected one error line, got:\n${stderr}`);
  assert.match(lines[0], /^neuroplast: error: /);
  return lines[0];
};

const read = (path: string) => readFileSync(path, 'utf8');

test('--out never replaces what a directory holds, and refuses empty and root paths', async () => {
  const { dir, exp } = experiment();
  const mine = join(dir, 'mine');
  mkdirSync(mine);
  writeFileSync(join(mine, 'summary.json'), 'mine');
  const r = await runCli(['run', exp, '--out', mine, '--quiet']);
  assert.equal(r.code, 1);
  assert.match(
    errorLine(r.stderr),
    /mine: not empty \(holds summary\.json\) and not a run; choose a new or empty/,
  );
  assert.equal(read(join(mine, 'summary.json')), 'mine');
  assert.deepEqual(readdirSync(mine), ['summary.json']);
  for (const out of ['', ' ', '/'])
    assert.match(
      errorLine((await runCli(['run', exp, '--out', out], {}, { cwd: dir })).stderr),
      /expected a path, found an empty string|refusing the filesystem root/,
    );
  assert.deepEqual(readdirSync(dir).sort(), ['mine', 'small.yaml']);
  const file = join(dir, 'small.yaml');
  assert.match(
    errorLine((await runCli(['run', exp, '--out', join(file, 'run')])).stderr),
    /small\.yaml\/run: cannot mkdir: a part of the path is not a directory \(ENOTDIR\)$/,
  );
});

test('two runs into one directory: one runs, the other is refused, and the directory holds one run', async () => {
  const { dir, exp } = experiment();
  const out = join(dir, 'shared');
  const [a, b] = await Promise.all([
    runCli(['run', exp, '--out', out, '--quiet', '--seed', '1']),
    runCli(['run', exp, '--out', out, '--quiet', '--seed', '2']),
  ]);
  assert.deepEqual([a.code, b.code].sort(), [0, 1], a.stderr + b.stderr);
  const loser = a.code === 0 ? b : a;
  assert.match(errorLine(loser.stderr), /in use by process \d+ on .* since|already holds a run/);
  const seed = JSON.parse(read(join(out, 'config.json'))).seed;
  assert.equal(JSON.parse(read(join(out, 'summary.json'))).seed, seed);
  assert.equal(existsSync(join(out, '.lock')), false, 'the lock is released');
});

test('a killed run: its stale lock is reported and taken over; two resumes at once leave one clean run', async () => {
  const { dir, exp } = experiment();
  const full = join(dir, 'full');
  assert.equal((await runCli(['run', exp, '--out', full, '--quiet'])).code, 0);
  const killed = join(dir, 'killed');
  assert.equal((await runAndKill(exp, killed, 40)).signal, 'SIGKILL');
  const owner = JSON.parse(read(join(killed, '.lock')));
  assert.equal(typeof owner.pid, 'number');
  const [a, b] = await Promise.all([
    runCli(['run', '--resume', killed, '--quiet']),
    runCli(['run', '--resume', killed, '--quiet']),
  ]);
  assert.deepEqual([a.code, b.code].sort(), [0, 1], a.stderr + b.stderr);
  const loser = a.code === 0 ? b : a;
  // The stale lock is moved aside exactly once, by whichever resume got there first (not always the one that then
  // takes the lock), and that one reports it.
  const reports = (a.stderr + b.stderr).match(
    new RegExp(
      `^neuroplast: warning: .*killed: process ${owner.pid} .* no longer runs; its stale lock is removed$`,
      'gm',
    ),
  );
  assert.equal(reports?.length, 1, a.stderr + b.stderr);
  assert.match(errorLine(loser.stderr), /in use by process \d+|no longer runs|already completed/);
  assert.equal(read(join(killed, 'metrics.jsonl')), read(join(full, 'metrics.jsonl')));
  assert.deepEqual(
    JSON.parse(read(join(killed, 'summary.json'))),
    JSON.parse(read(join(full, 'summary.json'))),
  );
});

test('resume refuses a changed config, naming the fields, unless --allow-config-change', async () => {
  const { dir, exp } = experiment();
  const killed = join(dir, 'killed');
  assert.equal((await runAndKill(exp, killed, 20)).signal, 'SIGKILL');
  const configPath = join(killed, 'config.json');
  const original = read(configPath);
  const cfg = JSON.parse(original);
  writeFileSync(
    configPath,
    JSON.stringify({ ...cfg, learner: { ...cfg.learner, batchSize: 64 }, seed: 8 }, null, 2),
  );
  const edited = read(configPath);
  const metrics = read(join(killed, 'metrics.jsonl'));
  const r = await runCli(['run', '--resume', killed, '--quiet']);
  assert.equal(r.code, 1);
  assert.match(
    errorLine(r.stderr),
    /config\.json: changed since the run started \(learner\.batchSize: 32 -> 64, seed: 7 -> 8\); .*--allow-config-change/,
  );
  assert.equal(read(configPath), edited);
  assert.equal(read(join(killed, 'metrics.jsonl')), metrics);
  const flagAlone = await runCli(['run', 'x.yaml', '--allow-config-change']);
  assert.match(errorLine(flagAlone.stderr), /--allow-config-change goes with --resume/);
  const allowed = await runCli(['run', '--resume', killed, '--quiet', '--allow-config-change']);
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(
    allowed.stderr,
    /resuming with a changed config \(learner\.batchSize: 32 -> 64, seed: 7 -> 8\)/,
  );
});

test('a checkpoint altered on disk is refused by its checksum, naming it', async () => {
  const { dir, exp } = experiment();
  const killed = join(dir, 'killed');
  assert.equal((await runAndKill(exp, killed, 20)).signal, 'SIGKILL');
  const ckpt = join(killed, 'checkpoints', 'last.nptb');
  const bytes = readFileSync(ckpt);
  bytes[bytes.length - 5] ^= 0x40; // a weight's bits, not the header
  writeFileSync(ckpt, bytes);
  const r = await runCli(['run', '--resume', killed, '--quiet']);
  assert.equal(r.code, 1);
  assert.match(errorLine(r.stderr), /last\.nptb: damaged: its checksum does not match its contents/);
  assert.doesNotMatch(r.stderr, /smaller learning rate/);
});

test('a loss that explodes without becoming NaN stops the run, naming a checkpoint only if one exists', async () => {
  const { dir, exp } = experiment(
    SMALL.replace('lr: 0.1, momentum: 0.9', 'lr: 1000000').replace('checkpoint: { everySteps: 10 }', ''),
  );
  const out = join(dir, 'run');
  const r = await runCli(['run', exp, '--out', out, '--quiet']);
  assert.equal(r.code, 1, r.stdout);
  assert.match(
    errorLine(r.stderr),
    /training diverged: mean loss \S+ over the 20 steps to step 20 is over 100x its starting loss 2\.\d+/,
  );
  assert.match(r.stderr, /no checkpoint was written before it/);
  assert.equal(JSON.parse(read(join(out, 'run.json'))).status, 'failed');
  assert.equal(existsSync(join(out, 'summary.json')), false);
});

test('output into a closed pipe ends quietly; the run completes', async () => {
  const { dir, exp } = experiment();
  const out = join(dir, 'piped');
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [CLI, 'run', exp, '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Like `| head -1` on both streams: read one chunk, then close the pipes.
    child.stderr.once('data', () => {
      child.stdout.destroy();
      child.stderr.destroy();
    });
    child.on('close', resolve);
  });
  assert.equal(code, 0);
  assert.equal(JSON.parse(read(join(out, 'run.json'))).status, 'completed');
  assert.ok(existsSync(join(out, 'summary.json')));
});

test('SIGTERM mid-run leaves the run marked interrupted, its last checkpoint and no lock', async () => {
  const { dir, exp } = experiment(SMALL.replace('epochs: 2', 'epochs: 50'));
  const out = join(dir, 'run');
  const child = spawn(process.execPath, [CLI, 'run', exp, '--out', out, '--quiet'], { stdio: 'ignore' });
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(out, 'checkpoints', 'last.nptb')) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => child.on('close', r));
  assert.equal(code, 143);
  assert.equal(JSON.parse(read(join(out, 'run.json'))).status, 'interrupted');
  assert.equal(existsSync(join(out, '.lock')), false);
  const res = await runCli(['run', '--resume', out, '--quiet']);
  assert.equal(res.code, 0, res.stderr);
});

test('a checkpoint from another run (another config) is refused, naming it', async () => {
  const { dir, exp } = experiment();
  const [a, b] = [join(dir, 'a'), join(dir, 'b')];
  assert.equal((await runAndKill(exp, a, 20)).signal, 'SIGKILL');
  writeFileSync(exp, SMALL.replace('seed: 7', 'seed: 9'));
  assert.equal((await runAndKill(exp, b, 20)).signal, 'SIGKILL');
  writeFileSync(join(b, 'checkpoints', 'last.nptb'), readFileSync(join(a, 'checkpoints', 'last.nptb')));
  const r = await runCli(['run', '--resume', b, '--quiet']);
  assert.equal(r.code, 1);
  assert.match(
    errorLine(r.stderr),
    /b\/checkpoints\/last\.nptb: written for another config \(sha256 \w+\.\.\.\) than this run's/,
  );
});

test('a full disk: one line naming the file, the last checkpoint intact, no temp files; resume then ends identically', (t) => {
  if (process.getuid?.() !== 0 || spawnSync('unshare', ['-m', 'true']).status !== 0)
    return t.skip('needs root and a mount namespace (unshare -m) to mount a small tmpfs');
  const { dir, exp } = experiment(
    SMALL.replace('hidden: [32]', 'hidden: [128]').replace(
      'name: sgd, lr: 0.1, momentum: 0.9',
      'name: adam, lr: 0.001',
    ),
  );
  const full = join(dir, 'full');
  assert.equal(spawnSync(process.execPath, [CLI, 'run', exp, '--out', full, '--quiet']).status, 0);
  // A 2 MB filesystem holds one checkpoint (about 1.2 MB with Adam's state) but not the next one's temp file beside it.
  const script = `
    set -u; cd ${JSON.stringify(dir)}; mkdir fs; mount -t tmpfs -o size=2000k tmpfs fs
    ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} run ${JSON.stringify(exp)} --out fs/run --quiet 2>err.txt
    echo "exit=$?"; cat err.txt; ls -A fs/run/checkpoints | tr '\\n' ' '; echo; cat fs/run/run.json | tr -d '\\n '; echo
    mount -o remount,size=16m fs
    ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} run --resume fs/run --quiet >/dev/null 2>&1; echo "resume=$?"
    cat fs/run/summary.json | tr -d '\\n '`;
  const out = spawnSync('unshare', ['-m', 'bash', '-c', script], { encoding: 'utf8' }).stdout.split('\n');
  assert.equal(out[0], 'exit=1', out.join('\n'));
  assert.match(
    out[1],
    /^neuroplast: error: .*fs\/run\/checkpoints\/last\.nptb: cannot write: no space left on device \(ENOSPC\)$/,
  );
  assert.equal(out[2].trim(), 'config-at-start.json last.nptb');
  assert.match(out[3], /"status":"failed"/);
  assert.equal(out[4], 'resume=0');
  assert.equal(out[5], read(join(full, 'summary.json')).replace(/[\n ]/g, ''));
});
