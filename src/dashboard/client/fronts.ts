import { disposeCharts, figure, picker } from './charts.js';
import { el, type DashboardView, type ViewContext } from './views.js';

/** A member of a search's final front, as an evolution run's summary.json records it (checked, below). */
interface FrontMember {
  objectives: Record<string, number>;
  equation?: string;
  genes: number[];
}
interface Search {
  strategy?: string;
  front: FrontMember[];
  found?: { equation: string };
  /** Members or genes beyond the caps, not drawn. */
  cut: boolean;
}

/** The most front members and genes per member drawn (a summary file is run data: any size, any shape). */
const MAX_MEMBERS = 1000;
const MAX_GENES = 512;
const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);
/** A finite number, else NaN (JSON writes NaN and infinities as null). */
const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The searches of an evolution run's summary that have a front, every value checked and the sizes capped. */
export function searchesOf(summary: unknown): [string, Search][] {
  const searches = isObject(summary) ? summary.searches : undefined;
  if (!isObject(searches)) return [];
  const out: [string, Search][] = [];
  for (const [name, s] of Object.entries(searches)) {
    if (!isObject(s) || !Array.isArray(s.front) || !s.front.length || !isObject(s.front[0]?.objectives))
      continue;
    const names = Object.keys(s.front[0].objectives);
    const members = s.front.slice(0, MAX_MEMBERS).filter(isObject);
    let cut = s.front.length > MAX_MEMBERS;
    const front = members.map((m) => {
      const objectives = isObject(m.objectives) ? m.objectives : {};
      const genes = Array.isArray(m.genes) ? m.genes : [];
      cut ||= genes.length > MAX_GENES;
      return {
        objectives: Object.fromEntries(names.map((k) => [k, finite(objectives[k])])),
        equation: str(m.equation),
        genes: genes.slice(0, MAX_GENES).map(finite),
      };
    });
    const found =
      isObject(s.found) && str(s.found.equation) ? { equation: str(s.found.equation)! } : undefined;
    if (front.length) out.push([name, { strategy: str(s.strategy), front, found, cut }]);
  }
  return out;
}

const picks = new Map<string, { x: string; y: string }>();
const fmt = (v: number) =>
  !Number.isFinite(v) ? '—' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(3);
/** ECharts draws '-' as a missing value. */
const value = (v: number) => (Number.isFinite(v) ? v : '-');

