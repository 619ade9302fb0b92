/**
 * Writing a neuroplast network as SONATA that BMTK's point-neuron simulator (NEST) reads: one node population for
 * the neurons (one node type per group, its NEST parameters in a cell JSON), one virtual population for the input
 * groups, one edge population per (source population, target population) with per-edge `syn_weight` (signed: an
 * inhibitory receptor's weights are negative, as NEST wants them) and `delay`, edge types per projection naming the
 * receptor port, both edge indices, a circuit config and a simulation config. Spike-array inputs become a SONATA
 * spikes file; Poisson groups have no network form in SONATA and stay silent virtual nodes (the export says so).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataFormatError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { Connection, Network, SpikeSource } from '../spiking/index.js';
import { H5Writer, h5Ready } from './h5.js';
import { writeSpikesH5, type PopulationSpikes } from './simulate.js';

/** A group's NEST model and parameters, and how its receptors map to NEST ports and signs. */
interface NestCell {
  model: 'glif_psc' | 'iaf_psc_alpha' | 'iaf_psc_delta' | 'iaf_psc_exp' | 'iaf_cond_exp';
  params: Record<string, unknown>;
  /** Receptor name -> [NEST receptor port, sign of the weights]. */
  ports: Map<string, [number, 1 | -1]>;
  /** Per neuron, its own V_th where it differs from the type's (threshold offsets), else null. */
  nodeVth: Float64Array | null;
}

interface GroupLike {
  kind?: string;
  name: string;
  size: number;
  params?: Record<string, unknown>;
  thresholdOffsetMv?: Float32Array;
  cellType?: { transmitter: 'excitatory' | 'inhibitory' };
  receptors?: readonly { name: string; transmitter: string }[];
}

/** Poisson spikes an export writes at most (16 bytes each in the file). */
const MAX_POISSON_SPIKES = 50_000_000;

/** Input groups (spike arrays, Poisson, LGN sources): anything that is not a population with a membrane. */
const isInput = (g: GroupLike) => !('v' in g && 'exc' in g);

function offsets(g: GroupLike, vth: number): Float64Array | null {
  const o = g.thresholdOffsetMv;
  if (!o || o.every((x) => x === 0)) return null;
  return Float64Array.from(o, (x) => vth + x);
}

