import { edgeColumn, edgeDelays, edgeWeights, type SonataCircuit, type SonataNodes } from './read.js';

/** Counts of a circuit as `sonata import` prints them: nodes per type, edges per type pair. */
export interface CircuitDescription {
  config: string;
  populations: {
    population: string;
    size: number;
    types: { id: number; model: string; count: number }[];
  }[];
  edges: {
    population: string;
    source: string;
    target: string;
    count: number;
    nsyns: number;
    /** Per (source node type, target node type): edges, synapses, summed weight (syn_weight x nsyns). */
    pairs: { sourceType: number; targetType: number; count: number; nsyns: number; weightSum: number }[];
    delaysMs: number[];
  }[];
}

/** The model a node type names: `model_template` without its `nest:` prefix, or `virtual`. */
export function nodeModel(type: { columns: Record<string, unknown> }): string {
  if (type.columns.model_type === 'virtual') return 'virtual';
  return String(type.columns.model_template ?? type.columns.model_type ?? '').replace(/^nest:/, '');
}

export function describeCircuit(circuit: SonataCircuit): CircuitDescription {
  const byName = new Map<string, SonataNodes>(circuit.nodes.map((n) => [n.population, n]));
  return {
    config: circuit.config,
    populations: circuit.nodes.map((n) => {
      const counts = new Map<number, number>();
      for (const t of n.nodeTypeId) counts.set(t, (counts.get(t) ?? 0) + 1);
      return {
        population: n.population,
        size: n.size,
        types: [...n.types.values()]
          .map((t) => ({ id: t.id, model: nodeModel(t), count: counts.get(t.id) ?? 0 }))
          .sort((a, b) => a.id - b.id),
      };
    }),
    edges: circuit.edges.map((e) => {
      const src = byName.get(e.source)!.nodeTypeId;
      const tgt = byName.get(e.target)!.nodeTypeId;
      const nsyns = edgeColumn(e, 'nsyns', 1);
      const weights = edgeWeights(e);
      const pairs = new Map<
        string,
        { sourceType: number; targetType: number; count: number; nsyns: number; weightSum: number }
      >();
      for (let k = 0; k < e.sourceNodeId.length; k++) {
        const s = src[e.sourceNodeId[k]];
        const t = tgt[e.targetNodeId[k]];
        const key = `${s}>${t}`;
        let p = pairs.get(key);
        if (!p) pairs.set(key, (p = { sourceType: s, targetType: t, count: 0, nsyns: 0, weightSum: 0 }));
        p.count++;
        p.nsyns += nsyns[k];
        p.weightSum += weights[k];
      }
      return {
        population: e.population,
        source: e.source,
        target: e.target,
        count: e.sourceNodeId.length,
        nsyns: nsyns.reduce((a, b) => a + b, 0),
        pairs: [...pairs.values()].sort((a, b) => a.sourceType - b.sourceType || a.targetType - b.targetType),
        delaysMs: [...new Set(edgeDelays(e))].sort((a, b) => a - b),
      };
    }),
  };
}
