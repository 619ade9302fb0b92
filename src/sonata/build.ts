/**
 * A SONATA circuit as a neuroplast network: one group per node type of each population (NEST models through
 * `models.ts`), one spike-array group per virtual population, and one projection per edge population, source
 * group, target group and receptor, built from the edge lists (weights syn_weight x nsyns as BMTK's point
 * adaptor computes them, delays per edge). Every check runs before the first group is made.
 *
 * Receptors: NEST's glif_psc has one alpha synapse per `tau_syn` entry, addressed by the edge type's
 * `receptor_type` (port 1..N); its weights carry their sign. neuroplast's receptors each have a sign, so port p
 * becomes receptor `port{p}` (its transmitter the sign of its weights), or `port{p}+` and `port{p}-` when weights
 * of both signs reach it; weights are stored as magnitudes. iaf_psc_alpha and iaf_psc_delta take port 0 only, and
 * the sign picks `exc` or `inh`.
 */
import { DataFormatError } from '../util/errors.js';
import {
  GlifPscGroup,
  IafPscDeltaGroup,
  LifGroup,
  Network,
  type GlifPscReceptor,
  type SpikeSource,
} from '../spiking/index.js';
import { cellParameters, edgeTypeSynapse, type AlphaCellParameters, type CellParameters } from './models.js';
import { edgeDelays, edgeWeights, type SonataCircuit, type SonataNodes } from './read.js';
import type { SonataInput } from './simulation.js';

/** The neuroplast group of each node of a population, and where the node sits in it. */
export interface PopulationGroups {
  nodes: SonataNodes;
  virtual: boolean;
  groups: { typeId: number | null; group: SpikeSource; nodeIds: Int32Array }[];
  /** Per node id: the index in `groups` and the neuron's index in that group. */
  groupOf: Int32Array;
  localIndex: Int32Array;
}

export interface SonataNetwork {
  network: Network;
  populations: Map<string, PopulationGroups>;
}

/** A receptor a target type needs: its name, port and sign. */
interface ReceptorUse {
  name: string;
  port: number;
  transmitter: 'excitatory' | 'inhibitory';
}

/** The group name of a node type: the population and the type id (unique, safe in file names). */
export const groupName = (population: string, typeId: number): string => `${population}-${typeId}`;

const isVirtual = (nodes: SonataNodes) =>
  [...nodes.types.values()].every((t) => t.columns.model_type === 'virtual');

/**
 * The receptor each edge targets (by the target's model, the edge type's port and the weight's sign), checked
 * against the model: port 1..N for glif_psc, 0 otherwise.
 */
