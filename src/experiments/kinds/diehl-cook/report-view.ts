import {
  html,
  lineChart,
  trustedHtml,
  type Html,
  type ReportView,
  type RunContents,
} from '../../../viz/index.js';

const pct = (x: number) => (100 * x).toFixed(2);

interface DiehlCookReportData {
  name: string;
  dataset: string;
  neurons: number;
  testAccuracy: number;
  proportionAccuracy: number;
  trainImages: number;
  labelImages: number;
  testImages: number;
  presentations: Record<string, number>;
  assignment: number[];
  confusion: number[][];
  meanThetaMv: number;
  receptiveFields: string;
}

/** An unsupervised STDP run: accuracy, confusion matrix, learned receptive fields (inlined PNG). */
async function renderDiehlCook(run: RunContents): Promise<{ title: string; body: Html }> {
  const s = run.summary as unknown as DiehlCookReportData;
  const metrics = run.metrics;
  const png = await run.readFile(s.receptiveFields);
  const perClass = s.confusion.map((_, c) => s.assignment.filter((a) => a === c).length);
  const head = html`<tr>
    <th>true &darr; / predicted &rarr;</th>
    ${s.confusion.map((_, c) => html`<th>${c}</th>`)}
  </tr>`;
  const rows = s.confusion.map(
    (row, t) =>
      html`<tr>
        <th>${t} (${perClass[t]} neurons)</th>
        ${row.map((v) => html`<td>${v}</td>`)}
      </tr>`,
  );
  const chart = lineChart(
    [
      {
        label: 'presentations per image',
        points: metrics
          .filter((r) => r.phase === 'train')
          .map((r) => [Number(r.images), Number(r.presentationsPerImage)] as [number, number]),
      },
    ],
    {
      title: 'Presentations per training image (thresholds rise, inputs are shown brighter)',
      xLabel: 'image',
      yLabel: 'presentations',
    },
  );
  const facts: [string, string][] = [
    ["test accuracy (the paper's readout: mean response of each class's neurons)", `${pct(s.testAccuracy)}%`],
    ['test accuracy, proportion-weighted readout', `${pct(s.proportionAccuracy)}%`],
    ['dataset', s.dataset],
    ['excitatory neurons', String(s.neurons)],
    ['images: STDP / labelling / test', `${s.trainImages} / ${s.labelImages} / ${s.testImages}`],
    [
      'presentations',
      Object.entries(s.presentations)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    ['unlabelled neurons (never fired)', String(s.assignment.filter((a) => a < 0).length)],
    ['mean threshold theta', `${s.meanThetaMv.toFixed(2)} mV`],
  ];
  return {
    title: `neuroplast run: ${s.name}`,
    body: html`<table>
        ${facts.map(
          ([k, v]) =>
            html`<tr>
              <th>${k}</th>
              <td>${v}</td>
            </tr>`,
        )}
      </table>
      <h2>Learned receptive fields (input weights per excitatory neuron)</h2>
      ${png ? html`<img alt="receptive fields" src="data:image/png;base64,${png.toString('base64')}" />` : html`<p>(receptive_fields.png missing)</p>`}
      <h2>Confusion matrix (test)</h2>
      <table>
        ${head}${rows}
      </table>
      <h2>Training</h2>
      ${trustedHtml(chart)}`,
  };
}

export const diehlCookView: ReportView = {
  name: 'diehl-cook',
  matches: (run) => run.summary.kind === 'diehl-cook',
  render: renderDiehlCook,
};
