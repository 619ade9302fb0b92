/**
 * The dashboard's views outside the page: `neuroplast plot VIEW` for every view, the weights of gradient models as
 * images, and the bounded step-by-step trace the task-free method records for the neuromodulators view.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import pngjs from 'pngjs';
import { listFigures, plotFigure, startDashboard } from '../src/dashboard/index.js';
import { cnn, encodeBundle, mlp, saveModel } from '../src/engine/index.js';
import { saveCheckpoint } from '../src/experiments/checkpoint.js';
import { PeakTrace } from '../src/neuromod/index.js';
import { Adam } from '../src/optim/index.js';
import { weightMatrixPng } from '../src/viz/index.js';
import { BUILT_IN_PLOT_VIEWS, plotView } from '../src/dashboard/plot-registry.js';
import { runCli, tempDir, dashboardGet } from './helpers.js';

const get = dashboardGet;

const pixel = (png: pngjs.PNG, x: number, y: number) => {
  const at = (y * png.width + x) * 4;
  return [png.data[at], png.data[at + 1], png.data[at + 2]];
};
const isBlue = ([r, , b]: number[]) => b > 150 && r < 80;
const isRed = ([r, g, b]: number[]) => r > 150 && b < 80 && g < 80;

test('PeakTrace: each point is the largest value of its steps, memory stays bounded, a one-step burst survives', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 700 }),
      fc.constantFrom(2, 4, 16, 64),
      (values, capacity) => {
        const t = new PeakTrace(['a'], capacity);
        for (const v of values) t.push({ a: v });
        const { every, steps, values: out } = t.toJSON();
        assert.equal(steps, values.length);
        assert.ok(out.a.length <= capacity, `${out.a.length} points, capacity ${capacity}`);
        assert.equal(out.a.length, Math.ceil(values.length / every));
        out.a.forEach((v, k) => assert.equal(v, Math.max(...values.slice(k * every, (k + 1) * every))));
      },
    ),
  );
  const t = new PeakTrace(['na', 'other'], 10);
  for (let s = 0; s < 1000; s++) t.push({ na: s === 637 ? 9 : 0 });
  const j = t.toJSON();
  assert.equal(j.every, 128);
  assert.equal(j.values.na.filter((v) => v === 9).length, 1, 'the burst is one point');
  assert.equal(j.values.na.indexOf(9), Math.floor(637 / 128));
  assert.ok(
    j.values.other.every((v) => v === 0),
    'a name left out counts as 0',
  );
  assert.throws(() => new PeakTrace(['a'], 3), /capacity must be an even integer/);
});

test('a weight matrix picture: red negative, blue positive, and a pooled pixel keeps its block’s extreme', () => {
  const rows = 3000;
  const w = new Float32Array(rows * 2).fill(0.01);
  w[1234 * 2] = -5; // one strong weight among 3000 x 2: pooled to 1024 rows, it stays
  w[10 * 2 + 1] = 5;
  const png = pngjs.PNG.sync.read(weightMatrixPng(w, rows, 2));
  assert.ok(png.height <= 1024 && png.height >= 1000, `${png.height} rows`);
  const sx = png.width / 2;
  const rowOf = (r: number) => Math.floor(r / Math.ceil(rows / 1024));
  assert.ok(isRed(pixel(png, 0, rowOf(1234))), `${pixel(png, 0, rowOf(1234))}`);
  assert.ok(isBlue(pixel(png, sx, rowOf(10))), `${pixel(png, sx, rowOf(10))}`);
  const faint = pixel(png, 0, rowOf(500));
  assert.ok(
    faint.every((c) => c >= 240),
    `near 0 is near white: ${faint}`,
  );
  assert.throws(() => weightMatrixPng(w, 7, 2), /expected 7 x 2 weights, found 6000/);
});

/** A classification run directory with a saved MLP whose first unit sees +1 at the top-left pixel and -1 beside it. */
async function savedMlpRun(root: string): Promise<string> {
  const dir = join(root, 'mlp');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ name: 'mlp', task: { kind: 'classification' } }));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ status: 'completed' }));
  const model = mlp([1, 28, 28], [12], 10);
  const [w1] = model.params();
  w1.value.fill(0);
  w1.value[0 * 12 + 0] = 1;
  w1.value[1 * 12 + 0] = -1;
  await saveModel(join(dir, 'model.nptb'), model);
  return dir;
}

