import { el, type DashboardView } from './views.js';

/** A run's summary.json: its top-level results, one row each (nested values as JSON text). */
export const summaryView: DashboardView = {
  name: 'summary',
  title: 'Summary',
  applies: (ctx) => ctx.runs.some((r) => ctx.summaries.get(r.id) != null),
  async render(root, ctx) {
    root.replaceChildren();
    for (const r of ctx.runs) {
      const s = ctx.summaries.get(r.id);
      if (s == null) continue;
      const table = el('table', undefined, { class: 'summary' });
      table.append(el('caption', r.label));
      const entries: [string, unknown][] =
        typeof s === 'object' && !Array.isArray(s) ? Object.entries(s as object) : [['value', s]];
      for (const [k, v] of entries) {
        const tr = el('tr');
        const text = typeof v === 'number' ? String(Number(v.toPrecision(6))) : JSON.stringify(v);
        tr.append(el('th', k), el('td', text.length > 400 ? `${text.slice(0, 400)}…` : text));
        table.append(tr);
      }
      root.append(table);
    }
  },
};
