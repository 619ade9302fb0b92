import { promises as fsp } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/fsx.js';
import { NeuroplastError } from '../util/errors.js';
import { html, trustedHtml, type Html } from '../viz/index.js';
import { flatten } from './flatten.js';
import { seriesSvg } from './plot-svg.js';
import { describeRun, readMetricsSeries, readRunJson, type RunInfo } from './runs.js';
import type { MetricsSeries } from './series.js';

/** Charts a comparison draws at most (the series shared by the most runs first), and rows per table. */
const MAX_CHARTS = 24;
const MAX_ROWS = 200;
const MAX_JSON = 8 << 20;

export interface CompareOptions {
  out: string;
  smoothing?: number;
}

export interface CompareResult {
  runs: number;
  charts: number;
  differingConfig: number;
}

interface ComparedRun {
  dir: string;
  label: string;
  info: RunInfo;
  config: { value: unknown; error: string | null };
  summary: { value: unknown; error: string | null };
  metrics: MetricsSeries | null;
  metricsError: string | null;
}

const fmt = (v: number) =>
  Number.isInteger(v)
    ? String(v)
    : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5
      ? v.toPrecision(4)
      : v.toExponential(3);

/**
 * A self-contained HTML report comparing runs: what differs in their configs, their summaries' numbers side by side,
 * the last value of every metric, and each metric several runs share as one chart with a line per run (reduced per
 * pixel with min/max and smoothed, as `neuroplast plot` draws it). Written atomically to `o.out`.
 */
