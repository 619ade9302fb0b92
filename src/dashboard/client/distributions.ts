import { api, type HistogramData } from './api.js';
import { disposeCharts, figure } from './charts.js';
import { el, RedrawThrottle, type DashboardView } from './views.js';

const throttle = new RedrawThrottle();

/** What a histogram is, when its writer is known (NeuroPlastic's diagnostics log `histogram` per optimizer line). */
const titleOf = (group: string, field: string) =>
  /(^| )type=optimizer( |$)/.test(group) && field === 'histogram'
    ? 'NeuroPlastic alpha distribution'
    : `${group ? `${group} ` : ''}${field}`;

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
 * that record's counts as colour, so the shape stays visible while the total grows or shrinks.
 */
function drawHistogram(parent: HTMLElement, runLabel: string, h: HistogramData, title: string): void {
  const bins = h.rows[0]?.length ?? 0;
  if (!bins) {
    parent.append(el('p', `${runLabel}: ${title}: no rows yet.`));
    return;
  }
  const data: [number, number, number][] = [];
  h.rows.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, b) => data.push([i, b, Math.round((1000 * count) / total) / 1000]));
  });
  const thinned = h.stride > 1 ? `, every ${h.stride}th record` : '';
  figure(
    parent,
    `${runLabel}: ${title} (share of each record's counts per bin; ${h.rows.length} records${thinned})`,
    `distribution-${title.replace(/[^A-Za-z0-9]+/g, '-')}`,
    {
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
    { width: 640, height: 360 },
  );
}

/** Histograms over time found in the selected runs' metrics (NeuroPlastic's alpha among them), one chart each. */
export const distributionsView: DashboardView = {
  name: 'distributions',
  title: 'Distributions over time',
  applies: (ctx) => ctx.runs.some((r) => (ctx.histograms.get(r.id) ?? []).length > 0),
  async render(root, ctx) {
    throttle.rendered(root);
    disposeCharts(root);
    root.replaceChildren();
    for (const r of ctx.runs)
      for (const info of ctx.histograms.get(r.id) ?? []) {
        const h = await api.histogram(r.id, info.key);
        drawHistogram(root, r.label, h, titleOf(info.group, info.field));
      }
  },
  dispose(root) {
    throttle.cancel(root);
    disposeCharts(root);
  },
  async update(root, ctx, id) {
    if ((ctx.histograms.get(id) ?? []).length)
      await throttle.request(
        root,
        () => this.render(root, ctx),
        () => ctx.rerender(this.name),
      );
  },
};