/** The NEST form of a group, or a refusal naming the group and its kind. */
function nestCell(g: GroupLike): NestCell {
  const p = (g.params ?? {}) as Record<
    string,
    number & number[] & { name: string; tauMs: number; transmitter: string }[]
  >;
  // NEST's membrane in its iaf form (tau_m; glif_psc takes g instead), and the port 0 of sign-chosen receptors.
  const iaf = {
    V_m: (p as Record<string, number>).vInitMv ?? p.eLeakMv,
    E_L: p.eLeakMv,
    C_m: p.cmPf,
    tau_m: p.cmPf / p.gLeakNs,
    t_ref: p.refractoryMs,
    V_th: p.vThreshMv,
    V_reset: p.vResetMv,
    I_e: (p as Record<string, number>).biasCurrentPa ?? 0,
  };
  const signedPort0 = (): NestCell['ports'] =>
    new Map([
      ['exc', [0, 1]],
      ['inh', [0, -1]],
    ]);
  if (g.kind === 'glif3' || g.kind === 'glif-psc') {
    const receptors: { name: string; tauMs: number; transmitter: string }[] =
      g.kind === 'glif3'
        ? [
            { name: 'exc', tauMs: p.tauExcMs, transmitter: 'excitatory' },
            { name: 'inh', tauMs: p.tauInhMs, transmitter: 'inhibitory' },
          ]
        : p.receptors;
    const amps: number[] = p.ascAmpsPa;
    const nodeVth = offsets(g, p.vThreshMv);
    const kept: number[] = (p as Record<string, number[]>).ascRetention ?? amps.map(() => 1);
    if (
      amps.length &&
      (p.ascDecayPerMs.some((k: number) => !(k > 0)) ||
        kept.some((r) => !(r >= 0 && r <= 1)) ||
        !(p.refractoryMs > 0))
    )
      throw new DataFormatError(
        `group ${g.name}`,
        `NEST's glif_psc needs after-spike decay rates > 0, retentions in [0, 1] and t_ref > 0, found ascDecayPerMs ${JSON.stringify(p.ascDecayPerMs)}, ascRetention ${JSON.stringify(kept)}, refractoryMs ${p.refractoryMs}`,
      );
    const [first, second] = receptors;
    // NEST's iaf_psc_alpha where it is one: no after-spike currents, receptors exc and inh, one threshold.
    if (
      amps.length === 0 &&
      !nodeVth &&
      receptors.length === 2 &&
      first.name === 'exc' &&
      first.transmitter === 'excitatory' &&
      second.name === 'inh' &&
      second.transmitter === 'inhibitory'
    )
      return {
        model: 'iaf_psc_alpha',
        params: { ...iaf, tau_syn_ex: first.tauMs, tau_syn_in: second.tauMs },
        ports: signedPort0(),
        nodeVth: null,
      };
    return {
      model: 'glif_psc',
      params: {
        V_m: iaf.V_m,
        V_th: iaf.V_th,
        g: p.gLeakNs,
        E_L: iaf.E_L,
        C_m: iaf.C_m,
        t_ref: iaf.t_ref,
        V_reset: iaf.V_reset,
        I_e: iaf.I_e,
        asc_init: amps.map(() => 0),
        asc_decay: [...p.ascDecayPerMs],
        asc_amps: [...amps],
        asc_r: [...((p as Record<string, number[]>).ascRetention ?? amps.map(() => 1))],
        tau_syn: receptors.map((r) => r.tauMs),
        spike_dependent_threshold: false,
        after_spike_currents: amps.length > 0,
        adapting_threshold: false,
      },
      ports: new Map(receptors.map((r, i) => [r.name, [i + 1, r.transmitter === 'inhibitory' ? -1 : 1]])),
      nodeVth,
    };
  }
  if (g.kind === 'iaf-psc-delta')
    return { model: 'iaf_psc_delta', params: iaf, ports: signedPort0(), nodeVth: null };
  if (g.kind === 'lif') {
    const conductance = (p as unknown as { synapse: string }).synapse === 'conductance';
    // A LifGroup starts at E_L; its current potentials travel per node.
    const { tau_m: tauM, ...membrane } = { ...iaf, V_m: p.eLeakMv };
    const common = { ...membrane, tau_syn_ex: p.tauExcMs, tau_syn_in: p.tauInhMs };
    return {
      model: conductance ? 'iaf_cond_exp' : 'iaf_psc_exp',
      params: conductance
        ? {
            ...common,
            g_L: p.gLeakNs,
            E_ex: (p as Record<string, number>).eExcMv,
            E_in: (p as Record<string, number>).eInhMv,
          }
        : { ...common, tau_m: tauM },
      ports: signedPort0(),
      nodeVth: null,
    };
  }
  throw new DataFormatError(
    `group ${g.name}`,
    `kind ${g.kind ?? 'unknown'}: SONATA export writes glif3, glif-psc, iaf-psc-delta and lif groups (NEST glif_psc, iaf_psc_delta, iaf_psc_exp, iaf_cond_exp); ${g.kind === 'izhikevich' ? "NEST's izhikevich takes delta synapses, not this group's exponential ones" : g.kind === 'adaptive-lif' ? 'its adaptive threshold has no NEST point-model counterpart' : 'no NEST form is known'}`,
  );
}

/** Node ranges per target (or source) as SONATA's index: node_id_to_range and range_to_edge_id. */
function index(nodeOf: Int32Array, nodeCount: number): { nodeToRange: number[]; rangeToEdge: number[] } {
  // nodeOf is sorted runs per node in edge order; each maximal run of one node is a range.
  const nodeToRange = new Array<number>(nodeCount * 2).fill(0);
  const rangeToEdge: number[] = [];
  const first = new Int32Array(nodeCount).fill(-1);
  const count = new Int32Array(nodeCount);
  for (let k = 0; k < nodeOf.length;) {
    const n = nodeOf[k];
    let end = k;
    while (end < nodeOf.length && nodeOf[end] === n) end++;
    if (first[n] < 0) first[n] = rangeToEdge.length / 2;
    rangeToEdge.push(k, end);
    count[n]++;
    k = end;
  }
  for (let n = 0; n < nodeCount; n++)
    if (first[n] >= 0) {
      nodeToRange[2 * n] = first[n];
      nodeToRange[2 * n + 1] = first[n] + count[n];
    }
  return { nodeToRange, rangeToEdge };
}

