import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  buildSonataNetwork,
  edgeColumn,
  edgeDelays,
  edgeWeights,
  exportSonata,
  H5Writer,
  h5Ready,
  loadConfig,
  readCircuit,
  readSimulation,
  readSpikes,
  simulateSonata,
  type SonataSimulation,
} from '../src/sonata/index.js';
import { cobaNetwork, cubaNetwork, GlifPscGroup, Network } from '../src/spiking/index.js';
import { CLI, ORACLE_PYTHON, REPO_ROOT, SONATA_EXAMPLES, tempDir, testNeeding } from './helpers.js';

const GLIFS = join(SONATA_EXAMPLES, 'point_450glifs');
const CELLS = join(SONATA_EXAMPLES, 'point_120cells');
const COMPONENTS = join(SONATA_EXAMPLES, 'point_components');

interface Brian2Result {
  rates_hz: Record<string, number>;
  cv: Record<string, number | null>;
  spikes: Record<string, number[]>;
}

function brian2(config: string, args: string[]): Brian2Result {
  const run = spawnSync(ORACLE_PYTHON, [join(REPO_ROOT, 'scripts', 'sonata_brian2.py'), config, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

/** A simulation config copied beside the original (same files), with its span and step changed. */
function variant(config: string, tstopMs: number, dtMs: number, dir = tempDir('np-sonata-run-')): string {
  const json = JSON.parse(readFileSync(config, 'utf8'));
  json.manifest.$BASE_DIR = join(config, '..');
  json.run = { ...json.run, tstop: tstopMs, dt: dtMs };
  if (typeof json.network === 'string') json.network = join(config, '..', json.network);
  const out = join(dir, 'config.simulation.json');
  writeFileSync(out, JSON.stringify(json));
  return out;
}

/** The single Scnn1a GLIF cell of point_450glifs (node 0) with its LGN edges, plus 20 inhibitory ones on port 2. */
async function singleCell(dir: string, dtMs: number, tstopMs: number): Promise<string> {
  await h5Ready();
  const circuit = await readCircuit(loadConfig(join(GLIFS, 'config.circuit.json'), 'circuit'));
  const lgn = circuit.edges.find((e) => e.population === 'lgn_to_v1')!;
  const nsyns = edgeColumn(lgn, 'nsyns', 1);
  const src: number[] = [];
  const n: number[] = [];
  const type: number[] = [];
  for (let k = 0; k < lgn.targetNodeId.length; k++)
    if (lgn.targetNodeId[k] === 0) {
      src.push(lgn.sourceNodeId[k]);
      n.push(nsyns[k]);
      type.push(100);
    }
  for (let i = 0; i < 20; i++) {
    src.push(i * 5);
    n.push(1 + (i % 3));
    type.push(101);
  }
  const net = join(dir, 'network');
  mkdirSync(net, { recursive: true });
  const nodes = new H5Writer(join(net, 'cell_nodes.h5'));
  nodes.signSonata();
  nodes.group('/nodes/cell/0');
  nodes.dataset('/nodes/cell/node_type_id', { values: [100], dtype: '<Q' });
  nodes.dataset('/nodes/cell/node_id', { values: [0], dtype: '<Q' });
  nodes.close();
  writeFileSync(
    join(net, 'cell_node_types.csv'),
    'node_type_id model_type model_template dynamics_params\n100 point_neuron nest:glif_psc 593618144_glif_lif_asc_psc.json\n',
  );
  for (const f of ['lgn_nodes.h5', 'lgn_node_types.csv'])
    copyFileSync(join(GLIFS, 'network', f), join(net, f));
  const edges = new H5Writer(join(net, 'lgn_cell_edges.h5'));
  edges.signSonata();
  edges.dataset('/edges/lgn_to_cell/source_node_id', { values: src, dtype: '<Q' });
  edges.stringAttribute('/edges/lgn_to_cell/source_node_id', 'node_population', 'lgn');
  edges.dataset('/edges/lgn_to_cell/target_node_id', { values: src.map(() => 0), dtype: '<Q' });
  edges.stringAttribute('/edges/lgn_to_cell/target_node_id', 'node_population', 'cell');
  edges.dataset('/edges/lgn_to_cell/edge_type_id', { values: type, dtype: '<I' });
  edges.dataset('/edges/lgn_to_cell/0/nsyns', { values: n, dtype: '<I' });
  edges.close();
  writeFileSync(
    join(net, 'lgn_cell_edge_types.csv'),
    'edge_type_id model_template syn_weight dynamics_params delay\n' +
      '100 static_synapse 11.0 LGN_to_GLIF.json 2.0\n101 static_synapse -6.5 i2e.json 2.0\n',
  );
  const circuit_ = {
    networks: {
      nodes: [
        { nodes_file: 'network/cell_nodes.h5', node_types_file: 'network/cell_node_types.csv' },
        { nodes_file: 'network/lgn_nodes.h5', node_types_file: 'network/lgn_node_types.csv' },
      ],
      edges: [
        { edges_file: 'network/lgn_cell_edges.h5', edge_types_file: 'network/lgn_cell_edge_types.csv' },
      ],
    },
    components: {
      point_neuron_models_dir: join(COMPONENTS, 'cell_models'),
      synaptic_models_dir: join(COMPONENTS, 'synaptic_models'),
    },
  };
  writeFileSync(join(dir, 'config.circuit.json'), JSON.stringify(circuit_));
  const sim = {
    run: { tstop: tstopMs, dt: dtMs },
    inputs: {
      lgn: {
        input_type: 'spikes',
        module: 'sonata',
        input_file: join(GLIFS, 'inputs', 'lgn_spikes.h5'),
        node_set: 'lgn',
      },
    },
    output: { spikes_file: 'spikes.h5' },
    network: 'config.circuit.json',
  };
  writeFileSync(join(dir, 'config.simulation.json'), JSON.stringify(sim));
  return join(dir, 'config.simulation.json');
}

testNeeding(
  ['sonata-examples', 'brian2', 'h5py'],
  'a single GLIF cell (4 receptor ports, 2 used, both signs) fires within one step of Brian2 on the same input spikes',
  async () => {
    const config = await singleCell(tempDir('np-sonata-cell-'), 0.01, 1000);
    const sim = await readSimulation(config);
    const ours = simulateSonata(sim);
    const theirs = brian2(config, ['--record', 'cell:0']);
    const a = [...ours.spikes[0].timesMs];
    const b = theirs.spikes['cell:0'];
    assert.ok(a.length >= 10, `${a.length} spikes`);
    assert.equal(a.length, b.length, `spike counts: neuroplast ${a.length}, Brian2 ${b.length}`);
    for (let k = 0; k < a.length; k++)
      assert.ok(Math.abs(a[k] - b[k]) <= 0.01 + 1e-9, `spike ${k}: neuroplast ${a[k]} ms, Brian2 ${b[k]} ms`);
  },
);

/** Rates of neuroplast and Brian2 for the same config, per group and population, within 10% (or 0.5 Hz). */
function compareRates(ours: Record<string, number>, theirs: Record<string, number>, what: string): void {
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort());
  for (const [k, r] of Object.entries(ours)) {
    const ref = theirs[k];
    assert.ok(
      Math.abs(r - ref) <= Math.max(0.1 * ref, 0.5),
      `${what}, ${k}: neuroplast ${r.toFixed(2)} Hz, Brian2 ${ref.toFixed(2)} Hz`,
    );
  }
}

/** The LGN spikes replaced by a Poisson realisation of `seed` (same rate per node), as another input sample. */
async function poissonLgn(config: string, seed: number, dir: string): Promise<string> {
  const [orig] = await readSpikes(join(GLIFS, 'inputs', 'lgn_spikes.h5'), 'lgn');
  const tstop = 3000;
  let state = seed * 2654435761 + 1;
  const uniform = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state + 0.5) / 2147483648;
  };
  const ids: number[] = [];
  const times: number[] = [];
  const perNode = new Map<number, number>();
  for (const i of orig.nodeIds) perNode.set(i, (perNode.get(i) ?? 0) + 1);
  for (const [node, count] of perNode) {
    const rate = count / tstop;
    for (let t = -Math.log(uniform()) / rate; t < tstop; t += -Math.log(uniform()) / rate) {
      ids.push(node);
      times.push(Math.round(t * 1000) / 1000);
    }
  }
  const file = join(dir, `lgn_${seed}.h5`);
  const w = new H5Writer(file);
  w.dataset('/spikes/lgn/timestamps', { values: times, dtype: '<d' });
  w.dataset('/spikes/lgn/node_ids', { values: ids, dtype: '<Q' });
  w.close();
  const json = JSON.parse(readFileSync(config, 'utf8'));
  json.inputs.LGN_spikes.input_file = file;
  const out = join(dir, `config.seed${seed}.json`);
  writeFileSync(out, JSON.stringify(json));
  return out;
}

