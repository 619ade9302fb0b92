import type { HistogramData } from '../client/types.js';
import { fileSlug, type ChartFigure } from './chart.js';

/** What a histogram is, when its writer is known (NeuroPlastic's diagnostics log `histogram` per optimizer line). */
export const histogramTitle = (group: string, field: string) =>
  /(^| )type=optimizer( |$)/.test(group) && field === 'histogram'
    ? 'NeuroPlastic alpha distribution'
    : `${group ? `${group} ` : ''}${field}`;

export const histogramFile = (title: string) => `distribution-${fileSlug(title)}`;

const digits = (v: number) => Number(v.toPrecision(3));

/** Bin labels: each bin's range when the writer gave one, else its index. */
function binLabels(h: HistogramData, bins: number): string[] {
  if (!h.range) return Array.from({ length: bins }, (_, b) => String(b));
  const [lo, hi] = h.range;
  const w = (hi - lo) / bins;
  return Array.from({ length: bins }, (_, b) => `${digits(lo + b * w)}–${digits(lo + (b + 1) * w)}`);
}

/**
 * A histogram over time as TensorBoard's distributions are read: one column per logged record, each bin's share of
 * that record's counts as colour, so the shape stays visible while the total grows or shrinks. Or why not.
 */
export function histogramFigure(runLabel: string, h: HistogramData, title: string): ChartFigure | string {
  const bins = h.rows[0]?.length ?? 0;
  if (!bins) return `${runLabel}: ${title}: no rows yet.`;
  const data: [number, number, number][] = [];
  h.rows.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, b) => data.push([i, b, Math.round((1000 * count) / total) / 1000]));
  });
  const thinned = h.stride > 1 ? `, every ${h.stride}th record` : '';
  return {
    caption: `${runLabel}: ${title} (share of each record's counts per bin; ${h.rows.length} records${thinned})`,
    file: histogramFile(title),
    size: { width: 640, height: 360 },
    option: {
      tooltip: { position: 'top' },
      grid: { left: 100, bottom: 60, right: 70, top: 20 },
      xAxis: { type: 'category', data: h.x.map(String), name: h.xField, nameLocation: 'middle', nameGap: 35 },
      yAxis: {
        type: 'category',
        data: binLabels(h, bins),
        name: h.range ? 'value' : 'bin',
        nameLocation: 'middle',
        nameGap: 85,
      },
      visualMap: {
        min: 0,
        max: data.reduce((m, d) => Math.max(m, d[2]), 0.001),
        calculable: false,
        orient: 'vertical',
        right: 0,
        top: 'center',
        itemHeight: 120,
        inRange: { color: ['#f7fbff', '#6baed6', '#08306b'] },
      },
      series: [{ type: 'heatmap', data, progressive: 0 }],
    },
  };
}
