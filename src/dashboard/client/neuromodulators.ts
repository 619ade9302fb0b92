import { api } from './api.js';
import { getJson } from './api.js';
import { disposeCharts, figure, picker } from './charts.js';
import {
  goNoGoFigures,
  taskFreeFigures,
  type GoNoGoCell,
  isTaskFreeCell,
} from '../figures/neuromodulators.js';
import { el, RedrawThrottle, type DashboardView } from './views.js';

interface GoNoGoSummary {
  learners?: string[];
  conditions?: string[];
  seeds?: number[];
}

const isGoNoGo = (kind: string | null) => kind === 'go-nogo';
/** A continual run with a method that records its neuromodulators (the task-free one). */
function isModulatedContinual(kind: string | null, config: unknown): boolean {
  if (kind !== 'continual' || !config || typeof config !== 'object') return false;
  const methods = (config as { methods?: unknown }).methods;
  if (!methods || typeof methods !== 'object') return false;
  return Object.entries(methods as Record<string, unknown>).some(
    ([key, m]) => ((m as { strategy?: unknown } | null)?.strategy ?? key) === 'neuromodulated',
  );
}
const applies = (r: { id: string; kind: string | null }, ctx: { configs: Map<string, unknown> }) =>
  isGoNoGo(r.kind) || isModulatedContinual(r.kind, ctx.configs.get(r.id));
const throttle = new RedrawThrottle();
const selection = new Map<string, { learner: string; condition: string; seed: string }>();
const continualSelection = new Map<string, { method: string; scenario: string; seed: string }>();
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

async function drawRun(root: HTMLElement, id: string, label: string, summary: GoNoGoSummary): Promise<void> {
  const learners = strings(summary.learners);
  const conditions = strings(summary.conditions);
  const seeds = strings(summary.seeds);
  const box = el('div', undefined, { class: 'neuromod', 'data-run': id });
  root.append(box);
  if (!learners.length || !conditions.length || !seeds.length) {
    box.append(el('p', `${label}: no learners, conditions or seeds in its summary yet.`));
    return;
  }
  const chosen = selection.get(id) ?? { learner: learners[0], condition: conditions[0], seed: seeds[0] };
  if (!learners.includes(chosen.learner)) chosen.learner = learners[0];
  // The full system first: where all four modulators act.
  if (!conditions.includes(chosen.condition))
    chosen.condition = conditions.includes('all') ? 'all' : conditions[0];
  if (!seeds.includes(chosen.seed)) chosen.seed = seeds[0];
  selection.set(id, chosen);
  const controls = el('div', undefined, { class: 'controls' });
  const area = el('div');
  box.append(controls, area);
  let drawing = 0;
  const draw = async () => {
    // Picks in quick succession: only the last one's cell is drawn.
    const mine = ++drawing;
    const name = `${chosen.learner}-${chosen.condition}-s${chosen.seed}.json`;
    const cell = (await api.cell(id, name).catch((err: Error) => err)) as GoNoGoCell | Error;
    if (mine !== drawing) return;
    disposeCharts(area);
    area.replaceChildren();
    if (cell instanceof Error || !Array.isArray(cell.blocks)) {
      const why = cell instanceof Error ? cell.message : 'not a go-nogo cell';
      area.append(el('p', `${label}: ${name}: ${/: 404 no such cell/.test(why) ? 'not finished yet' : why}`));
      return;
    }
    const what = `${label}: ${chosen.learner}, ${chosen.condition}, seed ${chosen.seed}`;
    for (const f of goNoGoFigures(label, chosen, cell)) figure(area, f);
    const t = el('table', undefined, { class: 'cells' });
    t.append(el('caption', `${what}: blocks`));
    const head = el('tr');
    head.append(...['block', 'shift', 'trials', 'accuracy', 'trials to criterion'].map((h) => el('th', h)));
    t.append(head);
    for (const b of cell.blocks) {
      const tr = el('tr');
      tr.append(
        el('td', String(b.block)),
        el('td', b.shift),
        el('td', String(b.trials)),
        el('td', Number(b.accuracy).toFixed(3)),
        el('td', b.trialsToCriterion === null ? 'not reached' : String(b.trialsToCriterion)),
      );
      t.append(tr);
    }
    area.append(t);
  };
  const redraw = () =>
    void draw().catch((err: Error) => area.append(el('p', err.message, { class: 'error' })));
  picker(controls, 'learner', learners, chosen.learner, (v) => ((chosen.learner = v), redraw()));
  picker(controls, 'condition', conditions, chosen.condition, (v) => ((chosen.condition = v), redraw()));
  picker(controls, 'seed', seeds, chosen.seed, (v) => ((chosen.seed = v), redraw()));
  await draw();
}

