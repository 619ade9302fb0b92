import { api } from './api.js';
import { el, type DashboardView, type ViewContext } from './views.js';

/** Records of a grid's cells (`type: cell` lines): one per finished cell, not a curve. */
export const isCellSeries = (group: string) => /(^| )type=cell( |$)/.test(group);

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => {
  if (v.length < 2) return 0;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
};
/** Three significant digits of the mean, and the spread to the same decimal place. */
const decimals = (m: number) => Math.min(6, Math.max(0, 2 - Math.floor(Math.log10(Math.abs(m) || 1))));

async function table(ctx: ViewContext, runId: string, label: string): Promise<HTMLElement | null> {
  const series = (ctx.series.get(runId) ?? []).filter((s) => isCellSeries(s.group));
  if (!series.length) return null;
  const groups = [...new Set(series.map((s) => s.group))].sort();
  const fields = [...new Set(series.map((s) => s.field))].sort();
  const values = new Map<string, number[]>();
  await Promise.all(series.map(async (s) => values.set(s.key, (await api.data(runId, s.key, 4000)).y)));
  const t = el('table', undefined, { class: 'cells' });
  const caption = el('caption', `${label}: finished cells, mean ± sd over seeds (n) `);
  t.append(caption);
  const rows: (string | number)[][] = [['cell', 'field', 'mean', 'sd', 'n']];
  const head = el('tr');
  head.append(el('th', 'cell'), ...fields.map((f) => el('th', f)));
  t.append(head);
  for (const g of groups) {
    const tr = el('tr');
    tr.append(el('th', g.replace(/(^| )type=cell/, '').trim()));
    for (const f of fields) {
      const v = values.get(`${g} ${f}`) ?? [];
      const m = v.length ? mean(v) : 0;
      const k = decimals(m);
      if (v.length) rows.push([g.replace(/(^| )type=cell/, '').trim(), f, m, sd(v), v.length]);
      tr.append(el('td', v.length ? `${m.toFixed(k)} ± ${sd(v).toFixed(k)} (${v.length})` : ''));
    }
    t.append(tr);
  }
  // For papers and spreadsheets: the table's numbers in full precision, one row per cell and field.
  const csv = el('button', 'CSV', { type: 'button', class: 'export' });
  csv.addEventListener('click', () => {
    // Text is quoted, and kept from being read as a formula by a spreadsheet.
    const quote = (v: string | number) =>
      typeof v === 'number' ? String(v) : `"${/^[=+\-@]/.test(v) ? "'" : ''}${v.replace(/"/g, '""')}"`;
    const text = rows.map((r) => r.map(quote).join(',')).join('\n') + '\n';
    const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
    el('a', undefined, {
      download: `${label.replace(/[^A-Za-z0-9._-]+/g, '-')}-cells.csv`,
      href: url,
    }).click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  caption.append(csv);
  return t;
}

/** A grid's finished cells as a table, grouped by their labels and summarised over seeds, live as cells finish. */
export const cellsView: DashboardView = {
  name: 'cells',
  title: 'Grid cells',
  applies: (ctx) => ctx.runs.some((r) => (ctx.series.get(r.id) ?? []).some((s) => isCellSeries(s.group))),
  async render(root, ctx) {
    const tables = await Promise.all(ctx.runs.map((r) => table(ctx, r.id, r.label)));
    root.replaceChildren(...tables.filter((t): t is HTMLElement => t !== null));
  },
};
