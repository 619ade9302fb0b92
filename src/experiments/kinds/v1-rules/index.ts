import type { TaskKind } from '../../task-kind.js';
import { quickV1Rules, v1RulesSchema, type V1RulesConfig } from './config.js';
import { v1RulesView } from './report-view.js';
import { runV1Rules, type V1RulesSummary } from './run.js';

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');

/** The rule-discovery study on the V1 model, `neuroplast evolve`. */
export const v1RulesTask: TaskKind<V1RulesConfig, V1RulesSummary> = {
  name: 'v1-rules',
  description: 'discovering per-synapse-type plasticity rules in the V1 model on visual change detection',
  schema: v1RulesSchema,
  quick: quickV1Rules,
  parallel: () => true,
  run: runV1Rules,
  describe: (s) => [
    `${s.neurons} neurons, ${s.genes} genes, ${s.evaluations} evaluations (${typeof s.evaluations_per_second === 'number' ? `${s.evaluations_per_second.toFixed(4)} random rules per second this session` : 'no random rules this session'})`,
    `random rules: ${s.random_rules.n}, mean accuracy ${f3(s.random_rules.mean_accuracy)}, best ${f3(s.random_rules.best_accuracy)}`,
    `best rule: ${s.best_rule?.equation ?? '-'}, accuracy ${f3(s.best_accuracy)}`,
    `paper's rule: accuracy ${f3(s.paper_rule.accuracy)}; no plasticity ${f3(s.no_plasticity.accuracy)}`,
    `scale: ${Object.entries(s.scale_accuracy)
      .map(([n, a]) => `${n} ${f3(a)}`)
      .join(', ')}`,
    `few-shot: ${Object.entries(s.few_shot)
      .map(([n, a]) => `${n} ${f3(a)}`)
      .join(', ')}`,
    s.heterogeneity
      ? `heterogeneity: shared ${f3(s.heterogeneity.shared)}, per type ${f3(s.heterogeneity.per_type)}`
      : 'heterogeneity: not run',
  ],
  reportViews: [v1RulesView],
};
