import { html, type ReportView } from '../../../viz/index.js';
import type { V1RatesSummary } from './run.js';

const f = (x: number | null) => (x !== null && Number.isFinite(x) ? x.toFixed(2) : '-');
const mark = (ok: boolean) => (ok ? 'yes' : 'no');

/** A v1-rates run: per scale, each class's median rates against the recorded ranges, and OSI per layer. */
export const v1RatesView: ReportView = {
  name: 'v1-rates',
  matches: (run) => run.summary.kind === 'v1-rates',
  async render(run) {
    const s = run.summary as unknown as V1RatesSummary;
    const sections = s.scales.map(
      (r) => html`<h2>${r.neurons} neurons (fit on seed ${r.fitSeed}, measured on seed ${r.measureSeed})</h2>
        <p>
          ${r.synapses} connections, ${r.lgnUnits} LGN units, ${r.lgnConnections} LGN connections; class medians in
          range: spontaneous ${r.classes_in_range.spontaneous}/17, gratings ${r.classes_in_range.gratings}/17
        </p>
        <table>
          <tr>
            <th>class</th><th>spontaneous (Hz)</th><th>recorded median [p10, p90]</th><th>in range</th>
            <th>gratings (Hz)</th><th>recorded median [p10, p90]</th><th>in range</th>
            <th>background (pA)</th><th>LGN factor</th>
          </tr>
          ${Object.entries(r.rates).map(
            ([name, c]) => html`<tr>
              <th>${name}</th><td>${f(c.spontaneous)}</td>
              <td>${f(c.target_spontaneous)} [${f(c.range_spontaneous[0])}, ${f(c.range_spontaneous[1])}]</td>
              <td>${mark(c.in_range_spontaneous)}</td><td>${f(c.gratings)}</td>
              <td>${f(c.target_gratings)} [${f(c.range_gratings[0])}, ${f(c.range_gratings[1])}]</td>
              <td>${mark(c.in_range_gratings)}</td>
              <td>${f(r.fit.backgroundWeightPa[name])}</td><td>${f(r.fit.lgnWeightScale[name])}</td>
            </tr>`,
          )}
        </table>
        <h3>Orientation selectivity of excitatory cells</h3>
        <table>
          <tr><th>layer</th><th>median OSI</th><th>recorded median</th><th>cells firing / cells</th></tr>
          ${Object.entries(r.osi).map(
            ([layer, o]) =>
              html`<tr><th>${layer}</th><td>${f(o.median)}</td><td>${f(o.target)}</td><td>${o.firing} / ${o.cells}</td></tr>`,
          )}
        </table>`,
    );
    return { title: `v1-rates: ${s.name}`, body: html`${sections}` };
  },
};
