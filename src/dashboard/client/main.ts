import 'uplot/dist/uPlot.min.css';
import './style.css';
import { api, type RunSummary } from './api.js';
import { scalarsView } from './scalars.js';
import { summaryView } from './summary.js';
import { el, registerView, views, type ViewContext } from './views.js';

registerView(scalarsView);
registerView(summaryView);

const state = {
  runs: [] as RunSummary[],
  selected: new Set<string>(),
  ctx: { runs: [], series: new Map(), summaries: new Map(), smoothing: 0.6 } as ViewContext,
};
const panels = new Map<string, HTMLElement>();
const statusEl = document.getElementById('status')!;

function showError(where: string, err: unknown): void {
  const box = document.getElementById('views')!;
  box.prepend(el('p', `${where}: ${(err as Error).message ?? String(err)}`, { class: 'error' }));
}

async function loadRun(id: string): Promise<void> {
  const [detail, series] = await Promise.all([api.run(id), api.series(id)]);
  state.ctx.summaries.set(id, detail.summary);
  state.ctx.series.set(id, series.series);
  const i = state.runs.findIndex((r) => r.id === id);
  if (i >= 0 && state.runs[i].status !== detail.run.status) {
    state.runs[i] = detail.run;
    renderRunList();
  }
}

async function renderViews(): Promise<void> {
  const box = document.getElementById('views')!;
  box.replaceChildren();
  panels.clear();
  state.ctx.runs = state.runs.filter((r) => state.selected.has(r.id));
  for (const r of state.ctx.runs)
    if (r.error) box.append(el('p', `${r.label}: ${r.error}`, { class: 'error' }));
  for (const v of views()) {
    if (!v.applies(state.ctx)) continue;
    const section = el('section', undefined, { class: 'view', 'data-view': v.name });
    section.append(el('h2', v.title));
    const body = el('div', undefined, { class: 'view-body' });
    section.append(body);
    box.append(section);
    panels.set(v.name, body);
    await v.render(body, state.ctx).catch((err) => showError(v.title, err));
  }
  if (!panels.size) box.append(el('p', state.ctx.runs.length ? 'Nothing to show yet.' : 'Select a run.'));
}

function renderRunList(): void {
  const nav = document.getElementById('runs')!;
  nav.replaceChildren();
  const smoothing = el('label', 'smoothing ');
  const slider = el('input', undefined, {
    type: 'range',
    min: '0',
    max: '0.99',
    step: '0.01',
    id: 'smoothing',
  });
  slider.value = String(state.ctx.smoothing);
  slider.addEventListener('change', () => {
    state.ctx.smoothing = Number(slider.value);
    void renderViews();
  });
  smoothing.append(slider);
  nav.append(smoothing);
  const list = el('ul');
  for (const r of state.runs) {
    const li = el('li', undefined, { 'data-run': r.id });
    const box = el('input', undefined, { type: 'checkbox' });
    box.checked = state.selected.has(r.id);
    box.addEventListener('change', async () => {
      if (box.checked) {
        state.selected.add(r.id);
        await loadRun(r.id).catch((err) => showError(r.label, err));
      } else state.selected.delete(r.id);
      await renderViews();
    });
    const label = el('label');
    label.append(
      box,
      el('span', r.label, { class: 'run-label' }),
      el('span', r.status, { class: `status ${r.status}` }),
    );
    li.append(label);
    list.append(li);
  }
  nav.append(list);
}

/** Updates after run `id` changed: only its data is fetched again, and only the views showing it. */
let pending = new Set<string>();
let scheduled = false;
async function runChanged(id: string): Promise<void> {
  if (!state.selected.has(id)) return;
  pending.add(id);
  if (scheduled) return;
  scheduled = true;
  await new Promise((ok) => setTimeout(ok, 500));
  const ids = pending;
  pending = new Set();
  scheduled = false;
  for (const i of ids) await loadRun(i).catch((err) => showError(i, err));
  for (const v of views()) {
    const body = panels.get(v.name);
    if (!body) continue;
    for (const i of ids) await (v.update ?? v.render).call(v, body, state.ctx, i);
  }
  statusEl.textContent = `updated ${new Date().toLocaleTimeString()}`;
}

async function start(): Promise<void> {
  state.runs = await api.runs();
  // The first run is shown at once; the others are one click away.
  if (state.runs.length) {
    state.selected.add(state.runs[0].id);
    await loadRun(state.runs[0].id).catch((err) => showError(state.runs[0].label, err));
  }
  renderRunList();
  await renderViews();
  const events = api.events();
  events.addEventListener('run', (e) => void runChanged(JSON.parse((e as MessageEvent).data).id));
  events.addEventListener('runs', async () => {
    state.runs = await api.runs();
    renderRunList();
  });
  events.onerror = () => (statusEl.textContent = 'reconnecting…');
  events.onopen = () => (statusEl.textContent = 'live');
  document.body.dataset.ready = 'true';
}

start().catch((err) => showError('dashboard', err));
