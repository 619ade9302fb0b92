import uPlot from 'uplot';
import { api, getJson } from './api.js';
import { el, type DashboardView, type ViewContext } from './views.js';
import { isCellSeries } from './cells.js';
import { flatten } from '../flatten.js';

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
/** The latest render of each panel: an older one still loading stops when it sees it is not. */
const renders = new WeakMap<HTMLElement, number>();
/** The grouping each panel's charts were drawn with. */
const drawnGrouping = new WeakMap<HTMLElement, string>();

/** Each run's reduced points per chart, so an update fetches only the run that changed. */
const fetched = new Map<string, [number[], number[]]>();
const fetchKey = (runId: string, key: string, buckets: number, smoothing: number) =>
  `${runId}\u0000${key}\u0000${buckets}\u0000${smoothing}`;

/** The config field runs are grouped by ('' for none): each group one curve, its mean, with mean ± sd as a band. */
let groupBy = '';

/** Config fields of the selected runs, those whose values differ among them first. */
export function groupFields(ctx: ViewContext): string[] {
  const flat = ctx.runs.map((r) => flatten(ctx.configs.get(r.id) ?? {}));
  const keys = [...new Set(flat.flatMap((f) => [...f.keys()]))].filter(Boolean).sort();
  const differ = (k: string) => new Set(flat.map((f) => f.get(k))).size > 1;
  return [...keys.filter(differ), ...keys.filter((k) => !differ(k))];
}

/** The selected runs by their value of `field`, in order of first appearance. */
function groupsOf(ctx: ViewContext, field: string): { label: string; ids: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const r of ctx.runs) {
    const value = flatten(ctx.configs.get(r.id) ?? {}).get(field) ?? '(none)';
    groups.set(value, [...(groups.get(value) ?? []), r.id]);
  }
  return [...groups].map(([value, ids]) => ({ label: `${field}=${value} (${ids.length} runs)`, ids }));
}

interface Grouped {
  key: string;
  runs: number;
  x: number[];
  mean: number[];
  lo: number[];
  hi: number[];
  n: number[];
}

/** Per group: its mean, mean - sd and mean + sd, aligned on x with the other groups. */
async function groupedData(
  ctx: ViewContext,
  grouping: string,
  key: string,
  buckets: number,
): Promise<uPlot.AlignedData> {
  const per = await Promise.all(
    groupsOf(ctx, grouping).map(async (g) => {
      const ids = g.ids.filter((id) => (ctx.series.get(id) ?? []).some((s) => s.key === key));
      if (!ids.length) return [[], [], [], []] as uPlot.AlignedData;
      const d = await getJson<Grouped>(
        `/api/group?ids=${ids.join(',')}&key=${encodeURIComponent(key)}&buckets=${Math.floor(buckets)}&smoothing=${ctx.smoothing}`,
      );
      return [d.x, d.mean, d.lo, d.hi] as uPlot.AlignedData;
    }),
  );
  return uPlot.join(per);
}

/** uPlot's series and bands: a line per run, or per group a mean line with its ± sd band. */
function seriesOptions(
  ctx: ViewContext,
  grouping: string,
  xField: string,
): { series: uPlot.Series[]; bands: uPlot.Band[] } {
  if (!grouping)
    return {
      series: [
        { label: xField },
        ...ctx.runs.map((r, i) => ({ label: r.label, stroke: COLORS[i % COLORS.length], spanGaps: true })),
      ],
      bands: [],
    };
  const series: uPlot.Series[] = [{ label: xField }];
  const bands: uPlot.Band[] = [];
  groupsOf(ctx, grouping).forEach((g, i) => {
    const color = COLORS[i % COLORS.length];
    const at = series.length;
    series.push(
      { label: g.label, stroke: color, spanGaps: true },
      { label: '− sd', stroke: 'transparent', points: { show: false }, spanGaps: true },
      { label: '+ sd', stroke: 'transparent', points: { show: false }, spanGaps: true },
    );
    bands.push({ series: [at + 2, at + 1], fill: `${color}33` });
  });
  return { series, bands };
}

