import { heatmapSvg, html, lineChart, trustedHtml, type ReportView } from '../../../viz/index.js';
import type { ContinualSummary } from './run.js';

const pct = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : (100 * x).toFixed(1);

/** Task-free methods' detection of the context changes, when the grid has any. */
function switchTable(s: ContinualSummary) {
  const rows = s.scenarios.flatMap((k) =>
    Object.entries(s.switch_detection?.[k] ?? {}).map(([m, d]) => ({ k, m, d })),
  );
  if (rows.length === 0) return '';
  return html`<h2>Context changes found without being told (task-free methods)</h2>
    <table>
      <tr>
        <th>method</th>
        <th>scenario</th>
        <th>mean delay (steps)</th>
        <th>false detections per run</th>
        <th>missed per run</th>
        <th>runs</th>
      </tr>
      ${rows.map(
        ({ k, m, d }) => html`<tr>
          <th>${m}</th>
          <td>${k}</td>
          <td>${d.delay_mean === null ? '–' : d.delay_mean.toFixed(1)}</td>
          <td>${d.false_detections.toFixed(2)}</td>
          <td>${d.missed.toFixed(2)}</td>
          <td>${d.n}</td>
        </tr>`,
      )}
    </table>`;
}

/**
 * A continual grid: ACC per method and scenario beside the reference, BWT, FWT and forgetting, each scenario's
 * accuracy-over-contexts curves, and the mean accuracy matrix of every method as a heatmap.
 */
export const continualView: ReportView = {
  name: 'continual-grid',
  matches: (run) => run.summary.kind === 'continual',
  async render(run) {
    const s = run.summary as unknown as ContinualSummary;
    const partial = s.runs.done < s.runs.total;
    const metricTable = (
      title: string,
      key: 'acc' | 'bwt' | 'fwt' | 'forgetting',
      withReference: boolean,
    ) => html`
      <h2>${title}</h2>
      <table>
        <tr>
          <th>method</th>
          ${s.scenarios.map((k) => html`<th>${k} (${s.heads[k] ?? ''})</th>`)}
        </tr>
        ${s.methods.map(
          (m) => html`<tr>
            <th>${m}</th>
            ${s.scenarios.map((k) => {
              const c = s[key][k]?.[m];
              const ref = withReference ? s.reference?.acc[k]?.[m] : undefined;
              return html`<td>
                ${c && c.n ? html`${pct(c.mean)} &plusmn; ${pct(c.sem)} (n=${c.n})` : '–'}
                ${ref !== undefined ? html` [${pct(ref)}]` : ''}
              </td>`;
            })}
          </tr>`,
        )}
      </table>`;
    const curves = s.scenarios.map((k) =>
      lineChart(
        s.methods.map((m) => ({
          label: m,
          points: (s.curves[k]?.[m] ?? []).map((a, i) => [i + 1, a] as [number, number]),
        })),
        {
          title: `${k}: mean accuracy over the contexts seen so far`,
          xLabel: 'contexts trained',
          yLabel: 'accuracy',
        },
      ),
    );
    const heatmaps = s.scenarios.flatMap((k) =>
      s.methods
        .filter((m) => (s.matrix[k]?.[m]?.length ?? 0) > 0)
        .map((m) =>
          heatmapSvg(s.matrix[k]![m], {
            title: `${m}, ${k}`,
            rowLabel: 'after training context',
            columnLabel: 'tested on context',
          }),
        ),
    );
    return {
      title: `neuroplast continual grid: ${s.name}${partial ? ` (partial: ${s.runs.done} of ${s.runs.total} runs)` : ''}`,
      body: html`${partial ? html`<p><b>The grid has not finished: statistics cover the runs finished so far.</b></p>` : ''}
        ${s.warnings.map((w) => html`<p class="warning"><b>Warning:</b> ${w}</p>`)}
        <p>
          ${s.benchmark}; MLP ${s.protocol.hidden.join('-')}, Adam lr ${s.protocol.lr}, ${s.protocol.iterationsPerContext}
          iterations per context, batch ${s.protocol.batchSize}; seeds ${s.seeds.join(', ')}.
          ${s.reduced ? html`<b>Reduced protocol: ${s.reduced}.</b>` : ''}
        </p>
        ${metricTable('Average accuracy after the last context (%, mean ± SEM over seeds, as the paper gives it; reference in brackets)', 'acc', true)}
        ${s.reference ? html`<p>Reference: ${s.reference.source}</p>` : ''}
        ${switchTable(s)}
        ${metricTable('Backward transfer (BWT, points)', 'bwt', false)}
        ${metricTable('Forward transfer (FWT, points, against the untrained network)', 'fwt', false)}
        ${metricTable('Forgetting (points)', 'forgetting', false)}
        <h2>Accuracy over contexts</h2>
        ${trustedHtml(curves.join('\n'))}
        <h2>Accuracy matrices (mean over seeds)</h2>
        ${trustedHtml(heatmaps.join('\n'))}`,
    };
  },
};
