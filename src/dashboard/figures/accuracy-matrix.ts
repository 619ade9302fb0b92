import type { ChartFigure } from './chart.js';

/** A cell of a continual grid as /api/runs/ID/cells lists it. */
export interface ContinualCell {
  name: string;
  error?: string;
  method?: string;
  scenario?: string;
  seed?: number;
  contexts?: number[][];
  /** accuracy[i][j]: accuracy on context j after training context i. */
  accuracy?: number[][];
  metrics?: Record<string, number>;
}

const isMatrix = (a: unknown): a is number[][] =>
  Array.isArray(a) && a.length > 0 && a.every((r) => Array.isArray(r) && r.length === a.length);

/** Element-wise mean of same-sized matrices. */
export function meanMatrix(ms: (number | null)[][][]): number[][] {
  // null is how JSON writes a non-finite accuracy: it makes that entry's mean unknown.
  return ms[0].map((row, i) =>
    row.map((_, j) => ms.reduce((s: number, m) => s + (m[i][j] ?? NaN), 0) / ms.length),
  );
}

/** The finished cells of a grid with a matrix, and the methods and scenarios they cover (class-IL first). */
export function matrixCells(cells: ContinualCell[]): {
  good: ContinualCell[];
  methods: string[];
  scenarios: string[];
} {
  const good = cells.filter((c) => !c.error && c.method && c.scenario && isMatrix(c.accuracy));
  const methods = [...new Set(good.map((c) => c.method!))].sort();
  // Class-incremental first: where the methods differ most.
  const scenarios = [...new Set(good.map((c) => c.scenario!))].sort((a, b) =>
    a === 'class' ? -1 : b === 'class' ? 1 : a.localeCompare(b),
  );
  return { good, methods, scenarios };
}

export const accuracyMatrixFile = (method: string, scenario: string) => `accuracy-${method}-${scenario}`;

/** The mean accuracy matrix of `method` in `scenario` over its seeds, or why there is none. */
export function accuracyMatrixFigure(
  label: string,
  good: ContinualCell[],
  method: string,
  scenario: string,
): ChartFigure | string {
  const picked = good.filter((c) => c.method === method && c.scenario === scenario);
  const sized = picked.filter((c) => c.accuracy!.length === picked[0]?.accuracy!.length);
  if (!sized.length) return `No finished cell of ${method}, ${scenario}.`;
  const m = meanMatrix(sized.map((c) => c.accuracy!));
  const n = m.length;
  const names = Array.from({ length: n }, (_, k) => {
    const same = sized.every(
      (c) => JSON.stringify(c.contexts?.[k]) === JSON.stringify(sized[0].contexts?.[k]),
    );
    return same && sized[0].contexts?.[k] ? `${k + 1} (${sized[0].contexts[k].join(',')})` : String(k + 1);
  });
  const seeds = sized.map((c) => c.seed).join(', ');
  return {
    caption: `${label}: ${method}, ${scenario}-incremental, accuracy mean over ${sized.length} seed(s) (${seeds})`,
    file: accuracyMatrixFile(method, scenario),
    size: { width: 560, height: 380 },
    option: {
      tooltip: { position: 'top' },
      grid: { left: 110, bottom: 70, right: 20, top: 20 },
      xAxis: {
        type: 'category',
        data: names,
        name: 'tested on context',
        nameLocation: 'middle',
        nameGap: 40,
      },
      yAxis: {
        type: 'category',
        data: names,
        inverse: true,
        name: 'after training',
        nameLocation: 'middle',
        nameGap: 80,
      },
      visualMap: { min: 0, max: 1, show: false, inRange: { color: ['#f7fbff', '#08306b'] } },
      series: [
        {
          type: 'heatmap',
          data: m.flatMap((row, i) =>
            row.map((v, j) => [j, i, Number.isFinite(v) ? Math.round(v * 1000) / 1000 : '-']),
          ),
          label: {
            show: n <= 10,
            formatter: (p: { value: (number | string)[] }) =>
              typeof p.value[2] === 'number' ? p.value[2].toFixed(2) : '',
          },
        },
      ],
    },
  };
}
