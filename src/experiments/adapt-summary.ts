import { mean, sampleStd } from '../util/stats.js';
import { html, lineChart, trustedHtml, type Html, type Series } from '../viz/index.js';

/** A statistic over seeds. */
export interface OverSeeds {
  mean: number;
  std: number;
  n: number;
}

/** One method of an adaptation case: its headline metric over seeds, and every other metric the same way. */
export interface AdaptMethodSummary extends OverSeeds {
  metric: string;
  /** The seeds finished for this method (a metric's n is smaller where a seed lacks it). */
  seeds: number;
  metrics: Record<string, OverSeeds>;
}

/** What the three adaptation cases share in summary.json: per method the headline metric (mean and std over seeds). */
export interface AdaptSummaryBase {
  kind: string;
  name: string;
  headline: { metric: string; description: string; better: 'lower' | 'higher' };
  /** Every metric's meaning, for readers and the report. */
  metricDescriptions: Record<string, string>;
  methods: Record<string, AdaptMethodSummary>;
  seeds: number[];
  runs: { done: number; total: number };
}

export const overSeeds = (xs: readonly number[]): OverSeeds => {
  const finite = xs.filter(Number.isFinite);
  return { mean: finite.length ? mean(finite) : NaN, std: sampleStd(finite), n: finite.length };
};

/** Per method, each metric over the seeds that have it (`perSeed[method]`: one record of metrics per seed). */
export function summarizeMethods(
  perSeed: Record<string, Record<string, number>[]>,
  headline: string,
): Record<string, AdaptMethodSummary> {
  const out: Record<string, AdaptMethodSummary> = {};
  for (const [method, seeds] of Object.entries(perSeed)) {
    if (seeds.length === 0) continue;
    const names = [...new Set(seeds.flatMap((s) => Object.keys(s)))];
    const metrics = Object.fromEntries(names.map((n) => [n, overSeeds(seeds.map((s) => s[n] ?? NaN))]));
    out[method] = { metric: headline, seeds: seeds.length, ...(metrics[headline] ?? overSeeds([])), metrics };
  }
  return out;
}

/** Mean over seeds of curves sampled at the same x positions (seeds shorter than the first are skipped at the end). */
export function meanCurve(curves: readonly (readonly [number, number][])[]): [number, number][] {
  if (curves.length === 0) return [];
  return curves[0].map(([x], i) => [x, mean(curves.map((c) => c[i]?.[1]).filter((y) => Number.isFinite(y)))]);
}

/** Mean ± std, and how many seeds it covers when a seed lacks the metric (a NaN is left out of the mean, not hidden). */
const fmt = (s: OverSeeds | undefined, digits: number, seeds: number) =>
  !s || !Number.isFinite(s.mean)
    ? '–'
    : `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}${s.n < seeds ? ` (n=${s.n} of ${seeds})` : ''}`;

/** The methods table of a case's report: every metric as mean ± std over seeds, the headline first. */
export function methodsTable(s: AdaptSummaryBase, digits = 3): Html {
  const methods = Object.keys(s.methods);
  const metrics = [
    s.headline.metric,
    ...[...new Set(methods.flatMap((m) => Object.keys(s.methods[m].metrics)))].filter(
      (m) => m !== s.headline.metric,
    ),
  ];
  return html`<table>
      <tr>
        <th>method</th>
        ${metrics.map((m) => html`<th title="${s.metricDescriptions[m] ?? ''}">${m}</th>`)}
      </tr>
      ${methods.map(
        (m) =>
          html`<tr><th>${m}</th>${metrics.map((k) => html`<td>${fmt(s.methods[m].metrics[k], digits, s.methods[m].seeds)}</td>`)}</tr>`,
      )}
    </table>
    <p>Mean ± sample standard deviation over the seeds finished (${s.runs.done} of ${s.runs.total} runs). Headline: ${s.headline.metric},
      ${s.headline.description} (${s.headline.better} is better).</p>
    <ul>
      ${metrics.map((m) => html`<li><b>${m}</b>: ${s.metricDescriptions[m] ?? ''}</li>`)}
    </ul>`;
}

/** A line chart of one curve per method, as report HTML. */
export function methodCurves(
  curves: Record<string, [number, number][]>,
  o: { title: string; xLabel: string; yLabel: string },
): Html {
  const series: Series[] = Object.entries(curves).map(([label, points]) => ({ label, points }));
  return trustedHtml(lineChart(series, o));
}
