import { getJson } from './api.js';
import { disposeCharts, figure, picker } from './charts.js';
import { accuracyMatrixFigure, matrixCells, type ContinualCell } from '../figures/accuracy-matrix.js';
import { el, RedrawThrottle, type DashboardView } from './views.js';

const selection = new Map<string, { method: string; scenario: string }>();

async function matrixFor(root: HTMLElement, runId: string, label: string): Promise<void> {
  const { cells, truncated } = await getJson<{ cells: ContinualCell[]; truncated: boolean }>(
    `/api/runs/${runId}/cells`,
  );
  const box = el('div', undefined, { class: 'matrix', 'data-run': runId });
  root.append(box);
  for (const c of cells.filter((x) => x.error))
    box.append(el('p', `${c.name}: ${c.error}`, { class: 'error' }));
  if (truncated) box.append(el('p', 'Only the first 2000 cells are shown.'));
  const { good, methods, scenarios } = matrixCells(cells);
  if (!good.length) {
    box.append(el('p', `${label}: no finished cell yet.`));
    return;
  }
  const chosen = selection.get(runId) ?? { method: methods[0], scenario: scenarios[0] };
  if (!methods.includes(chosen.method)) chosen.method = methods[0];
  if (!scenarios.includes(chosen.scenario)) chosen.scenario = scenarios[0];
  selection.set(runId, chosen);
  const controls = el('div', undefined, { class: 'controls' });
  box.append(controls);
  const area = el('div');
  box.append(area);
  const draw = () => {
    disposeCharts(area);
    area.replaceChildren();
    const f = accuracyMatrixFigure(label, good, chosen.method, chosen.scenario);
    if (typeof f === 'string') area.append(el('p', f));
    else figure(area, f);
  };
  picker(controls, 'method', methods, chosen.method, (v) => {
    chosen.method = v;
    draw();
  });
  picker(controls, 'scenario', scenarios, chosen.scenario, (v) => {
    chosen.scenario = v;
    draw();
  });
  draw();
}

const throttle = new RedrawThrottle();

/** The continual-learning accuracy matrix (after training context i, accuracy on context j), per method. */
export const matrixView: DashboardView = {
  name: 'accuracy-matrix',
  title: 'Accuracy matrix',
  applies: (ctx) => ctx.runs.some((r) => r.kind === 'continual'),
  async render(root, ctx) {
    throttle.rendered(root);
    disposeCharts(root);
    root.replaceChildren();
    for (const r of ctx.runs.filter((x) => x.kind === 'continual')) await matrixFor(root, r.id, r.label);
  },
  dispose(root) {
    throttle.cancel(root);
    disposeCharts(root);
  },
  async update(root, ctx, id) {
    if (ctx.runs.some((r) => r.id === id && r.kind === 'continual'))
      await throttle.request(
        root,
        () => this.render(root, ctx),
        () => ctx.rerender(this.name),
      );
  },
};