testNeeding(
  ['sonata-examples', 'brian2', 'h5py'],
  'point_450glifs: rates and CV per node type within 10% of Brian2 (the given LGN spikes and a Poisson sample)',
  async () => {
    const dir = tempDir('np-sonata-450-');
    const base = variant(join(GLIFS, 'config.simulation.json'), 1000, 0.1, dir);
    const ours: Record<string, number>[] = [];
    const theirs: Record<string, number>[] = [];
    const cvOurs: Record<string, number | null>[] = [];
    const cvTheirs: Record<string, number | null>[] = [];
    for (const config of [base, await poissonLgn(base, 1, dir)]) {
      const r = simulateSonata(await readSimulation(config));
      const b = brian2(config, []);
      ours.push(r.ratesHz);
      theirs.push(b.rates_hz);
      cvOurs.push(r.cv);
      cvTheirs.push(b.cv);
    }
    const mean = (rs: Record<string, number>[]) =>
      Object.fromEntries(Object.keys(rs[0]).map((k) => [k, rs.reduce((s, r) => s + r[k], 0) / rs.length]));
    compareRates(mean(ours), mean(theirs), 'mean over 2 input samples');
    for (const k of Object.keys(ours[0])) {
      const a = cvOurs.map((c) => c[k]).filter((x): x is number => x !== null);
      const b = cvTheirs.map((c) => c[k]).filter((x): x is number => x !== null);
      if (a.length === 0 && b.length === 0) continue;
      const ma = a.reduce((s, x) => s + x, 0) / a.length;
      const mb = b.reduce((s, x) => s + x, 0) / b.length;
      assert.ok(
        Math.abs(ma - mb) <= 0.1 * mb,
        `CV of ${k}: neuroplast ${ma.toFixed(3)}, Brian2 ${mb.toFixed(3)}`,
      );
    }
    // The network is active (not a comparison of silences).
    assert.ok(ours[0]['v1-100'] > 5, `Scnn1a at ${ours[0]['v1-100']} Hz`);
  },
);

