/**
 * The dashboard's views inside every run's report.html: the page's own script and styles inline, and the data its
 * views would fetch written beside them (bounded), so the report stays one file that opens offline.
 */
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadDataset } from '../data/index.js';
import { PACKAGE_ROOT } from '../version.js';
import { trustedHtml, type ReportSection, type RunContents } from '../viz/index.js';
import type { ReportData } from './client/offline.js';
import {
  cellFile,
  continualCells,
  listMonitors,
  modelWeights,
  monitorSvg,
  receptiveFields,
  weightsPng,
} from './run-files.js';
import { describeRun, readMetricsSeries, readRunJson } from './runs.js';
import { downsampleMinMax, histogramData, histogramInfo, MetricsSeries } from './series.js';

/** Points written for all curves together (each keeps at least 200, extremes per bucket kept). */
const MAX_REPORT_POINTS = 200_000;
/** Histogram counts written at most. */
const MAX_REPORT_BINS = 500_000;
/** Bytes of single cell files written at most (a Go/No-Go grid's trials). */
const MAX_REPORT_CELL_BYTES = 4 << 20;
/** The accuracy-matrix cells listing, as JSON text, at most. */
const MAX_REPORT_CELLS_JSON = 8 << 20;
/** Bytes of weight pictures (PNG) written at most. */
const MAX_REPORT_WEIGHT_PNG_BYTES = 4 << 20;
/** Training images a Diehl & Cook report's live network learns from (28 x 28 each, about 400 kB). */
const LIVE_DIGITS = 500;
/** The width the spiking view asks its plots at. */
const MONITOR_WIDTH = 720;

const built = (name: string) => join(PACKAGE_ROOT, 'build', 'dashboard', name);

/** What the views of one run read, as the dashboard's server would answer them, within the budgets above. */
export async function reportDataOf(dir: string, summaryOverride?: unknown): Promise<ReportData> {
  const notes: string[] = [];
  const info = await describeRun(dir, dirname(dir));
  const run = Object.fromEntries(
    Object.entries(info).filter(([k]) => k !== 'dir' && k !== 'root'),
  ) as ReportData['run'];
  const metrics = await readMetricsSeries(dir).catch(() => new MetricsSeries());
  const all = [...metrics.series.values()];
  const buckets = Math.max(50, Math.min(4000, Math.floor(MAX_REPORT_POINTS / 4 / Math.max(1, all.length))));
  let reduced = 0;
  const series = all.map((s) => {
    const d = downsampleMinMax(s.x, s.y, buckets);
    if (d.x.length < s.x.length) reduced++;
    const { key, group, field, xField } = s;
    return { info: { key, group, field, xField, points: s.x.length }, x: d.x, y: d.y };
  });
  if (reduced)
    notes.push(
      `${reduced} curves are written reduced to the first, lowest, highest and last point of each of ${buckets} ` +
        'stretches (every spike kept); smoothing them here smooths those points, so their smoothed lines are ' +
        'approximate. The dashboard reads and smooths every point.',
    );
  let bins = 0;
  const histograms = [];
  for (const h of metrics.histograms.values()) {
    const size = h.rows.length * (h.rows[0]?.length ?? 0);
    if (bins + size > MAX_REPORT_BINS) {
      notes.push(
        `The histogram ${h.key} is left out (over the report's budget of ${MAX_REPORT_BINS} counts).`,
      );
      continue;
    }
    bins += size;
    histograms.push({ info: histogramInfo(h), data: histogramData(h) });
  }
  let cells: unknown = null;
  if (run.kind === 'continual') {
    cells = await continualCells(dir);
    if (JSON.stringify(cells).length > MAX_REPORT_CELLS_JSON) {
      cells = null;
      notes.push(
        'The accuracy matrices are left out (over the report budget): open the run in the dashboard.',
      );
    }
  }
  const cellFiles: Record<string, unknown> = {};
  // The cells the neuromodulators view reads whole: a Go/No-Go grid's, a task-free continual grid's modulated ones.
  const modulatedCells =
    run.kind === 'continual' && cells
      ? (cells as { cells: { name: string; modulated?: boolean }[] }).cells
          .filter((c) => c.modulated)
          .map((c) => c.name)
      : [];
  if (run.kind === 'go-nogo' || modulatedCells.length) {
    const names = modulatedCells.length
      ? modulatedCells
      : (await fsp.readdir(join(dir, 'cells')).catch(() => [] as string[])).sort();
    let bytes = 0;
    let left = 0;
    for (const name of names) {
      if (bytes >= MAX_REPORT_CELL_BYTES) {
        left++;
        continue;
      }
      const c = await cellFile(dir, name);
      if (!c || c.error) continue;
      const size = JSON.stringify(c.value).length;
      if (bytes + size > MAX_REPORT_CELL_BYTES) {
        // The budget is spent: the rest are only counted, not read.
        bytes = MAX_REPORT_CELL_BYTES;
        left++;
        continue;
      }
      bytes += size;
      cellFiles[name] = c.value;
    }
    if (left) notes.push(`${left} cells' trials are left out (over ${MAX_REPORT_CELL_BYTES} bytes in all).`);
  }
  const monitors = run.files.monitors ? listMonitors(dir) : null;
  const monitorSvgs: Record<string, string> = {};
  for (const m of monitors?.monitors ?? []) {
    const svg = await monitorSvg(dir, m.file, MONITOR_WIDTH).catch((err: Error) => {
      notes.push(err.message.split('\n')[0]);
      return null;
    });
    if (svg !== null) monitorSvgs[m.file] = svg;
  }
  const rf = run.kind === 'diehl-cook' ? await receptiveFields(dir) : null;
  if (rf && 'error' in rf) notes.push(rf.error);
  const weights = run.files.model ? await modelWeights(dir) : null;
  if (weights && 'error' in weights) notes.push(weights.error);
  const weightsPngs: Record<string, string> = {};
  let pngBytes = 0;
  for (const layer of weights && 'layers' in weights ? weights.layers : []) {
    const r = await weightsPng(dir, layer.name);
    if (!r || 'error' in r) continue;
    if (pngBytes + r.png.length > MAX_REPORT_WEIGHT_PNG_BYTES) {
      notes.push(
        `The weights of ${layer.name} and after are left out (over ${MAX_REPORT_WEIGHT_PNG_BYTES} bytes).`,
      );
      break;
    }
    pngBytes += r.png.length;
    weightsPngs[layer.name] = r.png.toString('base64');
  }
  return {
    generatedAt: new Date().toISOString(),
    run,
    // An unfinished grid's report passes the summary of its finished runs; the views show the same.
    summary: summaryOverride ?? (await readRunJson(join(dir, 'summary.json'), 8 << 20)).value,
    config: (await readRunJson(join(dir, 'config.json'), 8 << 20)).value,
    series,
    histograms,
    cells,
    cellFiles,
    monitors,
    monitorSvgs,
    receptiveFieldsPng: rf && 'png' in rf ? rf.png.toString('base64') : null,
    weights: weights && 'layers' in weights ? weights : null,
    weightsPngs,
    notes,
  };
}

