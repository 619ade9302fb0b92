import { basename, join } from 'node:path';
import { writeFileAtomic } from '../util/fsx.js';
import { NeuroplastError } from '../util/errors.js';
import { flatten } from './flatten.js';
import { readMetricsSeries, readRunJson } from './runs.js';
import { groupedSeriesSvg, seriesSvg } from './plot-svg.js';
import { plotView, plotViewNames, type PlotFigure } from './plot-registry.js';
import type { ScalarSeries } from './series.js';

/** Views `neuroplast plot` exports: the scalars view (runs overlaid) and every view registered for plot. */
export const plotViews = () => ['scalars', ...plotViewNames()];

export interface PlotOptions {
  /** The series key, as the dashboard names it (`type=train loss`). */
  key: string;
  out: string;
  smoothing?: number;
  width?: number;
  height?: number;
  /** A config field (dotted, as the dashboard's "group runs by"): one mean curve with a ± sd band per value. */
  groupBy?: string;
}

/**
 * Writes one metric of runs `dirs` as an SVG chart (each run a line, reduced per pixel with min/max, smoothed as the
 * dashboard smooths), atomically; returns the points drawn per run.
 */
export async function plotRuns(
  dirs: string[],
  view: string,
  o: PlotOptions,
): Promise<Record<string, number>> {
  if (view !== 'scalars')
    throw new NeuroplastError(
      `plot: ${view}: expected the scalars view here (other views: plotFigure, one run each)`,
      2,
    );
  if (!o.out.endsWith('.svg'))
    throw new NeuroplastError(
      `plot: --out ${o.out}: expected a file name ending in .svg (PNG: export from the dashboard)`,
      2,
    );
  const runs: { label: string; series: ScalarSeries; dir: string }[] = [];
  for (const dir of dirs) {
    const m = await readMetricsSeries(dir);
    const s = m.series.get(o.key);
    if (!s) {
      const keys = [...m.series.keys()];
      throw new NeuroplastError(
        `plot: ${dir} has no series "${o.key}" (it has ${keys.length}: ${keys
          .slice(0, 8)
          .map((k) => `"${k}"`)
          .join(', ')}${keys.length > 8 ? ', ...' : ''})`,
        2,
      );
    }
    runs.push({ label: basename(dir), series: s, dir });
  }
  if (o.groupBy !== undefined) {
    const groups = new Map<string, ScalarSeries[]>();
    for (const r of runs) {
      const config = await readRunJson(join(r.dir, 'config.json'), 8 << 20);
      const value = flatten(config.value ?? {}).get(o.groupBy) ?? '(none)';
      const label = `${o.groupBy}=${value}`;
      groups.set(label, [...(groups.get(label) ?? []), r.series]);
    }
    const list = [...groups].map(([label, curves]) => ({ label, curves }));
    const { svg, points } = groupedSeriesSvg(list, o);
    await writeFileAtomic(o.out, svg);
    return Object.fromEntries(list.map((g, i) => [`${g.label} (${g.curves.length} runs)`, points[i]]));
  }
  const { svg, points } = seriesSvg(runs, o);
  await writeFileAtomic(o.out, svg);
  return Object.fromEntries(dirs.map((d, i) => [d, points[i]]));
}

export interface FigureOptions {
  /** The figure's name, as the page's export names its file (without extension); may be left out when only one. */
  figure?: string;
  out: string;
  width?: number;
  height?: number;
}

/**
 * The figures view `view` has for run `dir` (its names are what `figure` takes). Two figures of one name (two
 * histograms with the same title, say) are told apart by a suffix on the later ones: `-2`, `-3`.
 */
export async function listFigures(dir: string, view: string): Promise<PlotFigure[]> {
  // The built-in views, and with them the chart library, load here: only a command that draws pays for them.
  await import('./plot-views.js');
  const v = plotView(view);
  if (!v) throw new NeuroplastError(`plot: unknown view "${view}" (known: ${plotViews().join(', ')})`, 2);
  const figures = await v.figures(dir).catch((err: Error) => {
    throw new NeuroplastError(`plot: ${dir}: ${view}: ${err.message.split('\n')[0]}`, 2);
  });
  const seen = new Map<string, number>();
  return figures.map((f) => {
    const n = (seen.get(f.name) ?? 0) + 1;
    seen.set(f.name, n);
    return n === 1 ? f : { ...f, name: `${f.name}-${n}` };
  });
}

/** The series of runs `dirs`, as `plot scalars --key` names them, with their points per run. */
export async function listSeries(dirs: string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const [i, dir] of dirs.entries()) {
    const m = await readMetricsSeries(dir);
    for (const [key, s] of m.series) {
      if (!out.has(key))
        out.set(
          key,
          dirs.map(() => 0),
        );
      out.get(key)![i] = s.x.length;
    }
  }
  return out;
}

const nameList = (fs: PlotFigure[]) =>
  fs
    .slice(0, 12)
    .map((f) => f.name)
    .join(', ') + (fs.length > 12 ? `, ... (${fs.length} in all; --list shows them)` : '');

/**
 * Writes one figure of a dashboard view of run `dir` as the page would export it (charts as SVG through ECharts'
 * SVG renderer, the pictures the server draws as SVG or PNG), atomically; returns its name, format and bytes.
 */
export async function plotFigure(
  dir: string,
  view: string,
  o: FigureOptions,
): Promise<{ name: string; format: 'svg' | 'png'; bytes: number }> {
  const figures = await listFigures(dir, view);
  if (!figures.length)
    throw new NeuroplastError(`plot: ${dir}: the ${view} view has no figure for this run`, 2);
  let f: PlotFigure | undefined;
  if (o.figure !== undefined) {
    f = figures.find((x) => x.name === o.figure);
    if (!f)
      throw new NeuroplastError(
        `plot: --figure: expected one of ${view}'s figures of ${dir} (${nameList(figures)}), found "${o.figure}"`,
        2,
      );
  } else if (figures.length === 1) f = figures[0];
  else
    throw new NeuroplastError(
      `plot: --figure: expected a name, the ${view} view has ${figures.length} figures for ${dir} (${nameList(figures)})`,
      2,
    );
  if (!o.out.endsWith(`.${f.format}`))
    throw new NeuroplastError(
      `plot: --out ${o.out}: expected a file name ending in .${f.format} (${f.name} is drawn as ${f.format.toUpperCase()})`,
      2,
    );
  const body = await f.draw({ width: o.width, height: o.height }).catch((err: Error) => {
    throw new NeuroplastError(`plot: ${dir}: ${f.name}: ${err.message.split('\n')[0]}`, 2);
  });
  await writeFileAtomic(o.out, body);
  return { name: f.name, format: f.format, bytes: Buffer.byteLength(body) };
}
