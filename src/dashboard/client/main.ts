import 'uplot/dist/uPlot.min.css';
import './style.css';
import { api, type RunSummary } from './api.js';
import { cellsView } from './cells.js';
import { disposeCharts } from './charts.js';
import { distributionsView } from './distributions.js';
import { frontsView } from './fronts.js';
import { matrixView } from './matrix.js';
import { neuromodulatorsView } from './neuromodulators.js';
import { receptiveFieldsView } from './receptive-fields.js';
import { scalarsView } from './scalars.js';
import { spikingView } from './spiking.js';
import { summaryView } from './summary.js';
import { v1RatesView } from './v1-rates.js';
import { weightsView } from './weights.js';
import { needsConfig, runMatches } from '../run-filter.js';
import { reportData } from './offline.js';
import { el, registerView, views, type ViewContext } from './views.js';

registerView(scalarsView);
registerView(cellsView);
registerView(matrixView);
registerView(frontsView);
registerView(distributionsView);
registerView(receptiveFieldsView);
registerView(weightsView);
registerView(spikingView);
registerView(neuromodulatorsView);
registerView(v1RatesView);
registerView(summaryView);

const state = {
  runs: [] as RunSummary[],
  selected: new Set<string>(),
  /** The run filter typed above the list (`field=value`, `field!=value`, words). */
  filter: '',
  /** Every listed run's config, fetched once the filter names config fields. */
  filterConfigs: new Map<string, unknown>(),
  ctx: {
    runs: [],
    series: new Map(),
    histograms: new Map(),
    summaries: new Map(),
    configs: new Map(),
    smoothing: 0.6,
    rerender: (name: string) => rerender(name),
  } as ViewContext,
};
const panels = new Map<string, HTMLElement>();
const statusEl = document.getElementById('status')!;

/**
 * Every change of the page goes through one queue: a render or an update starts when the previous one ended, so
 * panels are never built twice over or fed a selection that changed half-way.
 */
let queue: Promise<void> = Promise.resolve();
function enqueue(work: () => Promise<void>, where: string): void {
  queue = queue.then(work).catch((err) => showError(where, err));
}

function showError(where: string, err: unknown): void {
  const box = document.getElementById('views')!;
  box.prepend(el('p', `${where}: ${(err as Error).message ?? String(err)}`, { class: 'error' }));
}

async function loadRun(id: string): Promise<void> {
  const [detail, series] = await Promise.all([api.run(id), api.series(id)]);
  state.ctx.summaries.set(id, detail.summary);
  // A config that could not be read arrives as { error }: it has no fields to group by.
  const config = detail.config as { error?: unknown } | null;
  state.ctx.configs.set(id, config && typeof config === 'object' && 'error' in config ? {} : config);
  state.ctx.series.set(id, series.series);
  state.ctx.histograms.set(id, series.histograms ?? []);
  const i = state.runs.findIndex((r) => r.id === id);
  if (i >= 0 && state.runs[i].status !== detail.run.status) {
    state.runs[i] = detail.run;
    renderRunList();
  }
}

async function renderViews(): Promise<void> {
  const box = document.getElementById('views')!;
  for (const v of views()) {
    const body = panels.get(v.name);
    if (body) v.dispose?.(body);
  }
  disposeCharts(box);
  box.replaceChildren();
  panels.clear();
  state.ctx.runs = state.runs.filter((r) => state.selected.has(r.id) && shown(r));
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

/** Whether run `r` passes the filter (a run whose config is not fetched yet passes until it is). */
function shown(r: RunSummary): boolean {
  const config = state.filterConfigs.get(r.id) ?? state.ctx.configs.get(r.id);
  return (
    !state.filter ||
    (config === undefined && needsConfig(state.filter)) ||
    runMatches(state.filter, r, config)
  );
}

/** Fetches the configs a filter on config fields needs (once per run). */
async function loadFilterConfigs(): Promise<void> {
  if (!needsConfig(state.filter)) return;
  for (const r of state.runs)
    if (!state.filterConfigs.has(r.id) && !state.ctx.configs.has(r.id)) {
      const detail = await api.run(r.id).catch(() => null);
      const config = detail?.config as { error?: unknown } | null | undefined;
      state.filterConfigs.set(
        r.id,
        config && typeof config === 'object' && !('error' in config) ? config : {},
      );
    }
}

/** The controls above the run list (built once, so typing in the filter keeps its focus). */
function renderControls(nav: HTMLElement): void {
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
    enqueue(renderViews, 'smoothing');
  });
  smoothing.append(slider);
  const filter = el('input', undefined, {
    type: 'search',
    id: 'run-filter',
    'aria-label': 'filter runs',
    placeholder: 'filter: lr=0.001 method!=ewc adam',
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  filter.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(
      () =>
        enqueue(async () => {
          state.filter = filter.value;
          await loadFilterConfigs();
          renderRunList();
          await renderViews();
        }, 'filter'),
      250,
    );
  });
  nav.append(smoothing, filter);
}