/** A task-free continual grid: a cell's surprise, noradrenaline and what it drives, step by step. */
async function drawContinualRun(root: HTMLElement, id: string, label: string): Promise<void> {
  const box = el('div', undefined, { class: 'neuromod', 'data-run': id });
  root.append(box);
  const { cells } = await getJson<{
    cells: { name: string; method?: string; scenario?: string; seed?: number; modulated?: boolean }[];
  }>(`/api/runs/${id}/cells`);
  const modulated = cells.filter((c) => c.modulated && c.method && c.scenario);
  if (!modulated.length) {
    box.append(
      el(
        'p',
        `${label}: no finished cell records a neuromodulator trace (cells written before the method recorded one have none).`,
      ),
    );
    return;
  }
  const methods = [...new Set(modulated.map((c) => c.method!))].sort();
  const scenarios = [...new Set(modulated.map((c) => c.scenario!))].sort();
  const seeds = [...new Set(modulated.map((c) => String(c.seed)))].sort((a, b) => Number(a) - Number(b));
  const chosen = continualSelection.get(id) ?? { method: methods[0], scenario: scenarios[0], seed: seeds[0] };
  if (!methods.includes(chosen.method)) chosen.method = methods[0];
  if (!scenarios.includes(chosen.scenario))
    chosen.scenario = scenarios.includes('class') ? 'class' : scenarios[0];
  if (!seeds.includes(chosen.seed)) chosen.seed = seeds[0];
  continualSelection.set(id, chosen);
  const controls = el('div', undefined, { class: 'controls' });
  const area = el('div');
  box.append(controls, area);
  let drawing = 0;
  const draw = async () => {
    const mine = ++drawing;
    const cell = modulated.find(
      (c) => c.method === chosen.method && c.scenario === chosen.scenario && String(c.seed) === chosen.seed,
    );
    const value = cell ? await api.cell(id, cell.name).catch((err: Error) => err) : null;
    if (mine !== drawing) return;
    disposeCharts(area);
    area.replaceChildren();
    if (!value || value instanceof Error || !isTaskFreeCell(value)) {
      const why = value instanceof Error ? value.message : 'no such finished cell';
      area.append(el('p', `${label}: ${chosen.method}, ${chosen.scenario}, seed ${chosen.seed}: ${why}`));
      return;
    }
    for (const f of taskFreeFigures(label, value)) figure(area, f);
  };
  const redraw = () =>
    void draw().catch((err: Error) => area.append(el('p', err.message, { class: 'error' })));
  picker(controls, 'method', methods, chosen.method, (v) => ((chosen.method = v), redraw()));
  picker(controls, 'scenario', scenarios, chosen.scenario, (v) => ((chosen.scenario = v), redraw()));
  picker(controls, 'seed', seeds, chosen.seed, (v) => ((chosen.seed = v), redraw()));
  await draw();
}

/**
 * Go/No-Go runs: each neuromodulator's level trial by trial with the set shifts marked, beside what they drive
 * (temperature, plasticity rate) and the behaviour (action entropy), for a chosen learner, condition and seed.
 * Task-free continual runs: the surprise and noradrenaline step by step with the true and the detected context
 * changes marked, beside what noradrenaline drives, for a chosen method, scenario and seed.
 */
export const neuromodulatorsView: DashboardView = {
  name: 'neuromodulators',
  title: 'Neuromodulators, set shifts and context changes',
  applies: (ctx) => ctx.runs.some((r) => applies(r, ctx)),
  async render(root, ctx) {
    throttle.rendered(root);
    disposeCharts(root);
    root.replaceChildren();
    for (const r of ctx.runs.filter((x) => applies(x, ctx)))
      if (!isGoNoGo(r.kind)) await drawContinualRun(root, r.id, r.label);
      // The summary once written, the config while the grid runs.
      else
        await drawRun(
          root,
          r.id,
          r.label,
          (ctx.summaries.get(r.id) ?? ctx.configs.get(r.id) ?? {}) as GoNoGoSummary,
        );
  },
  dispose(root) {
    throttle.cancel(root);
    disposeCharts(root);
  },
  async update(root, ctx, id) {
    if (ctx.runs.some((r) => r.id === id && applies(r, ctx)))
      await throttle.request(
        root,
        () => this.render(root, ctx),
        () => ctx.rerender(this.name),
      );
  },
};
