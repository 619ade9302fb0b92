import { html, lineChart, trustedHtml, type ReportView } from '../../../viz/index.js';
import type { V1RulesSummary } from './run.js';

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');

/** A rule-discovery run: random rules, the Pareto front as equations, families, and the scale and few-shot curves. */
export const v1RulesView: ReportView = {
  name: 'v1-rules',
  matches: (run) => run.summary.kind === 'v1-rules',
  async render(run) {
    const s = run.summary as unknown as V1RulesSummary;
    const curve = (points: Record<string, number>, title: string, xLabel: string) =>
      trustedHtml(
        lineChart(
          [
            {
              label: 'accuracy',
              points: Object.entries(points)
                .filter(([k]) => k !== 'off')
                .map(([k, v]) => [Number(k), v] as [number, number])
                .sort((a, b) => a[0] - b[0]),
            },
          ],
          { title, xLabel, yLabel: 'accuracy' },
        ),
      );
    const objectiveNames = Object.keys(s.pareto[0]?.objectives ?? {});
    const rule = (label: string, r: V1RulesSummary['paper_rule'] | null) =>
      r
        ? html`<tr><th>${label}</th><td><code>${r.equation}</code></td><td>${f3(r.accuracy)}</td>
            <td>${r.accuracies.map(f3).join(', ')}</td><td>${f3(r.delayPoolHz)}</td><td>${r.runaways}</td></tr>`
        : '';
    return {
      title: `v1-rules: ${s.name}`,
      body: html`<p>
          ${s.neurons} neurons, ${s.genes} genes; ${s.evaluations} evaluations in ${s.seconds.toFixed(0)} s
          (${typeof s.evaluations_per_second === 'number' ? `${s.evaluations_per_second.toFixed(4)} random rules per second this session` : 'no random rules this session'})
        </p>
        <h2>Random rules</h2>
        <p>
          ${s.random_rules.n} random genomes: mean accuracy ${f3(s.random_rules.mean_accuracy)}, best
          ${f3(s.random_rules.best_accuracy)}, ${s.random_rules.runaway} ran away (stopped, scored 0; mean without them
          ${f3(s.random_rules.mean_accuracy_without_runaway)})
        </p>
        <h2>Re-evaluated rules</h2>
        <table>
          <tr><th></th><th>rule</th><th>accuracy</th><th>per seed</th><th>late-delay pool rate (Hz)</th><th>runaways</th></tr>
          ${rule('best', s.best_rule)} ${rule('paper', s.paper_rule)} ${rule('no plasticity', s.no_plasticity)}
        </table>
        <h2>Pareto front (${s.pareto.length})</h2>
        <table>
          <tr><th>source</th>${objectiveNames.map((k) => html`<th>${k}</th>`)}<th>rule</th></tr>
          ${s.pareto.map(
            (
              p,
            ) => html`<tr><td>${p.source}</td>${Object.values(p.objectives).map((v) => html`<td>${f3(v)}</td>`)}
              <td><code>${p.equation}</code></td></tr>`,
          )}
        </table>
        <h2>Families of high-performing rules</h2>
        <table>
          <tr><th>members</th><th>best</th><th>mean</th><th>core terms (mean coefficient)</th><th>representative</th></tr>
          ${s.families.map(
            (
              fam,
            ) => html`<tr><td>${fam.members}</td><td>${f3(fam.bestAccuracy)}</td><td>${f3(fam.meanAccuracy)}</td>
              <td>${Object.entries(fam.coreCoefficients)
                .map(([t, c]) => `${t} (${c.toFixed(2)})`)
                .join(', ')}</td>
              <td><code>${fam.representative.equation}</code></td></tr>`,
          )}
        </table>
        <h2>Scale and few-shot</h2>
        ${curve(s.scale_accuracy, 'best rule: accuracy by network size', 'neurons')}
        ${curve(s.few_shot, 'best rule: accuracy by plastic trials', 'plastic trials')}
        <p>plasticity off: ${f3(s.few_shot.off ?? Number.NaN)}</p>
        ${
          s.heterogeneity
            ? html`<h2>Heterogeneity</h2>
              <p>best accuracy, one shared rule ${f3(s.heterogeneity.shared)} (${s.heterogeneity.shared_by_seed.map(f3).join(', ')});
              per synapse type ${f3(s.heterogeneity.per_type)} (${s.heterogeneity.per_type_by_seed.map(f3).join(', ')}); seeds
              ${s.heterogeneity.seeds.join(', ')}</p>`
            : ''
        }`,
    };
  },
};
