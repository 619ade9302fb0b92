import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExperiment, validateAnyExperiment } from '../src/experiments/index.js';
import { loadExperimentFile } from '../src/experiments/config.js';
import { REPO_ROOT, runCli, tempDir, readReport } from './helpers.js';

const ojaFile = join(REPO_ROOT, 'experiments', 'rediscover-oja.yaml');
const stdpFile = join(REPO_ROOT, 'experiments', 'rediscover-stdp.yaml');

/** A summary without its wall-clock figures (what must be identical between runs). */
function timeless(summary: unknown): unknown {
  return JSON.parse(JSON.stringify(summary, (k, v) => (k === 'seconds' || k === 'workers' ? undefined : v)));
}

test('evolve: the rediscovery experiments find Oja rule and pair STDP within 5% with both strategies', async () => {
  for (const [file, keys] of [
    [ojaFile, ['coefficient_error', 'spurious_max']],
    [stdpFile, ['amplitude_error', 'tau_error']],
  ] as const) {
    const out = join(tempDir(), 'run');
    const r = await runCli(
      ['evolve', file, '--out', out, '--quiet', '--workers', '2'],
      {},
      { timeoutMs: 600_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    for (const k of keys) assert.ok(summary[k] < 0.05, `${file}: ${k} ${summary[k]}`);
    for (const [name, s] of Object.entries(summary.searches) as [string, { found: { equation: string } }][])
      assert.ok(s.found.equation.length > 0, `${name} prints its rule`);
    // The multi-objective search keeps exactly the true terms.
    assert.equal(summary.searches.swarm.found.assessment.spurious_max, 0);
    assert.match(r.stdout, /swarm \(competitive-swarm, \d+ evaluations/);
    const report = readReport(join(out, 'report.html'));
    assert.ok(report.includes('best error per generation') && report.includes('hypervolume of the front'));
  }
});

test('evolve: experiments/zdt1.yaml writes IGD and hypervolume per strategy, each near the analytic front', async () => {
  const out = join(tempDir(), 'zdt1');
  const r = await runCli([
    'evolve',
    join(REPO_ROOT, 'experiments', 'zdt1.yaml'),
    '--out',
    out,
    '--quiet',
    '--workers',
    '1',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const searches = summary.searches as Record<
    string,
    { strategy: string; igd: number; hypervolume: number; evaluations: number }
  >;
  assert.deepEqual(
    Object.values(searches).map((s) => s.strategy),
    ['nsga2', 'competitive-swarm', 'lmocso'],
  );
  // The best hypervolume against (1.1, 1.1) is 1.21 - 1/3.
  for (const [name, s] of Object.entries(searches)) {
    assert.equal(s.evaluations, 25_000, name);
    assert.ok(s.igd < 0.01, `${name}: IGD ${s.igd}`);
    assert.ok(
      s.hypervolume > 0.98 * (1.21 - 1 / 3) && s.hypervolume < 1.21 - 1 / 3,
      `${name}: hypervolume ${s.hypervolume}`,
    );
  }
});

test('evolve: a run killed mid-search resumes to the numbers of an uninterrupted one; workers do not change them', async () => {
  const cfg = await loadExperimentFile(ojaFile);
  const quick = {
    ...cfg,
    searches: { ...(cfg as unknown as { searches: object }).searches },
    quick: { generations: 12 },
  };
  const whole = await runExperiment({
    config: quick,
    outDir: join(tempDir(), 'whole'),
    quick: true,
    quiet: true,
  });
  const pooled = await runExperiment({
    config: quick,
    outDir: join(tempDir(), 'pool'),
    quick: true,
    quiet: true,
    jobs: 2,
  });
  assert.deepEqual(timeless(pooled.summary), timeless(whole.summary));
  const dir = join(tempDir(), 'killed');
  await assert.rejects(
    runExperiment({
      config: quick,
      outDir: dir,
      quick: true,
      quiet: true,
      onCheckpoint: (generation) => {
        if (generation === 7) throw new Error('killed at generation 7');
      },
    }),
    /killed at generation 7/,
  );
  const resumed = await runExperiment({ resumeDir: dir, quiet: true });
  assert.deepEqual(timeless(resumed.summary), timeless(whole.summary));
  const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  for (const search of ['cmaes', 'swarm'])
    assert.deepEqual(
      lines.filter((l) => l.search === search).map((l) => l.generation),
      Array.from({ length: 12 }, (_, i) => i + 1),
      `${search}: one line per generation, none repeated`,
    );
});

test('evolve: bad experiments are refused before any work, naming the field', async () => {
  const base = {
    name: 'bad',
    task: { kind: 'evolution', problem: 'rediscover-oja' },
    searches: { a: { strategy: 'sep-cma-es', termination: { generations: 2 } } },
  };
  const refuse = async (patch: Record<string, unknown>, re: RegExp) => {
    const cfg = validateAnyExperiment({ ...base, ...patch }, 'bad.yaml');
    await assert.rejects(runExperiment({ config: cfg, outDir: join(tempDir(), 'r'), quiet: true }), re);
  };
  await refuse(
    { searches: { a: { strategy: 'simplex', termination: { generations: 2 } } } },
    /searches\.a\.strategy: expected one of .*sep-cma-es.*found "simplex"/,
  );
  await refuse(
    {
      searches: {
        a: {
          strategy: 'sep-cma-es',
          problemOptions: { objectives: 'error-complexity' },
          termination: { generations: 2 },
        },
      },
    },
    /searches\.a\.strategy: sep-cma-es optimises one objective; the problem has 2 here/,
  );
  await refuse(
    { task: { kind: 'evolution', problem: 'rediscover-oja', problemOptions: { inputs: 1 } } },
    /problemOptions\.inputs: expected an integer >= 2, found 1/,
  );
  await refuse(
    { task: { kind: 'evolution', problem: 'tsp' } },
    /task\.problem: expected one of .*rediscover-oja.*found "tsp"/,
  );
  await refuse(
    {
      searches: {
        a: {
          strategy: 'nsga2',
          problemOptions: { objectives: 'error-complexity' },
          referencePoint: [1],
          termination: { generations: 2 },
        },
      },
    },
    /searches\.a\.referencePoint: expected 2 values, found 1/,
  );
  assert.throws(
    () =>
      validateAnyExperiment(
        { ...base, searches: { a: { strategy: 'sep-cma-es', termination: {} } } },
        'bad.yaml',
      ),
    /bad\.yaml: searches\.a\.termination: expected at least one of generations, evaluations, targetCost/,
  );
  const r = await runCli([
    'evolve',
    join(REPO_ROOT, 'experiments', 'quickstart.yaml'),
    '--out',
    join(tempDir(), 'q'),
  ]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /quickstart\.yaml: task\.kind: expected "evolution" or "v1-rules" \(what neuroplast evolve runs/,
  );
  assert.ok(!r.stderr.includes('    at '), 'no stack trace');
});