function receptorsOfEdges(
  circuit: SonataCircuit,
  params: Map<string, Map<number, CellParameters>>,
  weights: Map<string, Float64Array>,
): { perEdge: Map<string, string[]>; perType: Map<string, ReceptorUse[]> } {
  const byName = new Map(circuit.nodes.map((n) => [n.population, n]));
  // Which signs reach each (target type, port).
  const signs = new Map<string, Map<number, Set<'+' | '-'>>>();
  const ports = new Map<string, Int32Array>();
  for (const e of circuit.edges) {
    const target = byName.get(e.target)!;
    if (isVirtual(target))
      throw new DataFormatError(
        e.file,
        `edge population ${e.population} targets the virtual population ${e.target}`,
      );
    const portOfType = new Map(
      [...e.types.values()].map((t) => [t.id, edgeTypeSynapse(t, e.typesFile).receptorPort]),
    );
    const w = weights.get(e.population)!;
    const edgePorts = new Int32Array(w.length);
    for (let k = 0; k < w.length; k++) {
      const typeId = target.nodeTypeId[e.targetNodeId[k]];
      const cell = params.get(e.target)!.get(typeId)!;
      const port = portOfType.get(e.edgeTypeId[k])!;
      const ok = cell.model === 'glif_psc' ? port >= 1 && port <= cell.tauSynMs.length : port === 0;
      if (!ok)
        throw new DataFormatError(
          e.typesFile,
          `edge type ${e.edgeTypeId[k]}: receptor_type ${port} onto node type ${typeId} (${cell.model}) of ${e.target}: expected ${cell.model === 'glif_psc' ? `1..${cell.tauSynMs.length} (one per tau_syn)` : '0'}`,
        );
      edgePorts[k] = port;
      const key = `${e.target}/${typeId}`;
      const perPort = signs.get(key) ?? signs.set(key, new Map()).get(key)!;
      const set = perPort.get(port) ?? perPort.set(port, new Set()).get(port)!;
      set.add(w[k] < 0 ? '-' : '+');
    }
    ports.set(e.population, edgePorts);
  }
  const perType = new Map<string, ReceptorUse[]>();
  const nameOf = (key: string, cell: CellParameters, port: number, sign: '+' | '-') => {
    if (cell.model !== 'glif_psc') return sign === '+' ? 'exc' : 'inh';
    return signs.get(key)!.get(port)!.size === 2 ? `port${port}${sign}` : `port${port}`;
  };
  for (const [key, perPort] of signs) {
    const [pop, typeId] = [key.slice(0, key.lastIndexOf('/')), Number(key.slice(key.lastIndexOf('/') + 1))];
    const cell = params.get(pop)!.get(typeId)!;
    const uses: ReceptorUse[] = [];
    for (const [port, set] of [...perPort].sort((a, b) => a[0] - b[0]))
      for (const sign of ['+', '-'] as const)
        if (set.has(sign))
          uses.push({
            name: nameOf(key, cell, port, sign),
            port,
            transmitter: sign === '+' ? 'excitatory' : 'inhibitory',
          });
    perType.set(key, uses);
  }
  const perEdge = new Map<string, string[]>();
  for (const e of circuit.edges) {
    const target = byName.get(e.target)!;
    const w = weights.get(e.population)!;
    const edgePorts = ports.get(e.population)!;
    const names: string[] = new Array(w.length);
    for (let k = 0; k < w.length; k++) {
      const typeId = target.nodeTypeId[e.targetNodeId[k]];
      const key = `${e.target}/${typeId}`;
      names[k] = nameOf(key, params.get(e.target)!.get(typeId)!, edgePorts[k], w[k] < 0 ? '-' : '+');
    }
    perEdge.set(e.population, names);
  }
  return { perEdge, perType };
}

/**
 * Per-node parameter overrides neuroplast applies: V_th (GLIF cells, as a threshold offset) and V_m (the initial
 * potential, any model); any other is refused.
 */
function nodeOverrides(nodes: SonataNodes): { vth: Float64Array | null; vm: Float64Array | null } {
  const out = { vth: null as Float64Array | null, vm: null as Float64Array | null };
  for (const [name, values] of nodes.attributes) {
    if (!name.startsWith('dynamics_params.')) continue;
    const bad = values.findIndex((v) => !Number.isNaN(v) && !Number.isFinite(v));
    if (bad >= 0)
      throw new DataFormatError(
        nodes.file,
        `/nodes/${nodes.population}/*/${name.replace('.', '/')}: node ${bad}: expected a finite number, found ${values[bad]}`,
      );
    if (name === 'dynamics_params.V_th') out.vth = values;
    else if (name === 'dynamics_params.V_m') out.vm = values;
    else
      throw new DataFormatError(
        nodes.file,
        `/nodes/${nodes.population}/*/dynamics_params/${name.slice(16)}: per-node ${name.slice(16)} is not supported (per-node V_th and V_m are)`,
      );
  }
  return out;
}

/**
 * Builds the network of a circuit at time step `dtMs`, with `inputs` as the spikes of virtual populations (a
 * virtual population without input stays silent).
 */
