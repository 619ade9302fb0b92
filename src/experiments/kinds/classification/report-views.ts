import {
  html,
  lineChart,
  summaryTable,
  trustedHtml,
  type Html,
  type ReportView,
} from '../../../viz/index.js';

const pct = (x: number) => (100 * x).toFixed(2);

/** One classifier's run: its summary and learning curves. */
export const classificationView: ReportView = {
  name: 'classification',
  matches: (run) => run.summary.kind !== 'grid',
  async render({ config, path, summary, metrics }) {
    const train = metrics.filter((r) => r.type === 'train');
    const epochs = metrics.filter((r) => r.type === 'epoch');
    const charts = [
      lineChart(
        [{ label: 'training loss (batch)', points: train.map((r) => [Number(r.step), Number(r.loss)]) }],
        {
          title: 'Training loss',
          xLabel: 'step',
          yLabel: 'loss',
        },
      ),
      lineChart(
        [
          { label: 'train accuracy', points: epochs.map((r) => [Number(r.epoch), Number(r.trainAccuracy)]) },
          {
            label: `${epochs[0]?.evalSplit ?? 'eval'} accuracy`,
            points: epochs.map((r) => [Number(r.epoch), Number(r.evalAccuracy)]),
          },
        ],
        { title: 'Accuracy per epoch', xLabel: 'epoch', yLabel: 'accuracy' },
      ),
    ];
    return {
      title: `neuroplast run: ${String(config.name ?? path)}`,
      body: html`<h2>Summary</h2>
        ${summaryTable(summary)}
        <h2>Learning curves</h2>
        ${trustedHtml(charts.join('\n'))}`,
    };
  },
};

interface GridReportData {
  name: string;
  dataset: string;
  datasetNotes?: string[];
  seeds: number[];
  trainFractions: number[];
  optimizers: string[];
  /** mean is NaN (null once read back from JSON) for a cell with no finished run. */
  acc: Record<string, Record<string, { mean: number | null; std: number; n: number }>>;
  paired: {
    fraction: number;
    a: string;
    b: string;
    n: number;
    meanDiff: number;
    p: number | null;
    winsA: number;
  }[];
  curves: Record<string, Record<string, number[]>>;
  /** Finished runs of the grid's (absent in summaries written before it was recorded). */
  runs?: { done: number; total: number };
}

/** A grid run: accuracy table (mean +- std over seeds), paired tests, mean learning curves. */
function renderGrid(s: GridReportData): { title: string; body: Html } {
  const head = html`<tr>
    <th>train fraction</th>
    ${s.optimizers.map((o) => html`<th>${o}</th>`)}
  </tr>`;
  const rows = s.trainFractions.map((f) => {
    const row = s.acc[String(f)];
    const best = Math.max(...s.optimizers.filter((o) => row[o].n > 0).map((o) => row[o].mean as number));
    const cells = s.optimizers.map((o) => {
      const c = row[o];
      if (c.n === 0 || c.mean === null) return html`<td>&ndash;</td>`;
      const text = html`${pct(c.mean)} &plusmn; ${pct(c.std)} (n=${c.n})`;
      return html`<td>${c.mean === best ? html`<b>${text}</b>` : text}</td>`;
    });
    return html`<tr>
      <th>${f}</th>
      ${cells}
    </tr>`;
  });
  const paired = s.paired.map(
    (p) =>
      html`<tr>
        <td>${p.fraction}</td>
        <td>${p.a} &minus; ${p.b}</td>
        <td>${pct(p.meanDiff)}</td>
        <td>${p.p === null ? 'n/a' : p.p.toPrecision(3)}</td>
        <td>${p.winsA}/${p.n}</td>
      </tr>`,
  );
  const charts = s.trainFractions.map((f) =>
    lineChart(
      s.optimizers.map((o) => ({
        label: o,
        points: (s.curves[String(f)]?.[o] ?? []).map((a, e) => [e + 1, a] as [number, number]),
      })),
      {
        title: `Mean evaluation accuracy per epoch, train fraction ${f}`,
        xLabel: 'epoch',
        yLabel: 'accuracy',
      },
    ),
  );
  const partial = s.runs && s.runs.done < s.runs.total;
  const title = `neuroplast grid: ${s.name}${partial ? ` (partial: ${s.runs!.done} of ${s.runs!.total} runs)` : ''}`;
  return {
    title,
    body: html`${partial ? html`<p><b>The grid has not finished: these statistics cover the runs finished so far (n per cell).</b></p>` : ''}
      <p>
        ${[s.dataset, ...(s.datasetNotes ?? [])].join('; ')}; test accuracy in percent, mean &plusmn; sample
        std over seeds ${s.seeds.join(', ')}; best per row in bold.
      </p>
      <table>
        ${head}${rows}
      </table>
      <h2>Paired tests (seed-matched, two-sided t)</h2>
      <table>
        <tr>
          <th>fraction</th>
          <th>difference</th>
          <th>mean (points)</th>
          <th>p</th>
          <th>seeds won</th>
        </tr>
        ${paired}
      </table>
      <h2>Learning curves</h2>
      ${trustedHtml(charts.join('\n'))}`,
  };
}

/** A grid of classification runs (finished, or an unfinished one's summary of its finished cells). */
export const gridView: ReportView = {
  name: 'classification-grid',
  matches: (run) => run.summary.kind === 'grid',
  render: async (run) => renderGrid(run.summary as unknown as GridReportData),
};
