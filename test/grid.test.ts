import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, readReport } from './helpers.js';

const GRID = `
name: tiny-grid
seed: 0
task: { kind: classification, dataset: mnist }
model: { type: mlp, hidden: [16] }
learner: { optimizer: { name: adam, lr: 0.001 }, batchSize: 64, epochs: 3 }
grid:
  trainFractions: [0.01, 0.02]
  seeds: [0, 1, 2]
  optimizers:
    np: { name: neuroplastic, lr: 0.1 }
    adam: { name: adam, lr: 0.003 }
  compare: [[np, adam]]
  quick: { trainFractions: [0.01], seeds: [0, 1], epochs: 1 }
`;

test('a grid runs every cell, aggregates acc[fraction][optimizer] with paired tests, and resumes', async () => {
  const dir = tempDir();
  const exp = join(dir, 'grid.yaml');
  writeFileSync(exp, GRID);
  const out = join(dir, 'quick');
  // Two cells at a time in worker threads; the summary must not depend on it (checked against --jobs 1 below).
  const r = await runCli(['run', exp, '--quick', '--out', out, '--quiet', '--jobs', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /fraction 0\.01: np - adam = -?\d+\.\d+ points, paired t p = /);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(s.kind, 'grid');
  assert.deepEqual(Object.keys(s.acc), ['0.01']);
  assert.deepEqual(Object.keys(s.acc['0.01']), ['np', 'adam']);
  for (const o of ['np', 'adam']) {
    const c = s.acc['0.01'][o];
    assert.equal(c.n, 2);
    // mean and std are those of the cells' own summaries.
    const cells = [0, 1].map(
      (seed) =>
        JSON.parse(readFileSync(join(out, 'cells', `f0.01-${o}-s${seed}`, 'summary.json'), 'utf8'))
          .testAccuracy,
    );
    assert.deepEqual(c.values, cells);
    assert.ok(Math.abs(c.mean - (cells[0] + cells[1]) / 2) < 1e-12);
    assert.ok(Math.abs(c.std - Math.abs(cells[0] - cells[1]) / Math.SQRT2) < 1e-12);
  }
  assert.equal(s.paired.length, 1);
  assert.equal(s.paired[0].n, 2);
  assert.equal(s.curves['0.01'].np.length, 1);
  assert.match(readReport(join(out, 'report.html')), /Paired tests/);
  // The stored config is the reduced one, so a resume repeats exactly the quick grid.
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).learner.epochs, 1);
  const serial = join(dir, 'serial');
  assert.equal((await runCli(['run', exp, '--quick', '--out', serial, '--quiet', '--jobs', '1'])).code, 0);
  assert.deepEqual(JSON.parse(readFileSync(join(serial, 'summary.json'), 'utf8')), s);

  // Simulate a kill: the grid's summary and one cell's summary are gone, the grid is marked running.
  rmSync(join(out, 'summary.json'));
  rmSync(join(out, 'cells', 'f0.01-adam-s1', 'summary.json'));
  const status = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
  writeFileSync(join(out, 'run.json'), JSON.stringify({ ...status, status: 'running' }));
  const cellStatusPath = join(out, 'cells', 'f0.01-adam-s1', 'run.json');
  const cellStatus = JSON.parse(readFileSync(cellStatusPath, 'utf8'));
  writeFileSync(cellStatusPath, JSON.stringify({ ...cellStatus, status: 'running' }));
  // While it is unfinished, `report` summarises the finished runs: adam has seed 0 only, so the paired test has
  // one pair.
  const partial = await runCli(['report', out, '--json']);
  assert.equal(partial.code, 0, partial.stderr);
  const p = JSON.parse(partial.stdout);
  assert.deepEqual(p.runs, { done: 3, total: 4 });
  assert.deepEqual(p.acc['0.01'].np, s.acc['0.01'].np);
  assert.deepEqual(p.acc['0.01'].adam.seeds, [0]);
  assert.deepEqual(p.acc['0.01'].adam.values, [s.acc['0.01'].adam.values[0]]);
  assert.equal(p.paired[0].n, 1);
  assert.equal(p.paired[0].meanDiff, s.acc['0.01'].np.values[0] - s.acc['0.01'].adam.values[0]);
  const text = await runCli(['report', out]);
  assert.match(text.stdout, /unfinished grid: 3 of 4 runs finished/);
  assert.match(readReport(join(out, 'report.html')), /partial: 3 of 4 runs/);

  const res = await runCli(['run', '--resume', out, '--quiet', '--jobs', '2']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')), s);
  const full = JSON.parse((await runCli(['report', out, '--json'])).stdout);
  assert.deepEqual(full.acc, s.acc);
  assert.deepEqual(full.runs, { done: 4, total: 4 });
  assert.doesNotMatch(readReport(join(out, 'report.html')), /partial/);

  const missing = await runCli(['report', join(dir, 'nothing-here')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nothing-here: not a run directory \(no config\.json\)/);
});

test('grid settings are validated: unknown optimizers in compare or quick are named; --quick and --jobs need a grid', async () => {
  const dir = tempDir();
  const exp = join(dir, 'grid.yaml');
  writeFileSync(exp, GRID.replace('compare: [[np, adam]]', 'compare: [[np, adamx]]'));
  const r = await runCli(['run', exp, '--out', join(dir, 'x')]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /grid\.compare\.0\.1: unknown optimizer "adamx" \(grid has: np, adam\)/);
  writeFileSync(exp, GRID.replace('grid:', 'gridx:'));
  const r2 = await runCli(['run', exp, '--out', join(dir, 'y')]);
  assert.match(r2.stderr, /unknown field\(s\) "gridx"/);
  const plain = join(dir, 'plain.yaml');
  writeFileSync(plain, GRID.slice(0, GRID.indexOf('grid:')));
  const r3 = await runCli(['run', plain, '--quick', '--out', join(dir, 'z')]);
  assert.match(r3.stderr, /--quick: experiment tiny-grid has no grid to reduce/);
  const r4 = await runCli(['run', plain, '--jobs', '2', '--out', join(dir, 'j')]);
  assert.equal(r4.code, 2);
  assert.match(
    r4.stderr,
    /--jobs: experiment tiny-grid \(task kind classification\) has no parts that could run in parallel/,
  );
  assert.ok(!existsSync(join(dir, 'j')), 'nothing is written for a rejected run');
  const r5 = await runCli(['run', exp, '--jobs', '0']);
  assert.match(r5.stderr, /--jobs.*expected a positive integer, found "0"/);
});

test('a cell that fails in a worker thread stops the grid with its own error, and the other cells are kept', async () => {
  const dir = tempDir();
  const exp = join(dir, 'grid.yaml');
  writeFileSync(exp, GRID);
  const out = join(dir, 'run');
  assert.equal((await runCli(['run', exp, '--quick', '--out', out, '--quiet', '--jobs', '2'])).code, 0);
  // A damaged cell: its summary is gone and its checkpoint is not a tensor bundle.
  rmSync(join(out, 'summary.json'));
  const cell = join(out, 'cells', 'f0.01-np-s1');
  rmSync(join(cell, 'summary.json'));
  mkdirSync(join(cell, 'checkpoints'), { recursive: true });
  writeFileSync(join(cell, 'checkpoints', 'last.nptb'), 'garbage');
  for (const f of [join(out, 'run.json'), join(cell, 'run.json')])
    writeFileSync(f, JSON.stringify({ ...JSON.parse(readFileSync(f, 'utf8')), status: 'running' }));
  const r = await runCli(['run', '--resume', out, '--jobs', '2']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /f0\.01-np-s1\/checkpoints\/last\.nptb: too short for a tensor bundle/);
  assert.match(r.stderr, /\[3\/4\] fraction 0\.01 adam seed 1/);
  assert.equal(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).status, 'failed');

  // A damaged finished cell is named, by the run and by the report.
  writeFileSync(join(out, 'cells', 'f0.01-adam-s0', 'summary.json'), '{');
  for (const args of [
    ['run', '--resume', out],
    ['report', out],
  ]) {
    const bad = await runCli(args);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(
      bad.stderr,
      /f0\.01-adam-s0\/summary\.json: not a readable run summary .*delete it to run that cell again/,
    );
  }
});
