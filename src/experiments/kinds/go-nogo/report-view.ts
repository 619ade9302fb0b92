import { html, lineChart, trustedHtml, type ReportView } from '../../../viz/index.js';
import type { GoNoGoLearnerSummary, GoNoGoSummary } from './run.js';

const fmt = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);

/**
 * The learning curves: the first three conditions' accuracy over trials, and at each shift the first condition's
 * lucky and other seeds beside the second condition (with the shipped files: DA only, lucky and not, and DA+NA).
 */
function accuracyCharts(s: GoNoGoSummary, learner: string, l: GoNoGoLearnerSummary): string {
  const withCurve = s.conditions.filter((c) => l.accuracy_curve?.[c]);
  if (withCurve.length === 0) return '';
  // Trial numbers from 1; `offset` is the trial index of ys[0].
  const points = (ys: number[], from = 0, to = ys.length, offset = 0) =>
    ys.slice(from - offset, to - offset).map((y, i) => [from + i + 1, y] as [number, number]);
  // The same colour for a condition in every chart: the first three conditions in order, the lucky seeds lighter.
  const colors = ['#1f77b4', '#d62728', '#2ca02c'];
  const charts = [
    lineChart(
      withCurve
        .slice(0, 3)
        .map((c, i) => ({ label: c, points: points(l.accuracy_curve[c]), color: colors[i] })),
      {
        title: `${learner}: fraction correct over the last ${s.criterion.window} trials of the block (mean over seeds)`,
        xLabel: 'trial',
        yLabel: 'correct',
      },
    ),
  ];
  const [first, second] = withCurve;
  for (const shift of l.lucky_curves[first] ?? []) {
    const from = shift.from;
    const to = from + (shift.lucky ?? shift.others)!.length;
    const series = [
      ...(shift.lucky
        ? [
            {
              label: `${first}, lucky (${shift.lucky_seeds})`,
              points: points(shift.lucky, from, to, from),
              color: '#17becf',
            },
          ]
        : []),
      ...(shift.others
        ? [
            {
              label: `${first}, others (${shift.other_seeds})`,
              points: points(shift.others, from, to, from),
              color: colors[0],
            },
          ]
        : []),
      ...(second
        ? [{ label: second, points: points(l.accuracy_curve[second], from, to), color: colors[1] }]
        : []),
    ];
    charts.push(
      lineChart(series, {
        title: `${learner}: block ${shift.block} (${s.blocks[shift.block].shift}); lucky: criterion within ${s.luckyWithin} trials`,
        xLabel: 'trial',
        yLabel: 'correct',
      }),
    );
  }
  return charts.join('\n');
}

/** A Go/No-Go grid: per learner, trials to criterion, re-adaptation, false alarms and the entropy curves. */
export const goNoGoView: ReportView = {
  name: 'go-nogo',
  matches: (run) => run.summary.kind === 'go-nogo',
  async render(run) {
    const s = run.summary as unknown as GoNoGoSummary;
    const partial = s.runs.done < s.runs.total;
    const shiftHeads = s.shifts.map((sh) => html`<th>block ${sh.block}: ${sh.kind}</th>`);
    const table = (
      title: string,
      rows: (c: string) => unknown[],
      l: GoNoGoLearnerSummary,
      heads = shiftHeads,
    ) => html`
      <h3>${title}</h3>
      <table>
        <tr>
          <th>condition</th>
          ${heads}
        </tr>
        ${s.conditions
          .filter((c) => l.trials_to_criterion[c])
          .map((c) => html`<tr><th>${c}</th>${rows(c).map((v) => html`<td>${v}</td>`)}</tr>`)}
      </table>`;
    const retentionTable = (l: GoNoGoLearnerSummary) => {
      const rows = s.conditions.flatMap((c) => (l.retention[c] ?? []).map((r) => ({ c, r })));
      if (rows.length === 0) return '';
      return html`<h3>Retention: trials to criterion when a rule returns, against when it was first learned (seeds that learned every rule in between)</h3>
        <table>
          <tr><th>condition</th><th>block</th><th>first learned (block)</th><th>on its return</th><th>seeds</th></tr>
          ${rows.map(
            ({ c, r }) =>
              html`<tr><th>${c}</th><td>${r.block}</td><td>${fmt(r.trialsFirst)} (${r.firstBlock})</td><td>${fmt(r.trialsReturn)}</td><td>${r.n}</td></tr>`,
          )}
        </table>`;
    };
    const blockHeads = s.blocks.map((b, i) => html`<th>block ${i} (${b.go.join('+')} Go)</th>`);
    const sections = s.learners.map((learner) => {
      const l = s.by_learner[learner]!;
      const curve = lineChart(
        s.conditions
          .filter((c) => l.entropy_curve[c])
          .map((c) => ({
            label: c,
            points: l.entropy_curve[c].map((h, t) => [t + 1, h] as [number, number]),
          })),
        {
          title: `${learner}: H(A|C) over trials (bits, mean over seeds)`,
          xLabel: 'trial',
          yLabel: 'H(A|C)',
        },
      );
      return html`<h2>${learner} learner</h2>
        ${trustedHtml(accuracyCharts(s, learner, l))}
        ${table('Trials to criterion after each shift (mean over seeds; a seed not reaching it counts the block length)', (c) => l.trials_to_criterion[c].map((x) => fmt(x)), l)}
        ${table('Fraction of seeds re-adapting within the block', (c) => l.readapted_fraction[c].map((x) => fmt(x, 2)), l)}
        ${table(`Fraction re-adapting within ${s.luckyWithin} trials ("lucky" runs)`, (c) => l.lucky_fraction[c].map((x) => fmt(x, 2)), l)}
        ${table('Rise of H(A|C) after each shift (bits)', (c) => l.entropy_rise[c].map((x) => fmt(x, 3)), l)}
        ${retentionTable(l)}
        ${table('False-alarm rate per block', (c) => l.false_alarm_rate[c].map((x) => fmt(x, 3)), l, blockHeads)}
        ${table("d' per block", (c) => l.d_prime[c].map((x) => fmt(x, 2)), l, blockHeads)}
        ${trustedHtml(curve)}`;
    });
    return {
      title: `neuroplast Go/No-Go: ${s.name}${partial ? ` (partial: ${s.runs.done} of ${s.runs.total} runs)` : ''}`,
      body: html`${partial ? html`<p><b>The grid has not finished: statistics cover the runs finished so far.</b></p>` : ''}
        <p>
          Blocks: ${s.blocks.map((b) => `${b.go.join('+')} Go for ${b.trials} trials (${b.shift})`).join('; ')}. Criterion:
          ${Math.round(100 * s.criterion.accuracy)}% correct over ${s.criterion.window} trials. Seeds: ${s.seeds.join(', ')}.
        </p>
        ${sections}`,
    };
  },
};
