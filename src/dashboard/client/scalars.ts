import uPlot from 'uplot';
import { api } from './api.js';
import { el, type DashboardView, type ViewContext } from './views.js';
import { isCellSeries } from './cells.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
/** Series charted at most (the rest are listed): a grid of hundreds of charts helps no one. */
const MAX_CHARTS = 24;

interface Chart {
  key: string;
  plot: uPlot;
}

/** Points drawn (for people and tests: a figure's data-points attribute). */
const pointCount = (data: uPlot.AlignedData) =>
  data
    .slice(1)
    .reduce(
      (n, ys) =>
        n + (ys as ArrayLike<number | null | undefined> as (number | null)[]).filter((v) => v != null).length,
      0,
    );

/** The series drawn as curves: all but a grid's cell records (the cells view tabulates those). */
const curveKeys = (ctx: ViewContext) =>
  [
    ...new Set(
      ctx.runs.flatMap((r) =>
        (ctx.series.get(r.id) ?? []).filter((s) => !isCellSeries(s.group)).map((s) => s.key),
      ),
    ),
  ].sort();

const charts = new WeakMap<HTMLElement, Chart[]>();

/** Each run's reduced points per chart, so an update fetches only the run that changed. */
const fetched = new Map<string, [number[], number[]]>();
const fetchKey = (runId: string, key: string) => `${runId}\u0000${key}`;

async function chartData(ctx: ViewContext, key: string, buckets: number): Promise<uPlot.AlignedData> {
  const per = await Promise.all(
    ctx.runs.map(async (r) => {
      if (!(ctx.series.get(r.id) ?? []).some((s) => s.key === key)) return [[], []] as [number[], number[]];
      const cached = fetched.get(fetchKey(r.id, key));
      if (cached) return cached;
      // Smoothed on the server, over every point, before the reduction to this width.
      const d = await api.data(r.id, key, buckets, ctx.smoothing);
      const xy: [number[], number[]] = [d.x, d.y];
      fetched.set(fetchKey(r.id, key), xy);
      return xy;
    }),
  );
  return uPlot.join(per as uPlot.AlignedData[]);
}

/** Scalar curves: one chart per metric, the selected runs overlaid, reduced per pixel on the server. */
export const scalarsView: DashboardView = {
  name: 'scalars',
  title: 'Scalars',
  applies: (ctx) => curveKeys(ctx).length > 0,
  async render(root, ctxNow) {
    // A copy: the selection may change while the charts load.
    const ctx = { ...ctxNow, runs: [...ctxNow.runs] };
    for (const c of charts.get(root) ?? []) c.plot.destroy();
    // A render may follow a new width, smoothing or selection: everything is fetched again.
    fetched.clear();
    root.replaceChildren();
    const keys = curveKeys(ctx);
    const list: Chart[] = [];
    const width = Math.max(320, Math.min(560, root.clientWidth - 16));
    for (const key of keys.slice(0, MAX_CHARTS)) {
      const box = el('figure', undefined, { class: 'chart', 'data-key': key });
      box.append(el('figcaption', key));
      root.append(box);
      const data = await chartData(ctx, key, width);
      const xField = ctx.series.get(ctx.runs[0].id)?.find((s) => s.key === key)?.xField ?? 'x';
      const plot = new uPlot(
        {
          width,
          height: 220,
          scales: { x: { time: false } },
          series: [
            { label: xField },
            ...ctx.runs.map((r, i) => ({
              label: r.label,
              stroke: COLORS[i % COLORS.length],
              spanGaps: true,
            })),
          ],
          axes: [{ label: xField }, {}],
        },
        data,
        box,
      );
      list.push({ key, plot });
      // Figures for papers: the canvas as PNG, and the same chart drawn by the server as SVG.
      const png = el('button', 'PNG', { type: 'button', class: 'export' });
      png.addEventListener('click', () =>
        el('a', undefined, { download: 'plot.png', href: plot.ctx.canvas.toDataURL('image/png') }).click(),
      );
      const svg = el('a', 'SVG', {
        class: 'export',
        download: 'plot.svg',
        href: `/api/plot.svg?ids=${ctx.runs.map((r) => r.id).join(',')}&key=${encodeURIComponent(key)}&smoothing=${ctx.smoothing}`,
      });
      box.querySelector('figcaption')!.append(' ', png, ' ', svg);
      box.dataset.points = String(pointCount(data));
    }
    if (keys.length > MAX_CHARTS)
      root.append(el('p', `${keys.length - MAX_CHARTS} more series: select fewer runs to see them.`));
    charts.set(root, list);
  },
  async update(root, ctx, id) {
    for (const k of [...fetched.keys()]) if (k.startsWith(`${id}\u0000`)) fetched.delete(k);
    const list = charts.get(root);
    const keys = curveKeys(ctx);
    if (!list || keys.slice(0, MAX_CHARTS).some((k) => !list.some((c) => c.key === k)))
      return this.render(root, ctx);
    for (const c of list) {
      const data = await chartData(ctx, c.key, c.plot.width);
      c.plot.setData(data);
      c.plot.root.parentElement!.dataset.points = String(pointCount(data));
    }
  },
};
