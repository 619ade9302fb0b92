import { html, type ReportView } from '../../../viz/index.js';
import type { V1ReadoutSummary } from './run.js';

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** A v1-readout run: test accuracy per condition and what plasticity changed. */
export const v1ReadoutView: ReportView = {
  name: 'v1-readout',
  matches: (run) => run.summary.kind === 'v1-readout',
  async render(run) {
    const s = run.summary as unknown as V1ReadoutSummary;
    return {
      title: `v1-readout: ${s.name}`,
      body: html`<p>
          ${s.dataset}, ${s.neurons} neurons; ${s.images.exposure} exposure images, ${s.images.train} readout
          training images, ${s.images.test} test images
        </p>
        <table>
          <tr>
            <th>condition</th><th>test accuracy</th><th>train accuracy</th><th>mean rate (Hz)</th>
            <th>plastic synapses</th><th>relative weight change</th><th>seconds</th>
          </tr>
          ${s.conditions.map(
            (c) => html`<tr>
              <th>${c.condition}</th><td>${pct(c.testAccuracy)}</td><td>${pct(c.trainAccuracy)}</td>
              <td>${c.meanRateHz.toFixed(2)}</td><td>${c.plasticSynapses}</td>
              <td>${pct(c.relativeWeightChange)}</td><td>${c.seconds.toFixed(0)}</td>
            </tr>`,
          )}
        </table>`,
    };
  },
};
