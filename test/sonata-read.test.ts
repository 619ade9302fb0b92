import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  describeCircuit,
  edgeDelays,
  edgeColumn,
  edgeWeights,
  H5Writer,
  h5Ready,
  loadConfig,
  readCircuit,
  readSimulation,
} from '../src/sonata/index.js';
import { ORACLE_PYTHON, REPO_ROOT, SONATA_EXAMPLES, tempDir, testNeeding } from './helpers.js';

const GLIFS = join(SONATA_EXAMPLES, 'point_450glifs');
const CELLS = join(SONATA_EXAMPLES, 'point_120cells');

interface OracleEdges {
  population: string;
  perEdge: { source: number[]; target: number[]; weight: number[]; delay: number[]; nsyns: number[] };
}

function oracle(config: string): {
  populations: unknown[];
  edges: (OracleEdges & Record<string, unknown>)[];
} {
  const run = spawnSync(ORACLE_PYTHON, [join(REPO_ROOT, 'scripts', 'sonata_oracle.py'), config], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

for (const [name, config] of [
  ['point_450glifs', join(GLIFS, 'config.simulation.json')],
  ['point_120cells', join(CELLS, 'config.simulation.json')],
] as const)
  testNeeding(
    ['sonata-examples', 'h5py'],
    `${name}: node counts per type, edges per type pair, every edge's weight, delay and nsyns equal h5py's reading`,
    async () => {
      const circuit = await readCircuit(loadConfig(config, 'simulation config'));
      const ours = describeCircuit(circuit);
      const theirs = oracle(config);
      assert.deepEqual(ours.populations, theirs.populations);
      assert.equal(ours.edges.length, theirs.edges.length);
      for (const [i, e] of circuit.edges.entries()) {
        const { perEdge, ...summary } = theirs.edges[i];
        const mine = ours.edges[i];
        assert.deepEqual({ ...mine, pairs: mine.pairs.map((p) => ({ ...p })) }, summary);
        assert.deepEqual([...e.sourceNodeId], perEdge.source);
        assert.deepEqual([...e.targetNodeId], perEdge.target);
        assert.deepEqual([...edgeWeights(e)], perEdge.weight);
        assert.deepEqual([...edgeDelays(e)], perEdge.delay);
        assert.deepEqual([...edgeColumn(e, 'nsyns', 1)], perEdge.nsyns);
      }
    },
  );

testNeeding(
  ['sonata-examples'],
  'point_450glifs: the published counts (design note) and the parameter files',
  async () => {
    const circuit = await readCircuit(loadConfig(join(GLIFS, 'config.circuit.json'), 'circuit config'));
    const d = describeCircuit(circuit);
    assert.deepEqual(
      d.populations[0].types.map((t) => t.count),
      [80, 80, 80, 30, 30, 75, 75],
    );
    assert.deepEqual(
      d.edges.map((e) => [e.population, e.count, e.nsyns]),
      [
        ['v1_to_v1', 28555, 71572],
        ['lgn_to_v1', 36035, 90106],
      ],
    );
    const scnn1a = circuit.nodes[0].types.get(100)!;
    assert.equal(scnn1a.dynamicsParams.V_th, -46.40370561385434);
    assert.deepEqual(scnn1a.dynamicsParams.tau_syn, [5.5, 8.5, 2.8, 5.8]);
    assert.equal(circuit.edges[0].types.get(102)!.dynamicsParams.receptor_type, 2);
    assert.ok(circuit.nodes[0].attributes.has('x'));
    assert.ok(circuit.nodes[0].attributes.has('rotation_angle_yaxis'));
    // Group 1 (the 150 outer cells) has no rotation: NaN there.
    assert.ok(Number.isNaN(circuit.nodes[0].attributes.get('rotation_angle_yaxis')![449]));
  },
);

testNeeding(['sonata-examples'], 'a simulation config: run span, step and the LGN spikes', async () => {
  const sim = await readSimulation(join(GLIFS, 'config.simulation.json'));
  assert.equal(sim.tstopMs, 3000);
  assert.equal(sim.dtMs, 0.001);
  assert.equal(sim.inputs.length, 1);
  assert.equal(sim.inputs[0].population, 'lgn');
  assert.equal(sim.inputs[0].spikes.nodeIds.length, 3044);
  assert.equal(sim.spikesFile, 'spikes.h5');
  assert.equal(sim.spikesCsvFile, 'spikes.csv');
  const cells = await readSimulation(join(CELLS, 'config.simulation.json'));
  assert.equal(cells.inputs[0].spikes.nodeIds.length, 3024);
  assert.deepEqual(cells.ignored, ['reports']);
});

/** A copy of point_120cells to break, with the shared parameter folder beside it. */
function brokenCopy(): string {
  const dir = tempDir('np-sonata-');
  cpSync(CELLS, join(dir, 'point_120cells'), { recursive: true });
  cpSync(join(SONATA_EXAMPLES, 'point_components'), join(dir, 'point_components'), { recursive: true });
  return join(dir, 'point_120cells');
}

async function refusal(config: string): Promise<string> {
  try {
    await readSimulation(config);
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail('expected a refusal');
}

testNeeding(
  ['sonata-examples'],
  'bad input is refused before building, naming file, dataset and value',
  async () => {
    await h5Ready();
    const dir = brokenCopy();
    const config = join(dir, 'config.simulation.json');
    const edit = (file: string, f: (s: string) => string) =>
      writeFileSync(file, f(readFileSync(file, 'utf8')));
    const original = (file: string) => copyFileSync(join(CELLS, file), join(dir, file));

    // A file named in a config is missing.
    edit(join(dir, 'config.circuit.json'), (s) => s.replace('cortex_nodes.h5', 'absent_nodes.h5'));
    assert.match(await refusal(config), /absent_nodes\.h5: nodes file not found/);
    original('config.circuit.json');

    // A manifest variable that does not exist.
    edit(config, (s) => s.replace('$INPUT_DIR/thalamus_spikes.h5', '$NOPE/thalamus_spikes.h5'));
    assert.match(
      await refusal(config),
      /config\.simulation\.json: inputs\.thalamus_spikes\.input_file: expected a manifest variable, found \$NOPE/,
    );
    original('config.simulation.json');

    // A node type the types table lacks.
    edit(join(dir, 'network/cortex_node_types.csv'), (s) => s.replace('\n101 ', '\n109 '));
    assert.match(
      await refusal(config),
      /cortex_nodes\.h5:\/nodes\/cortex\/node_type_id: node 80: expected a type of .*cortex_node_types\.csv \(100, 109\), found 101/,
    );
    original('network/cortex_node_types.csv');

    // A missing dynamics_params file.
    edit(join(dir, 'network/cortex_node_types.csv'), (s) => s.replace('iaf_psc_delta_exc.json', 'gone.json'));
    assert.match(
      await refusal(config),
      /cortex_node_types\.csv: line 2: dynamics_params: expected a file .*gone\.json, found none/,
    );
    original('network/cortex_node_types.csv');

    // An edge whose target id is out of range, and a dataset of the wrong type and shape.
    const edges = join(dir, 'network/cortex_cortex_edges.h5');
    const rewrite = (target: number[], typeIds: ArrayLike<number>, typeDtype: '<I' | '<d') => {
      const w = new H5Writer(edges);
      w.signSonata();
      w.group('/edges/cortex_to_cortex/0');
      w.dataset('/edges/cortex_to_cortex/source_node_id', { values: [0, 1], dtype: '<Q' });
      w.stringAttribute('/edges/cortex_to_cortex/source_node_id', 'node_population', 'cortex');
      w.dataset('/edges/cortex_to_cortex/target_node_id', { values: target, dtype: '<Q' });
      w.stringAttribute('/edges/cortex_to_cortex/target_node_id', 'node_population', 'cortex');
      w.dataset('/edges/cortex_to_cortex/edge_type_id', { values: typeIds, dtype: typeDtype });
      w.close();
    };
    rewrite([5, 120], [100, 101], '<I');
    assert.match(
      await refusal(config),
      /cortex_cortex_edges\.h5:\/edges\/cortex_to_cortex\/target_node_id: target node id \(population cortex has 120\) at index 1: expected 0\.\.119, found 120/,
    );
    rewrite([5, 6], [100.5, 101], '<d');
    assert.match(
      await refusal(config),
      /cortex_cortex_edges\.h5:\/edges\/cortex_to_cortex\/edge_type_id: expected integers, found float64\[2\]/,
    );
    rewrite([5, 6], [100, 101, 100], '<I');
    assert.match(await refusal(config), /source_node_id: expected shape \[3\], found uint64\[2\]/);
    original('network/cortex_cortex_edges.h5');

    // Spike inputs naming nodes the population lacks.
    const spikes = new H5Writer(join(dir, 'inputs/thalamus_spikes.h5'));
    spikes.dataset('/spikes/thalamus/timestamps', { values: [1, 2], dtype: '<d' });
    spikes.dataset('/spikes/thalamus/node_ids', { values: [3, 100], dtype: '<Q' });
    spikes.close();
    assert.match(
      await refusal(config),
      /thalamus_spikes\.h5:\/spikes\/thalamus\/node_ids: spike 1: expected a node id below 100 \(the population's size\), found 100/,
    );
    original('inputs/thalamus_spikes.h5');

    // An input kind neuroplast does not read.
    assert.match(
      await refusal(join(dir, 'config.simulation_iclamp.json')),
      /inputs\.current_clamp_1: expected input_type spikes with module sonata or h5, found input_type "current_clamp"/,
    );
    // Not a simulation config.
    assert.match(
      await refusal(join(dir, 'config.circuit.json')),
      /run: expected \{tstop, dt\}, found nothing/,
    );
    // Not HDF5 at all.
    writeFileSync(edges, 'not hdf5');
    assert.match(await refusal(config), /cortex_cortex_edges\.h5: expected an HDF5 file/);
  },
);