test('the weights of a saved gradient model: the first layer as one image per unit, the rest as matrices; checkpoints while it trains', async () => {
  const root = tempDir('np-weights-');
  await savedMlpRun(root);
  const conv = join(root, 'cnn');
  mkdirSync(join(conv, 'checkpoints'), { recursive: true });
  writeFileSync(join(conv, 'config.json'), JSON.stringify({ name: 'cnn', task: { kind: 'classification' } }));
  writeFileSync(join(conv, 'run.json'), JSON.stringify({ status: 'running' }));
  const model = cnn([3, 16, 16], { channels: [4], kernelSize: 3, hidden: [] }, 10);
  await saveCheckpoint(join(conv, 'checkpoints', 'last.nptb'), model, new Adam({ lr: 1e-3 }), { step: 1 });
  mkdirSync(join(root, 'damaged'));
  writeFileSync(
    join(root, 'damaged', 'config.json'),
    JSON.stringify({ name: 'damaged', task: { kind: 'classification' } }),
  );
  writeFileSync(join(root, 'damaged', 'model.nptb'), 'not a bundle');
  writeFileSync(join(root, 'damaged', 'run.json'), JSON.stringify({ status: 'completed' }));
  const d = await startDashboard({ dirs: [root], port: 0 });
  try {
    const runs = JSON.parse((await get(d, '/api/runs')).body.toString()).runs as {
      id: string;
      label: string;
      files: { model: boolean };
    }[];
    const id = (label: string) => runs.find((r) => r.label === label)!.id;
    assert.ok(
      runs.every((r) => r.files.model),
      'a saved model, or a classification run checkpointing',
    );
    const listing = JSON.parse((await get(d, `/api/runs/${id('mlp')}/weights`)).body.toString());
    assert.equal(listing.file, 'model.nptb');
    assert.deepEqual(
      listing.layers.map((l: { name: string; shape: number[]; picture: string }) => [
        l.name,
        l.shape,
        l.picture,
      ]),
      [
        ['fc1.weight', [784, 12], 'tiles'],
        ['fc2.weight', [12, 10], 'matrix'],
      ],
    );
    const r = await get(d, `/api/runs/${id('mlp')}/weights.png?layer=fc1.weight`);
    assert.equal(r.type, 'image/png');
    const png = pngjs.PNG.sync.read(r.body);
    // 12 units: 4 x 3 tiles of 28 x 28 pixels, one grey pixel apart.
    assert.deepEqual([png.width, png.height], [4 * 29 + 1, 3 * 29 + 1]);
    assert.ok(isBlue(pixel(png, 1, 1)) && isRed(pixel(png, 2, 1)), `${pixel(png, 1, 1)} ${pixel(png, 2, 1)}`);
    assert.deepEqual(pixel(png, 3, 1), [255, 255, 255]);

    const ck = JSON.parse((await get(d, `/api/runs/${id('cnn')}/weights`)).body.toString());
    assert.equal(ck.file, 'checkpoints/last.nptb');
    const names = ck.layers.map((l: { name: string }) => l.name);
    assert.ok(
      names.every((n: string) => !n.startsWith('optim/') && !n.startsWith('model/')),
      names.join(),
    );
    assert.equal(ck.layers[0].picture, 'tiles', 'colour filters of the first convolution');
    assert.deepEqual(ck.layers[0].shape, [4, 3, 3, 3]);
    const filters = pngjs.PNG.sync.read(
      (await get(d, `/api/runs/${id('cnn')}/weights.png?layer=${names[0]}`)).body,
    );
    // 4 filters of 3 x 3 at 8 pixels a weight: 2 x 2 tiles.
    assert.deepEqual([filters.width, filters.height], [2 * 25 + 1, 2 * 25 + 1]);

    const bad = await get(d, `/api/runs/${id('damaged')}/weights`);
    assert.equal(bad.status, 422);
    assert.match(bad.body.toString(), /^422 model\.nptb: [^\n]*\n$/);
    for (const layer of ['../model.nptb', 'optim/fc1.weight.m', 'nope'])
      assert.equal(
        (await get(d, `/api/runs/${id('mlp')}/weights.png?layer=${encodeURIComponent(layer)}`)).status,
        404,
        layer,
      );
  } finally {
    await d.close();
  }
});

