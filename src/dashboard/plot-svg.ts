/**
 * Charts of series as SVG, for papers: what `neuroplast plot` writes, the dashboard's SVG export serves and a
 * report's interactive views draw in the page (pure: no file or Node call, so the page bundles it too).
 */
import { lineChart } from '../viz/svg.js';
import { downsampleMinMax, groupSeries, type ScalarSeries } from './series.js';
import { smoothEma } from './smoothing.js';

/** One series of several runs as an SVG line chart: each reduced to min/max per pixel column, smoothed first. */
export function seriesSvg(
  runs: { label: string; series: ScalarSeries }[],
  o: { key: string; smoothing?: number; width?: number; height?: number },
): { svg: string; points: number[] } {
  const width = o.width ?? 640;
  const lines = runs.map(({ label, series: s }) => {
    const d = downsampleMinMax(s.x, o.smoothing ? smoothEma(s.y, o.smoothing) : s.y, width);
    return { label, points: d.x.map((x, i) => [x, d.y[i]] as [number, number]) };
  });
  const svg = lineChart(lines, {
    title: o.key + (o.smoothing ? ` (smoothed ${o.smoothing})` : ''),
    xLabel: runs[0]?.series.xField ?? 'x',
    yLabel: o.key.split(' ').at(-1) ?? o.key,
    width,
    height: o.height ?? 360,
  });
  return { svg, points: lines.map((l) => l.points.length) };
}

/**
 * Groups of runs as an SVG line chart: per group its mean over runs with mean ± sd as a band, reduced per pixel
 * column as the dashboard's grouped curves are (`groupSeries`), each run smoothed first.
 */
export function groupedSeriesSvg(
  groups: { label: string; curves: ScalarSeries[] }[],
  o: { key: string; smoothing?: number; width?: number; height?: number },
): { svg: string; points: number[] } {
  const width = o.width ?? 640;
  const lines = groups.map(({ label, curves }) => {
    const g = groupSeries(
      curves.map((c) => ({ x: c.x, y: o.smoothing ? smoothEma(c.y, o.smoothing) : c.y })),
      width,
    );
    return {
      label: `${label} (${curves.length} runs)`,
      points: g.x.map((x, i) => [x, g.mean[i]] as [number, number]),
      band: g.x.map((x, i) => [x, g.lo[i], g.hi[i]] as [number, number, number]),
    };
  });
  const svg = lineChart(lines, {
    title: `${o.key}: mean ± sd over runs${o.smoothing ? ` (smoothed ${o.smoothing})` : ''}`,
    xLabel: groups[0]?.curves[0]?.xField ?? 'x',
    yLabel: o.key.split(' ').at(-1) ?? o.key,
    width,
    height: o.height ?? 360,
  });
  return { svg, points: lines.map((l) => l.points.length) };
}
