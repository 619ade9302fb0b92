import { basename, join } from 'node:path';
import { writeFileAtomic } from '../util/fsx.js';
import { ConfigError, NeuroplastError } from '../util/errors.js';
import { flatten } from './flatten.js';
import { openRegular, readRunJson } from './runs.js';
import { groupedSeriesSvg, seriesSvg } from './plot-svg.js';
import { MetricsSeries, type ScalarSeries } from './series.js';

/** Views `neuroplast plot` exports (the dashboard's scalars view, as SVG). */
export const PLOT_VIEWS = ['scalars'] as const;

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