testNeeding(
  ['sonata-examples', 'brian2', 'h5py'],
  'point_120cells (iaf_psc_delta): rates within 10% of Brian2',
  async () => {
    const config = variant(join(CELLS, 'config.simulation.json'), 1000, 0.1);
    const ours = simulateSonata(await readSimulation(config));
    const theirs = brian2(config, []);
    compareRates(ours.ratesHz, theirs.rates_hz, 'point_120cells');
    assert.ok(ours.ratesHz.cortex > 1, `cortex at ${ours.ratesHz.cortex} Hz`);
  },
);

testNeeding(
  ['sonata-examples'],
  'export then import gives the same network, edge for edge, and the same spikes',
  async () => {
    const sim = await readSimulation(variant(join(GLIFS, 'config.simulation.json'), 200, 0.1));
    const built = buildSonataNetwork(sim.circuit, sim.dtMs, sim.inputs);
    const dir = tempDir('np-sonata-export-');
    const exported = await exportSonata(built.network, dir, {
      population: 'v1',
      inputPopulation: 'lgn',
      tstopMs: 200,
    });
    const again = await readSimulation(exported.simulationConfig);
    // Edge for edge: (source, target, signed weight, delay) of every edge, as multisets.
    const edges = (s: SonataSimulation) => {
      const byName = new Map(s.circuit.nodes.map((n) => [n.population, n]));
      const out: string[] = [];
      for (const e of s.circuit.edges) {
        const w = edgeWeights(e);
        const d = edgeDelays(e);
        for (let k = 0; k < w.length; k++)
          out.push(
            `${e.source}:${e.sourceNodeId[k]}>${e.target}:${e.targetNodeId[k]} ${Math.fround(w[k])} ${d[k].toFixed(6)}`,
          );
        void byName;
      }
      return out.sort();
    };
    // Node ids are kept: groups are written in the order built, and the original's types are contiguous blocks.
    assert.deepEqual(edges(again), edges(sim));
    assert.equal(exported.nodes, 550);
    assert.equal(exported.edges, 28555 + 36035);
    const a = simulateSonata(sim);
    const b = simulateSonata(again);
    assert.deepEqual(b.ratesHz, a.ratesHz);
    assert.deepEqual([...b.spikes[0].nodeIds], [...a.spikes[0].nodeIds]);
  },
);

