import { getJson } from './api.js';
import { disposeCharts, figure, picker } from './charts.js';
import { el, RedrawThrottle, type DashboardView } from './views.js';

/** A cell of a continual grid as /api/runs/ID/cells lists it. */
export interface ContinualCell {
  name: string;
  error?: string;
  method?: string;
  scenario?: string;
  seed?: number;
  contexts?: number[][];
  /** accuracy[i][j]: accuracy on context j after training context i. */
  accuracy?: number[][];
  metrics?: Record<string, number>;
}

const isMatrix = (a: unknown): a is number[][] =>
  Array.isArray(a) && a.length > 0 && a.every((r) => Array.isArray(r) && r.length === a.length);

/** Element-wise mean of same-sized matrices. */
export function meanMatrix(ms: (number | null)[][][]): number[][] {
  // null is how JSON writes a non-finite accuracy: it makes that entry's mean unknown.
  return ms[0].map((row, i) =>
    row.map((_, j) => ms.reduce((s: number, m) => s + (m[i][j] ?? NaN), 0) / ms.length),
  );
}

const selection = new Map<string, { method: string; scenario: string }>();

async function matrixFor(root: HTMLElement, runId: string, label: string): Promise<void> {
  const { cells, truncated } = await getJson<{ cells: ContinualCell[]; truncated: boolean }>(
    `/api/runs/${runId}/cells`,
  );
  const good = cells.filter((c) => !c.error && c.method && c.scenario && isMatrix(c.accuracy));
  const box = el('div', undefined, { class: 'matrix', 'data-run': runId });
  root.append(box);
  for (const c of cells.filter((x) => x.error))
    box.append(el('p', `${c.name}: ${c.error}`, { class: 'error' }));
  if (truncated) box.append(el('p', 'Only the first 2000 cells are shown.'));
  if (!good.length) {
    box.append(el('p', `${label}: no finished cell yet.`));
    return;
  }
  const methods = [...new Set(good.map((c) => c.method!))].sort();
  const scenarios = [...new Set(good.map((c) => c.scenario!))].sort();
  // Class-incremental first: where the methods differ most.
  const firstScenario = scenarios.includes('class') ? 'class' : scenarios[0];
  const chosen = selection.get(runId) ?? { method: methods[0], scenario: firstScenario };
  if (!methods.includes(chosen.method)) chosen.method = methods[0];
  if (!scenarios.includes(chosen.scenario)) chosen.scenario = firstScenario;
  selection.set(runId, chosen);
  const controls = el('div', undefined, { class: 'controls' });
  box.append(controls);
  const area = el('div');
  box.append(area);
  const draw = () => {
    disposeCharts(area);
    area.replaceChildren();
    const picked = good.filter((c) => c.method === chosen.method && c.scenario === chosen.scenario);
    const sized = picked.filter((c) => c.accuracy!.length === picked[0]?.accuracy!.length);
    if (!sized.length) {
      area.append(el('p', `No finished cell of ${chosen.method}, ${chosen.scenario}.`));
      return;
    }
    const m = meanMatrix(sized.map((c) => c.accuracy!));
    const n = m.length;
    const names = Array.from({ length: n }, (_, k) => {
      const digits = sized.every(
        (c) => JSON.stringify(c.contexts?.[k]) === JSON.stringify(sized[0].contexts?.[k]),
      );
      return digits && sized[0].contexts?.[k]
        ? `${k + 1} (${sized[0].contexts[k].join(',')})`
        : String(k + 1);
    });
    const seeds = sized.map((c) => c.seed).join(', ');
    figure(
      area,
      `${label}: ${chosen.method}, ${chosen.scenario}-incremental, accuracy mean over ${sized.length} seed(s) (${seeds})`,
      `accuracy-${chosen.method}-${chosen.scenario}`,
      {
        tooltip: { position: 'top' },
        grid: { left: 110, bottom: 70, right: 20, top: 20 },
        xAxis: {
          type: 'category',
          data: names,
          name: 'tested on context',
          nameLocation: 'middle',
          nameGap: 40,
        },
        yAxis: {
          type: 'category',
          data: names,
          inverse: true,
          name: 'after training',
          nameLocation: 'middle',
          nameGap: 80,
        },
        visualMap: { min: 0, max: 1, show: false, inRange: { color: ['#f7fbff', '#08306b'] } },
        series: [
          {
            type: 'heatmap',
            data: m.flatMap((row, i) =>
              row.map((v, j) => [j, i, Number.isFinite(v) ? Math.round(v * 1000) / 1000 : '-']),
            ),
            label: {
              show: n <= 10,
              formatter: (p: { value: (number | string)[] }) =>
                typeof p.value[2] === 'number' ? p.value[2].toFixed(2) : '',
            },
          },
        ],
      },
      { width: 560, height: 380 },
    );
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