export interface SonataExportOptions {
  /** Name of the neuron population (default `network`) and of the input population (default `inputs`). */
  population?: string;
  inputPopulation?: string;
  /** Extra node-type columns per group name (e.g. a class's name and layer); values must not contain spaces. */
  nodeTypeColumns?: (group: SpikeSource) => Record<string, string | number>;
  /** Per-node numeric attributes per group (e.g. positions `x`, `y`, `z`), written in node group 0; each array has
   * the group's size, and nodes of groups without an attribute get NaN. */
  nodeAttributes?: (group: SpikeSource) => Record<string, ArrayLike<number>> | undefined;
  /** Extra edge-type columns per projection. */
  edgeTypeColumns?: (connection: Connection) => Record<string, string | number>;
  /** Extra top-level entries of the circuit config (e.g. `neuroplast: {...}`, what a model needs to describe
   * itself again); SONATA readers ignore keys they do not know. */
  circuitExtras?: Record<string, unknown>;
  /** Poisson inputs as a sample of their spikes over [0, tstop) (default), or silent virtual nodes (false). */
  poissonSpikes?: boolean;
  /** Seed of the Poisson sample (default 0). */
  seed?: number;
  /** The simulation config's run.tstop (ms; default 1000). */
  tstopMs?: number;
}

export interface SonataExportResult {
  circuitConfig: string;
  simulationConfig: string;
  nodes: number;
  edges: number;
  /** What the export could not carry (Poisson inputs, plasticity rules), for the user to read. */
  notes: string[];
}