testNeeding(
  ['sonata-examples'],
  'neuroplast run CONFIG.json writes spikes.h5, spikes.csv and summary.json with rates_hz',
  async () => {
    const out = join(tempDir('np-sonata-cli-'), 'run');
    const config = variant(join(GLIFS, 'config.simulation.json'), 300, 0.1);
    const run = spawnSync(process.execPath, [CLI, 'run', config, '--out', out, '--quiet'], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.kind, 'sonata');
    assert.ok(summary.rates_hz.v1 > 0);
    assert.ok('v1-100' in summary.rates_hz);
    const [spikes] = await readSpikes(join(out, 'spikes.h5'), 'v1');
    assert.equal(spikes.nodeIds.length, summary.spikes.v1);
    const csv = readFileSync(join(out, 'spikes.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'timestamps population node_ids');
    assert.equal(csv.length - 1, summary.spikes.v1);
    assert.ok(existsSync(join(out, 'report.html')));
    // h5py reads what we wrote, with SONATA's types.
    const check = spawnSync(
      ORACLE_PYTHON,
      [
        '-c',
        'import h5py,sys; f=h5py.File(sys.argv[1]); g=f["spikes/v1"]; print(g["node_ids"].dtype, g["timestamps"].dtype, g["timestamps"].attrs["units"], f.attrs["magic"], len(g["node_ids"]))',
        join(out, 'spikes.h5'),
      ],
      { encoding: 'utf8' },
    );
    if (check.status === 0) assert.equal(check.stdout.trim(), `uint64 float64 ms 2682 ${summary.spikes.v1}`);
  },
);

test('a glif-psc network with a spike-array input exports to SONATA and reads back', async () => {
  const net = new Network(0.1);
  const input = net.spikeSource('in', 3, [0, 1, 2], [1, 2, 3]);
  const cells = net.add(
    new GlifPscGroup(
      'cells',
      2,
      {
        cmPf: 60,
        gLeakNs: 6,
        eLeakMv: -70,
        vThreshMv: -50,
        vResetMv: -70,
        refractoryMs: 2,
        ascAmpsPa: [-10],
        ascDecayPerMs: [0.1],
        receptors: [
          { name: 'fast', tauMs: 2, transmitter: 'excitatory' },
          { name: 'slow', tauMs: 8, transmitter: 'inhibitory' },
        ],
      },
      0.1,
    ),
  );
  net.connect(input, cells, {
    connector: { kind: 'all-to-all' },
    weight: 5,
    delayMs: 1,
    receptor: 'fast',
    seed: 1,
  });
  net.connect(cells, cells, { connector: { kind: 'all-to-all' }, weight: 2, receptor: 'slow', seed: 1 });
  const dir = tempDir('np-sonata-small-');
  const r = await exportSonata(net, dir);
  const sim = await readSimulation(r.simulationConfig);
  assert.deepEqual(
    sim.circuit.nodes.map((n) => [n.population, n.size]),
    [
      ['network', 2],
      ['inputs', 3],
    ],
  );
  const w = sim.circuit.edges.map((e) => [e.population, [...edgeWeights(e)].sort((a, b) => a - b)]);
  assert.deepEqual(w, [
    ['network_to_network', [-2, -2]],
    ['inputs_to_network', [5, 5, 5, 5, 5, 5]],
  ]);
  const cell = sim.circuit.nodes[0].types.get(100)!;
  assert.deepEqual(cell.dynamicsParams.tau_syn, [2, 8]);
  // Type ids run on across files; the recurrent edges (no delay here) get NEST's shortest, one step.
  assert.equal(sim.circuit.edges[1].types.get(101)!.dynamicsParams.receptor_type, 1);
  assert.equal(sim.circuit.edges[0].types.get(100)!.dynamicsParams.receptor_type, 2);
  assert.deepEqual([...edgeDelays(sim.circuit.edges[0])], [0.1, 0.1]);
  assert.ok(r.notes.some((n) => /2 synapses with no delay written with one step/.test(n)));
  assert.deepEqual(
    sim.circuit.nodes.map((n) => [...n.types.values()].map((t) => [t.id, t.columns.ei])),
    [[[100, 'i']], [[101, 'e']]],
  );
  assert.equal(sim.inputs[0].spikes.nodeIds.length, 3);
});

/** A copy of point_450glifs with its component folder, to break. */
function glifsCopy(): string {
  const dir = tempDir('np-sonata-bad-');
  cpSync(GLIFS, join(dir, 'point_450glifs'), { recursive: true });
  cpSync(COMPONENTS, join(dir, 'point_components'), { recursive: true });
  return join(dir, 'point_450glifs');
}

async function buildRefusal(config: string): Promise<string> {
  try {
    const sim = await readSimulation(config);
    buildSonataNetwork(sim.circuit, sim.dtMs, sim.inputs);
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail('expected a refusal');
}

testNeeding(
  ['sonata-examples'],
  'models, synapses and ports neuroplast cannot run are refused before building',
  async () => {
    const dir = glifsCopy();
    const config = join(dir, 'config.simulation.json');
    const types = join(dir, 'network', 'v1_node_types.csv');
    const edgeTypes = join(dir, 'network', 'v1_v1_edge_types.csv');
    const original = readFileSync(types, 'utf8');
    const originalEdges = readFileSync(edgeTypes, 'utf8');
    writeFileSync(types, original.replace('nest:iaf_psc_alpha LIF_exc', 'nest:aeif_cond_alpha LIF_exc'));
    assert.match(
      await buildRefusal(config),
      /v1_node_types\.csv: node type 105: model_template: expected one of nest:glif_psc, nest:iaf_psc_alpha, nest:iaf_psc_delta, nest:iaf_psc_exp, nest:iaf_cond_exp, found "nest:aeif_cond_alpha"/,
    );
    writeFileSync(
      types,
      original.replace('point_neuron nest:glif_psc Scnn1a', 'biophysical ctdb:Biophys1.hoc Scnn1a'),
    );
    assert.match(
      await buildRefusal(config),
      /node type 100: model_type: expected point_neuron or virtual .*found "biophysical"/,
    );
    writeFileSync(types, original);
    const cell = join(dir, '..', 'point_components', 'cell_models', '593618144_glif_lif_asc_psc.json');
    const params = JSON.parse(readFileSync(cell, 'utf8'));
    writeFileSync(cell, JSON.stringify({ ...params, adapting_threshold: true }));
    assert.match(
      await buildRefusal(config),
      /593618144_glif_lif_asc_psc\.json: adapting_threshold: true selects GLIF5 .* which neuroplast does not model/,
    );
    writeFileSync(cell, JSON.stringify({ ...params, tau_syn: [5.5] }));
    assert.match(
      await buildRefusal(config),
      /v1_v1_edge_types\.csv: edge type 102: receptor_type 2 onto node type 100 \(glif_psc\) of v1: expected 1\.\.1 \(one per tau_syn\)/,
    );
    writeFileSync(cell, JSON.stringify({ ...params, V_thresh: -50 }));
    assert.match(await buildRefusal(config), /V_thresh: not a parameter of NEST's glif_psc/);
    writeFileSync(cell, JSON.stringify(params));
    writeFileSync(
      edgeTypes,
      originalEdges
        .trim()
        .split(/\r?\n/)
        .map((line, i) => `${line.trim()} ${i === 0 ? 'weight_function' : 'DirectionRule_others'}`)
        .join('\n'),
    );
    assert.match(
      await buildRefusal(config),
      /v1_v1_edge_types\.csv: edge type 100: weight_function: expected default_weight_fnc, set_syn_weight or wmax .*found "DirectionRule_others"/,
    );
    writeFileSync(edgeTypes, originalEdges.replace(/static_synapse 2\.5/, 'stdp_synapse 2.5'));
    assert.match(
      await buildRefusal(config),
      /edge type 100: model_template: expected static_synapse .*found "stdp_synapse"/,
    );
  },
);

testNeeding(
  ['brian2', 'h5py'],
  'the CUBA and COBA presets (LIF: iaf_psc_exp, iaf_cond_exp) exported: rates within 10% of Brian2; CUBA re-imported fires as the original',
  async () => {
    for (const [name, make] of [
      ['cuba', () => cubaNetwork()],
      ['coba', () => cobaNetwork()],
    ] as const) {
      const preset = make();
      // NEST's shortest delay is one step (the presets have none): give every synapse one, so the exported network
      // is the one simulated.
      for (const c of preset.net.connections) {
        c.projection.delaySteps.fill(1);
        c.projection.maxDelaySteps = 1;
      }
      const dir = tempDir(`np-sonata-${name}-`);
      const written = await exportSonata(preset.net, dir, { tstopMs: 300 });
      const sim = await readSimulation(written.simulationConfig);
      assert.deepEqual(
        sim.circuit.nodes[0].types.get(100)!.columns.model_template,
        name === 'cuba' ? 'nest:iaf_psc_exp' : 'nest:iaf_cond_exp',
      );
      const ours = simulateSonata(sim);
      compareRates(ours.ratesHz, brian2(written.simulationConfig, []).rates_hz, name);
      assert.ok(ours.ratesHz.network > 1, `${name} at ${ours.ratesHz.network} Hz`);
      if (name === 'cuba') {
        // Same cells (exact integration), same initial potentials (per-node V_m), same synapses: same spikes.
        preset.net.run(300);
        const original = new Int32Array(4000);
        preset.spikes[0].indices.forEach((i) => original[i]++);
        preset.spikes[1].indices.forEach((i) => original[3200 + i]++);
        const imported = new Int32Array(4000);
        ours.spikes[0].nodeIds.forEach((i) => imported[i]++);
        assert.deepEqual([...imported], [...original]);
      }
    }
  },
);

test('Poisson inputs are exported as a seeded sample of their process, which the imported network receives', async () => {
  const net = new Network(0.1);
  const noise = net.poisson('noise', 20, 25, 3);
  const cells = net.add(
    new GlifPscGroup(
      'cells',
      5,
      {
        cmPf: 60,
        gLeakNs: 6,
        eLeakMv: -70,
        vThreshMv: -55,
        vResetMv: -70,
        refractoryMs: 2,
        ascAmpsPa: [],
        ascDecayPerMs: [],
        receptors: [{ name: 'exc', tauMs: 2, transmitter: 'excitatory' }],
      },
      0.1,
    ),
  );
  net.connect(noise, cells, {
    connector: { kind: 'all-to-all' },
    weight: 30,
    delayMs: 1,
    receptor: 'exc',
    seed: 1,
  });
  const written = await exportSonata(net, tempDir('np-sonata-poisson-'), { tstopMs: 2000, seed: 7 });
  assert.ok(
    written.notes.some((n) =>
      /noise: Poisson input written as a sample of its process over 2000 ms \(seed 7\)/.test(n),
    ),
  );
  const sim = await readSimulation(written.simulationConfig);
  const spikes = sim.inputs[0].spikes;
  // 20 neurons x 25 Hz x 2 s: 1000 expected; a fixed seed, so the bound cannot flake.
  assert.ok(spikes.nodeIds.length > 850 && spikes.nodeIds.length < 1150, `${spikes.nodeIds.length} spikes`);
  assert.ok(spikes.timesMs.every((t) => t >= 0 && t < 2000));
  assert.ok(simulateSonata(sim).ratesHz.network > 0);
  const silent = await exportSonata(net, tempDir('np-sonata-poisson-'), { poissonSpikes: false });
  assert.deepEqual((await readSimulation(silent.simulationConfig)).inputs, []);
});

testNeeding(
  ['sonata-examples'],
  'the sonata CLI: import checks, builds and saves; export writes a saved network back',
  async () => {
    const dir = tempDir('np-sonata-cli2-');
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    const imported = cli(
      'sonata',
      'import',
      join(CELLS, 'config.simulation.json'),
      '--dt',
      '0.1',
      '--json',
      '--save',
      join(dir, 'net'),
    );
    assert.equal(imported.status, 0, imported.stderr);
    const d = JSON.parse(imported.stdout);
    assert.deepEqual(
      d.edges.map((e: { population: string; count: number }) => [e.population, e.count]),
      [
        ['cortex_to_cortex', 1469],
        ['thalamus_to_cortex', 1192],
      ],
    );
    const exported = cli(
      'sonata',
      'export',
      join(dir, 'out'),
      '--network',
      join(dir, 'net'),
      '--tstop',
      '100',
    );
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stdout, /220 nodes, 2661 edges written/);
    const sim = await readSimulation(join(dir, 'out', 'config.simulation.json'));
    assert.deepEqual(
      sim.circuit.nodes.map((n) => [
        n.population,
        n.size,
        [...n.types.values()].map((t) => t.columns.model_template ?? t.columns.model_type),
      ]),
      [
        ['network', 120, ['nest:iaf_psc_delta', 'nest:iaf_psc_delta']],
        ['inputs', 100, ['virtual']],
      ],
    );
    assert.equal(sim.tstopMs, 100);
    const bad = cli('sonata', 'export', join(dir, 'out2'));
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /give one of --network DIR and --v1/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  },
);
