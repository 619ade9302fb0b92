import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getBackend, setBackend } from '../src/engine/index.js';
import { runExperiment, validateAnyExperiment } from '../src/experiments/index.js';
import { REPO_ROOT, tempDir } from './helpers.js';

/** Two tiny runs whose summaries were written by an earlier build; refactors must leave them bit for bit. */
const EXPERIMENTS: Record<string, object> = {
  classification: {
    name: 'golden-mlp',
    seed: 11,
    task: {
      kind: 'classification',
      dataset: 'mnist',
      trainFraction: 0.01,
      validationFraction: 0.1,
      normalize: 'standardize',
    },
    model: { type: 'mlp', hidden: [24] },
    learner: {
      optimizer: { name: 'neuroplastic', lr: 0.05, warmupEpochs: 1 },
      batchSize: 32,
      epochs: 2,
      schedule: { type: 'cosine', warmupSteps: 4 },
      clipGradNorm: 5,
      evalBatchSize: 500,
    },
  },
  'diehl-cook': {
    name: 'golden-dc',
    seed: 5,
    task: { kind: 'diehl-cook', dataset: 'mnist', trainImages: 30, labelImages: 20, testImages: 20 },
    // The golden summary was written when the default lateral inhibition was the paper's 17.
    network: { neurons: 16, inhToExcWeight: 17 },
  },
};

const golden = JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'golden', 'run-summaries.json'), 'utf8')) as {
  runs: Record<string, Record<string, unknown>>;
};

for (const [name, experiment] of Object.entries(EXPERIMENTS))
  test(`a ${name} run on the reference kernels gives the summary an earlier build wrote (test/golden)`, async () => {
    const previous = getBackend().name;
    setBackend('reference');
    try {
      const r = await runExperiment({
        config: validateAnyExperiment(experiment, name),
        outDir: join(tempDir(), 'run'),
        quiet: true,
      });
      const { datasetSource, kind, ...summary } = r.summary as unknown as Record<string, unknown>;
      assert.equal(typeof datasetSource, 'string');
      // Summaries name their kind since the task-kind registry; the golden classification one predates it.
      assert.equal(kind, name);
      const expected = { ...golden.runs[name] };
      delete expected.kind;
      assert.deepEqual(summary, expected);
    } finally {
      setBackend(previous);
    }
  });