function searchPanel(root: HTMLElement, runId: string, label: string, name: string, search: Search): void {
  const objectives = Object.keys(search.front[0].objectives);
  const box = el('div', undefined, { class: 'front', 'data-search': name });
  const heading =
    `${label}: ${name}${search.strategy ? ` (${search.strategy})` : ''}, ${search.front.length} on the front` +
    (search.cut ? ` (only the first ${MAX_MEMBERS} members and ${MAX_GENES} genes of each are drawn)` : '');
  box.append(el('h3', heading));
  root.append(box);
  const chosen = picks.get(`${runId}/${name}`) ?? { x: objectives[0], y: objectives[1] ?? objectives[0] };
  picks.set(`${runId}/${name}`, chosen);
  const controls = el('div', undefined, { class: 'controls' });
  const equation = el('p', search.found ? `found: ${search.found.equation}` : 'Click a point for its rule.', {
    class: 'equation',
  });
  const area = el('div', undefined, { class: 'charts-row' });
  box.append(controls, area, equation);
  const show = (i: number) => {
    const m = search.front[i];
    const values = Object.entries(m.objectives)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(', ');
    equation.textContent = `#${i}: ${m.equation ?? `genes ${m.genes.map(fmt).join(' ')}`} (${values})`;
  };
  const draw = () => {
    disposeCharts(area);
    area.replaceChildren();
    const scatter = figure(
      area,
      `front: ${chosen.y} against ${chosen.x}`,
      `front-${name}`,
      {
        tooltip: { formatter: (p: { dataIndex: number }) => `#${p.dataIndex}` },
        grid: { left: 70, bottom: 50, right: 20, top: 20 },
        xAxis: { type: 'value', name: chosen.x, nameLocation: 'middle', nameGap: 30, scale: true },
        yAxis: { type: 'value', name: chosen.y, nameLocation: 'middle', nameGap: 55, scale: true },
        series: [
          {
            type: 'scatter',
            symbolSize: 8,
            data: search.front.map((m) => [value(m.objectives[chosen.x]), value(m.objectives[chosen.y])]),
          },
        ],
      },
      { width: 420, height: 320 },
    );
    scatter.on('click', (p) => show(p.dataIndex));
    if (objectives.length > 2) {
      const parallel = figure(
        area,
        'every objective (parallel coordinates)',
        `front-${name}-parallel`,
        {
          parallelAxis: objectives.map((o, dim) => ({ dim, name: o, scale: true })),
          parallel: { left: 40, right: 60, top: 40, bottom: 30 },
          series: [
            {
              type: 'parallel',
              lineStyle: { width: 1, opacity: 0.5 },
              data: search.front.map((m) => objectives.map((o) => value(m.objectives[o]))),
            },
          ],
        },
        { width: 560, height: 320 },
      );
      parallel.on('click', (p) => show(p.dataIndex));
    }
    let genes = 0;
    let max = 1e-12;
    for (const m of search.front) {
      genes = Math.max(genes, m.genes.length);
      for (const g of m.genes) if (Math.abs(g) > max) max = Math.abs(g);
    }
    if (genes > 0) {
      figure(
        area,
        'rule coefficients of each front member (genes)',
        `front-${name}-genes`,
        {
          tooltip: { position: 'top' },
          grid: { left: 50, bottom: 40, right: 20, top: 20 },
          xAxis: { type: 'category', data: Array.from({ length: genes }, (_, k) => String(k)), name: 'gene' },
          yAxis: { type: 'category', data: search.front.map((_, i) => `#${i}`), inverse: true },
          visualMap: { min: -max, max, show: false, inRange: { color: ['#b2182b', '#f7f7f7', '#2166ac'] } },
          series: [
            {
              type: 'heatmap',
              data: search.front.flatMap((m, i) => m.genes.map((g, k) => [k, i, value(g)])),
            },
          ],
        },
        { width: Math.min(900, 120 + 18 * genes), height: Math.min(600, 80 + 14 * search.front.length) },
      ).on('click', (p) => show((p.value as number[])[1]));
    }
  };
  if (objectives.length > 2) {
    picker(controls, 'x', objectives, chosen.x, (v) => {
      chosen.x = v;
      draw();
    });
    picker(controls, 'y', objectives, chosen.y, (v) => {
      chosen.y = v;
      draw();
    });
  }
  draw();
}

/** What the view shows, to redraw only when a run's fronts changed (a summary is rewritten when a search ends). */
const signature = (ctx: ViewContext) =>
  JSON.stringify(evolutionRuns(ctx).map((r) => searchesOf(ctx.summaries.get(r.id))));
const drawn = new WeakMap<HTMLElement, string>();

const evolutionRuns = (ctx: ViewContext) =>
  ctx.runs.filter((r) => searchesOf(ctx.summaries.get(r.id)).length > 0);

/** An evolution run's final fronts: two objectives as a scatter, all of them as parallel coordinates, the genes. */
export const frontsView: DashboardView = {
  name: 'fronts',
  title: 'Evolution: fronts and rules',
  applies: (ctx) => evolutionRuns(ctx).length > 0,
  async render(root, ctx) {
    drawn.set(root, signature(ctx));
    disposeCharts(root);
    root.replaceChildren();
    for (const r of evolutionRuns(ctx))
      for (const [name, search] of searchesOf(ctx.summaries.get(r.id)))
        searchPanel(root, r.id, r.label, name, search);
  },
  async update(root, ctx) {
    if (drawn.get(root) !== signature(ctx)) await this.render(root, ctx);
  },
  dispose: (root) => disposeCharts(root),
};
