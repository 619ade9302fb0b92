import { html, lineChart, trustedHtml, type ReportView } from '../../../viz/index.js';
import type { EvolutionSummary } from './run.js';

const fmt = (v: number) => (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(3));

/** An evolution run: per search, the best objectives and hypervolume per generation, the rule found, the front. */
export const evolutionView: ReportView = {
  name: 'evolution',
  matches: (run) => run.summary.kind === 'evolution',
  async render(run) {
    const s = run.summary as unknown as EvolutionSummary;
    const sections = Object.entries(s.searches).map(([name, search]) => {
      const lines = run.metrics.filter((m) => m.search === name);
      const objectives = Object.keys(lines[0] ?? {})
        .filter((k) => k.startsWith('best_'))
        .map((k) => k.slice(5));
      const curves = objectives.map((o) =>
        lineChart(
          [
            {
              label: o,
              points: lines.map((m) => [Number(m.generation), Number(m[`best_${o}`])] as [number, number]),
            },
          ],
          { title: `${name}: best ${o} per generation`, xLabel: 'generation', yLabel: o },
        ),
      );
      const hv = lines.some((m) => typeof m.hypervolume === 'number')
        ? lineChart(
            [
              {
                label: 'hypervolume',
                points: lines.map((m) => [Number(m.generation), Number(m.hypervolume)] as [number, number]),
              },
            ],
            {
              title: `${name}: hypervolume of the front`,
              xLabel: 'generation',
              yLabel: 'hypervolume',
            },
          )
        : '';
      const front = [...search.front].slice(0, 30);
      return html`<h2>${name}: ${search.strategy}</h2>
        <p>${search.generations} generations, ${search.evaluations} evaluations, ${search.seconds.toFixed(1)} s</p>
        ${
          search.found
            ? html`<p>found: <code>${search.found.equation}</code>; true rule: <code>${search.trueEquation ?? ''}</code></p>
              <table>
                ${Object.entries(search.found.assessment).map(([k, v]) => html`<tr><th>${k}</th><td>${fmt(v)}</td></tr>`)}
              </table>`
            : ''
        }
        ${curves.map(trustedHtml)} ${hv === '' ? '' : trustedHtml(hv)}
        <h3>Final front (${search.front.length} members${search.front.length > front.length ? `, first ${front.length}` : ''})</h3>
        <table>
          <tr>${Object.keys(front[0]?.objectives ?? {}).map((k) => html`<th>${k}</th>`)}<th>rule</th></tr>
          ${front.map(
            (f) =>
              html`<tr>${Object.values(f.objectives).map((v) => html`<td>${fmt(v)}</td>`)}<td><code>${f.equation ?? ''}</code></td></tr>`,
          )}
        </table>`;
    });
    return { title: `evolution: ${s.name} (${s.problem})`, body: html`${sections}` };
  },
};
