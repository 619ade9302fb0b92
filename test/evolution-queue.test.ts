import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAME, checkRedis } from '../src/evolution/index.js';
import { benchEvolve } from '../src/bench/evolve.js';
import { CLI, runCli, tempDir, testNeeding } from './helpers.js';
import { freeLoopbackPort } from '../src/util/net.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(
  what: string,
  ok: () => boolean | Promise<boolean>,
  timeoutMs = 120_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A real redis-server on a loopback port, its data in `dir` (append-only file, so a restart keeps the queue). */
function startRedis(port: number, dir: string): ChildProcess {
  return spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'],
    {
      stdio: 'ignore',
    },
  );
}

function startCli(args: string[]): { child: ChildProcess; out: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, out: () => out };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

const EXPERIMENT = `name: queue-test
seed: 5
task:
  kind: evolution
  problem: spiking-rule
  problemOptions: { simulatedMs: 600, excitatory: 120, inhibitory: 30, inputs: 100 }
searches:
  swarm:
    strategy: competitive-swarm
    strategyOptions: { populationSize: 8 }
    termination: { generations: 8 }
`;

const timeless = (file: string) =>
  JSON.parse(readFileSync(file, 'utf8'), (k, v) => (k === 'seconds' || k === 'workers' ? undefined : v));

/**
 * What both queue tests start from: a real Redis on a free loopback port (its data in the test's directory), a
 * client on it, and the same search run with the local pool into `local/` (the numbers the queue must reproduce).
 */
async function queueSetup() {
  const dir = tempDir('np-queue-');
  const file = join(dir, 'queue-test.yaml');
  writeFileSync(file, EXPERIMENT);
  const port = await freeLoopbackPort();
  const url = `redis://127.0.0.1:${port}`;
  const redis = startRedis(port, dir);
  const children: ChildProcess[] = [redis];
  await waitFor('redis-server', () =>
    checkRedis(url, 500).then(
      () => true,
      () => false,
    ),
  );
  const probe = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: null });
  probe.on('error', () => {});
  const local = await runCli(['evolve', file, '--out', join(dir, 'local'), '--quiet', '--workers', '2']);
  assert.equal(local.code, 0, local.stdout + local.stderr);
  return { dir, file, port, url, redis, children, probe };
}

