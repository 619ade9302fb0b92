import type { TaskKind } from '../../task-kind.js';
import { diehlCookExperimentSchema, type DiehlCookExperimentConfig } from './config.js';
import { diehlCookView } from './report-view.js';
import { runDiehlCookExperiment, type DiehlCookSummary } from './run.js';

/** Unsupervised STDP learning of digits (Diehl & Cook 2015), read out by labelled neurons. */
export const diehlCookTask: TaskKind<DiehlCookExperimentConfig, DiehlCookSummary> = {
  name: 'diehl-cook',
  description: 'unsupervised STDP in a spiking network (Diehl & Cook 2015), read out by labelled neurons',
  schema: diehlCookExperimentSchema,
  quick: (cfg) => ({ ...cfg, task: { ...cfg.task, ...cfg.quick } }),
  run: runDiehlCookExperiment,
  describe: (s) => [
    `test accuracy: ${(100 * s.testAccuracy).toFixed(2)}% (proportion-weighted readout ${(100 * s.proportionAccuracy).toFixed(2)}%; ${s.dataset}, ${s.neurons} neurons, STDP on ${s.trainImages} images, labelled on ${s.labelImages}, ${s.testImages} test images)`,
  ],
  reportViews: [diehlCookView],
};
