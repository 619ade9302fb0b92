/**
 * The dashboard inside a run's report.html: the data the views ask the server for, written into the page when the
 * report was made (src/dashboard/report-section.ts), answered here by path as the server would answer it. Curves
 * are smoothed and reduced per pixel here with the server's own functions.
 */
import { groupedSeriesSvg, seriesSvg } from '../plot-svg.js';
import { downsampleMinMax, groupSeries, type ScalarSeries } from '../series.js';
import { smoothEma } from '../smoothing.js';
import type { HistogramData, HistogramInfo, RunSummary, SeriesInfo } from './types.js';

/** What a report carries for its views (one run). */
export interface ReportData {
  generatedAt: string;
  run: RunSummary;
  summary: unknown;
  config: unknown;
  /** Each series reduced to a few points per pixel of the widest chart (extremes kept). */
  series: { info: SeriesInfo; x: number[]; y: number[] }[];
  histograms: { info: HistogramInfo; data: HistogramData }[];
  cells: unknown;
  /** Single cell files by name, up to the report's budget for them. */
  cellFiles: Record<string, unknown>;
  monitors: unknown;
  /** Monitor plots as SVG text, by file. */
  monitorSvgs: Record<string, string>;
  /** The receptive fields as base64 PNG, when the run has a saved network. */
  receptiveFieldsPng: string | null;
  /** The saved model's weight tensors as /weights lists them, and their pictures as base64 PNG by tensor name. */
  weights: unknown;
  weightsPngs: Record<string, string>;
  /** What the report left out or reduced, said above the views. */
  notes: string[];
}

let data: ReportData | null | undefined;

/** The report's data, or null on the dashboard (a served page). */
export function reportData(): ReportData | null {
  if (data === undefined) {
    const text =
      typeof document !== 'undefined' ? document.getElementById('neuroplast-data')?.textContent : null;
    data = text ? (JSON.parse(text) as ReportData) : null;
  }
  return data;
}

const clampSmoothing = (v: string | null) => Math.min(0.999, Math.max(0, Number(v) || 0));
const clampBuckets = (v: string | null) => Math.max(1, Math.min(4000, Math.floor(Number(v) || 800)));

function scalar(d: ReportData, key: string): ScalarSeries | null {
  const s = d.series.find((x) => x.info.key === key);
  return s ? { ...s.info, x: s.x, y: s.y } : null;
}

const missing = (path: string, why: string) => new Error(`${path}: 404 ${why}`);

/** The answer the server would give to `path`, from the report's data. */
export function offlineAnswer(d: ReportData, path: string): unknown {
  const url = new URL(path, 'http://report.invalid');
  const q = url.searchParams;
  const p = url.pathname;
  const base = `/api/runs/${d.run.id}`;
  if (p === '/api/runs') return { runs: [d.run] };
  if (p === base) return { run: d.run, summary: d.summary, config: d.config };
  if (p === `${base}/series`)
    return {
      lines: 0,
      skipped: 0,
      series: d.series.map((s) => s.info),
      histograms: d.histograms.map((h) => h.info),
    };
  if (p === `${base}/data`) {
    const s = scalar(d, q.get('key') ?? '');
    if (!s) throw missing(path, 'no such series');
    const smoothing = clampSmoothing(q.get('smoothing'));
    const r = downsampleMinMax(
      s.x,
      smoothing > 0 ? smoothEma(s.y, smoothing) : s.y,
      clampBuckets(q.get('buckets')),
    );
    return { key: s.key, xField: s.xField, points: s.x.length, x: r.x, y: r.y };
  }
  if (p === '/api/group') {
    const s = scalar(d, q.get('key') ?? '');
    const smoothing = clampSmoothing(q.get('smoothing'));
    const curves = s ? [{ x: s.x, y: smoothing > 0 ? smoothEma(s.y, smoothing) : s.y }] : [];
    return { key: q.get('key'), runs: curves.length, ...groupSeries(curves, clampBuckets(q.get('buckets'))) };
  }
  if (p === `${base}/histogram`) {
    const h = d.histograms.find((x) => x.info.key === q.get('key'));
    if (!h) throw missing(path, 'no such histogram');
    return h.data;
  }
  if (p === `${base}/cells`) return d.cells ?? { cells: [], truncated: false };
  if (p === `${base}/cell`) {
    const name = q.get('name') ?? '';
    if (!Object.hasOwn(d.cellFiles, name))
      throw missing(
        path,
        'this cell is not in the report (over its size budget): open the run in the dashboard',
      );
    return d.cellFiles[name];
  }
  if (p === `${base}/monitors`) return d.monitors ?? { monitors: [], more: 0 };
  if (p === `${base}/weights`) {
    if (!d.weights) throw missing(path, 'this run has no saved model');
    return d.weights;
  }
  throw missing(path, 'not found');
}

const svgUrl = (svg: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;

/** A picture's address: the server's path on the dashboard, the picture itself (a data: URL) in a report. */
export function offlineImage(d: ReportData, path: string): string {
  const url = new URL(path, 'http://report.invalid');
  const base = `/api/runs/${d.run.id}`;
  if (url.pathname === `${base}/monitor.svg`) {
    const svg = d.monitorSvgs[url.searchParams.get('file') ?? ''];
    return svg === undefined ? 'data:,' : svgUrl(svg);
  }
  if (url.pathname === `${base}/receptive-fields.png`)
    return d.receptiveFieldsPng ? `data:image/png;base64,${d.receptiveFieldsPng}` : 'data:,';
  if (url.pathname === `${base}/weights.png`) {
    const layer = url.searchParams.get('layer') ?? '';
    return d.weightsPngs && Object.hasOwn(d.weightsPngs, layer)
      ? `data:image/png;base64,${d.weightsPngs[layer]}`
      : 'data:,';
  }
  if (url.pathname === '/api/plot.svg') {
    const key = url.searchParams.get('key') ?? '';
    const s = scalar(d, key);
    if (!s) return 'data:,';
    const smoothing = clampSmoothing(url.searchParams.get('smoothing'));
    // One run: grouped, its group is itself (a band of no width).
    const label = url.searchParams.get('label');
    return svgUrl(
      label !== null
        ? groupedSeriesSvg([{ label, curves: [s] }], { key, smoothing }).svg
        : seriesSvg([{ label: d.run.label, series: s }], { key, smoothing }).svg,
    );
  }
  return 'data:,';
}