/** JSON inside a script element: no `<` survives, so no markup in the data can end the element. */
export const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

/** Script text inline: sequences that would end the element or open an HTML comment in it are escaped. */
export const inlineScript = (js: string) =>
  js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '\\x3C!--');

/**
 * The live-network page inside a Diehl & Cook run's report: its script, the worker's code, the WASM kernels and the
 * first LIVE_DIGITS training images of the run's dataset, so the network learns in the page with no server. Empty
 * for other runs, or when the scripts or the dataset are not there (said in one line).
 */
async function liveSection(run: RunContents): Promise<string> {
  if (run.kind !== 'diehl-cook') return '';
  const [live, worker] = await Promise.all(
    ['live.js', 'live-worker.js'].map((f) => fsp.readFile(built(f), 'utf8').catch(() => null)),
  );
  const kernels = await fsp.readFile(join(PACKAGE_ROOT, 'wasm', 'kernels.wasm')).catch(() => null);
  const task = (run.config.task ?? {}) as { dataset?: unknown };
  const name = typeof task.dataset === 'string' ? task.dataset : 'mnist';
  // The two 28 x 28 sets the network is made for (no other dataset is read, let alone fetched).
  const ds = ['mnist', 'fashion-mnist'].includes(name) ? await loadDataset(name).catch(() => null) : null;
  if (!live || !worker || !kernels || !ds || ds.shape[1] * ds.shape[2] !== 784)
    return '<h2>Live network</h2><p class="note">Not included: it needs the built scripts and the 28 x 28 dataset.</p>';
  const count = Math.min(LIVE_DIGITS, ds.train.labels.length);
  const digits = Buffer.alloc(4 + count * 785);
  digits.writeUInt32LE(count, 0);
  digits.set(ds.train.labels.subarray(0, count), 4);
  digits.set(ds.train.images.subarray(0, count * 784), 4 + count);
  const data = {
    worker,
    kernels: kernels.toString('base64'),
    digits: digits.toString('base64'),
    what: `${ds.name} training images`,
  };
  return `<h2>Live network</h2>
<div id="neuroplast-live"><p><span id="live-status" aria-live="polite"></span></p><section id="live"></section></div>
<script type="application/json" id="neuroplast-live-data">${scriptJson(data)}</script>
<script>${inlineScript(live)}</script>`;
}

/** The dashboard's views of this run, interactive, inside its report. */
export const interactiveReportSection: ReportSection = {
  name: 'interactive views',
  async render(run: RunContents) {
    const [app, css] = await Promise.all(
      ['app.js', 'app.css'].map((f) => fsp.readFile(built(f), 'utf8').catch(() => null)),
    );
    if (app === null || css === null)
      return trustedHtml(
        '<h2>Interactive views</h2><p class="error">Not included: the dashboard\'s scripts are not built ' +
          '(<code>npm run build</code>, then <code>neuroplast report RUN</code>).</p>',
      );
    const data = await reportDataOf(run.path, Object.keys(run.summary).length ? run.summary : undefined);
    return trustedHtml(`<h2>Interactive views</h2>
<style>${css.replace(/<\/(style)/gi, '<\\/$1')}</style>
<div id="neuroplast-views"><header><span id="status" aria-live="polite"></span></header>
<main><nav id="runs" aria-label="runs"></nav><section id="views"></section></main></div>
<script type="application/json" id="neuroplast-data">${scriptJson(data)}</script>
<script>${inlineScript(app)}</script>
${await liveSection(run)}`);
  },
};
