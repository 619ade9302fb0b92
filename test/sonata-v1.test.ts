import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  buildV1Column,
  describeColumn,
  describeV1Model,
  describeV1Sonata,
  exportV1Sonata,
  loadV1Tables,
} from '../src/cortex/index.js';
import { buildSonataNetwork, loadConfig, readCircuit } from '../src/sonata/index.js';
import { CLI, tempDir, testNeeding } from './helpers.js';

testNeeding(
  ['v1-tables'],
  'the V1 model at 5k exported as SONATA and read back describes identically',
  async () => {
    const tables = await loadV1Tables();
    const column = buildV1Column(tables, { neurons: 5000, seed: 0 });
    const dir = tempDir('np-sonata-v1-');
    const result = await exportV1Sonata(describeV1Model(tables, column), dir, tables.source, {
      poissonSpikes: false,
    });
    const circuit = await readCircuit(loadConfig(join(dir, 'config.circuit.json'), 'circuit config'));
    const { tables: source, ...description } = describeV1Sonata(circuit);
    assert.deepEqual(description, describeColumn(column));
    assert.equal(source, tables.source);
    // Positions and preferred directions travel as node attributes; per-neuron thresholds as dynamics_params.
    const v1 = circuit.nodes.find((n) => n.population === 'v1')!;
    assert.equal(v1.attributes.get('tuning_angle')![0], Math.fround(column.classes[0].tuningDeg[0]));
    assert.ok(v1.attributes.has('dynamics_params.V_th'));
    assert.ok(result.notes.some((n) => /background: Poisson input exported as silent virtual nodes/.test(n)));
    // The contract: `v1 describe` of the model and of its SONATA export print the same.
    const describe = (...args: string[]) => {
      const run = spawnSync(process.execPath, [CLI, 'v1', 'describe', ...args], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      return run.stdout;
    };
    assert.equal(describe('--sonata', join(dir, 'config.circuit.json')), describe('--neurons', '5000'));
    // It builds as a network again.
    const built = buildSonataNetwork(circuit, 0.25);
    assert.equal(built.populations.get('v1')!.groups.length, 17);
  },
);
