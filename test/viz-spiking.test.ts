import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { tempDir } from './helpers.js';
import {
  chooseReportView,
  findMonitorFiles,
  populationRatePng,
  populationRateSvg,
  readRunContents,
  renderRunReport,
  spikeRasterPng,
  spikeRasterSvg,
  spikingMonitorsSection,
  weightHistogramPng,
  weightHistogramSvg,
} from '../src/viz/index.js';
import { Network } from '../src/spiking/index.js';

/** The moves of an SVG path's d attribute as [x, y] pairs. */
const moves = (d: string) => [...d.matchAll(/M([\d.]+) ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
const attr = (svg: string, cls: string, name: string) =>
  new RegExp(`class="${cls}"[^>]*?${name}="([^"]*)"`).exec(svg)?.[1] ?? '';

test('a small raster draws one mark per spike, earlier left, higher neurons up', () => {
  const svg = spikeRasterSvg({ timesMs: [10, 20, 30], neurons: [0, 1, 2] }, { title: 'tiny' });
  assert.match(svg, /^<svg[^>]* width="640" height="320"/);
  const marks = moves(attr(svg, 'spikes', 'd'));
  assert.equal(marks.length, 3);
  assert.ok(marks[0][0] < marks[1][0] && marks[1][0] < marks[2][0], 'time runs left to right');
  assert.ok(marks[0][1] > marks[1][1] && marks[1][1] > marks[2][1], 'neuron 0 at the bottom');
  assert.equal(marks[0][0], 60, 'the first spike on the left edge of the plot area');
  assert.match(svg, /3 spikes, one mark each/);
  assert.doesNotMatch(svg, /<image/);
  // Spikes outside the requested ranges, and invalid ones, are left out.
  const some = spikeRasterSvg(
    { timesMs: [10, 20, 30, Number.NaN, 5], neurons: [0, 1, 2, 0, -1] },
    { timeRangeMs: [15, 40], neuronCount: 3 },
  );
  assert.equal(moves(attr(some, 'spikes', 'd')).length, 2);
  assert.match(spikeRasterSvg({ timesMs: [], neurons: [] }, { title: 'none' }), /none: no spikes/);
  assert.throws(() => spikeRasterSvg({ timesMs: [1], neurons: [] }), /1 times and 0 neuron indices/);
});

test('a small rate series is a line through its points; weight histograms shade each bin by its fraction', () => {
  const svg = populationRateSvg({ timesMs: [5, 10, 15, 20], ratesHz: [0, 10, 5, 20] });
  const d = attr(svg, 'rate', 'd');
  assert.equal((d.match(/[ML]/g) ?? []).length, 4);
  assert.match(svg, /4 points/);
  assert.match(svg, /rate \(Hz\)/);
  // Two samples of four synapses, two bins over [0, 1]: (1/2, 1/2) then (1/4, 3/4). The largest fraction (3/4) is
  // the darkest of 16 levels; 1/2 is level ceil(16 x (1/2) / (3/4)) = 11, 1/4 level 6.
  const h = weightHistogramSvg(
    {
      timesMs: [0, 100],
      samples: [
        [0, 0.2, 0.8, 1],
        [0.1, 0.6, 0.9, 1],
      ],
    },
    { bins: 2, range: [0, 1] },
  );
  const cells = (level: number) =>
    moves(new RegExp(`data-level="${level}" d="([^"]*)"`).exec(h)?.[1] ?? '').length;
  assert.deepEqual([cells(16), cells(11), cells(6)], [1, 2, 1]);
  assert.equal((h.match(/class="cells"/g) ?? []).length, 3, 'no other shades');
  // The darkest cell is the second sample's upper bin: right half, top half of the plot.
  const [[x, y]] = moves(/data-level="16" d="([^"]*)"/.exec(h)![1]);
  assert.ok(x > 60 + 564 / 2 - 1 && y < 32 + 230 / 2, `darkest cell at ${x}, ${y}`);
  assert.match(weightHistogramSvg({ timesMs: [], samples: [] }), /no samples/);
  assert.match(
    weightHistogramSvg({ timesMs: [0], samples: [[Number.NaN, 0.5]] }),
    /1 missing \(NaN\) weights left out/,
  );
});

test('titles and labels are escaped', () => {
  const hostile = '<script>alert("x")</script> & \'q\'';
  for (const svg of [
    spikeRasterSvg({ timesMs: [1], neurons: [0] }, { title: hostile }),
    spikeRasterSvg({ timesMs: [], neurons: [] }, { title: hostile }),
    populationRateSvg({ timesMs: [1, 2], ratesHz: [1, 2] }, { title: hostile }),
    weightHistogramSvg({ timesMs: [1], samples: [[1, 2]] }, { title: hostile }),
  ]) {
    assert.doesNotMatch(svg, /<script/);
    assert.match(svg, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &#39;q&#39;/);
  }
});

test('huge inputs give bounded plots that say they binned or decimated', () => {
  const n = 2_000_000;
  const timesMs = new Float64Array(n);
  const neurons = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    timesMs[k] = k * 0.005;
    neurons[k] = (k * 7919) % 100_000;
  }
  const raster = spikeRasterSvg({ timesMs, neurons });
  assert.ok(raster.length < 400_000, `raster of 2M spikes: ${raster.length} characters`);
  assert.match(raster, /2000000 spikes binned to 564 x 230 pixels/);
  // The embedded density image decodes to the binned size.
  const b64 = /href="data:image\/png;base64,([^"]+)"/.exec(raster)![1];
  const img = pngjs.PNG.sync.read(Buffer.from(b64, 'base64'));
  assert.deepEqual([img.width, img.height], [564, 230]);
  const rate = populationRateSvg({
    timesMs: Float64Array.from({ length: 1_000_000 }, (_, k) => k),
    ratesHz: Float64Array.from({ length: 1_000_000 }, (_, k) => 10 + Math.sin(k / 1000)),
  });
  assert.ok(rate.length < 100_000, `rate of 1M points: ${rate.length}`);
  assert.match(rate, /1000000 points decimated to 564 pixel columns/);
  const samples = Array.from({ length: 5000 }, (_, k) =>
    Float32Array.from({ length: 200 }, (_, j) => (j * k) % 7),
  );
  const weights = weightHistogramSvg({ timesMs: samples.map((_, k) => k), samples });
  assert.ok(weights.length < 200_000, `weights of 5000 x 200: ${weights.length}`);
  assert.match(weights, /5000 samples merged into 120 columns/);
});

