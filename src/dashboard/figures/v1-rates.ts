import type { V1ClassRates } from '../../experiments/kinds/v1-rates/run.js';
import type { ChartFigure } from './chart.js';

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
export interface V1Scale {
  neurons: number;
  rates: Record<string, ClassRates>;
}
interface V1Summary {
  neurons?: number;
  rates?: Record<string, ClassRates>;
  scales?: V1Scale[];
}

const CONDITIONS = ['spontaneous', 'gratings'] as const;

/** The scales of a v1-rates summary that have rates (a single-scale summary is its own scale). */
export function v1ScalesOf(summary: unknown): V1Scale[] {
  const s = (summary && typeof summary === 'object' && !Array.isArray(summary) ? summary : {}) as V1Summary;
  const all = Array.isArray(s.scales)
    ? s.scales
    : s.rates
      ? [{ neurons: s.neurons ?? 0, rates: s.rates }]
      : [];
  return all.filter((x) => x && typeof x.rates === 'object' && x.rates !== null);
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Per condition: each class's median rate against the mouse median and its 10th-90th percentile range. */
export function v1RatesFigures(label: string, scale: V1Scale): ChartFigure[] {
  const classes = Object.keys(scale.rates);
  return CONDITIONS.map((c) => {
    const rows = classes.map((k) => scale.rates[k]);
    const lo = rows.map((r) => num(r[`range_${c}`]?.[0]));
    const hi = rows.map((r) => num(r[`range_${c}`]?.[1]));
    const inRange = rows.filter((r, i) => {
      const v = num(r[c]);
      return v !== null && lo[i] !== null && hi[i] !== null && v >= lo[i]! && v <= hi[i]!;
    }).length;
    return {
      caption:
        `${label}, ${scale.neurons} neurons, ${c}: each class's median rate (model) against the mouse Neuropixels ` +
        `median and its 10th-90th percentile range; ${inRange}/${classes.length} classes in range`,
      file: `v1-rates-${scale.neurons}-${c}`,
      size: { width: 720, height: 380 },
      option: {
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
    };
  });
}
