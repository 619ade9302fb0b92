import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { taskKindNames, validateAnyExperiment } from '../../src/experiments/index.js';
import { runCli, tempDir, readReport } from '../helpers.js';

const classificationConfig = (extra: object = {}) =>
  validateAnyExperiment(
    {
      name: 'fake',
      task: { kind: 'classification', dataset: 'mnist' },
      model: { type: 'mlp' },
      learner: { optimizer: { name: 'sgd', lr: 0.1 } },
      ...extra,
    },
    'test',
  );

/** A run directory with the given files (objects are written as JSON, strings as they are). */
function runDir(files: Record<string, unknown>): string {
  const dir = tempDir('np-report-');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

const oneLine = (stderr: string) => {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], /^neuroplast: error: /);
  return lines[0];
};

test('report on a finished run prints what its kind says and writes the report; --json prints its summary', async () => {
  const summary = {
    kind: 'classification',
    name: 'fake',
    dataset: 'mnist',
    testAccuracy: 0.5,
    testSamples: 10,
    trainSamples: 20,
  };
  const dir = runDir({ 'config.json': classificationConfig(), 'summary.json': summary });
  const r = await runCli(['report', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `test accuracy: 50.00% (mnist, 10 test images, 20 trained on)\nreport: ${join(dir, 'report.html')}\n`,
  );
  assert.match(readReport(join(dir, 'report.html')), /<h2>Learning curves<\/h2>/);
  const j = await runCli(['report', dir, '--json']);
  assert.deepEqual(JSON.parse(j.stdout), summary);
  const unfinished = runDir({ 'config.json': classificationConfig() });
  assert.match(
    oneLine((await runCli(['report', unfinished, '--json'])).stderr),
    /has no summary yet and no finished parts/,
  );
});

test('report: damaged run files are one-line errors naming the file, never a stack trace', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ 'config.json': 'null' }, /config\.json: expected a JSON object, found null/],
    [{ 'config.json': '{"name": ' }, /config\.json: invalid JSON/],
    [{ 'config.json': { ...classificationConfig(), grid: {} } }, /config\.json: grid\.trainFractions: /],
    [
      { 'config.json': classificationConfig(), 'summary.json': 'null' },
      /summary\.json: expected a JSON object, found null/,
    ],
    [
      { 'config.json': classificationConfig(), 'summary.json': { kind: 'grid', name: 'g' } },
      /summary\.json: not a summary the classification-grid view can show/,
    ],
  ];
  for (const [files, message] of cases) {
    const dir = runDir(files);
    const r = await runCli(['report', dir]);
    assert.equal(r.code, 1, JSON.stringify(files));
    assert.match(oneLine(r.stderr), message);
    // A damaged summary still gets a page, saying what is wrong.
    if (/summary\.json/.test(message.source))
      assert.match(
        readReport(join(dir, 'report.html')),
        /<div class="error"><b>This run's summary cannot be shown/,
      );
  }
  assert.match(
    oneLine((await runCli(['report', tempDir()])).stderr),
    /not a run directory \(no config\.json\)/,
  );
});

test('report escapes everything it takes from run files and reads no file outside the run directory', async () => {
  const evil = '<script>alert(1)</script>';
  const grid = runDir({
    'config.json': classificationConfig(),
    'summary.json': {
      kind: 'grid',
      name: evil,
      dataset: evil,
      seeds: [0],
      trainFractions: [evil],
      optimizers: [evil],
      acc: { [evil]: { [evil]: { mean: 0.5, std: 0, n: evil } } },
      paired: [{ fraction: evil, a: evil, b: evil, n: evil, meanDiff: 0.1, p: null, winsA: evil }],
      curves: {},
    },
  });
  const dc = runDir({
    'config.json': validateAnyExperiment({ name: 'dc', task: { kind: 'diehl-cook' } }, 'test'),
    'summary.json': {
      kind: 'diehl-cook',
      name: 'dc',
      dataset: evil,
      neurons: evil,
      testAccuracy: 0.5,
      proportionAccuracy: 0.5,
      trainImages: evil,
      labelImages: 1,
      testImages: 1,
      presentations: { [evil]: evil },
      assignment: [0],
      confusion: [[evil]],
      meanThetaMv: 1,
      receptiveFields: '../../../../../../etc/hostname',
    },
  });
  for (const dir of [grid, dc]) {
    const r = await runCli(['report', dir]);
    assert.equal(r.code, 0, r.stderr);
    const page = readFileSync(join(dir, 'report.html'), 'utf8');
    // The only scripts are the interactive views' own: their data (no `<` in it at all) and their code, and for a
    // Diehl & Cook run the live network's data and code.
    const views = page.indexOf('<h2>Interactive views</h2>');
    assert.ok(views > 0 && !page.slice(0, views).includes('<script'), page);
    assert.equal(page.match(/<script/g)?.length, dir === dc ? 4 : 2);
    if (dir === dc)
      assert.match(page, /<script type="application\/json" id="neuroplast-live-data">[^<]*<\/script>/);
    const data = /<script type="application\/json" id="neuroplast-data">([^<]*)<\/script>/.exec(page);
    assert.ok(data, 'the data is one script element with no markup inside');
    assert.equal(JSON.parse(data[1]).summary.dataset, evil);
    assert.match(page, /&lt;script&gt;/);
  }
  assert.match(readReport(join(dc, 'report.html')), /receptive_fields\.png missing/);
});

test('report on a run of a kind this neuroplast does not know warns and shows its summary', async () => {
  const dir = runDir({
    'config.json': { name: 'c', task: { kind: 'count' } },
    'summary.json': { kind: 'count', total: 55 },
  });
  const r = await runCli(['report', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `^neuroplast: warning: .*config\\.json: task kind "count" is not registered here \\(known: ${taskKindNames().join(', ')}\\)`,
    ),
  );
  assert.match(readReport(join(dir, 'report.html')), /<th>total<\/th>\s*<td>55<\/td>/);
});