test('the PNG versions decode to the requested size', () => {
  const pngs = [
    spikeRasterPng({ timesMs: [10, 20, 30], neurons: [0, 1, 2] }, { width: 400, height: 200 }),
    populationRatePng({ timesMs: [5, 10, 15], ratesHz: [1, 3, 2] }, { width: 400, height: 200 }),
    weightHistogramPng(
      {
        timesMs: [0, 1],
        samples: [
          [0, 1],
          [0.5, 0.5],
        ],
      },
      { width: 400, height: 200 },
    ),
    spikeRasterPng({ timesMs: [], neurons: [] }, { width: 400, height: 200 }),
  ];
  for (const buf of pngs) {
    const img = pngjs.PNG.sync.read(buf);
    assert.deepEqual([img.width, img.height], [400, 200]);
  }
  // The raster's three spikes are dark pixels inside the plot area.
  const img = pngjs.PNG.sync.read(pngs[0]);
  let dark = 0;
  for (let k = 0; k < img.data.length; k += 4) if (img.data[k] < 100) dark++;
  assert.ok(dark >= 3, `${dark} dark pixels`);
  assert.deepEqual(
    [pngjs.PNG.sync.read(spikeRasterPng({ timesMs: [1], neurons: [0] })).width, 640],
    [640, 640],
  );
});

/** Monitor CSVs as Network.exportMonitors writes them. */
function writeMonitors(dir: string, name: string): void {
  mkdirSync(dir, { recursive: true });
  const spikes = ['t_ms,neuron', ...Array.from({ length: 50 }, (_, k) => `${(k * 2).toFixed(4)},${k % 5}`)];
  writeFileSync(join(dir, `spikes-${name}.csv`), spikes.join('\n') + '\n');
  const rate = ['t_ms,rate_hz', ...Array.from({ length: 20 }, (_, k) => `${(k + 1) * 5},${k % 3}`)];
  writeFileSync(join(dir, `rate-${name}.csv`), rate.join('\n') + '\n');
  const weights = [
    't_ms,0->0,1->0,2->0',
    ...Array.from({ length: 10 }, (_, k) => `${k * 10},0.1,${k / 10},NaN`),
  ];
  writeFileSync(join(dir, `weights-${name}.csv`), weights.join('\n') + '\n');
}