test('neuroplast plot VIEW: figures named as the page exports them, SVG charts drawn by ECharts, pictures as PNG; errors one line', async () => {
  const root = tempDir('np-plot-views-');
  const dir = await savedMlpRun(root);
  const out = join(root, 'w.png');
  const r = await runCli(['plot', dir, 'weights', '--figure', 'weights-fc1.weight', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^plot: weights-fc1\.weight \(png, \d+ bytes\)/);
  assert.ok(isBlue(pixel(pngjs.PNG.sync.read(readFileSync(out)), 1, 1)));

  // A continual grid's cells: the accuracy matrix per method and scenario, as SVG.
  const grid = join(root, 'grid');
  mkdirSync(join(grid, 'cells'), { recursive: true });
  writeFileSync(join(grid, 'config.json'), JSON.stringify({ name: 'grid', task: { kind: 'continual' } }));
  for (const seed of [0, 1])
    writeFileSync(
      join(grid, 'cells', `ewc-class-s${seed}.json`),
      JSON.stringify({
        method: 'ewc',
        scenario: 'class',
        seed,
        contexts: [
          [0, 1],
          [2, 3],
        ],
        accuracy: [
          [0.98, 0.1],
          [0.25 + seed / 10, 0.97],
        ],
      }),
    );
  const figures = await listFigures(grid, 'accuracy-matrix');
  assert.deepEqual(
    figures.map((f) => [f.name, f.format]),
    [['accuracy-ewc-class', 'svg']],
  );
  const svgOut = join(root, 'm.svg');
  // One figure: no --figure needed.
  assert.deepEqual(await plotFigure(grid, 'accuracy-matrix', { out: svgOut }), {
    name: 'accuracy-ewc-class',
    format: 'svg',
    bytes: readFileSync(svgOut).length,
  });
  const svg = readFileSync(svgOut, 'utf8');
  assert.match(svg, /^<svg width="560" height="380"/);
  // The mean over the two seeds, as the page labels its cells.
  for (const label of ['tested on context', 'after training', '1 (0,1)', '0.30', '0.98'])
    assert.ok(svg.includes(label), label);
  assert.ok(!svg.includes('0.35'), 'seed 1 alone is not drawn');

  for (const [args, message] of [
    [
      ['plot', 'weights', dir, '--out', out],
      /--figure: expected a name, the weights view has 2 figures .*weights-fc1\.weight, weights-fc2\.weight/,
    ],
    [
      ['plot', 'weights', dir, '--figure', 'weights-x', '--out', out],
      /--figure: expected one of weights's figures .* found "weights-x"/,
    ],
    [
      ['plot', 'weights', dir, '--figure', 'weights-fc2.weight', '--out', svgOut],
      /--out .*m\.svg: expected a file name ending in \.png/,
    ],
    [['plot', 'weights', dir, grid, '--out', out], /plot weights: expected one run directory, found 2/],
    [
      ['plot', 'accuracy-matrix', dir, '--out', svgOut],
      /the accuracy-matrix view has no figure for this run/,
    ],
    [['plot', dir, grid], /expected a view \(scalars, accuracy-matrix/],
    [['plot', 'weights', dir], /plot weights: expected --out FILE \(or --list\)/],
  ] as [string[], RegExp][]) {
    const e = await runCli(args);
    assert.equal(e.code, 2, args.join(' '));
    assert.match(e.stderr.trim(), /^neuroplast: error: [^\n]+$/, e.stderr);
    assert.match(e.stderr, message);
  }
});

test('an evolution run of a rule problem: its summary carries the genome, each front member’s rule per synapse type is drawn', async () => {
  const root = tempDir('np-plot-rules-');
  const out = join(root, 'rs');
  const r = await runCli(
    ['run', 'experiments/rediscover-stdp.yaml', '--quick', '--out', out, '--quiet'],
    {},
    {
      timeoutMs: 300_000,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const swarm = summary.searches.swarm;
  assert.deepEqual(swarm.genome.synapseTypes, [['pre', 'post']]);
  const names = (await listFigures(out, 'fronts')).map((f) => f.name);
  assert.ok(names.includes('front-swarm-complexity-vs-error'), names.join());
  swarm.front.forEach((_: unknown, i: number) =>
    assert.ok(names.includes(`front-swarm-rule-${i}`), `rule ${i}`),
  );
  // The member with the most terms: its non-zero coefficients are the coloured cells, red below 0, blue above.
  const k = swarm.front.reduce(
    (best: number, m: { objectives: { complexity: number } }, i: number) =>
      m.objectives.complexity > swarm.front[best].objectives.complexity ? i : best,
    0,
  );
  const svgOut = join(root, 'rule.svg');
  await plotFigure(out, 'fronts', { figure: `front-swarm-rule-${k}`, out: svgOut });
  const svg = readFileSync(svgOut, 'utf8');
  for (const term of ['S_pre X_post', 'S_post X_pre', 'pre-&gt;post']) assert.ok(svg.includes(term), term);
  const coloured = [...svg.matchAll(/fill="rgb\((\d+),(\d+),(\d+)\)"/g)].map((m) => m.slice(1).map(Number));
  assert.equal(coloured.length, swarm.front[k].objectives.complexity, `${coloured.length} coloured cells`);
  const signs = (swarm.front[k].equation as string)
    .match(/[-+]?\s?\d\.\d+/g)!
    .map((c) => (c.includes('-') ? -1 : 1));
  assert.deepEqual(
    coloured.map(([red, , blue]) => (red > blue ? -1 : 1)).sort(),
    signs.sort(),
    `${swarm.front[k].equation}: ${JSON.stringify(coloured)}`,
  );
});

test('hostile saved models stay bounded: an input shape no picture can hold is a matrix, overlapping tensors are refused', async () => {
  const root = tempDir('np-weights-hostile-');
  const write = (name: string, bytes: Uint8Array) => {
    mkdirSync(join(root, name));
    writeFileSync(join(root, name, 'run.json'), JSON.stringify({ status: 'completed' }));
    writeFileSync(join(root, name, 'model.nptb'), bytes);
  };
  const w = new Float32Array(4096 * 64);
  w[0] = 1;
  // One row of 4,096 pixels per unit, at 8 pixels a weight, would be 64 tiles of 32,769 x 9 pixels.
  write(
    'wide',
    encodeBundle({
      meta: { format: 'neuroplast-model', inputShape: [1, 1, 4096] },
      tensors: new Map([['fc1.weight', { shape: [4096, 64], data: w }]]),
    }),
  );
  const bundle = encodeBundle({
    meta: { format: 'neuroplast-model' },
    tensors: new Map([['fc1.weight', { shape: [4, 4], data: new Float32Array(16) }]]),
  });
  // The same 16 values claimed by a second entry: a header may not claim more values than the file holds.
  const headerLen = new DataView(bundle.buffer, bundle.byteOffset).getUint32(8, true);
  const header = JSON.parse(Buffer.from(bundle.subarray(12, 12 + headerLen)).toString('utf8'));
  header.tensors.push({ ...header.tensors[0], name: 'fc2.weight' });
  delete header.sha256;
  const text = Buffer.from(JSON.stringify(header));
  const padded = Math.ceil(text.length / 4) * 4;
  const forged = Buffer.alloc(12 + padded + 64);
  forged.set(bundle.subarray(0, 8));
  forged.writeUInt32LE(text.length, 8);
  forged.set(text, 12);
  write('forged', forged);
  const d = await startDashboard({ dirs: [root], port: 0 });
  try {
    const runs = JSON.parse((await get(d, '/api/runs')).body.toString()).runs as {
      id: string;
      label: string;
    }[];
    const id = (label: string) => runs.find((r) => r.label === label)!.id;
    const wide = JSON.parse((await get(d, `/api/runs/${id('wide')}/weights`)).body.toString());
    assert.equal(wide.layers[0].picture, 'matrix');
    const png = pngjs.PNG.sync.read(
      (await get(d, `/api/runs/${id('wide')}/weights.png?layer=fc1.weight`)).body,
    );
    assert.ok(png.width * png.height <= 1024 * 1024, `${png.width} x ${png.height}`);
    const forgedAnswer = await get(d, `/api/runs/${id('forged')}/weights`);
    assert.equal(forgedAnswer.status, 422);
    assert.match(
      forgedAnswer.body.toString(),
      /^422 model\.nptb: .*its tensors claim 32 values, the file holds 16\n$/,
    );
  } finally {
    await d.close();
  }
});

test('plot lists: scalars gives its series, a title two histograms share gets a suffix, one objective is plotted against itself', async () => {
  const root = tempDir('np-plot-lists-');
  const run = join(root, 'run');
  mkdirSync(run);
  writeFileSync(
    join(run, 'metrics.jsonl'),
    [
      { type: 'optimizer', step: 1, histogram: [1, 2, 3] },
      { type: 'optimizer', layer: 'fc1', step: 1, histogram: [3, 2, 1] },
      { type: 'train', step: 1, loss: 2 },
      { type: 'train', step: 2, loss: 1 },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n') + '\n',
  );
  writeFileSync(
    join(run, 'summary.json'),
    JSON.stringify({ searches: { es: { front: [{ objectives: { error: 0.5 }, genes: [1, 2] }] } } }),
  );
  assert.deepEqual(
    (await listFigures(run, 'distributions')).map((f) => f.name),
    ['distribution-NeuroPlastic-alpha-distribution', 'distribution-NeuroPlastic-alpha-distribution-2'],
  );
  assert.deepEqual(
    (await listFigures(run, 'fronts')).map((f) => f.name),
    ['front-es-error-vs-error', 'front-es-genes'],
  );
  // Every view the CLI's help names is registered once the built-in views load (listFigures loaded them).
  for (const name of BUILT_IN_PLOT_VIEWS) assert.ok(plotView(name), name);
  const r = await runCli(['plot', 'scalars', run, '--list']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.split('\n').includes('type=train loss\t2'), r.stdout);
});
