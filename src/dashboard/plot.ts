import { basename, join } from 'node:path';
import { writeFileAtomic } from '../util/fsx.js';
import { ConfigError, NeuroplastError } from '../util/errors.js';
import { lineChart } from '../viz/index.js';
import { openRegular } from './runs.js';
import { downsampleMinMax, MetricsSeries, type ScalarSeries } from './series.js';
import { smoothEma } from './smoothing.js';

/** Views `neuroplast plot` exports (the dashboard's scalars view, as SVG). */
export const PLOT_VIEWS = ['scalars'] as const;

export interface PlotOptions {
  /** The series key, as the dashboard names it (`type=train loss`). */
  key: string;
  out: string;
  smoothing?: number;
  width?: number;
  height?: number;
}

/** Reads a run's metrics file into series (bounded as the dashboard's are). */
export async function readMetricsSeries(dir: string): Promise<MetricsSeries> {
  const m = new MetricsSeries();
  const fh = await openRegular(join(dir, 'metrics.jsonl'));
  if (!fh)
    throw new ConfigError(
      join(dir, 'metrics.jsonl'),
      'expected a run directory with a metrics file, found none',
    );
  try {
    const buf = Buffer.alloc(8 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, m.readOffset);
      if (bytesRead === 0) break;
      m.append(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return m;
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
  if (!(PLOT_VIEWS as readonly string[]).includes(view))
    throw new NeuroplastError(`plot: unknown view "${view}" (known: ${PLOT_VIEWS.join(', ')})`, 2);
  if (!o.out.endsWith('.svg'))
    throw new NeuroplastError(
      `plot: --out ${o.out}: expected a file name ending in .svg (PNG: export from the dashboard)`,
      2,
    );
  const runs: { label: string; series: ScalarSeries }[] = [];
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
    runs.push({ label: basename(dir), series: s });
  }
  const { svg, points } = seriesSvg(runs, o);
  await writeFileAtomic(o.out, svg);
  return Object.fromEntries(dirs.map((d, i) => [d, points[i]]));
}

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