test('a report over a run directory with monitor CSVs shows a raster, a rate and a weight histogram per file', async () => {
  const run = tempDir();
  writeFileSync(
    join(run, 'config.json'),
    JSON.stringify({ name: 'spiking <run>', task: { kind: 'network' } }),
  );
  writeFileSync(join(run, 'summary.json'), JSON.stringify({ kind: 'network', name: 'x', rate: 12.5 }));
  // A percent-encoded hostile name in monitors/, and plain files beside them in the run directory.
  const hostile = encodeURIComponent('exc <img src=x onerror=alert(1)>');
  writeMonitors(join(run, 'monitors'), hostile);
  writeMonitors(run, 'inh');
  // Malformed files: one line each in the report, no crash.
  writeFileSync(join(run, 'spikes-bad.csv'), 't_ms,neuron\n1.0,2\n2.0,<b>three</b>\n');
  writeFileSync(join(run, 'rate-bad.csv'), 'time,rate\n1,2\n');
  writeFileSync(join(run, 'weights-bad.csv'), 't_ms,0->0,1->0\n1,0.5\n');
  // Not regular files, or not monitor files: ignored.
  symlinkSync('/etc/passwd', join(run, 'spikes-link.csv'));
  writeFileSync(join(run, 'state-exc-v.csv'), 't_ms,n0\n0,1\n');

  const files = findMonitorFiles(run);
  assert.deepEqual(
    files.map((f) => `${f.kind}:${f.file}`),
    [
      'spikes:spikes-bad.csv',
      'rate:rate-bad.csv',
      'weights:weights-bad.csv',
      `spikes:monitors/spikes-${hostile}.csv`,
      `rate:monitors/rate-${hostile}.csv`,
      `weights:monitors/weights-${hostile}.csv`,
      'spikes:spikes-inh.csv',
      'rate:rate-inh.csv',
      'weights:weights-inh.csv',
    ],
  );
  assert.equal(files[3].name, 'exc <img src=x onerror=alert(1)>');
  const contents = await readRunContents(run);
  assert.equal(
    chooseReportView(contents).name,
    'spiking-monitors',
    'no view for kind "network": the monitors view',
  );

  const page = readFileSync(await renderRunReport(run), 'utf8');
  assert.match(page, /<h2>Spiking monitors<\/h2>/);
  assert.match(page, /<th>rate<\/th><td>12.5<\/td>/, 'the summary too');
  assert.equal((page.match(/class="spikes"/g) ?? []).length, 2, 'two rasters');
  assert.equal((page.match(/class="rate"/g) ?? []).length, 2, 'two rate plots');
  assert.equal((page.match(/class="cells"/g) ?? []).length >= 2, true, 'weight histograms');
  assert.match(page, /Spikes of exc &lt;img src=x onerror=alert\(1\)&gt;/);
  assert.match(page, /Weights of inh \(3 sampled synapses\)/);
  assert.match(page, /10 missing \(NaN\) weights left out/);
  assert.doesNotMatch(page, /<img src=x/);
  assert.doesNotMatch(page, /<b>three/);
  assert.match(
    page,
    /spikes-bad\.csv: line 3: neuron is not a number: &quot;&lt;b&gt;three&lt;\/b&gt;&quot;/,
  );
  assert.match(page, /rate-bad\.csv: line 1: expected the header t_ms,rate_hz, found &quot;time,rate&quot;/);
  assert.match(page, /weights-bad\.csv: line 2: expected 3 fields, found 2/);
  assert.doesNotMatch(page, /root:/, 'a link is not followed');
  assert.doesNotMatch(page, /state-exc-v/);
});

test('monitor CSVs over the byte budget are refused before reading, in one line; huge files stay bounded', async () => {
  const run = tempDir();
  const lines = ['t_ms,neuron'];
  for (let k = 0; k < 200_000; k++) lines.push(`${(k * 0.05).toFixed(4)},${k % 1000}`);
  writeFileSync(join(run, 'spikes-big.csv'), lines.join('\n') + '\n');
  const saved = process.env.NEUROPLAST_MAX_MONITOR_CSV_BYTES;
  process.env.NEUROPLAST_MAX_MONITOR_CSV_BYTES = '1K';
  try {
    const section = (await spikingMonitorsSection(run)).text;
    assert.match(
      section,
      /spikes-big\.csv: monitor CSV of \d+ bytes \([\d.]+ MiB\), over the monitor-csv budget of 1024 bytes \(1\.0 KiB\); set NEUROPLAST_MAX_MONITOR_CSV_BYTES=\d+ or more to allow it/,
    );
  } finally {
    if (saved === undefined) delete process.env.NEUROPLAST_MAX_MONITOR_CSV_BYTES;
    else process.env.NEUROPLAST_MAX_MONITOR_CSV_BYTES = saved;
  }
  const section = (await spikingMonitorsSection(run)).text;
  assert.match(section, /200000 spikes binned to 564 x 230 pixels/);
  assert.ok(section.length < 200_000, `${section.length} characters`);
});

test("a network's exported monitors make a report with its raster, rate and weights", async () => {
  const net = new Network(0.1);
  const input = net.poisson('input', 50, 40, 1);
  const out = net.lif('out', 10, {
    cmPf: 100,
    gLeakNs: 10,
    eLeakMv: -70,
    vThreshMv: -54,
    vResetMv: -60,
    refractoryMs: 2,
    synapse: 'conductance',
    tauExcMs: 5,
    tauInhMs: 5,
    eExcMv: 0,
    eInhMv: -80,
  });
  const proj = net.connect(input, out, {
    connector: { kind: 'all-to-all' },
    weight: 2,
    receptor: 'exc',
    seed: 1,
  });
  net.monitorSpikes(out);
  net.monitorRate(input, 5);
  net.monitorWeights(
    proj,
    [
      [0, 0],
      [1, 0],
    ],
    10,
  );
  net.run(200);
  const run = tempDir();
  writeFileSync(join(run, 'config.json'), JSON.stringify({ name: 'exported' }));
  await net.exportMonitors(join(run, 'monitors'));
  const page = readFileSync(await renderRunReport(run), 'utf8');
  assert.match(page, /Spikes of out/);
  assert.match(page, /Population rate of input/);
  // Percent-encoded file names are decoded for titles (input-%3Eout); older files replaced the > (input-_out).
  assert.match(page, /Weights of input-(&gt;|_)out \(2 sampled synapses\)/);
  assert.doesNotMatch(page, /class="error"/);
});
