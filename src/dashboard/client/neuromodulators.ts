import { api } from './api.js';
import { disposeCharts, figure, picker, type ChartOption } from './charts.js';
import { el, RedrawThrottle, type DashboardView } from './views.js';

/** What the view reads of a go-nogo cell (cells/<learner>-<condition>-s<seed>.json; older cells lack `levels`). */
interface GoNoGoCell {
  blocks: {
    block: number;
    shift: string;
    trials: number;
    accuracy: number;
    trialsToCriterion: number | null;
  }[];
  entropy: number[];
  noradrenaline: number[];
  temperature: number[];
  levels?: Record<string, number[]>;
  plasticityRate?: number[];
}

interface GoNoGoSummary {
  learners?: string[];
  conditions?: string[];
  seeds?: number[];
}

const isGoNoGo = (kind: string | null) => kind === 'go-nogo';
const throttle = new RedrawThrottle();
const selection = new Map<string, { learner: string; condition: string; seed: string }>();
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** Lines against the trial number, each block's first trial marked with its shift (set shifts, reversals). */
function traceOption(
  lines: { name: string; y: number[] }[],
  blocks: GoNoGoCell['blocks'],
  yName: string,
): ChartOption {
  let start = 0;
  const marks = blocks.map((b) => {
    const at = start;
    start += b.trials;
    return { xAxis: at + 1, label: { formatter: b.shift, position: 'insideEndTop' } };
  });
  // The first block starts the task: no shift to mark.
  marks.shift();
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 60, right: 20, top: 40, bottom: 50 },
    xAxis: {
      type: 'value',
      name: 'trial',
      nameLocation: 'middle',
      nameGap: 30,
      min: 1,
      max: Math.max(1, start),
    },
    yAxis: { type: 'value', name: yName },
    series: lines.map((l, i) => ({
      type: 'line',
      name: l.name,
      showSymbol: false,
      data: l.y.map((v, t) => [t + 1, v]),
      ...(i === 0
        ? { markLine: { symbol: 'none', lineStyle: { color: '#888', type: 'dashed' }, data: marks } }
        : {}),
    })),
  };
}

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
    const levels =
      cell.levels && Object.keys(cell.levels).length ? cell.levels : { noradrenaline: cell.noradrenaline };
    const what = `${label}: ${chosen.learner}, ${chosen.condition}, seed ${chosen.seed}`;
    figure(
      area,
      `${what}: neuromodulator levels per trial (0 where removed); dashed lines: the shifts`,
      `modulators-${chosen.learner}-${chosen.condition}-s${chosen.seed}`,
      traceOption(
        Object.entries(levels).map(([n, y]) => ({ name: n, y })),
        cell.blocks,
        'level',
      ),
      { width: 720, height: 320 },
    );
    figure(
      area,
      `${what}: what they drive: exploration temperature, the actor's plasticity rate and H(A|C), the action entropy`,
      `targets-${chosen.learner}-${chosen.condition}-s${chosen.seed}`,
      traceOption(
        [
          { name: 'temperature', y: cell.temperature },
          ...(cell.plasticityRate ? [{ name: 'plasticity rate', y: cell.plasticityRate }] : []),
          { name: 'H(A|C) (bits)', y: cell.entropy },
        ],
        cell.blocks,
        'value',
      ),
      { width: 720, height: 320 },
    );
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

/**
 * Go/No-Go runs: each neuromodulator's level trial by trial with the set shifts marked, beside what they drive
 * (temperature, plasticity rate) and the behaviour (action entropy), for a chosen learner, condition and seed.
 */
export const neuromodulatorsView: DashboardView = {
  name: 'neuromodulators',
  title: 'Neuromodulators and set shifts',
  applies: (ctx) => ctx.runs.some((r) => isGoNoGo(r.kind)),
  async render(root, ctx) {
    throttle.rendered(root);
    disposeCharts(root);
    root.replaceChildren();
    for (const r of ctx.runs.filter((x) => isGoNoGo(x.kind)))
      // The summary once written, the config while the grid runs.
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
    if (ctx.runs.some((r) => r.id === id && isGoNoGo(r.kind)))
      await throttle.request(
        root,
        () => this.render(root, ctx),
        () => ctx.rerender(this.name),
      );
  },
};
