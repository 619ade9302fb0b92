import type { TaskKind } from '../../task-kind.js';
import { quickV1Readout, v1ReadoutSchema, type V1ReadoutConfig } from './config.js';
import { v1ReadoutView } from './report-view.js';
import { runV1Readout, type V1ReadoutSummary } from './run.js';

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** A linear readout of the V1 model's responses to images, with and without plasticity during exposure. */
export const v1ReadoutTask: TaskKind<V1ReadoutConfig, V1ReadoutSummary> = {
  name: 'v1-readout',
  description: 'the mouse-V1 model: a linear readout of its responses to images, with and without plasticity',
  schema: v1ReadoutSchema,
  quick: quickV1Readout,
  run: runV1Readout,
  describe: (s) => [
    `${s.dataset}, ${s.neurons} neurons; ${s.images.exposure} exposure, ${s.images.train} readout training and ${s.images.test} test images`,
    ...s.conditions.map(
      (c) =>
        `${c.condition}: test accuracy ${pct(c.testAccuracy)} (train ${pct(c.trainAccuracy)})` +
        (c.condition === 'pixels' ? ' (the baseline)' : `, mean rate ${c.meanRateHz.toFixed(2)} Hz`) +
        (c.plasticSynapses > 0
          ? `, ${c.plasticSynapses} plastic synapses changed by ${pct(c.relativeWeightChange)} of their weight`
          : ''),
    ),
  ],
  reportViews: [v1ReadoutView],
};