testNeeding(
  ['redis-server'],
  'queue: a coordinator and two workers survive a SIGKILLed worker and a Redis restart, and match the local pool',
  async () => {
    const setup = await queueSetup();
    const { dir, file, port, url, children, probe } = setup;
    let redis = setup.redis;
    let queue: Queue | undefined;
    try {
      const w1 = startCli(['worker', '--queue', url, '--threads', '1', '--lock-ms', '1500', '--verbose']);
      const w2 = startCli(['worker', '--queue', url, '--threads', '1', '--lock-ms', '1500', '--verbose']);
      children.push(w1.child, w2.child);
      await waitFor(
        'both workers',
        () => w1.out().includes('worker serving') && w2.out().includes('worker serving'),
      );
      // A malformed job fails with its reason and the worker goes on serving.
      queue = new Queue(QUEUE_NAME, { connection: { host: '127.0.0.1', port } });
      await queue.add('evaluate', { problem: 42 }, { jobId: 'malformed-1' });
      await waitFor('the malformed job to fail', () =>
        /job malformed-1 failed: malformed job: problem/.test(w1.out() + w2.out()),
      );
      await queue.close();
      queue = undefined;

      const coordinator = startCli(['evolve', file, '--queue', url, '--out', join(dir, 'queued')]);
      children.push(coordinator.child);
      const evaluated = (o: string) => (o.match(/^evaluated /gm) ?? []).length;
      await waitFor('worker 1 to be mid-run', () => evaluated(w1.out()) >= 4);
      w1.child.kill('SIGKILL');
      await waitFor('two more generations', () => /generation 4:/.test(coordinator.out()));
      // Redis goes down and comes back (its append-only file keeps the queue and the results). SIGTERM, not the
      // SHUTDOWN command: a client's SHUTDOWN gets no reply, so it stays pending and is sent again on reconnection.
      assert.equal(coordinator.child.exitCode, null, 'the coordinator is still running when Redis goes down');
      redis.kill('SIGTERM');
      await exited(redis);
      redis = startRedis(port, dir);
      children.push(redis);
      const code = await exited(coordinator.child);
      assert.equal(code, 0, coordinator.out());
      assert.match(w2.out(), /reconnected to Redis/);

      const queued = timeless(join(dir, 'queued', 'summary.json'));
      assert.deepEqual(queued, timeless(join(dir, 'local', 'summary.json')));
      // Every genome evaluated and counted once: the results hash holds each job exactly once, and the metrics count
      // the evaluations the search asked for, although the killed worker's job ran again elsewhere.
      const expected = queued.searches.swarm.evaluations as number;
      assert.equal(expected, 8 + 7 * 4);
      const keys = await probe.keys('neuroplast:results:*');
      assert.equal(keys.length, 1);
      assert.equal(await probe.hlen(keys[0]), expected);
      assert.ok(evaluated(w1.out()) + evaluated(w2.out()) >= expected);
      const lines = readFileSync(join(dir, 'queued', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => l.generation),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
    } finally {
      // Nothing left open: a test file whose handles stay open never ends.
      await queue?.close().catch(() => {});
      probe.disconnect();
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    }
  },
);

testNeeding(
  ['redis-server'],
  'queue: a SIGKILLed coordinator resumes without redoing finished generations; locks outlive their duration while renewed',
  async () => {
    const { dir, file, url, children, probe } = await queueSetup();
    try {
      // Locks of 300 ms, evaluations longer than that: only renewal keeps them from stalling and running twice.
      const workers = [1, 2].map(() =>
        startCli(['worker', '--queue', url, '--threads', '1', '--lock-ms', '300', '--verbose']),
      );
      children.push(...workers.map((w) => w.child));
      await waitFor('both workers', () => workers.every((w) => w.out().includes('worker serving')));
      const out = join(dir, 'queued');
      const first = startCli(['evolve', file, '--queue', url, '--out', out]);
      children.push(first.child);
      await waitFor('generation 3', () => /generation 3:/.test(first.out()));
      first.child.kill('SIGKILL');
      await exited(first.child);
      const resumed = await runCli(['evolve', '--resume', out, '--queue', url]);
      assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
      assert.deepEqual(timeless(join(out, 'summary.json')), timeless(join(dir, 'local', 'summary.json')));
      const expected = 8 + 7 * 4;
      const evaluated = workers.reduce((n, w) => n + (w.out().match(/^evaluated /gm) ?? []).length, 0);
      // Each job ran once: none of a finished generation again, none twice for a lapsed lock.
      assert.equal(evaluated, expected, workers.map((w) => w.out()).join('\n'));
      const keys = await probe.keys('neuroplast:results:*');
      assert.equal(await probe.hlen(keys[0]), expected);
      const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => l.generation),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
    } finally {
      probe.disconnect();
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    }
  },
);

testNeeding(
  ['redis-server'],
  'queue: an unreachable Redis or a malformed address is named before any work',
  async () => {
    const port = await freeLoopbackPort();
    const dir = tempDir('np-queue-');
    const file = join(dir, 'queue-test.yaml');
    writeFileSync(file, EXPERIMENT);
    const r = await runCli([
      'evolve',
      file,
      '--queue',
      `redis://127.0.0.1:${port}`,
      '--out',
      join(dir, 'run'),
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`--queue: Redis at redis://127.0.0.1:${port} is unreachable`));
    assert.ok(!r.stderr.includes('    at '), 'no stack trace');
    const w = await runCli(['worker', '--queue', 'http://localhost']);
    assert.notEqual(w.code, 0);
    assert.match(w.stderr, /--queue: expected redis:\/\/HOST:PORT\[\/DB\], found "http:\/\/localhost"/);
    assert.equal(spawnSync('redis-server', ['--version']).status, 0);
  },
);

testNeeding(
  ['redis-server'],
  'bench evolve: local and queue throughput, speed-ups and the queue overhead, as its contract says',
  async () => {
    const r = await benchEvolve({ evaluations: 2, repeats: 1 });
    for (const k of [
      'evals_per_s_1',
      'evals_per_s_2',
      'speedup_local_2',
      'queue_evals_per_s_1',
      'queue_evals_per_s_2',
      'speedup_queue_2',
    ])
      assert.ok(typeof r[k] === 'number' && (r[k] as number) > 0, `${k}: ${r[k]}`);
    assert.equal(typeof r.queue_overhead_ms, 'number');
    assert.equal(r.evaluations, 2);
  },
);
