import { api } from './api.js';
import { disposeCharts, figure } from './charts.js';
import { histogramFigure, histogramTitle } from '../figures/distributions.js';
import { el, RedrawThrottle, type DashboardView } from './views.js';

const throttle = new RedrawThrottle();

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
        const f = histogramFigure(r.label, h, histogramTitle(info.group, info.field));
        if (typeof f === 'string') root.append(el('p', f));
        else figure(root, f);
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
