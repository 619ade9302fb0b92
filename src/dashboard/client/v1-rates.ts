import type { V1ClassRates } from '../../experiments/kinds/v1-rates/run.js';
import { disposeCharts, figure, picker } from './charts.js';
import { el, type DashboardView } from './views.js';

/** A class's rates as a v1-rates summary gives them: the model's median and the mouse recording's median and range. */
type ClassRates = Pick<
  V1ClassRates,
  | 'spontaneous'
  | 'gratings'
  | 'target_spontaneous'
  | 'target_gratings'
  | 'range_spontaneous'
  | 'range_gratings'
>;
interface Scale {
  neurons: number;
  rates: Record<string, ClassRates>;
}
interface V1Summary {
  neurons?: number;
  rates?: Record<string, ClassRates>;
  scales?: Scale[];
}

const isV1Rates = (kind: string | null) => kind === 'v1-rates';
const CONDITIONS = ['spontaneous', 'gratings'] as const;
const chosenScale = new Map<string, string>();

/** The scales of a summary that have rates (a single-scale summary is its own scale). */
function scalesOf(s: V1Summary): Scale[] {
  const all = Array.isArray(s.scales)
    ? s.scales
    : s.rates
      ? [{ neurons: s.neurons ?? 0, rates: s.rates }]
      : [];
  return all.filter((x) => x && typeof x.rates === 'object' && x.rates !== null);
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function drawScale(area: HTMLElement, label: string, scale: Scale): void {
  const classes = Object.keys(scale.rates);
  for (const c of CONDITIONS) {
    const rows = classes.map((k) => scale.rates[k]);
    const lo = rows.map((r) => num(r[`range_${c}`]?.[0]));
    const hi = rows.map((r) => num(r[`range_${c}`]?.[1]));
    const inRange = rows.filter((r, i) => {
      const v = num(r[c]);
      return v !== null && lo[i] !== null && hi[i] !== null && v >= lo[i]! && v <= hi[i]!;
    }).length;
    figure(
      area,
      `${label}, ${scale.neurons} neurons, ${c}: each class's median rate (model) against the mouse Neuropixels ` +
        `median and its 10th-90th percentile range; ${inRange}/${classes.length} classes in range`,
      `v1-rates-${scale.neurons}-${c}`,
      {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 60, right: 20, top: 40, bottom: 110 },
        xAxis: { type: 'category', data: classes, axisLabel: { rotate: 60, interval: 0 } },
        yAxis: { type: 'value', name: 'rate (Hz)' },
        series: [
          // The range as a bar stacked on an invisible one as tall as its lower end.
          {
            type: 'bar',
            stack: 'range',
            silent: true,
            itemStyle: { color: 'transparent' },
            data: lo,
            tooltip: { show: false },
          },
          {
            type: 'bar',
            stack: 'range',
            name: 'mouse p10–p90',
            itemStyle: { color: 'rgba(120,120,120,0.3)' },
            data: hi.map((h, i) => (h !== null && lo[i] !== null ? h - lo[i]! : null)),
          },
          {
            type: 'scatter',
            name: 'mouse median',
            symbol: 'rect',
            symbolSize: [14, 3],
            itemStyle: { color: '#333' },
            data: rows.map((r) => num(r[`target_${c}`])),
          },
          {
            type: 'scatter',
            name: 'model',
            symbolSize: 9,
            itemStyle: { color: '#d62728' },
            data: rows.map((r) => num(r[c])),
          },
        ],
      },
      { width: 720, height: 380 },
    );
  }
}

/** V1 runs: each cell class's rate against the mouse recording, spontaneous and under gratings, per model size. */
export const v1RatesView: DashboardView = {
  name: 'v1-rates',
  title: 'V1 rates per class against the mouse',
  applies: (ctx) =>
    ctx.runs.some((r) => isV1Rates(r.kind) && scalesOf(asSummary(ctx.summaries.get(r.id))).length),
  async render(root, ctx) {
    disposeCharts(root);
    root.replaceChildren();
    for (const r of ctx.runs.filter((x) => isV1Rates(x.kind))) {
      const scales = scalesOf(asSummary(ctx.summaries.get(r.id)));
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
        drawScale(area, r.label, scales[Math.max(0, names.indexOf(n))]);
      };
      if (scales.length > 1) picker(controls, 'neurons', names, first, draw);
      draw(names.includes(first) ? first : names[0]);
    }
  },
  dispose: (root) => disposeCharts(root),
};

function asSummary(v: unknown): V1Summary {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as V1Summary) : {};
}
