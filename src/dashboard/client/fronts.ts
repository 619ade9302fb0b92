import { disposeCharts, figure, picker } from './charts.js';
import { el, type DashboardView, type ViewContext } from './views.js';

/** A member of a search's final front, as an evolution run's summary.json records it. */
interface FrontMember {
  objectives: Record<string, number>;
  equation?: string;
  genes: number[];
}
interface Search {
  strategy?: string;
  front: FrontMember[];
  found?: { equation: string };
}

/** The searches of an evolution run's summary that have a front. */
export function searchesOf(summary: unknown): [string, Search][] {
  const searches = (summary as { searches?: unknown } | null)?.searches;
  if (!searches || typeof searches !== 'object') return [];
  return Object.entries(searches as Record<string, Search>).filter(
    ([, s]) =>
      Array.isArray(s?.front) &&
      s.front.length > 0 &&
      s.front.every((m) => m && typeof m.objectives === 'object'),
  );
}

const picks = new Map<string, { x: string; y: string }>();
const fmt = (v: number) => (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(3));

function searchPanel(root: HTMLElement, runId: string, label: string, name: string, search: Search): void {
  const objectives = Object.keys(search.front[0].objectives);
  const box = el('div', undefined, { class: 'front', 'data-search': name });
  const heading = `${label}: ${name}${search.strategy ? ` (${search.strategy})` : ''}, ${search.front.length} on the front`;
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
            data: search.front.map((m) => [m.objectives[chosen.x], m.objectives[chosen.y]]),
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
              data: search.front.map((m) => objectives.map((o) => m.objectives[o])),
            },
          ],
        },
        { width: 560, height: 320 },
      );
      parallel.on('click', (p) => show(p.dataIndex));
    }
    const genes = search.front[0].genes?.length ?? 0;
    if (genes > 0) {
      const max = Math.max(1e-12, ...search.front.flatMap((m) => m.genes.map(Math.abs)));
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
              data: search.front.flatMap((m, i) => m.genes.map((g, k) => [k, i, g])),
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

const evolutionRuns = (ctx: ViewContext) =>
  ctx.runs.filter((r) => searchesOf(ctx.summaries.get(r.id)).length > 0);

/** An evolution run's final fronts: two objectives as a scatter, all of them as parallel coordinates, the genes. */
export const frontsView: DashboardView = {
  name: 'fronts',
  title: 'Evolution: fronts and rules',
  applies: (ctx) => evolutionRuns(ctx).length > 0,
  async render(root, ctx) {
    disposeCharts(root);
    root.replaceChildren();
    for (const r of evolutionRuns(ctx))
      for (const [name, search] of searchesOf(ctx.summaries.get(r.id)))
        searchPanel(root, r.id, r.label, name, search);
  },
};
