import { z } from 'zod';
import { experimentFields } from '../../config.js';
import { getDatasetSpec } from '../../../data/index.js';
import {
  diehlCookOverridesSchema,
  diehlCookParameters,
  type DiehlCookParameters,
} from '../../../spiking/index.js';
import { formatAmount, modelBudget, overBudget, MODEL_BYTES } from '../../../util/budget.js';
import { ConfigError } from '../../../util/errors.js';

const count = z.number().int().nonnegative();
const imageCounts = z.strictObject({ trainImages: count, labelImages: count, testImages: count });

/**
 * Memory the network needs, estimated from its parameters as src/spiking/diehl-cook/network.ts allocates: per input
 * synapse its weight, delay, target index and last arrival, and their copies in a checkpoint; the delay index
 * (inputs x delay steps); the trace tables (40 time constants long) and a presentation's step tables.
 */
function networkBytes(p: DiehlCookParameters): number {
  const synapses = p.inputSize * p.neurons;
  const delaySteps = Math.round(p.inputDelayMaxMs / p.dtMs);
  const traces = [p.tauPreMs, p.tauPost1Ms, p.tauPost2Ms].reduce((n, tau) => n + (40 * tau) / p.dtMs + 2, 0);
  const presentSteps = p.presentMs / p.dtMs + 1;
  return 40 * synapses + 4 * p.inputSize * (delaySteps + 2) + 8 * traces + 8 * presentSteps + 100 * p.neurons;
}

type Issue = { path: PropertyKey[]; message: string };

function checkNetworkMemory(p: DiehlCookParameters): Issue | null {
  const bytes = networkBytes(p);
  const limit = modelBudget();
  if (bytes <= limit) return null;
  const found =
    `needs about ${formatAmount(bytes, 'bytes')}: ${p.neurons} neurons x ${p.inputSize} inputs, ` +
    `${p.presentMs / p.dtMs} steps per presentation, input delays up to ${p.inputDelayMaxMs} ms`;
  return { path: ['network'], message: overBudget(found, MODEL_BYTES, limit, bytes) };
}

/** Image counts within what the dataset holds (its full size; a partial copy is checked again when loaded). */
function checkCounts(dataset: string, counts: z.output<typeof imageCounts>, at: string): Issue[] {
  const spec = getDatasetSpec(dataset);
  const available = {
    trainImages: spec.trainCount,
    labelImages: spec.trainCount,
    testImages: spec.testCount,
  };
  return (Object.keys(available) as (keyof typeof available)[])
    .filter((k) => counts[k] > available[k])
    .map((k) => ({
      path: [at, k],
      message: `expected at most ${available[k]} (${spec.name} has ${available[k]} ${k === 'testImages' ? 'test' : 'training'} images)`,
    }));
}

/** An unsupervised STDP experiment (Diehl & Cook 2015) run by `neuroplast run`. */
export const diehlCookExperimentSchema = z
  .strictObject({
    ...experimentFields,
    task: z.strictObject({
      kind: z.literal('diehl-cook'),
      dataset: z.enum(['mnist', 'fashion-mnist']).default('mnist'),
      trainImages: count.default(60000),
      /** Training images presented frozen to label the neurons (the paper: the training set). */
      labelImages: count.default(10000),
      testImages: count.default(10000),
    }),
    /** Overrides of the Diehl & Cook defaults: the spiking model's own schema, checked again semantically when built. */
    network: diehlCookOverridesSchema.default({}),
    checkpoint: z.strictObject({ everyImages: count.default(5000) }).default({ everyImages: 5000 }),
    /** What `neuroplast run --quick` uses instead of the task's image counts. */
    quick: imageCounts.default({ trainImages: 1000, labelImages: 1000, testImages: 1000 }),
  })
  // The model's own checks of how its parameters relate, before any work, at the file's path of the field.
  .superRefine((cfg, ctx) => {
    const issues = [
      ...checkCounts(cfg.task.dataset, cfg.task, 'task'),
      ...checkCounts(cfg.task.dataset, cfg.quick, 'quick'),
    ];
    try {
      const memory = checkNetworkMemory(diehlCookParameters(cfg.network));
      if (memory) issues.push(memory);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const at = /^diehl-cook\.([\w.]+): (.*)$/.exec(err.message);
      issues.push({ path: ['network', ...(at ? at[1].split('.') : [])], message: at ? at[2] : err.message });
    }
    for (const issue of issues) ctx.addIssue({ code: 'custom', ...issue });
  });

export type DiehlCookExperimentConfig = z.output<typeof diehlCookExperimentSchema>;
