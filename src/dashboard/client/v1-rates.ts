import { disposeCharts, figure, picker } from './charts.js';
import { v1RatesFigures, v1ScalesOf } from '../figures/v1-rates.js';
import { el, type DashboardView } from './views.js';

const isV1Rates = (kind: string | null) => kind === 'v1-rates';
const chosenScale = new Map<string, string>();

/** V1 runs: each cell class's rate against the mouse recording, spontaneous and under gratings, per model size. */
export const v1RatesView: DashboardView = {
  name: 'v1-rates',
  title: 'V1 rates per class against the mouse',
  applies: (ctx) => ctx.runs.some((r) => isV1Rates(r.kind) && v1ScalesOf(ctx.summaries.get(r.id)).length),
  async render(root, ctx) {
    disposeCharts(root);
    root.replaceChildren();
    for (const r of ctx.runs.filter((x) => isV1Rates(x.kind))) {
      const scales = v1ScalesOf(ctx.summaries.get(r.id));
      if (!scales.length) continue;
      const box = el('div', undefined, { class: 'v1-rates', 'data-run': r.id });
      const controls = el('div', undefined, { class: 'controls' });
      const area = el('div');
      box.append(controls, area);
      root.append(box);
      const names = scales.map((s) => String(s.neurons));
      const first = chosenScale.get(r.id) ?? names[names.length - 1];
      const draw = (n: string) => {
        chosenScale.set(r.id, n);
        disposeCharts(area);
        area.replaceChildren();
        for (const f of v1RatesFigures(r.label, scales[Math.max(0, names.indexOf(n))])) figure(area, f);
      };
      if (scales.length > 1) picker(controls, 'neurons', names, first, draw);
      draw(names.includes(first) ? first : names[0]);
    }
  },
  dispose: (root) => disposeCharts(root),
};