export function buildSonataNetwork(
  circuit: SonataCircuit,
  dtMs: number,
  inputs: SonataInput[] = [],
): SonataNetwork {
  // Everything that can be refused is checked first.
  const params = new Map<string, Map<number, CellParameters>>();
  for (const nodes of circuit.nodes)
    params.set(
      nodes.population,
      new Map(
        isVirtual(nodes)
          ? []
          : [...nodes.types.values()].map((t) => [t.id, cellParameters(t, nodes.typesFile)]),
      ),
    );
  const weights = new Map(circuit.edges.map((e) => [e.population, edgeWeights(e)]));
  const delays = new Map(circuit.edges.map((e) => [e.population, edgeDelays(e)]));
  const { perEdge, perType } = receptorsOfEdges(circuit, params, weights);
  const thresholds = new Map(circuit.nodes.map((n) => [n.population, nodeOverrides(n)]));
  for (const nodes of circuit.nodes) {
    const o = thresholds.get(nodes.population)!;
    if ((o.vth || o.vm) && isVirtual(nodes))
      throw new DataFormatError(nodes.file, `/nodes/${nodes.population}: dynamics_params on virtual nodes`);
    if (o.vth)
      for (const t of nodes.types.values()) {
        const cell = params.get(nodes.population)!.get(t.id);
        if (
          cell &&
          cell.model !== 'glif_psc' &&
          nodes.nodeTypeId.some((id, i) => id === t.id && !Number.isNaN(o.vth![i]))
        )
          throw new DataFormatError(
            nodes.file,
            `/nodes/${nodes.population}/*/dynamics_params/V_th: per-node thresholds are supported on glif_psc cells, found them on node type ${t.id} (${cell.model})`,
          );
      }
  }

  const network = new Network(dtMs);
  const populations = new Map<string, PopulationGroups>();
  for (const nodes of circuit.nodes) {
    const groupOf = new Int32Array(nodes.size);
    const localIndex = new Int32Array(nodes.size);
    const groups: PopulationGroups['groups'] = [];
    if (isVirtual(nodes)) {
      const mine = inputs.filter((i) => i.population === nodes.population);
      const ids = mine.flatMap((i) => [...i.spikes.nodeIds]);
      const times = mine.flatMap((i) => [...i.spikes.timesMs]);
      const group = network.spikeSource(nodes.population, nodes.size, ids, times);
      groups.push({ typeId: null, group, nodeIds: Int32Array.from({ length: nodes.size }, (_, i) => i) });
      for (let i = 0; i < nodes.size; i++) localIndex[i] = i;
    } else {
      const { vth, vm } = thresholds.get(nodes.population)!;
      for (const type of [...nodes.types.values()].sort((a, b) => a.id - b.id)) {
        const ids: number[] = [];
        for (let i = 0; i < nodes.size; i++) if (nodes.nodeTypeId[i] === type.id) ids.push(i);
        if (ids.length === 0) continue;
        const cell = params.get(nodes.population)!.get(type.id)!;
        const name = groupName(nodes.population, type.id);
        const where = `${nodes.typesFile}: node type ${type.id}`;
        let group: GlifPscGroup | IafPscDeltaGroup | LifGroup;
        try {
          if (cell.model === 'iaf_psc_exp' || cell.model === 'iaf_cond_exp') {
            const current = cell.model === 'iaf_psc_exp';
            group = new LifGroup(
              name,
              ids.length,
              {
                cmPf: cell.cmPf,
                gLeakNs: cell.gLeakNs,
                eLeakMv: cell.eLeakMv,
                vThreshMv: cell.vThreshMv,
                vResetMv: cell.vResetMv,
                refractoryMs: cell.refractoryMs,
                biasCurrentPa: cell.biasCurrentPa,
                tauExcMs: cell.tauSynExMs,
                tauInhMs: cell.tauSynInMs,
                ...(current
                  ? { synapse: 'current', integrator: 'exact' }
                  : { synapse: 'conductance', eExcMv: cell.eExMv, eInhMv: cell.eInMv }),
              },
              dtMs,
            );
            group.v.fill(cell.vInitMv);
          } else if (cell.model === 'iaf_psc_delta') {
            const { cmPf, gLeakNs, eLeakMv, vThreshMv, vResetMv, refractoryMs, vInitMv, biasCurrentPa } =
              cell;
            const p = { cmPf, gLeakNs, eLeakMv, vThreshMv, vResetMv, refractoryMs, vInitMv, biasCurrentPa };
            group = new IafPscDeltaGroup(name, ids.length, p, dtMs);
          } else {
            const alpha = cell as AlphaCellParameters;
            const uses = perType.get(`${nodes.population}/${type.id}`) ?? [];
            const receptors: GlifPscReceptor[] = uses.map((u) => ({
              name: u.name,
              transmitter: u.transmitter,
              tauMs:
                alpha.model === 'glif_psc'
                  ? alpha.tauSynMs[u.port - 1]
                  : alpha.tauSynMs[u.name === 'exc' ? 0 : 1],
            }));
            // A cell nothing reaches still needs a receptor (the model's first).
            if (receptors.length === 0)
              receptors.push({
                name: alpha.model === 'glif_psc' ? 'port1' : 'exc',
                transmitter: 'excitatory',
                tauMs: alpha.tauSynMs[0],
              });
            group = new GlifPscGroup(
              name,
              ids.length,
              {
                cmPf: alpha.cmPf,
                gLeakNs: alpha.gLeakNs,
                eLeakMv: alpha.eLeakMv,
                vThreshMv: alpha.vThreshMv,
                vResetMv: alpha.vResetMv,
                refractoryMs: alpha.refractoryMs,
                vInitMv: alpha.vInitMv,
                biasCurrentPa: alpha.biasCurrentPa,
                ascAmpsPa: alpha.ascAmpsPa,
                ascDecayPerMs: alpha.ascDecayPerMs,
                ascRetention: alpha.ascRetention,
                receptors,
              },
              dtMs,
            );
            if (vth)
              ids.forEach((id, j) =>
                (group as GlifPscGroup).thresholdOffsetMv.set(
                  [Number.isNaN(vth[id]) ? 0 : vth[id] - cell.vThreshMv],
                  j,
                ),
              );
          }
        } catch (err) {
          throw new DataFormatError(
            `${where} (${type.dynamicsFile ?? 'no parameter file'})`,
            (err as Error).message,
          );
        }
        if (vm) ids.forEach((id, j) => Number.isNaN(vm[id]) || (group.v[j] = vm[id]));
        network.add(group);
        ids.forEach((id, j) => {
          groupOf[id] = groups.length;
          localIndex[id] = j;
        });
        groups.push({ typeId: type.id, group, nodeIds: Int32Array.from(ids) });
      }
    }
    populations.set(nodes.population, { nodes, virtual: isVirtual(nodes), groups, groupOf, localIndex });
  }

  for (const e of circuit.edges) {
    const src = populations.get(e.source)!;
    const tgt = populations.get(e.target)!;
    const w = weights.get(e.population)!;
    const d = delays.get(e.population)!;
    const names = perEdge.get(e.population)!;
    const deltaTarget = tgt.groups.map((g) => g.group instanceof IafPscDeltaGroup);
    const lists = new Map<
      string,
      { s: number; t: number; receptor: string; pre: number[]; post: number[]; w: number[]; d: number[] }
    >();
    for (let k = 0; k < w.length; k++) {
      const s = src.groupOf[e.sourceNodeId[k]];
      const t = tgt.groupOf[e.targetNodeId[k]];
      const key = `${s}/${t}/${names[k]}`;
      let l = lists.get(key);
      if (!l) lists.set(key, (l = { s, t, receptor: names[k], pre: [], post: [], w: [], d: [] }));
      l.pre.push(src.localIndex[e.sourceNodeId[k]]);
      l.post.push(tgt.localIndex[e.targetNodeId[k]]);
      l.w.push(Math.abs(w[k]));
      // NEST adds a delta synapse's weight in the step it arrives, an alpha or exponential synapse's at that step's
      // end; neuroplast's groups read input in the step after delivery, so delta targets take one step less.
      l.d.push(deltaTarget[t] ? Math.max(0, d[k] - dtMs) : d[k]);
    }
    for (const l of lists.values()) {
      const source = src.groups[l.s].group;
      const target = tgt.groups[l.t].group;
      network.connect(source, target, {
        name: `${e.population}:${source.name}->${target.name}:${l.receptor}`,
        connector: { kind: 'list', pre: l.pre, post: l.post, weights: l.w, delaysMs: l.d },
        weight: 0,
        receptor: l.receptor,
        seed: 0,
      });
    }
  }
  return { network, populations };
}