/** A cell of a space-separated type table: quoted when it has a space or a quote. */
const cell = (v: string | number) => {
  const s = String(v);
  return /[\s"]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

function table(rows: Record<string, string | number>[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return `${[columns.join(' '), ...rows.map((r) => columns.map((c) => cell(r[c] ?? 'NULL')).join(' '))].join('\n')}\n`;
}

/** Writes `net` as a SONATA circuit and simulation config under `dir` (created; existing files are replaced). */
export async function exportSonata(
  net: Network,
  dir: string,
  options: SonataExportOptions = {},
): Promise<SonataExportResult> {
  await h5Ready();
  const population = options.population ?? 'network';
  const inputPopulation = options.inputPopulation ?? 'inputs';
  if (population === inputPopulation)
    throw new DataFormatError(
      'sonata export',
      `population and inputPopulation must differ, both are ${population}`,
    );
  const groups = net.groups as readonly (SpikeSource & GroupLike)[];
  const neurons = groups.filter((g) => !isInput(g));
  const inputs = groups.filter((g) => isInput(g));
  const cells = new Map(neurons.map((g) => [g, nestCell(g)]));
  const notes: string[] = [];
  // Node ids: groups one after the other, in network order, in each population.
  const offset = new Map<SpikeSource, [string, number]>();
  let n = 0;
  for (const g of neurons) offset.set(g, [population, (n += g.size) - g.size]);
  let m = 0;
  for (const g of inputs) offset.set(g, [inputPopulation, (m += g.size) - g.size]);

  const out = resolve(dir);
  for (const sub of ['network', 'components/cell_models', 'components/synaptic_models', 'inputs'])
    mkdirSync(join(out, sub), { recursive: true });

  // Nodes.
  let anyPerNode = false;
  /** A group's `ei`: its cell type's transmitter, else the one sign of all receptors it projects onto. */
  const eiOf = (g: SpikeSource & GroupLike): string => {
    if (g.cellType) return g.cellType.transmitter === 'excitatory' ? 'e' : 'i';
    const signs = new Set(
      net.connections
        .filter((c) => c.source === g && cells.has(c.target))
        .map((c) => cells.get(c.target)!.ports.get(c.projection.options.receptor)?.[1]),
    );
    return signs.size === 1 ? (signs.has(1) ? 'e' : signs.has(-1) ? 'i' : 'NULL') : 'NULL';
  };
  // Type ids are unique across all files (BMTK's sonata.File refuses a type id twice when it opens them together).
  const writeNodes = (
    pop: string,
    list: readonly (SpikeSource & GroupLike)[],
    virtual: boolean,
    typeBase: number,
  ) => {
    const size = list.reduce((s, g) => s + g.size, 0);
    const typeIds = new Float64Array(size);
    const rows: Record<string, string | number>[] = [];
    const vth = new Float64Array(size);
    let anyVth = false;
    const vm = new Float64Array(size);
    let anyVm = false;
    list.forEach((g, k) => {
      const [, first] = offset.get(g)!;
      typeIds.fill(typeBase + k, first, first + g.size);
      const extra = options.nodeTypeColumns?.(g) ?? {};
      const ei = eiOf(g);
      if (virtual) {
        rows.push({ node_type_id: typeBase + k, model_type: 'virtual', pop_name: g.name, ei, ...extra });
        if (g.kind !== 'spike-source' && g.kind !== 'poisson')
          notes.push(`${g.name}: ${g.kind ?? 'generated'} input exported as silent virtual nodes`);
        return;
      }
      const c = cells.get(g)!;
      const file = `${g.name.replace(/[^A-Za-z0-9._-]/g, '_')}_${c.model}.json`;
      writeFileSync(join(out, 'components/cell_models', file), `${JSON.stringify(c.params, null, 2)}\n`);
      rows.push({
        node_type_id: typeBase + k,
        model_type: 'point_neuron',
        model_template: `nest:${c.model}`,
        dynamics_params: file,
        pop_name: g.name,
        ei,
        ...extra,
      });
      const own = c.nodeVth;
      for (let i = 0; i < g.size; i++) vth[first + i] = own ? own[i] : (c.params.V_th as number);
      if (own) anyVth = true;
      // The membrane potential as it is now is each node's initial V_m where it differs from the type's.
      const v = (g as unknown as { v: Float32Array }).v;
      for (let i = 0; i < g.size; i++) {
        vm[first + i] = v[i];
        if (v[i] !== Math.fround(c.params.V_m as number)) anyVm = true;
      }
    });
    const h5 = new H5Writer(join(out, 'network', `${pop}_nodes.h5`));
    try {
      h5.signSonata();
      const base = `/nodes/${pop}`;
      h5.group(`${base}/0`);
      const ids = Float64Array.from({ length: size }, (_, i) => i);
      h5.dataset(`${base}/node_id`, { values: ids, dtype: '<Q' });
      h5.dataset(`${base}/node_type_id`, { values: typeIds, dtype: '<Q' });
      h5.dataset(`${base}/node_group_id`, { values: new Float64Array(size), dtype: '<I' });
      h5.dataset(`${base}/node_group_index`, { values: ids, dtype: '<Q' });
      if (anyVth || anyVm) anyPerNode = true;
      if (anyVth) h5.dataset(`${base}/0/dynamics_params/V_th`, { values: vth, dtype: '<d' });
      if (anyVm) h5.dataset(`${base}/0/dynamics_params/V_m`, { values: vm, dtype: '<d' });
      const attributes = new Map<string, Float64Array>();
      for (const g of list) {
        const [, first] = offset.get(g)!;
        for (const [name, values] of Object.entries(options.nodeAttributes?.(g) ?? {})) {
          if (values.length !== g.size)
            throw new DataFormatError(
              `group ${g.name}`,
              `node attribute ${name}: expected ${g.size} values, found ${values.length}`,
            );
          const all =
            attributes.get(name) ?? attributes.set(name, new Float64Array(size).fill(NaN)).get(name)!;
          for (let i = 0; i < g.size; i++) all[first + i] = values[i];
        }
      }
      for (const [name, values] of attributes) h5.dataset(`${base}/0/${name}`, { values, dtype: '<d' });
    } finally {
      h5.close();
    }
    writeFileSync(join(out, 'network', `${pop}_node_types.csv`), table(rows));
    return size;
  };
  const nodeCount = writeNodes(population, neurons, false, 100);
  const inputCount = inputs.length ? writeNodes(inputPopulation, inputs, true, 100 + neurons.length) : 0;
  if (anyPerNode)
    notes.push(
      'per-node V_th or V_m written as dynamics_params in node group 0 (SONATA); BMTK 0.x ignores per-node dynamics_params',
    );

  for (const c of net.connections) {
    if (!offset.has(c.source) || !offset.has(c.target))
      throw new DataFormatError(
        `projection ${c.projection.name}`,
        'connects a subgroup: SONATA export takes projections between whole groups',
      );
    if (isInput(c.target as GroupLike))
      notes.push(
        `${c.projection.name}: targets the input group ${c.target.name}, which receives nothing: not exported`,
      );
  }
  // Edges: per (source population, target population), sorted by target node.
  let edgeCount = 0;
  let edgeTypeId = 100;
  let clamped = 0;
  const edgeFiles: { edges_file: string; edge_types_file: string }[] = [];
  for (const sourcePop of [population, inputPopulation]) {
    const conns = net.connections.filter(
      (c) => offset.get(c.source)?.[0] === sourcePop && !isInput(c.target as GroupLike),
    );
    if (conns.length === 0) continue;
    const src: number[] = [];
    const tgt: number[] = [];
    const type: number[] = [];
    const weight: number[] = [];
    const delay: number[] = [];
    const rows: Record<string, string | number>[] = [];
    for (const c of conns) {
      const typeId = edgeTypeId++;
      const port = cells.get(c.target)!.ports.get(c.projection.options.receptor);
      if (!port)
        throw new DataFormatError(
          `projection ${c.projection.name}`,
          `receptor ${c.projection.options.receptor} has no NEST port on ${c.target.name}`,
        );
      const [, s0] = offset.get(c.source)!;
      const [, t0] = offset.get(c.target)!;
      const synapseFile = `${c.projection.name.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
      writeFileSync(
        join(out, 'components/synaptic_models', synapseFile),
        `${JSON.stringify(port[0] > 0 ? { receptor_type: port[0] } : {})}\n`,
      );
      rows.push({
        edge_type_id: typeId,
        model_template: 'static_synapse',
        dynamics_params: synapseFile,
        projection: c.projection.name,
        receptor: c.projection.options.receptor,
        ...(options.edgeTypeColumns?.(c) ?? {}),
      });
      if (c.plasticity)
        notes.push(
          `${c.projection.name}: plasticity (${c.plasticity.kind ?? 'a rule'}) not exported; weights as they are now`,
        );
      const p = c.projection;
      const delta = cells.get(c.target)!.model === 'iaf_psc_delta';
      for (let i = 0; i < p.sourceSize; i++)
        for (let q = p.rowStart[i]; q < p.rowStart[i + 1]; q++) {
          src.push(s0 + i);
          tgt.push(t0 + p.post[q]);
          type.push(typeId);
          weight.push(port[1] * p.weight[q]);
          // A delta target reads input one step later here than in NEST (see build.ts): one step more. Otherwise
          // NEST's shortest delay is one step, where neuroplast's 0 delivers one step sooner.
          const steps = delta ? p.delaySteps[q] + 1 : Math.max(1, p.delaySteps[q]);
          if (!delta && p.delaySteps[q] === 0) clamped++;
          delay.push(steps * p.dtMs);
        }
    }
    const order = Int32Array.from(src.keys()).sort((a, b) => tgt[a] - tgt[b] || src[a] - src[b]);
    const pick = (arr: number[]) => Float64Array.from(order, (k) => arr[k]);
    const [s, t] = [pick(src), pick(tgt)];
    const edgePop = `${sourcePop}_to_${population}`;
    const file = join(out, 'network', `${edgePop}_edges.h5`);
    const h5 = new H5Writer(file);
    try {
      h5.signSonata();
      const base = `/edges/${edgePop}`;
      const e = s.length;
      h5.group(`${base}/0`);
      h5.dataset(`${base}/source_node_id`, { values: s, dtype: '<Q' });
      h5.stringAttribute(`${base}/source_node_id`, 'node_population', sourcePop);
      h5.dataset(`${base}/target_node_id`, { values: t, dtype: '<Q' });
      h5.stringAttribute(`${base}/target_node_id`, 'node_population', population);
      h5.dataset(`${base}/edge_type_id`, { values: pick(type), dtype: '<I' });
      h5.dataset(`${base}/edge_group_id`, { values: new Float64Array(e), dtype: '<H' });
      h5.dataset(`${base}/edge_group_index`, {
        values: Float64Array.from({ length: e }, (_, i) => i),
        dtype: '<I',
      });
      h5.dataset(`${base}/0/syn_weight`, { values: pick(weight), dtype: '<d' });
      h5.dataset(`${base}/0/delay`, { values: pick(delay), dtype: '<d' });
      const byTarget = index(Int32Array.from(t), nodeCount);
      h5.dataset(`${base}/indices/target_to_source/node_id_to_range`, {
        values: byTarget.nodeToRange,
        dtype: '<Q',
        columns: 2,
      });
      h5.dataset(`${base}/indices/target_to_source/range_to_edge_id`, {
        values: byTarget.rangeToEdge,
        dtype: '<Q',
        columns: 2,
      });
      // By source: edge ids of each source node (not contiguous in a target-sorted file: one range per run).
      const bySourceOrder = Int32Array.from(s.keys()).sort((a, b) => s[a] - s[b] || a - b);
      const sourceCount = sourcePop === population ? nodeCount : inputCount;
      const nodeToRange = new Array<number>(sourceCount * 2).fill(0);
      const rangeToEdge: number[] = [];
      for (let k = 0; k < bySourceOrder.length;) {
        const node = s[bySourceOrder[k]];
        nodeToRange[2 * node] = rangeToEdge.length / 2;
        for (; k < bySourceOrder.length && s[bySourceOrder[k]] === node;) {
          const start = bySourceOrder[k];
          let end = start + 1;
          k++;
          while (k < bySourceOrder.length && bySourceOrder[k] === end && s[end] === node) {
            end++;
            k++;
          }
          rangeToEdge.push(start, end);
        }
        nodeToRange[2 * node + 1] = rangeToEdge.length / 2;
      }
      h5.dataset(`${base}/indices/source_to_target/node_id_to_range`, {
        values: nodeToRange,
        dtype: '<Q',
        columns: 2,
      });
      h5.dataset(`${base}/indices/source_to_target/range_to_edge_id`, {
        values: rangeToEdge,
        dtype: '<Q',
        columns: 2,
      });
    } finally {
      h5.close();
    }
    writeFileSync(join(out, 'network', `${edgePop}_edge_types.csv`), table(rows));
    edgeFiles.push({
      edges_file: `$NETWORK_DIR/${edgePop}_edges.h5`,
      edge_types_file: `$NETWORK_DIR/${edgePop}_edge_types.csv`,
    });
    edgeCount += s.length;
  }

  if (clamped)
    notes.push(
      `${clamped} synapses with no delay written with one step (${net.dtMs} ms), NEST's shortest delay`,
    );
  // Spike-array inputs as a SONATA spikes file.
  const spikes: PopulationSpikes = {
    population: inputPopulation,
    nodeIds: new Int32Array(0),
    timesMs: new Float64Array(0),
  };
  const ids: number[] = [];
  const times: number[] = [];
  for (const g of inputs)
    if (g.kind === 'spike-source') {
      const state = (
        g as unknown as { saveState(): { steps: Float64Array; indices: Int32Array } }
      ).saveState();
      const [, first] = offset.get(g)!;
      state.indices.forEach((i, k) => {
        ids.push(first + i);
        times.push(state.steps[k] * g.dtMs);
      });
    }
  if (ids.length)
    notes.push(`spike-array input times written on the ${net.dtMs} ms step they were simulated at`);
  // Poisson inputs: a sample of the same process over [0, tstop), so that the network has its drive in BMTK.
  const tstopMs = options.tstopMs ?? 1000;
  const poisson = inputs.filter((g) => g.kind === 'poisson');
  if (options.poissonSpikes ?? true) {
    const expected = poisson.reduce(
      (s, g) =>
        s + ((g as unknown as { rateHz: Float32Array }).rateHz.reduce((a, r) => a + r, 0) * tstopMs) / 1000,
      0,
    );
    if (expected > MAX_POISSON_SPIKES)
      throw new DataFormatError(
        'sonata export',
        `Poisson inputs would need about ${Math.round(expected)} spikes over ${tstopMs} ms (at most ${MAX_POISSON_SPIKES}): shorten tstop or export them silent`,
      );
    poisson.forEach((g, k) => {
      const rng = new Rng(options.seed ?? 0, 9000 + k);
      const [, first] = offset.get(g)!;
      const rates = (g as unknown as { rateHz: Float32Array }).rateHz;
      for (let i = 0; i < g.size; i++) {
        const perMs = rates[i] / 1000;
        if (!(perMs > 0)) continue;
        for (
          let t = -Math.log(1 - rng.float()) / perMs;
          t < tstopMs;
          t += -Math.log(1 - rng.float()) / perMs
        ) {
          ids.push(first + i);
          times.push(t);
        }
      }
      notes.push(
        `${g.name}: Poisson input written as a sample of its process over ${tstopMs} ms (seed ${options.seed ?? 0})`,
      );
    });
  } else for (const g of poisson) notes.push(`${g.name}: Poisson input exported as silent virtual nodes`);
  spikes.nodeIds = Int32Array.from(ids);
  spikes.timesMs = Float64Array.from(times);
  const hasSpikes = ids.length > 0;
  if (hasSpikes) await writeSpikesH5(join(out, 'inputs', `${inputPopulation}_spikes.h5`), [spikes]);

  const circuit = {
    ...options.circuitExtras,
    manifest: {
      $BASE_DIR: '${configdir}',
      $NETWORK_DIR: '$BASE_DIR/network',
      $COMPONENTS_DIR: '$BASE_DIR/components',
    },
    components: {
      point_neuron_models_dir: '$COMPONENTS_DIR/cell_models',
      synaptic_models_dir: '$COMPONENTS_DIR/synaptic_models',
    },
    networks: {
      nodes: [
        {
          nodes_file: `$NETWORK_DIR/${population}_nodes.h5`,
          node_types_file: `$NETWORK_DIR/${population}_node_types.csv`,
        },
        ...(inputs.length
          ? [
              {
                nodes_file: `$NETWORK_DIR/${inputPopulation}_nodes.h5`,
                node_types_file: `$NETWORK_DIR/${inputPopulation}_node_types.csv`,
              },
            ]
          : []),
      ],
      edges: edgeFiles,
    },
  };
  const simulation = {
    manifest: { $BASE_DIR: '${configdir}', $OUTPUT_DIR: '$BASE_DIR/output', $INPUT_DIR: '$BASE_DIR/inputs' },
    target_simulator: 'NEST',
    run: { tstop: tstopMs, dt: net.dtMs },
    inputs: hasSpikes
      ? {
          [`${inputPopulation}_spikes`]: {
            input_type: 'spikes',
            module: 'sonata',
            input_file: `$INPUT_DIR/${inputPopulation}_spikes.h5`,
            node_set: inputPopulation,
          },
        }
      : {},
    output: {
      output_dir: '$OUTPUT_DIR',
      spikes_file: 'spikes.h5',
      spikes_file_csv: 'spikes.csv',
      overwrite_output_dir: true,
    },
    network: 'config.circuit.json',
  };
  const circuitConfig = join(out, 'config.circuit.json');
  const simulationConfig = join(out, 'config.simulation.json');
  writeFileSync(circuitConfig, `${JSON.stringify(circuit, null, 2)}\n`);
  writeFileSync(simulationConfig, `${JSON.stringify(simulation, null, 2)}\n`);
  return { circuitConfig, simulationConfig, nodes: nodeCount + inputCount, edges: edgeCount, notes };
}