export async function compareRuns(dirs: string[], o: CompareOptions): Promise<CompareResult> {
  if (dirs.length < 2) throw new NeuroplastError('report: a comparison needs two or more run directories', 2);
  if (!o.out.endsWith('.html'))
    throw new NeuroplastError(`report: --out ${o.out}: expected a file name ending in .html`, 2);
  const runs: ComparedRun[] = [];
  for (const dir of dirs) {
    const st = await fsp.stat(dir).catch(() => null);
    if (!st?.isDirectory())
      throw new NeuroplastError(
        `report: ${dir}: expected a run directory, found ${st ? 'a file' : 'nothing'}`,
        2,
      );
    const info = await describeRun(resolve(dir), resolve(dir, '..'));
    const config = await readRunJson(join(dir, 'config.json'), MAX_JSON);
    const summary = await readRunJson(join(dir, 'summary.json'), MAX_JSON);
    let metrics: MetricsSeries | null = null;
    let metricsError: string | null = null;
    try {
      metrics = await readMetricsSeries(dir);
    } catch (e) {
      metricsError = e instanceof Error ? e.message : String(e);
    }
    runs.push({ dir, label: basename(resolve(dir)), info, config, summary, metrics, metricsError });
  }
  // Labels must tell runs apart: a repeated folder name gets its position (and more, until unique).
  const used = new Set<string>();
  runs.forEach((r, i) => {
    let label = runs.filter((o) => o.label === r.label).length > 1 ? `${r.label} (${i + 1})` : r.label;
    while (used.has(label)) label += `'`;
    used.add(label);
    r.label = label;
  });

  const head = html`<tr><th></th>${runs.map((r) => html`<th>${r.label}</th>`)}</tr>`;
  const table = (rows: Html[], more: number) =>
    html`<table>${head}${rows}</table>${more > 0 ? html`<p>${more} more rows not shown.</p>` : ''}`;

  const runRows = [
    html`<tr><th>name</th>${runs.map((r) => html`<td>${r.info.name}</td>`)}</tr>`,
    html`<tr><th>kind</th>${runs.map((r) => html`<td>${r.info.kind ?? ''}</td>`)}</tr>`,
    html`<tr><th>status</th>${runs.map((r) => html`<td>${r.info.status}</td>`)}</tr>`,
    html`<tr><th>started</th>${runs.map((r) => html`<td>${r.info.startedAt ?? ''}</td>`)}</tr>`,
    html`<tr><th>directory</th>${runs.map((r) => html`<td>${r.dir}</td>`)}</tr>`,
  ];

  const configs = runs.map((r) => flatten(r.config.value ?? {}));
  const configKeys = [...new Set(configs.flatMap((c) => [...c.keys()]))].sort();
  const differing = configKeys.filter((k) => new Set(configs.map((c) => c.get(k) ?? '—')).size > 1);
  const configRows = differing
    .slice(0, MAX_ROWS)
    .map((k) => html`<tr><th>${k}</th>${configs.map((c) => html`<td>${c.get(k) ?? '—'}</td>`)}</tr>`);

  const summaries = runs.map((r) => flatten(r.summary.value ?? {}));
  const summaryKeys = [...new Set(summaries.flatMap((s) => [...s.keys()]))]
    .filter((k) => summaries.some((s) => /^-?\d/.test(s.get(k) ?? '')))
    .sort();
  const summaryRows = summaryKeys.slice(0, MAX_ROWS).map(
    (k) =>
      html`<tr><th>${k}</th>${summaries.map((s) => {
        const v = Number(s.get(k));
        return html`<td>${s.has(k) && Number.isFinite(v) ? fmt(v) : (s.get(k) ?? '—')}</td>`;
      })}</tr>`,
  );

  // Metrics: each series with the runs that have it, those shared by the most runs first.
  const byKey = new Map<string, number[]>();
  runs.forEach((r, i) => {
    for (const key of r.metrics?.series.keys() ?? []) byKey.set(key, [...(byKey.get(key) ?? []), i]);
  });
  const keys = [...byKey.keys()].sort(
    (a, b) => byKey.get(b)!.length - byKey.get(a)!.length || a.localeCompare(b),
  );
  // A grid's cell records are one per seed: their mean ± sd (n), as the dashboard's cells view shows them.
  const cellKey = (k: string) => /(^| )type=cell( |$)/.test(k);
  const lastRows = keys.slice(0, MAX_ROWS).map(
    (k) =>
      html`<tr><th>${k}</th>${runs.map((r) => {
        const s = r.metrics?.series.get(k);
        if (!s || !s.y.length) return html`<td>—</td>`;
        if (!cellKey(k)) return html`<td>${fmt(s.y[s.y.length - 1])}</td>`;
        const mean = s.y.reduce((a, b) => a + b, 0) / s.y.length;
        const sd =
          s.y.length > 1 ? Math.sqrt(s.y.reduce((a, b) => a + (b - mean) ** 2, 0) / (s.y.length - 1)) : 0;
        return html`<td>${fmt(mean)} ± ${fmt(sd)} (${s.y.length})</td>`;
      })}</tr>`,
  );
  const shared = keys.filter((k) => byKey.get(k)!.length >= 2 && !cellKey(k)).slice(0, MAX_CHARTS);
  const charts = shared.map((k) => {
    const lines = byKey
      .get(k)!
      .map((i) => ({ label: runs[i].label, series: runs[i].metrics!.series.get(k)! }));
    return trustedHtml(seriesSvg(lines, { key: k, smoothing: o.smoothing, width: 560, height: 320 }).svg);
  });
  const problems = runs.flatMap((r) => [
    ...(r.info.error ? [`${r.label}: ${r.info.error}`] : []),
    // describeRun already names a config.json that cannot be read.
    ...(r.config.error && !r.info.error ? [`${r.label}: ${r.config.error}`] : []),
    ...(r.summary.error ? [`${r.label}: ${r.summary.error}`] : []),
    ...(r.metricsError ? [`${r.label}: ${r.metricsError}`] : []),
  ]);

  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>neuroplast: ${runs.length} runs compared</title>
<style>body{font-family:sans-serif;max-width:1300px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:0.5em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}td{font-variant-numeric:tabular-nums;overflow-wrap:anywhere;max-width:24em}.charts{display:flex;flex-wrap:wrap;gap:1em}.error{background:#fdecea;border:1px solid #e0a0a0;padding:8px;margin:0.5em 0}</style>
</head>
<body>
<h1>${runs.length} runs compared</h1>
${problems.map((p) => html`<p class="error">${p}</p>`)}
<h2>Runs</h2>
${table(runRows, 0)}
<h2>Configuration: what differs</h2>
${differing.length ? table(configRows, differing.length - MAX_ROWS) : html`<p>The configurations are the same (${configKeys.length} fields).</p>`}
<h2>Summary</h2>
${summaryKeys.length ? table(summaryRows, summaryKeys.length - MAX_ROWS) : html`<p>No run has a numeric summary yet.</p>`}
<h2>Metrics: last values (a grid's cells: mean ± sd over seeds, n)</h2>
${keys.length ? table(lastRows, keys.length - MAX_ROWS) : html`<p>No run has metrics yet.</p>`}
<h2>Metrics shared by two or more runs${o.smoothing ? ` (smoothed ${o.smoothing})` : ''}</h2>
<div class="charts">${charts}</div>
${byKey.size > shared.length && shared.length === MAX_CHARTS ? html`<p>Only the first ${MAX_CHARTS} shared metrics are drawn.</p>` : ''}
</body>
</html>
`;
  await writeFileAtomic(o.out, page.text);
  return { runs: runs.length, charts: charts.length, differingConfig: differing.length };
}