function renderRunList(): void {
  const nav = document.getElementById('runs')!;
  if (!nav.querySelector('#run-filter')) renderControls(nav);
  nav.querySelector('ul')?.remove();
  const list = el('ul');
  for (const r of state.runs) {
    const li = el('li', undefined, { 'data-run': r.id });
    li.hidden = !shown(r);
    const box = el('input', undefined, { type: 'checkbox' });
    box.checked = state.selected.has(r.id);
    box.addEventListener('change', () =>
      enqueue(async () => {
        if (box.checked) {
          state.selected.add(r.id);
          await loadRun(r.id).catch((err) => showError(r.label, err));
        } else state.selected.delete(r.id);
        await renderViews();
      }, r.label),
    );
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

/** Renders one view again (a control of its own changed), in the queue like every other change. */
function rerender(name: string): void {
  enqueue(async () => {
    const v = views().find((x) => x.name === name);
    const body = panels.get(name);
    if (!v || !body) return;
    v.dispose?.(body);
    await v.render(body, state.ctx);
  }, name);
}

/** Updates after run `id` changed: its data is fetched again and each view shown brings itself up to date. */
const pending = new Set<string>();
function runChanged(id: string): void {
  if (!state.selected.has(id) || pending.has(id)) return;
  pending.add(id);
  enqueue(async () => {
    pending.delete(id);
    await loadRun(id);
    for (const v of views()) {
      const body = panels.get(v.name);
      if (body)
        await (v.update ?? v.render).call(v, body, state.ctx, id).catch((err) => showError(v.title, err));
    }
    statusEl.textContent = `updated ${new Date().toLocaleTimeString()}`;
  }, id);
}

/** After a reconnection: the run list and the selected runs again, since events may have been missed. */
function resync(): void {
  enqueue(async () => {
    state.runs = await api.runs();
    for (const id of [...state.selected]) if (!state.runs.some((r) => r.id === id)) state.selected.delete(id);
    for (const id of state.selected) await loadRun(id).catch((err) => showError(id, err));
    renderRunList();
    await renderViews();
  }, 'reconnect');
}

async function start(): Promise<void> {
  const report = reportData();
  if (report) {
    // Inside a report.html: the run as it was when the report was written, and what the report left out.
    statusEl.textContent = `as written ${report.generatedAt}`;
    for (const note of report.notes)
      document.getElementById('views')!.before(el('p', note, { class: 'note' }));
  }
  state.runs = await api.runs();
  // The first run is shown at once; the others are one click away.
  if (state.runs.length) {
    state.selected.add(state.runs[0].id);
    await loadRun(state.runs[0].id).catch((err) => showError(state.runs[0].label, err));
  }
  renderRunList();
  await renderViews();
  const events = api.events();
  let opened = false;
  events.addEventListener('run', (e) => runChanged(JSON.parse((e as MessageEvent).data).id));
  events.addEventListener('runs', () =>
    enqueue(async () => {
      state.runs = await api.runs();
      renderRunList();
    }, 'runs'),
  );
  events.onerror = () => {
    // A refused stream (the server holds too many) is not retried by the browser: say so.
    statusEl.textContent =
      events.readyState === EventSource.CLOSED ? 'live updates stopped: reload the page' : 'reconnecting…';
  };
  events.onopen = () => {
    statusEl.textContent = 'live';
    if (opened) resync();
    opened = true;
  };
  document.body.dataset.ready = 'true';
}

start().catch((err) => showError('dashboard', err));
