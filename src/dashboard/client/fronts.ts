import { disposeCharts, figure, picker } from './charts.js';
import {
  frontGenes,
  frontParallel,
  frontRuleFigure,
  frontScatter,
  MAX_GENES,
  MAX_MEMBERS,
  searchesOf,
  type Search,
} from '../figures/fronts.js';
import { el, type DashboardView, type ViewContext } from './views.js';

const picks = new Map<string, { x: string; y: string }>();
const fmt = (v: number) =>
  !Number.isFinite(v) ? '—' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(3);

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
  // The picked member's rule per synapse type (rule problems: the summary carries their genome).
  const ruleArea = el('div', undefined, { class: 'rule' });
  box.append(controls, area, equation, ruleArea);
  const drawRule = (i: number) => {
    disposeCharts(ruleArea);
    ruleArea.replaceChildren();
    const f = frontRuleFigure(name, search, i);
    if (f) figure(ruleArea, f);
  };
  const show = (i: number) => {
    drawRule(i);
    const m = search.front[i];
    const values = Object.entries(m.objectives)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(', ');
    equation.textContent = `#${i}: ${m.equation ?? `genes ${m.genes.map(fmt).join(' ')}`} (${values})`;
  };
  const draw = () => {
    disposeCharts(area);
    area.replaceChildren();
    const scatter = figure(area, frontScatter(name, search.front, chosen.x, chosen.y));
    scatter.on('click', (p) => show(p.dataIndex));
    const parallel = frontParallel(name, search.front);
    if (parallel) figure(area, parallel).on('click', (p) => show(p.dataIndex));
    const genes = frontGenes(name, search.front);
    if (genes) figure(area, genes).on('click', (p) => show((p.value as number[])[1]));
  };
  // The rule found first (where the search names one), else the first member.
  drawRule(
    Math.max(
      0,
      search.front.findIndex((m) => m.equation && m.equation === search.found?.equation),
    ),
  );
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
