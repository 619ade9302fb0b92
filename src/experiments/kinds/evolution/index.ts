import type { TaskKind } from '../../task-kind.js';
import { evolutionExperimentSchema, type EvolutionExperimentConfig } from './config.js';
import { evolutionView } from './report-view.js';
import { runEvolutionExperiment, type EvolutionSummary } from './run.js';

const fmt = (v: number) => (Math.abs(v) >= 1e-3 ? v.toFixed(4) : v.toExponential(2));

/** Ask/tell searches of a registered problem (plasticity rules, benchmarks), `neuroplast evolve`. */
export const evolutionTask: TaskKind<EvolutionExperimentConfig, EvolutionSummary> = {
  name: 'evolution',
  description: 'ask/tell evolutionary search of a registered problem (plasticity rules, benchmarks)',
  schema: evolutionExperimentSchema,
  quick: (cfg) => ({
    ...cfg,
    searches: Object.fromEntries(
      Object.entries(cfg.searches).map(([k, s]) => [
        k,
        { ...s, termination: { generations: cfg.quick.generations } },
      ]),
    ),
  }),
  parallel: () => true,
  run: runEvolutionExperiment,
  describe: (s) =>
    Object.entries(s.searches).map(([name, r]) => {
      const found = r.found
        ? `${r.found.equation}; ${Object.entries(r.found.assessment)
            .map(([k, v]) => `${k} ${fmt(v)}`)
            .join(', ')}`
        : `${r.front.length} on the front${r.igd !== undefined ? `, IGD ${fmt(r.igd)}` : ''}`;
      return `${name} (${r.strategy}, ${r.evaluations} evaluations, ${r.seconds.toFixed(1)} s): ${found}`;
    }),
  reportViews: [evolutionView],
};