async function chartData(
  ctx: ViewContext,
  grouping: string,
  key: string,
  buckets: number,
): Promise<uPlot.AlignedData> {
  if (grouping) return groupedData(ctx, grouping, key, buckets);
  const per = await Promise.all(
    ctx.runs.map(async (r) => {
      if (!(ctx.series.get(r.id) ?? []).some((s) => s.key === key)) return [[], []] as [number[], number[]];
      const cached = fetched.get(fetchKey(r.id, key, buckets, ctx.smoothing));
      if (cached) return cached;
      // Smoothed on the server, over every point, before the reduction to this width.
      const d = await api.data(r.id, key, buckets, ctx.smoothing);
      const xy: [number[], number[]] = [d.x, d.y];
      fetched.set(fetchKey(r.id, key, buckets, ctx.smoothing), xy);
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
    const token = (renders.get(root) ?? 0) + 1;
    renders.set(root, token);
    for (const c of charts.get(root) ?? []) c.plot.destroy();
    charts.delete(root);
    // A render may follow a new width, smoothing or selection: everything is fetched again.
    fetched.clear();
    root.replaceChildren();
    const fields = groupFields(ctx);
    if (groupBy && !fields.includes(groupBy)) groupBy = '';
    const grouping = groupBy;
    drawnGrouping.set(root, grouping);
    const control = el('label', 'group runs by ', { class: 'controls group-by' });
    const select = el('select', undefined, { 'aria-label': 'group runs by' });
    select.append(el('option', 'none (a line per run)', { value: '' }));
    for (const f of fields) select.append(el('option', f, { value: f }));
    select.value = groupBy;
    select.addEventListener('change', () => {
      groupBy = select.value;
      ctxNow.rerender('scalars');
    });
    control.append(select);
    root.append(control);
    const keys = curveKeys(ctx);
    const list: Chart[] = [];
    // Kept from the start, so a newer render destroys what this one drew even if it stops half-way.
    charts.set(root, list);
    const width = Math.max(320, Math.min(560, root.clientWidth - 16));
    for (const key of keys.slice(0, MAX_CHARTS)) {
      const box = el('figure', undefined, { class: 'chart', 'data-key': key });
      box.append(el('figcaption', key));
      root.append(box);
      const data = await chartData(ctx, grouping, key, width);
      // A newer render (another selection or grouping) took over the panel while this one waited.
      if (renders.get(root) !== token) return;
      const xField = ctx.series.get(ctx.runs[0].id)?.find((s) => s.key === key)?.xField ?? 'x';
      const plot = new uPlot(
        {
          width,
          height: 220,
          scales: { x: { time: false } },
          ...seriesOptions(ctx, grouping, xField),
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
      // Grouped, the SVG draws the same groups: a mean curve with its ± sd band each.
      const lines = grouping
        ? groupsOf(ctx, grouping)
            .map(
              (g) =>
                `group=${g.ids.join(',')}&label=${encodeURIComponent(g.label.replace(/ \(\d+ runs\)$/, ''))}`,
            )
            .join('&')
        : `ids=${ctx.runs.map((r) => r.id).join(',')}`;
      const href = `/api/plot.svg?${lines}&key=${encodeURIComponent(key)}&smoothing=${ctx.smoothing}`;
      const svg = el('a', 'SVG', { class: 'export', download: 'plot.svg', href: api.image(href) });
      // The server takes 2,048 characters of URL and 16 runs per group: past that the link would fetch an error.
      const tooMany = grouping && groupsOf(ctx, grouping).some((g) => g.ids.length > 16);
      if (href.length > 2000 || tooMany) {
        svg.removeAttribute('href');
        svg.title = 'too many runs for one SVG: select fewer (at most 16 per group)';
      }
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
    if (
      !list ||
      drawnGrouping.get(root) !== groupBy ||
      keys.slice(0, MAX_CHARTS).some((k) => !list.some((c) => c.key === k))
    )
      return this.render(root, ctx);
    const token = renders.get(root);
    for (const c of list) {
      const data = await chartData(ctx, groupBy, c.key, c.plot.width);
      // A render that started meanwhile destroyed these charts: it draws its own.
      if (renders.get(root) !== token) return;
      c.plot.setData(data);
      const figure = c.plot.root.parentElement;
      if (figure) figure.dataset.points = String(pointCount(data));
    }
  },
  dispose(root) {
    renders.set(root, (renders.get(root) ?? 0) + 1);
    for (const c of charts.get(root) ?? []) c.plot.destroy();
    charts.delete(root);
  },
};
