/**
 * What the dashboard's science views read on the server: histograms over time in metrics, spiking monitor plots,
 * receptive fields from a saved Diehl & Cook network, single grid cells; bounded, and nothing outside the run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import pngjs from 'pngjs';
import {
  MAX_HISTOGRAM_ROWS,
  MAX_HISTOGRAMS,
  MetricsSeries,
  plotRuns,
  inlineScript,
  reportDataOf,
  scriptJson,
  startDashboard,
  type Dashboard,
} from '../src/dashboard/index.js';
import { encodeBundle } from '../src/engine/index.js';
import { Network } from '../src/spiking/index.js';
import { needsConfig, runMatches } from '../src/dashboard/run-filter.js';
import { CLI, runCli, tempDir, dashboardGet } from './helpers.js';

const get = dashboardGet;

const json = async (d: Dashboard, path: string) => {
  const r = await get(d, path);
  assert.equal(r.status, 200, `${path}: ${r.body.toString()}`);
  return JSON.parse(r.body.toString());
};

async function runIds(d: Dashboard): Promise<(label: string) => string> {
  const runs = (await json(d, '/api/runs')).runs as { id: string; label: string }[];
  return (label) => runs.find((r) => r.label === label)!.id;
}

test('histograms over time: rows kept with their range, thinned to every stride-th record past the cap', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 * MAX_HISTOGRAM_ROWS }),
      fc.integer({ min: 2, max: 40 }),
      (n, bins) => {
        const m = new MetricsSeries();
        const lines = Array.from({ length: n }, (_, i) =>
          JSON.stringify({
            type: 'optimizer',
            step: 10 * i,
            alphaMean: 1,
            histogram: Array.from({ length: bins }, (_, b) => i + b),
            histogramRange: [0.2, 2],
          }),
        );
        m.append(Buffer.from(lines.join('\n') + '\n'));
        const h = m.histograms.get('type=optimizer histogram')!;
        assert.ok(
          h.rows.length <= MAX_HISTOGRAM_ROWS && h.rows.length >= Math.min(n, MAX_HISTOGRAM_ROWS / 2),
        );
        assert.deepEqual(h.range, [0.2, 2]);
        // Every kept row is the record at its x, and the kept records are every stride-th one from the first.
        h.rows.forEach((row, k) => {
          const i = h.x[k] / 10;
          assert.equal(i, k * h.stride);
          assert.equal(row[0], i);
          assert.equal(row.length, bins);
        });
        // The range is not a histogram of its own; the scalar beside it is still a scalar series.
        assert.equal(m.histograms.size, 1);
        assert.equal(m.series.get('type=optimizer alphaMean')?.y.length, n);
      },
    ),
    { numRuns: 40 },
  );
});

test('histograms: rows of another length, long arrays, strings and the cap on their number', () => {
  const m = new MetricsSeries();
  const records = [
    { step: 0, hHistogram: [1, 2, 3], accuracy: [0.5, 0.6] },
    { step: 1, hHistogram: [1, 2] },
    {
      step: 2,
      hHistogram: [4, 5, 6],
      longHistogram: new Array(300).fill(1),
      wordsHistogram: ['a', 'b'],
      oneHistogram: [1],
      ranged: [1, 2, 3],
      rangedRange: [0, 1],
    },
    ...Array.from({ length: MAX_HISTOGRAMS + 3 }, (_, k) => ({ step: 3, [`extra${k}Histogram`]: [1, 2] })),
  ];
  m.append(Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n'));
  // A histogram says so by its name or its range: a list of accuracies is not one.
  assert.ok(!m.histograms.has('accuracy'));
  assert.deepEqual(m.histograms.get('ranged')?.range, [0, 1]);
  const h = m.histograms.get('hHistogram')!;
  assert.deepEqual(h.rows, [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(h.x, [0, 2]);
  assert.equal(h.range, null);
  for (const k of ['longHistogram', 'wordsHistogram', 'oneHistogram']) assert.ok(!m.histograms.has(k), k);
  assert.equal(m.histograms.size, MAX_HISTOGRAMS);
  assert.equal(m.droppedSeries, 5);
});

test("the histogram and monitor endpoints: a real network's monitors drawn, damaged files and outside names refused", async () => {
  const root = tempDir('np-dash-views-');
  const run = join(root, 'spiking');
  mkdirSync(run);
  const net = new Network(0.1);
  const input = net.poisson('input', 40, 20, 1);
  const cells = net.lif('cells', 20, {
    cmPf: 200,
    gLeakNs: 10,
    eLeakMv: -70,
    vThreshMv: -55,
    vResetMv: -70,
    refractoryMs: 2,
    synapse: 'current',
    tauExcMs: 5,
    tauInhMs: 10,
  });
  const proj = net.connect(input, cells, {
    connector: { kind: 'all-to-all' },
    weight: 150,
    receptor: 'exc',
    seed: 2,
    name: 'input->cells',
  });
  const spikes = net.monitorSpikes(cells);
  net.monitorRate(cells, 5);
  net.monitorWeights(proj, 'all', { everyMs: 50 });
  net.run(300);
  await net.exportMonitors(join(run, 'monitors'));
  writeFileSync(
    join(run, 'metrics.jsonl'),
    [0, 1, 2].map((i) => JSON.stringify({ type: 'optimizer', step: i, histogram: [i, 1, 2] })).join('\n') +
      '\n',
  );
  // A damaged monitor file, and one outside the run that a link points to.
  writeFileSync(join(run, 'rate-broken.csv'), 't_ms,rate_hz\n1,abc\n');
  writeFileSync(join(root, 'spikes-secret.csv'), 't_ms,neuron\n1,0\n');
  symlinkSync(join(root, 'spikes-secret.csv'), join(run, 'spikes-linked.csv'));
  const d = await startDashboard({ dirs: [run], port: 0 });
  try {
    const id = (await runIds(d))('spiking');
    const runs = (await json(d, '/api/runs')).runs;
    assert.equal(runs[0].files.monitors, true);
    const series = await json(d, `/api/runs/${id}/series`);
    assert.deepEqual(series.histograms, [
      {
        key: 'type=optimizer histogram',
        group: 'type=optimizer',
        field: 'histogram',
        xField: 'step',
        rows: 3,
        bins: 3,
      },
    ]);
    const h = await json(
      d,
      `/api/runs/${id}/histogram?key=${encodeURIComponent('type=optimizer histogram')}`,
    );
    assert.deepEqual(h.rows, [
      [0, 1, 2],
      [1, 1, 2],
      [2, 1, 2],
    ]);
    assert.equal((await get(d, `/api/runs/${id}/histogram?key=nothing`)).status, 404);

    const { monitors } = await json(d, `/api/runs/${id}/monitors`);
    assert.deepEqual(
      monitors.map((m: { file: string }) => m.file),
      [
        'rate-broken.csv',
        'monitors/spikes-cells.csv',
        'monitors/rate-cells.csv',
        'monitors/weights-input-%3Ecells.csv',
      ],
    );
    const raster = await get(
      d,
      `/api/runs/${id}/monitor.svg?file=${encodeURIComponent('monitors/spikes-cells.csv')}`,
    );
    assert.equal(raster.status, 200);
    assert.match(raster.type, /^image\/svg\+xml/);
    const svg = raster.body.toString();
    assert.match(svg, /^<svg /);
    // One mark per spike the monitor recorded (few enough to draw each).
    assert.match(svg, new RegExp(`${spikes.times.length} spikes, one mark each`));
    const weights = await get(
      d,
      `/api/runs/${id}/monitor.svg?file=${encodeURIComponent('monitors/weights-input-%3Ecells.csv')}&width=900`,
    );
    assert.match(weights.body.toString(), /Weights of input-&gt;cells \(800 sampled synapses\)/);
    const broken = await get(d, `/api/runs/${id}/monitor.svg?file=rate-broken.csv`);
    assert.equal(broken.status, 422);
    assert.match(broken.body.toString(), /^422 rate-broken\.csv: line 2: rate_hz is not a number: "abc"\n?$/);
    for (const file of [
      'spikes-linked.csv',
      '../spikes-secret.csv',
      '/etc/passwd',
      'monitors/../rate-broken.csv',
      '',
    ])
      assert.equal(
        (await get(d, `/api/runs/${id}/monitor.svg?file=${encodeURIComponent(file)}`)).status,
        404,
        file,
      );
  } finally {
    await d.close();
  }
});

test('receptive fields from a real Diehl & Cook run, and single cells of a go-nogo grid; links and odd names refused', async () => {
  const root = tempDir('np-dash-rf-');
  writeFileSync(
    join(root, 'dc.yaml'),
    'name: dc\nseed: 0\ntask: { kind: diehl-cook, dataset: mnist, trainImages: 60, labelImages: 30, testImages: 30 }\n' +
      'network: { neurons: 9 }\ncheckpoint: { everyImages: 30 }\n',
  );
  writeFileSync(
    join(root, 'gng.yaml'),
    'name: gng\nseed: 0\ntask:\n  kind: go-nogo\n  cues: { visual: [A, B], auditory: [X, Y] }\n  blocks:\n' +
      '    - { go: [A], trials: 30 }\n    - { go: [B], trials: 30 }\n  rewardProbability: 0.9\n  punishmentProbability: 0.9\n  cueNoise: 0.05\nlearners: [gradient]\nconditions: [all]\nseeds: [0]\nchangeProbability: 0.05\nmapping: go-nogo\n',
  );
  const runs = join(root, 'runs');
  const results = await Promise.all(
    ['dc', 'gng'].map((n) =>
      runCli(['run', join(root, `${n}.yaml`), '--out', join(runs, n), '--quiet'], {}, { timeoutMs: 300_000 }),
    ),
  );
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  // A cell elsewhere, linked into the grid, and a grid whose cells folder is a link.
  writeFileSync(join(root, 'secret.json'), '{"secret": true}');
  symlinkSync(join(root, 'secret.json'), join(runs, 'gng', 'cells', 'linked.json'));
  mkdirSync(join(runs, 'other'));
  writeFileSync(join(runs, 'other', 'run.json'), '{"status": "completed"}');
  symlinkSync(join(runs, 'gng', 'cells'), join(runs, 'other', 'cells'));
  writeFileSync(join(runs, 'gng', 'cells', 'damaged.json'), '{"kind": "go-no');
  const d = await startDashboard({ dirs: [runs], port: 0 });
  try {
    const id = await runIds(d);
    const rf = await get(d, `/api/runs/${id('dc')}/receptive-fields.png`);
    assert.equal(rf.status, 200);
    assert.equal(rf.type, 'image/png');
    const png = pngjs.PNG.sync.read(rf.body);
    // 9 neurons: 3 x 3 tiles of 28 x 28 pixels at twice the size, one pixel apart.
    assert.deepEqual([png.width, png.height], [3 * 57 + 1, 3 * 57 + 1]);
    const file = readFileSync(join(runs, 'dc', 'receptive_fields.png'));
    assert.ok(rf.body.equals(file), 'the final network gives the picture the run wrote');
    // A saved state too large to draw (65 x 65 inputs per field) is refused before any picture is made.
    const big = new Float32Array(65 * 65);
    writeFileSync(
      join(runs, 'dc', 'network.nptb'),
      encodeBundle({
        meta: {},
        tensors: new Map([
          ['weights', { shape: [big.length], data: big }],
          ['theta', { shape: [1], data: new Float32Array(1) }],
        ]),
      }),
    );
    const tooBig = await get(d, `/api/runs/${id('dc')}/receptive-fields.png`);
    assert.equal(tooBig.status, 422);
    assert.match(tooBig.body.toString(), /1 fields of 65 x 65 pixels is more than this view draws/);
    writeFileSync(join(runs, 'dc', 'network.nptb'), 'damaged');
    const damaged = await get(d, `/api/runs/${id('dc')}/receptive-fields.png`);
    assert.equal(damaged.status, 422);
    assert.match(damaged.body.toString(), /^422 network\.nptb: .*tensor bundle/);
    assert.equal((await get(d, `/api/runs/${id('gng')}/receptive-fields.png`)).status, 404);

    const cell = await json(d, `/api/runs/${id('gng')}/cell?name=gradient-all-s0.json`);
    assert.equal(cell.kind, 'go-nogo-cell');
    assert.equal(cell.levels.serotonin.length, 60);
    assert.equal((await get(d, `/api/runs/${id('gng')}/cell?name=damaged.json`)).status, 422);
    for (const name of [
      'linked.json',
      '../config.json',
      '..%2fconfig.json',
      '/etc/passwd',
      '.hidden.json',
      'x',
    ])
      assert.equal(
        (await get(d, `/api/runs/${id('gng')}/cell?name=${encodeURIComponent(name)}`)).status,
        404,
        name,
      );
    assert.equal((await get(d, `/api/runs/${id('other')}/cell?name=gradient-all-s0.json`)).status, 404);
  } finally {
    await d.close();
  }
});

test('grouped figures: neuroplast plot --group-by and the SVG export draw a mean curve with its ± sd band per group', async () => {
  const root = tempDir('np-dash-group-');
  const make = (name: string, lr: number, offset: number) => {
    const dir = join(root, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ name, learner: { lr } }));
    writeFileSync(
      join(dir, 'metrics.jsonl'),
      Array.from({ length: 50 }, (_, i) =>
        JSON.stringify({ type: 'train', step: i, loss: offset + 1 / (i + 1) }),
      ).join('\n') + '\n',
    );
    return dir;
  };
  const dirs = [make('a', 0.1, 0), make('b', 0.1, 2), make('c', 0.01, 5)];
  const out = join(root, 'grouped.svg');
  const drawn = await plotRuns(dirs, 'scalars', { key: 'type=train loss', out, groupBy: 'learner.lr' });
  assert.deepEqual(drawn, { 'learner.lr=0.1 (2 runs)': 50, 'learner.lr=0.01 (1 runs)': 50 });
  const svg = readFileSync(out, 'utf8');
  // Two bands (the single run's has no width but is drawn), two mean lines, their labels.
  assert.equal(svg.match(/fill-opacity="0.2"/g)?.length, 2);
  assert.match(svg, /learner\.lr=0\.1 \(2 runs\)/);
  assert.match(svg, /type=train loss: mean ± sd over runs/);
  const cli = spawnSync(
    process.execPath,
    [CLI, 'plot', 'scalars', ...dirs, '--key', 'type=train loss', '--out', out, '--group-by', 'learner.lr'],
    { encoding: 'utf8' },
  );
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /learner\.lr=0\.1 \(2 runs\): 50 points/);

  const d = await startDashboard({ dirs: [root], port: 0 });
  try {
    const id = await runIds(d);
    const groups = `group=${id('a')},${id('b')}&label=${encodeURIComponent('lr <0.1>')}&group=${id('c')}&label=x`;
    const r = await get(d, `/api/plot.svg?${groups}&key=${encodeURIComponent('type=train loss')}`);
    assert.equal(r.status, 200);
    const body = r.body.toString();
    assert.equal(body.match(/fill-opacity="0.2"/g)?.length, 2);
    assert.ok(body.includes('lr &lt;0.1&gt; (2 runs)') && !body.includes('<0.1>'));
    assert.equal((await get(d, `/api/plot.svg?group=${'0'.repeat(16)}&key=x`)).status, 404);
  } finally {
    await d.close();
  }
});

test('the data a report carries for its views stays within its budgets and says what it left out', async () => {
  const dir = join(tempDir('np-report-data-'), 'grid');
  mkdirSync(join(dir, 'cells'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ name: 'grid', task: { kind: 'go-nogo' } }));
  // 100 series of 5,000 points: more than the report's 200,000 points in all.
  const lines: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const r: Record<string, number> = { step: i };
    for (let k = 0; k < 100; k++) r[`m${k}`] = k === 7 && i === 4321 ? 1e6 : Math.sin(i / 50 + k);
    lines.push(JSON.stringify(r));
  }
  writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
  // 12 cells of about 400 kB: the first ten fit the 4 MiB budget.
  const trials = Array.from({ length: 20_000 }, (_, i) => (i % 97) / 97);
  for (let c = 0; c < 12; c++)
    writeFileSync(
      join(dir, 'cells', `gradient-all-s${String(c).padStart(2, '0')}.json`),
      JSON.stringify({ kind: 'go-nogo-cell', seed: c, blocks: [], entropy: trials }),
    );
  const data = await reportDataOf(dir);
  const points = data.series.reduce((n, s) => n + s.x.length, 0);
  assert.ok(points <= 200_000, `${points} points`);
  assert.equal(data.series.length, 100);
  assert.equal(data.series[0].info.points, 5000);
  assert.equal(Math.max(...data.series.find((s) => s.info.key === 'm7')!.y), 1e6, 'the spike is kept');
  assert.match(data.notes.join('\n'), /100 curves are written reduced/);
  const kept = Object.keys(data.cellFiles);
  assert.ok(kept.length >= 6 && kept.length < 12, `${kept.length} cells kept`);
  assert.deepEqual(kept, kept.slice().sort());
  assert.match(data.notes.join('\n'), new RegExp(`${12 - kept.length} cells' trials are left out`));
  assert.equal(data.run.label, 'grid');
  assert.ok(!('dir' in data.run) && !('root' in data.run), 'no local paths');
});

test('inline script and data: nothing can end the element or open a comment, and the code means the same', () => {
  const code = 'globalThis.out = ["</script>", "<!--", /<\\/script>/u.source, /<!--/u.test("<!--")];';
  const safe = inlineScript(code);
  assert.ok(!/<\/script|<!--/i.test(safe), safe);
  const run = (js: string) => {
    new Function(js)();
    return (globalThis as { out?: unknown }).out;
  };
  assert.deepEqual(run(safe), run(code));
  const data = scriptJson({ name: '</script><script>alert(1)</script>', line: 'a\u2028b' });
  assert.ok(!data.includes('<') && !data.includes('\u2028'));
  assert.deepEqual(JSON.parse(data), { name: '</script><script>alert(1)</script>', line: 'a\u2028b' });
});

test('the run filter: config fields by dotted path or its last parts, values as typed, negation and words', () => {
  const run = { label: 'grid/adam-s1', name: 'adam-s1', kind: 'classification' };
  const config = {
    learner: { optimizer: { name: 'adam', lr: 0.001 }, batchSize: 64 },
    tags: ['a', 'b'],
    quick: true,
  };
  const keeps = (f: string) => runMatches(f, run, config);
  for (const f of [
    '',
    'learner.optimizer.lr=0.001',
    'lr=1e-3',
    'name=adam',
    'optimizer.name=adam',
    'quick=true',
  ])
    assert.ok(keeps(f), f);
  for (const f of ['adam', 'ADAM-S1', 'classif', 'name!=sgd', 'batchSize=64 adam', 'tags=["a","b"]'])
    assert.ok(keeps(f), f);
  for (const f of [
    'lr=0.01',
    'name=sgd',
    'name!=adam',
    'sgd',
    'missing=1',
    'batchSize=64 sgd',
    'lr=',
    'me=adam',
  ])
    assert.ok(!keeps(f), f);
  // A field the run does not have is "other than" any value.
  assert.ok(keeps('missing!=1'));
  assert.equal(needsConfig('adam s1'), false);
  assert.equal(needsConfig('adam lr=1'), true);
});
